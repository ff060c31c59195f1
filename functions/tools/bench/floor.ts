// The floor under a broadcast on the emulators: the Firestore work that any design does per device
// on the sandbox, timed alone on the same database right after the 100,000-device broadcast. The
// planner must stream the audience's device keys (the planner's own query, `select()`); each device
// is then read, its message written to the sandbox outbox (CONTRACT §3: one document a message) and
// its outcome to the ledger. No tasks, leases, shard records, progress or outcome: what the
// pipeline adds on top is the broadcast's time minus this. Worker threads stand in for the
// Functions emulator's worker processes, as many shards at once as the send queue dispatches here.
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import { type DocumentData, type Firestore, QueryDocumentSnapshot, Timestamp } from "firebase-admin/firestore";
import { SANDBOX_OUTBOX } from "../../src/messaging/sandbox.js";
import { audienceSegments } from "../../src/notifications/audience.js";
import { deliveriesOf } from "../../src/notifications/documents.js";
import type { FloorJob } from "./floor-worker.js";
import { progress } from "./report.js";
import { deleteNotification } from "./seed.js";

/** The send queue's concurrency on the emulators (functions/.env.local), and the shard size there. */
const CONCURRENT_SHARDS = 6;
const SHARD_SIZE = 250;
const THREADS = 3;

export interface FloorSample {
  devices: number;
  /** The planner's query alone: every active device's key. */
  streamMs: number;
  /** Shards a second that stream alone would plan (250 devices a shard). */
  streamShardsPerSecond: number;
  /** Reading every device by key, writing its outbox message and its ledger entry, 6 shards at once. */
  sendMs: number;
}

/** A document's fields without its timestamps (each worker writes its own), fit to pass to a thread. */
function withoutTimes(data: DocumentData | undefined): DocumentData | undefined {
  return data && Object.fromEntries(Object.entries(data).filter(([, value]) => !(value instanceof Timestamp)));
}

function runWorker(job: FloorJob): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(join(__dirname, "floor-worker.js"), { workerData: job });
    worker.once("error", reject);
    worker.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`floor worker exited with ${code}`))));
  });
}

/** Times the floor on the devices in `db`, with the outbox and ledger documents of `sample` as templates. */
export async function benchFloor(db: Firestore, sample: string): Promise<FloorSample> {
  const t0 = performance.now();
  const keys: string[] = [];
  const [query] = audienceSegments(db, { kind: "broadcast" });
  for await (const doc of query!.select().stream()) if (doc instanceof QueryDocumentSnapshot) keys.push(doc.ref.path);
  const streamMs = performance.now() - t0;
  progress(`floor: streamed ${keys.length} device keys in ${(streamMs / 1000).toFixed(1)} s`);

  const outbox = withoutTimes((await db.collection(SANDBOX_OUTBOX).where("notificationId", "==", sample).limit(1).get()).docs[0]?.data());
  const ledger = withoutTimes((await deliveriesOf(db, sample).limit(1).get()).docs[0]?.data());
  if (!outbox || !ledger) throw new Error(`floor: no outbox or delivery of ${sample} to copy`);
  const notificationId = `bench-floor-${randomUUID()}`;
  const shards: string[][] = [];
  for (let i = 0; i < keys.length; i += SHARD_SIZE) shards.push(keys.slice(i, i + SHARD_SIZE));
  const t1 = performance.now();
  await Promise.all(
    Array.from({ length: THREADS }, (_, t) =>
      runWorker({ notificationId, outbox, ledger, shards: shards.filter((_, i) => i % THREADS === t), concurrency: CONCURRENT_SHARDS / THREADS }),
    ),
  );
  const sendMs = performance.now() - t1;
  progress(`floor: read, outbox and ledger of ${keys.length} devices in ${(sendMs / 1000).toFixed(1)} s; deleting what it wrote`);

  await deleteNotification(db, db.collection("notifications").doc(notificationId));
  return { devices: keys.length, streamMs, streamShardsPerSecond: Math.round((keys.length / SHARD_SIZE / streamMs) * 1000), sendMs };
}
