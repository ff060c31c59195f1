// Deleting a large notification: a notification with 100,000 delivery records (and its shards) is
// deleted, and the deployed deletion trigger removes every record. Measures the time from the
// document's deletion to the last record gone. The records are written here directly (the ledger
// of a finished send, without sending it) so that the scenario measures deletion alone.

import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { type Firestore, Timestamp } from "firebase-admin/firestore";
import { progress } from "./report.js";

export const DELETION_SIZE = 100_000;
const TIMEOUT_MS = 15 * 60_000;

export interface DeletionResult {
  deliveries: number;
  shards: number;
  seconds: number;
  recordsPerSecond: number;
}

async function seedRecords(db: Firestore, id: string, deliveries: number): Promise<number> {
  const writer = db.bulkWriter({ throttling: false });
  const now = Timestamp.now();
  const shards = Math.ceil(deliveries / 250);
  for (let i = 0; i < deliveries; i++) {
    const deviceId = randomUUID().replace(/-/g, "");
    void writer.set(db.doc(`notifications/${id}/deliveries/${deviceId}`), {
      userId: `bench-del-u${i}`,
      deviceId,
      status: "sent",
      attempts: 1,
      updatedAt: now,
      expireAt: now,
    });
    if ((i + 1) % 25_000 === 0) progress(`deletion: seeded ${i + 1}/${deliveries} deliveries`);
  }
  for (let s = 0; s < shards; s++) {
    void writer.set(db.doc(`notifications/${id}/shards/${String(s).padStart(6, "0")}`), {
      index: s,
      devices: [],
      size: 250,
      status: "done",
      attempts: 1,
      dueAt: null,
      createdAt: now,
      updatedAt: now,
      expireAt: now,
    });
  }
  await writer.close();
  return shards;
}

export async function benchDeletion(db: Firestore, deliveries = DELETION_SIZE): Promise<DeletionResult> {
  const id = `bench-deletion-${randomUUID()}`;
  const ref = db.doc(`notifications/${id}`);
  // A finished notification (its trigger finds no devices for this user); then its records.
  await ref.create({ userId: `bench-del-nobody-${randomUUID()}`, title: "Deleted" });
  const shards = await seedRecords(db, id, deliveries);
  const t0 = performance.now();
  await ref.delete();
  for (;;) {
    const left = (await ref.collection("deliveries").count().get()).data().count + (await ref.collection("shards").count().get()).data().count;
    if (left === 0) break;
    if (performance.now() - t0 > TIMEOUT_MS) throw new Error(`deletion: ${left} records left after ${TIMEOUT_MS / 60_000} min`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const seconds = (performance.now() - t0) / 1000;
  progress(`deletion: ${deliveries} deliveries and ${shards} shards deleted in ${seconds.toFixed(1)} s`);
  return { deliveries, shards, seconds, recordsPerSecond: Math.round((deliveries + shards) / seconds) };
}
