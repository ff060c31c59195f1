// Devices written straight into Firestore, in the shape registerDevice stores them, and removal of
// everything a scenario wrote, so one scenario's documents never weigh on the next one's timings.
import { type DocumentReference, type Firestore, Timestamp, type WriteBatch } from "firebase-admin/firestore";
import { type Address, addressOf, deviceIdOf } from "../../src/devices/address.js";
import { DEVICE_INDEX, type DeviceDocument, type DeviceType, devicesOf, purgeShardOf, tokenOwnerOf, userOf } from "../../src/devices/documents.js";

/** The fields a device is seeded with (tests, benchmarks, demos): a token or an FID; times default to now. */
export type SeedDevice = SeedFields & Address;

interface SeedFields {
  uid: string;
  type?: DeviceType;
  active?: boolean;
  lastSeenAt?: Date;
  updatedAt?: Date;
  topics?: string[];
  timezone?: string | null;
  /** Canonical BCP 47, as registration stores it. */
  locale?: string | null;
}

/** A device document exactly as registerDevice stores it, with chosen times. */
export function deviceDocument(seed: SeedDevice): DeviceDocument {
  const seen = Timestamp.fromDate(seed.lastSeenAt ?? new Date());
  const deviceId = deviceIdOf(addressOf(seed));
  return {
    ...addressOf(seed),
    deviceId,
    userId: seed.uid,
    type: seed.type ?? "android",
    name: null,
    active: seed.active ?? true,
    createdAt: seen,
    updatedAt: seed.updatedAt ? Timestamp.fromDate(seed.updatedAt) : seen,
    lastSeenAt: seen,
    appVersion: null,
    locale: seed.locale ?? null,
    timezone: seed.timezone ?? null,
    topics: seed.topics ?? [],
    purgeShard: purgeShardOf(deviceId),
  };
}

/** Writes a device as registerDevice stores it, with its owner record and index entry. */
export function writeDevice(batch: WriteBatch, db: Firestore, seed: SeedDevice): DocumentReference<DeviceDocument> {
  const doc = deviceDocument(seed);
  const ref = devicesOf(db, seed.uid).doc(doc.deviceId);
  batch.set(ref, doc);
  batch.set(tokenOwnerOf(db, doc.deviceId), { userId: seed.uid });
  batch.set(userOf(db, seed.uid), { [DEVICE_INDEX]: { [doc.deviceId]: true } }, { merge: true });
  return ref;
}

/** Devices per batch: three writes each (device, owner record, index entry), at most 500 writes. */
const BATCH = 150;
/** Batches committed at once: enough to keep the emulator busy, few enough for 2 cores. */
const PARALLEL_BATCHES = 4;

/** The documents a seeded device consists of: itself, its owner record, its user's index. */
function documentsOf(db: Firestore, devices: readonly ({ uid: string } & Address)[]): DocumentReference[] {
  const refs = new Map<string, DocumentReference>();
  for (const d of devices) {
    const deviceId = deviceIdOf(addressOf(d));
    for (const ref of [devicesOf(db, d.uid).doc(deviceId), tokenOwnerOf(db, deviceId), userOf(db, d.uid)]) refs.set(ref.path, ref.withConverter(null));
  }
  return [...refs.values()];
}

/** Writes the devices as registerDevice stores them, in batches, a few batches at a time; reports
 * progress per batch. Returns every document written, for clean-up. */
export async function seedDevices(
  db: Firestore,
  devices: readonly SeedDevice[],
  onProgress?: (written: number, total: number) => void,
): Promise<DocumentReference[]> {
  let written = 0;
  const batches: number[] = [];
  for (let i = 0; i < devices.length; i += BATCH) batches.push(i);
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const start = batches[next++]!;
      const batch = db.batch();
      for (const d of devices.slice(start, start + BATCH)) writeDevice(batch, db, d);
      await batch.commit();
      written += Math.min(BATCH, devices.length - start);
      onProgress?.(written, devices.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_BATCHES, batches.length) }, worker));
  return documentsOf(db, devices);
}

/** Deletes documents with an unthrottled BulkWriter (the emulator needs no ramp-up). */
export async function deleteDocuments(db: Firestore, refs: readonly DocumentReference[]): Promise<void> {
  if (refs.length === 0) return;
  const writer = db.bulkWriter({ throttling: false });
  for (const ref of refs) void writer.delete(ref).catch(() => undefined);
  await writer.close();
}

/** Deletes every device of the given users (e.g. those registerDevice created), with their owner records and indexes. */
export async function deleteDevicesOf(db: Firestore, uids: readonly string[]): Promise<number> {
  const snapshots = await Promise.all(uids.map((uid) => devicesOf(db, uid).get()));
  const devices = snapshots.flatMap((s) => s.docs.map((d) => ({ uid: d.ref.parent.parent!.id, ...addressOf(d.data()) })));
  await deleteDocuments(db, [...documentsOf(db, devices), ...uids.map((uid) => db.collection("users").doc(uid))]);
  return devices.length;
}

/** Deletes a notification with its deliveries, and the sandbox outbox documents it produced. */
export async function deleteNotification(db: Firestore, ref: DocumentReference): Promise<void> {
  const outbox = await db.collection("sandboxOutbox").where("notificationId", "==", ref.id).select().get();
  const writer = db.bulkWriter({ throttling: false });
  await db.recursiveDelete(ref, writer);
  await writer.close();
  await deleteDocuments(
    db,
    outbox.docs.map((d) => d.ref),
  );
}
