// Device registration: one document per FCM token or Firebase Installation ID under its user, kept
// unique across users, capped per user. Every function here takes Firestore as an argument so tests can run it anywhere.
import {
  type CollectionReference,
  type DocumentReference,
  type DocumentSnapshot,
  FieldValue,
  type Firestore,
  type PartialWithFieldValue,
  type Precondition,
  type QueryDocumentSnapshot,
  type SetOptions,
  Timestamp,
  type WriteBatch,
} from "firebase-admin/firestore";
import { preferencesRef } from "../recipients/schema.js";
import { deviceCopyField } from "../recipients/store.js";
import { ABORTED, codeOf, getAllOf, NOT_FOUND, preconditionLost, readOrProblem } from "../shared/documents.js";
import { addressOf, deviceIdOf, type IdentifierKind, kindOf, replacedDeviceIds } from "./address.js";
import { DEVICE_INDEX, type DeviceDocument, type DeviceType, devicesOf, purgeShardOf, tokenOwnerOf, USERS, type UserDocument, userOf } from "./documents.js";
import type { RegisterDeviceInput, RegisterDeviceResponse } from "./schema.js";

export { deviceIdOf };

/** What `GET /v1/devices` shows of a device: the kind of its identifier, never the identifier. */
export interface DeviceSummary {
  deviceId: string;
  /** `token` (FCM registration token) or `fid` (Firebase Installation ID). */
  identifiedBy: IdentifierKind;
  type: DeviceType;
  name: string | null;
  active: boolean;
  createdAt: string | null;
  lastSeenAt: string | null;
  topics: string[];
}

/** The uid owning a `users/{uid}/devices/{id}` document, or undefined for a `devices` elsewhere. */
export function ownerOf(doc: { ref: DocumentReference<unknown> }): string | undefined {
  const user = doc.ref.parent.parent;
  return user && user.parent.id === USERS && user.parent.parent === null ? user.id : undefined;
}

/** What both a WriteBatch and a Transaction offer; device writes go through either. */
export interface Writer {
  set<T>(ref: DocumentReference<T>, data: PartialWithFieldValue<T>, options: SetOptions): unknown;
  delete(ref: DocumentReference<any>, precondition?: Precondition): unknown;
}

function indexEntries(entries: Record<string, true | FieldValue>): PartialWithFieldValue<UserDocument> {
  return { [DEVICE_INDEX]: entries };
}

/** Deletes a device and its owner record (the caller keeps the user's index in step). */
function deleteDeviceAndOwner(writer: Writer, db: Firestore, uid: string, deviceId: string, precondition?: Precondition): void {
  writer.delete(devicesOf(db, uid).doc(deviceId), precondition);
  writer.delete(tokenOwnerOf(db, deviceId));
}

/**
 * Deletes a device with its owner record and its index entry. Give a precondition on the device
 * when the write is not in a transaction: the three writes must then go in one batch, which fails
 * whole if the device changed, so an owner record is never deleted under a token's new holder.
 */
export function deleteDevice(writer: Writer, db: Firestore, uid: string, deviceId: string, precondition?: Precondition): void {
  deleteDeviceAndOwner(writer, db, uid, deviceId, precondition);
  writer.set(userOf(db, uid), indexEntries({ [deviceId]: FieldValue.delete() }), { merge: true });
}

/**
 * Deletes a device now, with its owner record and index entry (and any `also` writes, such as the
 * fan-out's delivery record), in one batch conditioned on the device. False when the condition
 * failed: the device was gone or had changed, and nothing was written.
 */
export async function deleteDeviceIf(
  db: Firestore,
  uid: string,
  deviceId: string,
  precondition: Precondition,
  also?: (batch: WriteBatch) => void,
): Promise<boolean> {
  const batch = db.batch();
  deleteDevice(batch, db, uid, deviceId, precondition);
  also?.(batch);
  try {
    await batch.commit();
    return true;
  } catch (error) {
    if (preconditionLost(error)) return false;
    throw error;
  }
}

const OPTIONAL_FIELDS = ["name", "appVersion", "locale", "timezone"] as const;

/** What a registration writes into the device document: omitted optional fields keep stored values. */
function deviceFields(
  uid: string,
  deviceId: string,
  input: RegisterDeviceInput,
  existing: { exists: boolean; inheritedTopics?: string[] },
): PartialWithFieldValue<DeviceDocument> {
  const now = FieldValue.serverTimestamp();
  const fields: PartialWithFieldValue<DeviceDocument> = {
    ...addressOf(input),
    deviceId,
    userId: uid,
    type: input.type,
    active: input.active,
    updatedAt: now,
    lastSeenAt: now,
    purgeShard: purgeShardOf(deviceId),
  };
  for (const key of OPTIONAL_FIELDS) {
    if (input[key] !== undefined) fields[key] = input[key];
    else if (!existing.exists) fields[key] = null;
  }
  if (input.topics !== undefined) fields.topics = input.topics;
  else if (!existing.exists) fields.topics = existing.inheritedTopics ?? [];
  if (!existing.exists) fields.createdAt = now;
  return fields;
}

/** Updates the caller's device if it exists; false when it does not (a new device, or one taken meanwhile). */
async function refreshDevice(ref: DocumentReference<DeviceDocument>, uid: string, input: RegisterDeviceInput): Promise<boolean> {
  try {
    await ref.update(deviceFields(uid, ref.id, input, { exists: true }));
    return true;
  } catch (error) {
    if (codeOf(error) === NOT_FOUND) return false;
    throw error;
  }
}

function seenMillis(doc: QueryDocumentSnapshot<DeviceDocument>): number {
  const { value } = readOrProblem(doc);
  return value?.lastSeenAt instanceof Timestamp ? value.lastSeenAt.toMillis() : 0;
}

function indexedIds(user: DocumentSnapshot<UserDocument>): string[] | undefined {
  const index = readOrProblem(user).value?.deviceIds;
  return index === undefined ? undefined : Object.keys(index);
}

export interface RegisterResult extends RegisterDeviceResponse {
  /** Device ids removed from this user: the replaced device and devices evicted by the cap. */
  removed: string[];
  /** Users the token or FID was taken from. */
  transferredFrom: string[];
}

/**
 * Upserts the caller's device in one transaction that also takes its token or FID from any other
 * user, deletes the device it `replaces` (the new device inherits its topics unless the call sets them),
 * and evicts the least recently seen devices beyond the cap. Omitted optional fields keep their
 * stored values; `null` clears them.
 *
 * A device the caller already holds (an app start re-registering its token, the most common call)
 * is refreshed with one update and no reads: while the device exists, its owner record and index
 * entry already name the caller, and the update fails if it was deleted or taken meanwhile. Any other
 * registration runs the transaction. It reads only single documents (the device, the user's index,
 * the owner record, the replaced device as a token's and as an FID's) in one round trip, unless the user is at the cap or
 * has no index yet: then it also queries the user's devices, to pick whom to evict and to rebuild
 * the index.
 */
export async function registerDevice(db: Firestore, uid: string, input: RegisterDeviceInput, options: { maxDevices: number }): Promise<RegisterResult> {
  const deviceId = deviceIdOf(addressOf(input));
  const devices = devicesOf(db, uid);
  const ref = devices.doc(deviceId);
  const [asToken, asFid] = replacedRefs(devices, deviceId, input.replaces);
  if (!asToken && !asFid && (await refreshDevice(ref, uid, input))) return { deviceId, created: false, removed: [], transferredFrom: [] };

  return db.runTransaction(async (tx) => {
    const [mine, user, owner, prefs, ...candidates] = await getAllOf(tx, [
      ref,
      userOf(db, uid),
      tokenOwnerOf(db, deviceId),
      preferencesRef(db, uid),
      asToken,
      asFid,
    ]);
    const holder = readOrProblem(owner).value?.userId;
    const replaced = candidates.filter((snap) => snap?.exists === true).map((snap) => snap!);
    const kept = (id: string) => id !== deviceId && !replaced.some((snap) => snap.id === id);
    const indexed = indexedIds(user);
    let others = indexed?.filter(kept);
    let evict: string[] = [];
    if (others === undefined || others.length + 1 > options.maxDevices) {
      // Read outside the transaction: a query inside it makes the emulator lock every device
      // write, and the index read above already guards the set of devices, because every device
      // the backend creates or deletes also writes the index.
      const stored = (await devices.get()).docs.filter((doc) => kept(doc.id));
      const excess = stored.length + 1 - options.maxDevices;
      evict =
        excess > 0
          ? [...stored]
              .sort((a, b) => seenMillis(a) - seenMillis(b))
              .slice(0, excess)
              .map((doc) => doc.id)
          : [];
      others = stored.map((doc) => doc.id).filter((id) => !evict.includes(id));
    }

    // Reads are done; from here on only writes.
    const transferredFrom: string[] = [];
    if (holder !== undefined && holder !== uid) {
      deleteDevice(tx, db, holder, deviceId);
      transferredFrom.push(holder);
    }
    const removed = [...replaced.map((snap) => snap.id), ...evict];
    for (const id of removed) deleteDeviceAndOwner(tx, db, uid, id);

    const inheritedTopics = replaced.length > 0 ? readOrProblem(replaced[0]!).value?.topics : undefined;
    tx.set(ref, { ...deviceFields(uid, deviceId, input, { exists: mine.exists, inheritedTopics }), preferences: deviceCopyField(prefs) }, { merge: true });
    if (holder !== uid) tx.set(tokenOwnerOf(db, deviceId), { userId: uid });
    const index = [...others, deviceId];
    if (indexed === undefined || indexed.length !== index.length || !index.every((id) => indexed.includes(id))) {
      // Replaced as a whole: this also drops entries of devices that no longer exist.
      const entries: Record<string, true> = Object.fromEntries(index.map((id) => [id, true as const]));
      tx.set(userOf(db, uid), { [DEVICE_INDEX]: entries }, { mergeFields: [DEVICE_INDEX] });
    }
    return { deviceId, created: !mine.exists, removed, transferredFrom };
  });
}

/**
 * The caller's devices `replaces` may name: the device of that string as a token and as an FID
 * (the string does not say which it is), leaving out the device being registered.
 */
function replacedRefs(
  devices: CollectionReference<DeviceDocument>,
  deviceId: string,
  replaces: string | undefined,
): [DocumentReference<DeviceDocument> | undefined, DocumentReference<DeviceDocument> | undefined] {
  if (replaces === undefined) return [undefined, undefined];
  const [asToken, asFid] = replacedDeviceIds(replaces);
  const refOf = (id: string) => (id === deviceId ? undefined : devices.doc(id));
  return [refOf(asToken), refOf(asFid)];
}

/** The registration transaction lost to concurrent writers on every retry; the client may retry. */
export function isContention(error: unknown): boolean {
  return codeOf(error) === ABORTED;
}

/** Deletes the caller's device; false when it was not there. Idempotent. */
export async function unregisterDevice(db: Firestore, uid: string, deviceId: string): Promise<boolean> {
  return deleteDeviceIf(db, uid, deviceId, { exists: true });
}

function iso(value: Timestamp | undefined): string | null {
  return value instanceof Timestamp ? value.toDate().toISOString() : null;
}

/** The caller's devices, most recently seen first (a malformed document is left out). */
export async function listDevices(db: Firestore, uid: string): Promise<DeviceSummary[]> {
  const snapshot = await devicesOf(db, uid).get();
  return snapshot.docs
    .sort((a, b) => seenMillis(b) - seenMillis(a))
    .flatMap((doc) => {
      const device = readOrProblem(doc).value;
      if (!device) return [];
      return [
        {
          deviceId: doc.id,
          identifiedBy: kindOf(device),
          type: device.type,
          name: device.name,
          active: device.active,
          createdAt: iso(device.createdAt),
          lastSeenAt: iso(device.lastSeenAt),
          topics: device.topics,
        },
      ];
    });
}

/**
 * Deletes every device of a user with their owner records and the user's index, a page of devices
 * at a time (a user may have up to 500). Each device goes in its own batch conditioned on being
 * unchanged since read, so a token moved to another user meanwhile keeps its new owner record.
 * Idempotent: a second run finds nothing to delete.
 */
export async function deleteUserDevices(db: Firestore, uid: string, pageSize = 100): Promise<number> {
  let deleted = 0;
  for (;;) {
    const page = await devicesOf(db, uid).limit(pageSize).get();
    const results = await Promise.all(page.docs.map((doc) => deleteDeviceIf(db, uid, doc.id, { lastUpdateTime: doc.updateTime })));
    const pageDeleted = results.filter(Boolean).length;
    deleted += pageDeleted;
    // A page where nothing could be deleted (every device changed since read) would repeat forever.
    if (page.size < pageSize || pageDeleted === 0) break;
  }
  await userOf(db, uid).set({ [DEVICE_INDEX]: FieldValue.delete() }, { merge: true });
  return deleted;
}
