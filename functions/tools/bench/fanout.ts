// Fan-out: end-to-end time through the real trigger (create notifications/{id}, wait for a terminal
// status), and the Firestore operations of the domain function run in this process on a collection
// without a trigger, with the counting wrapper.

import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { getApp } from "firebase-admin/app";
import type { DocumentReference, Firestore } from "firebase-admin/firestore";
import { getFirestore } from "firebase-admin/firestore";
import { TERMINAL_STATUSES } from "../../src/notifications/documents.js";
import { countOperations, type OperationCounts } from "./counting.js";
import { fanOutInProcess, inProcess } from "./pipeline.js";
import { progress } from "./report.js";
import { deleteDocuments, deleteNotification, type SeedDevice, seedDevices } from "./seed.js";
import { median } from "./stats.js";

export const DEVICE_COUNTS = [1, 10, 100, 500, 1000] as const;
/** Devices per recipient: 1,000 devices are 500 users, the most one notification may target. */
const DEVICES_PER_USER = 2;
const POLL_MS = 10;
const TIMEOUT_MS = 120_000;
/** A database without triggers, so only this process runs the fan-out of its documents. */
const DIRECT_DATABASE = "bench";

let seq = 0;

/** k devices of ceil(k / 2) fresh users, and the notification document that targets them all. */
function audience(k: number) {
  const tag = `${Date.now().toString(36)}-${++seq}`;
  const users = Array.from({ length: Math.ceil(k / DEVICES_PER_USER) }, (_, u) => `bench-fan-${tag}-u${u}`);
  const devices: SeedDevice[] = Array.from({ length: k }, (_, i) => ({
    uid: users[Math.floor(i / DEVICES_PER_USER)]!,
    token: `bench-${tag}-device-${i}`,
  }));
  const doc = {
    userIds: users,
    title: "Benchmark",
    body: `Fan-out to ${k} device(s)`,
    imageUrl: "https://example.com/bench.png",
    data: { kind: "bench", k },
  };
  return { devices, doc };
}

function checkOutcome(k: number, data: FirebaseFirestore.DocumentData | undefined) {
  if (data?.status !== "sent" || data?.stats?.sent !== k) {
    throw new Error(`fan-out to ${k} devices ended ${data?.status} with stats ${JSON.stringify(data?.stats)}; expected sent to all`);
  }
}

export interface EndToEndSample {
  devices: number;
  /** Server clock: the document's last update (the terminal status) minus its creation. */
  serverMs: number;
  /** Client clock: from before the create call to the poll that saw the terminal status. */
  observedMs: number;
}

/** Creates notifications/{id} for k seeded devices and polls until the trigger's fan-out ends. */
async function endToEnd(db: Firestore, k: number): Promise<EndToEndSample> {
  const { devices, doc } = audience(k);
  const deviceRefs = await seedDevices(db, devices);
  const ref = db.collection("notifications").doc(`bench-${randomUUID()}`);
  const t0 = performance.now();
  await ref.create(doc);
  for (;;) {
    const snap = await ref.get();
    if ((TERMINAL_STATUSES as readonly unknown[]).includes(snap.get("status"))) {
      const observedMs = performance.now() - t0;
      checkOutcome(k, snap.data());
      const serverMs = snap.updateTime!.toMillis() - snap.createTime!.toMillis();
      await cleanUp(db, ref, deviceRefs);
      return { devices: k, serverMs, observedMs };
    }
    if (performance.now() - t0 > TIMEOUT_MS) throw new Error(`fan-out to ${k} devices did not finish in ${TIMEOUT_MS / 1000} s`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

async function cleanUp(db: Firestore, ref: DocumentReference, devices: DocumentReference[]) {
  await deleteNotification(db, ref);
  await deleteDocuments(db, devices);
}

export interface EndToEndResult {
  runs: EndToEndSample[][];
  median: Array<{ devices: number; serverMs: number; observedMs: number; msPerDevice: number }>;
  /** T(1000) / T(1), server clock, taken within each run, then the median. */
  ratio: number;
  ratioPerRun: number[];
}

export async function benchFanoutEndToEnd(db: Firestore, options: { runs: number }): Promise<EndToEndResult> {
  progress("fan-out: warming up the trigger (1 device)");
  await endToEnd(db, 1);
  const runs: EndToEndSample[][] = [];
  for (let run = 1; run <= options.runs; run++) {
    // Alternate the order of sizes between runs, so drift does not favour small or large ones.
    const sizes = run % 2 === 1 ? [...DEVICE_COUNTS] : [...DEVICE_COUNTS].reverse();
    const samples: EndToEndSample[] = [];
    for (const k of sizes) {
      const sample = await endToEnd(db, k);
      samples.push(sample);
      progress(`fan-out run ${run}/${options.runs}: ${String(k).padStart(4)} devices: ${sample.serverMs} ms (observed ${sample.observedMs.toFixed(0)} ms)`);
    }
    samples.sort((a, b) => a.devices - b.devices);
    runs.push(samples);
  }
  const ratioPerRun = runs.map((r) => r.find((s) => s.devices === 1000)!.serverMs / r.find((s) => s.devices === 1)!.serverMs);
  return {
    runs,
    median: DEVICE_COUNTS.map((k) => {
      const serverMs = median(runs.map((r) => r.find((s) => s.devices === k)!.serverMs));
      return { devices: k, serverMs, observedMs: median(runs.map((r) => r.find((s) => s.devices === k)!.observedMs)), msPerDevice: serverMs / k };
    }),
    ratio: median(ratioPerRun),
    ratioPerRun,
  };
}

export interface OperationsSample {
  devices: number;
  /** Shards the planner made (the production default of 250 devices each). */
  shards: number;
  counts: OperationCounts;
  /** The domain function's time in this process (no trigger dispatch). */
  ms: number;
}

/** fanOutNotification for k devices, run here with the sandbox, with its Firestore operations counted. */
async function counted(_db: Firestore, k: number): Promise<OperationsSample> {
  const db = getFirestore(getApp(), DIRECT_DATABASE);
  const { devices, doc } = audience(k);
  const deviceRefs = await seedDevices(db, devices);
  const ref = db.collection("notifications").doc(`bench-${randomUUID()}`);
  await ref.create(doc);
  const run = inProcess(db);
  const t0 = performance.now();
  const { counts } = await countOperations(() => fanOutInProcess(run, ref.id));
  const ms = performance.now() - t0;
  const outcome = (await ref.get()).data();
  checkOutcome(k, outcome);
  await cleanUp(db, ref, deviceRefs);
  return { devices: k, shards: outcome?.plan?.shards ?? 0, counts, ms };
}

export interface OperationsResult {
  runs: OperationsSample[][];
  /** Per k: the median run's counts (counts are deterministic) and median times. */
  median: Array<OperationsSample & { lookupMs: number; commitMs: number }>;
  /** False when runs of one k counted differently (they should not). */
  deterministic: boolean;
}

export async function benchFanoutOperations(db: Firestore, options: { runs: number }): Promise<OperationsResult> {
  const runs: OperationsSample[][] = [];
  for (let run = 1; run <= options.runs; run++) {
    const samples: OperationsSample[] = [];
    for (const k of DEVICE_COUNTS) {
      const sample = await counted(db, k);
      samples.push(sample);
      const c = sample.counts;
      progress(
        `fan-out operations run ${run}/${options.runs}: ${String(k).padStart(4)} devices: ${c.reads} reads, ${c.writes - c.writesByKind.outbox} writes (+${c.writesByKind.outbox} sandbox outbox), ${sample.ms.toFixed(0)} ms in process, of which ${c.queryMs.toFixed(0)} ms device lookup`,
      );
    }
    runs.push(samples);
  }
  const signature = (s: OperationsSample) => JSON.stringify({ ...s.counts, queryMs: 0, commitMs: 0 });
  let deterministic = true;
  const med = DEVICE_COUNTS.map((k, i) => {
    const all = runs.map((r) => r[i]!);
    if (new Set(all.map(signature)).size > 1) deterministic = false;
    const byTotal = [...all].sort((a, b) => a.counts.reads + a.counts.writes - (b.counts.reads + b.counts.writes));
    return {
      devices: k,
      shards: all[0]!.shards,
      counts: byTotal[Math.floor((byTotal.length - 1) / 2)]!.counts,
      ms: median(all.map((s) => s.ms)),
      lookupMs: median(all.map((s) => s.counts.queryMs)),
      commitMs: median(all.map((s) => s.counts.commitMs)),
    };
  });
  return { runs, median: med, deterministic };
}
