// Broadcast: a `broadcast: true` notification to every device, 10,000 and then 100,000 of them,
// through the real trigger, planner and send tasks on the emulators (the tasks emulator paces the
// send queue at the deployed rate). Measures time, devices per second, tasks, and the peak memory
// of the Functions emulator's worker processes; Firestore operations per device come from the same
// pipeline run in this process (where they can be counted) at smaller sizes.

import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { getApp } from "firebase-admin/app";
import { type Firestore, getFirestore, Timestamp } from "firebase-admin/firestore";
import { isTerminal } from "../../src/notifications/documents.js";
import { restoreSessionTransport, useTransport } from "../fcm-fake/client.js";
import { countOperations, type OperationCounts } from "./counting.js";
import { benchFloor, type FloorSample } from "./floor.js";
import { fanOutInProcess, inProcess } from "./pipeline.js";
import { progress } from "./report.js";
import { type SeedDevice, seedDevices } from "./seed.js";

export const BROADCAST_SIZES = [10_000, 100_000] as const;
export const COUNTED_SIZES = [1_000, 10_000] as const;
const DEVICES_PER_USER = 4;
const POLL_MS = 200;
const TIMEOUT_MS = 15 * 60_000;

export interface BroadcastSample {
  notificationId: string;
  devices: number;
  /** Server clock: the notification's creation to its terminal status. */
  serverMs: number;
  devicesPerSecond: number;
  shards: number;
  /** Shards the planner created per second: from the notification's creation to its last shard's. */
  plannerShardsPerSecond: number;
  /** Shards sent per second over the whole run. */
  sendShardsPerSecond: number;
  /** Send tasks (one per shard) plus the planner's tasks, from the tasks emulator's statistics. */
  tasks: number;
  /** Peak resident memory of one function worker process, and of all of them at once, MiB. */
  peakWorkerRssMiB: number;
  peakTotalRssMiB: number;
  workers: number;
  peakRssByFunctionMiB: Record<string, number>;
}

export interface CountedSample {
  devices: number;
  shards: number;
  counts: OperationCounts;
}

export interface BroadcastResult {
  runs: BroadcastSample[];
  counted: CountedSample[];
  /** T(100k) / T(10k). */
  ratio: number;
  /** Peak RSS of one worker at 100k over the same at 10k. */
  rssRatio: number;
  /** With --fcm fake: the 10,000-device broadcast again, through firebase-admin to the FCM fake. */
  fake?: BroadcastSample;
  /** The Firestore work of the 100,000-device broadcast without the pipeline, on the same database (floor.ts). */
  floor: FloorSample;
}

/**
 * The Functions emulator runs each invocation in a worker process started from this script, one
 * function per process (named in its FUNCTION_TARGET). Returns the peak of one process by function.
 */
function workerRss(): { max: number; total: number; count: number; byFunction: Record<string, number> } {
  let max = 0;
  let total = 0;
  let count = 0;
  const byFunction: Record<string, number> = {};
  for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("functionsEmulatorRuntime")) continue;
      const rssKiB = Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
      const target = /(?:^|\0)FUNCTION_TARGET=([^\0]*)/.exec(readFileSync(`/proc/${pid}/environ`, "utf8"))?.[1] ?? "unknown";
      byFunction[target] = Math.max(byFunction[target] ?? 0, Math.round(rssKiB / 1024));
      max = Math.max(max, rssKiB);
      total += rssKiB;
      count++;
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return { max: max / 1024, total: total / 1024, count, byFunction };
}

function devicesFor(tag: string, from: number, to: number): SeedDevice[] {
  return Array.from({ length: to - from }, (_, i) => {
    const n = from + i;
    return { uid: `bench-bc-${tag}-u${Math.floor(n / DEVICES_PER_USER)}`, token: `bench-bc-${tag}-${n}`, type: (["ios", "android", "web"] as const)[n % 3] };
  });
}

async function tasksAdded(): Promise<number> {
  const host = process.env.CLOUD_TASKS_EMULATOR_HOST ?? "127.0.0.1:9499";
  const stats = (await (await fetch(`http://${host}/queueStats`)).json()) as Record<string, { tasksAdded: number }>;
  // tasksAdded is the count over the last five minutes, divided by five.
  return Object.values(stats).reduce((sum, q) => sum + Math.round(q.tasksAdded * 5), 0);
}

/** From the notification's creation to the creation of its last shard record, in ms. */
async function planningMs(ref: FirebaseFirestore.DocumentReference, createdAt: number): Promise<number> {
  const last = await ref.collection("shards").orderBy("createdAt", "desc").limit(1).get();
  const at: unknown = last.docs[0]?.get("createdAt");
  return at instanceof Timestamp ? at.toMillis() - createdAt : 0;
}

/** Sends one broadcast through the emulators and waits for it, sampling the workers' memory. */
async function broadcastOnce(db: Firestore, devices: number, others: number): Promise<BroadcastSample> {
  const ref = db.collection("notifications").doc(`bench-broadcast-${randomUUID()}`);
  const tasksBefore = await tasksAdded();
  let peak = { max: 0, total: 0, count: 0, byFunction: {} as Record<string, number> };
  const t0 = performance.now();
  await ref.create({ broadcast: true, title: "Benchmark broadcast", body: `To ${devices} devices`, data: { kind: "bench" } });
  for (;;) {
    const rss = workerRss();
    const byFunction = { ...peak.byFunction };
    for (const [fn, mib] of Object.entries(rss.byFunction)) byFunction[fn] = Math.max(byFunction[fn] ?? 0, mib);
    peak = { max: Math.max(peak.max, rss.max), total: Math.max(peak.total, rss.total), count: Math.max(peak.count, rss.count), byFunction };
    const snap = await ref.get();
    const data = snap.data();
    if (isTerminal(data?.status)) {
      if (data?.status !== "sent" || data.stats?.sent !== devices + others) {
        throw new Error(`broadcast to ${devices} devices ended ${data?.status} with ${JSON.stringify(data?.stats)}`);
      }
      const serverMs = snap.updateTime!.toMillis() - snap.createTime!.toMillis();
      const shards = data.plan?.shards ?? 0;
      const planMs = await planningMs(ref, snap.createTime!.toMillis());
      const p = data.progress;
      progress(
        `broadcast: ${devices} devices in ${(serverMs / 1000).toFixed(1)} s (${shards} shards, planned in ${(planMs / 1000).toFixed(1)} s; last progress ${p?.devicesDone}/${p?.devicesPlanned}); peak RSS by function ${JSON.stringify(peak.byFunction)} MiB`,
      );
      return {
        notificationId: ref.id,
        devices,
        serverMs,
        devicesPerSecond: Math.round((devices / serverMs) * 1000),
        shards,
        plannerShardsPerSecond: Math.round((shards / Math.max(planMs, 1)) * 1000),
        sendShardsPerSecond: Math.round((shards / serverMs) * 1000 * 10) / 10,
        tasks: (await tasksAdded()) - tasksBefore,
        peakWorkerRssMiB: Math.round(peak.max),
        peakTotalRssMiB: Math.round(peak.total),
        workers: peak.count,
        peakRssByFunctionMiB: peak.byFunction,
      };
    }
    if (performance.now() - t0 > TIMEOUT_MS) throw new Error(`broadcast to ${devices} devices did not finish in ${TIMEOUT_MS / 60_000} min`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** The same pipeline in this process, on a database of its own, with every operation counted. */
async function countedBroadcast(devices: number): Promise<CountedSample> {
  const db = getFirestore(getApp(), `bench-broadcast-${devices}`);
  const tag = randomUUID().slice(0, 8);
  await seedDevices(db, devicesFor(tag, 0, devices));
  const ref = db.collection("notifications").doc(`counted-${tag}`);
  await ref.create({ broadcast: true, title: "Counted broadcast" });
  const run = inProcess(db);
  const { counts } = await countOperations(() => fanOutInProcess(run, ref.id));
  const data = (await ref.get()).data();
  if (data?.status !== "sent" || data.stats?.sent !== devices) throw new Error(`counted broadcast ended ${data?.status}`);
  progress(
    `broadcast operations: ${devices} devices, ${counts.reads} reads, ${counts.writes - counts.writesByKind.outbox} writes (+${counts.writesByKind.outbox} sandbox outbox)`,
  );
  return { devices, shards: data.plan?.shards ?? 0, counts };
}

/** The same broadcast with the functions on MESSAGING_TRANSPORT=fcm, talking to the FCM fake. */
async function broadcastOnFake(db: Firestore, devices: number, others: number): Promise<BroadcastSample> {
  progress(`broadcast: ${devices} devices again, through firebase-admin's sendEach to the FCM fake`);
  await useTransport("fake");
  try {
    return await broadcastOnce(db, devices, others);
  } finally {
    await restoreSessionTransport();
  }
}

export async function benchBroadcast(db: Firestore, options: { fcm?: "fake" } = {}): Promise<BroadcastResult> {
  const counted: CountedSample[] = [];
  for (const size of COUNTED_SIZES) counted.push(await countedBroadcast(size));

  // A broadcast reaches every active device, including any an earlier scenario left.
  const others = (await db.collectionGroup("devices").where("active", "==", true).count().get()).data().count;
  const tag = randomUUID().slice(0, 8);
  const runs: BroadcastSample[] = [];
  let fake: BroadcastSample | undefined;
  let seeded = 0;
  for (const size of BROADCAST_SIZES) {
    progress(`broadcast: seeding devices ${seeded + 1}-${size}`);
    let reported = 0;
    await seedDevices(db, devicesFor(tag, seeded, size), (written, total) => {
      if (written - reported < 20_000 && written !== total) return;
      reported = written;
      progress(`broadcast: seeded ${seeded + written}/${size}`);
    });
    seeded = size;
    runs.push(await broadcastOnce(db, size, others));
    if (options.fcm === "fake" && size === BROADCAST_SIZES[0]) fake = await broadcastOnFake(db, size, others);
  }
  const [small, large] = runs;
  const floor = await benchFloor(db, large!.notificationId);
  return { runs, counted, ratio: large!.serverMs / small!.serverMs, rssRatio: large!.peakWorkerRssMiB / small!.peakWorkerRssMiB, fake, floor };
}
