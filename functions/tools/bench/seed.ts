// Devices written straight into Firestore, in the shape registerDevice stores them, and removal of
// everything a scenario wrote, so one scenario's documents never weigh on the next one's timings.
import type { DocumentReference, Firestore } from "firebase-admin/firestore";
import { deviceDocument, deviceIdOf, type DeviceSeed } from "../../src/devices/registry.js";

export type SeedDevice = DeviceSeed;

const BATCH = 500;
/** Batches committed at once: enough to keep the emulator busy, few enough for 2 cores. */
const PARALLEL_BATCHES = 4;


export function deviceRef(db: Firestore, d: Pick<SeedDevice, "uid" | "token">): DocumentReference {
  return db.doc(`users/${d.uid}/devices/${deviceIdOf(d.token)}`);
}

/** Writes the devices in batches of 500, a few batches at a time; reports progress per batch. */
export async function seedDevices(
  db: Firestore,
  devices: readonly SeedDevice[],
  onProgress?: (written: number, total: number) => void,
): Promise<DocumentReference[]> {
  const refs = devices.map((d) => deviceRef(db, d));
  let written = 0;
  const batches: number[] = [];
  for (let i = 0; i < devices.length; i += BATCH) batches.push(i);
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const start = batches[next++]!;
      const batch = db.batch();
      devices.slice(start, start + BATCH).forEach((d, j) => batch.set(refs[start + j]!, deviceDocument(d)));
      await batch.commit();
      written += Math.min(BATCH, devices.length - start);
      onProgress?.(written, devices.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_BATCHES, batches.length) }, worker));
  return refs;
}

/** Deletes documents with an unthrottled BulkWriter (the emulator needs no ramp-up). */
export async function deleteDocuments(db: Firestore, refs: readonly DocumentReference[]): Promise<void> {
  if (refs.length === 0) return;
  const writer = db.bulkWriter({ throttling: false });
  for (const ref of refs) void writer.delete(ref).catch(() => undefined);
  await writer.close();
}

/** Deletes every device of the given users (e.g. those registerDevice created). */
export async function deleteDevicesOf(db: Firestore, uids: readonly string[]): Promise<number> {
  const snapshots = await Promise.all(uids.map((uid) => db.collection(`users/${uid}/devices`).select().get()));
  const refs = snapshots.flatMap((s) => s.docs.map((d) => d.ref));
  await deleteDocuments(db, refs);
  return refs.length;
}

/** Deletes a notification with its deliveries, and the sandbox outbox documents it produced. */
export async function deleteNotification(db: Firestore, ref: DocumentReference): Promise<void> {
  const outbox = await db.collection("sandboxOutbox").where("notificationId", "==", ref.id).select().get();
  const writer = db.bulkWriter({ throttling: false });
  await db.recursiveDelete(ref, writer);
  await writer.close();
  await deleteDocuments(db, outbox.docs.map((d) => d.ref));
}
