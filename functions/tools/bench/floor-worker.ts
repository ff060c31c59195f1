// One worker thread of the broadcast floor (floor.ts): its share of the shards, a few at a time.
import { workerData } from "node:worker_threads";
import { initializeApp } from "firebase-admin/app";
import { type DocumentData, FieldValue, getFirestore, Timestamp } from "firebase-admin/firestore";
import { SANDBOX_OUTBOX } from "../../src/messaging/sandbox.js";
import { deliveriesOf } from "../../src/notifications/documents.js";

export interface FloorJob {
  notificationId: string;
  /** A broadcast's outbox document and delivery, copied for every device. */
  outbox: DocumentData;
  ledger: DocumentData;
  /** Device document paths, a shard each. */
  shards: string[][];
  concurrency: number;
}

async function main(job: FloorJob): Promise<void> {
  const db = getFirestore(initializeApp({ projectId: process.env.GCLOUD_PROJECT }));
  let next = 0;
  const sendShards = async () => {
    while (next < job.shards.length) {
      const shard = job.shards[next++]!;
      const devices = await db.getAll(...shard.map((path) => db.doc(path)));
      const outbox = db.batch();
      for (const d of devices)
        outbox.set(db.collection(SANDBOX_OUTBOX).doc(), {
          ...job.outbox,
          notificationId: job.notificationId,
          deviceId: d.id,
          at: FieldValue.serverTimestamp(),
        });
      await outbox.commit();
      const ledger = db.batch();
      const entries = deliveriesOf(db, job.notificationId).withConverter(null);
      for (const d of devices)
        ledger.set(entries.doc(d.id), { ...job.ledger, deviceId: d.id, updatedAt: FieldValue.serverTimestamp(), expireAt: Timestamp.now() });
      await ledger.commit();
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, sendShards));
}

main(workerData as FloorJob).then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
