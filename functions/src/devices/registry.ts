// Device registration: one document per FCM token under its user, kept unique across users, capped
// per user. Every function here takes Firestore as an argument so tests can run it anywhere.
import { createHash } from "node:crypto";
import {
  FieldValue,
  Timestamp,
  type CollectionReference,
  type DocumentData,
  type DocumentReference,
  type DocumentSnapshot,
  type Firestore,
  type Precondition,
  type QueryDocumentSnapshot,
  type SetOptions,
  type WriteBatch,
} from "firebase-admin/firestore";
import type { RegisterDeviceInput, RegisterDeviceResponse } from "./schema.js";

export type DeviceType = "ios" | "android" | "web";

/** `users/{uid}/devices/{deviceId}` as the contract fixes it. */
export interface DeviceDoc {
  token: string;
  /** = the document id, stored so a collection-group query can find a token's documents by a short
   * value (support tools): tokens may be 4096 characters, and Firestore cannot query strings over 1500 bytes. */
  deviceId: string;
  userId: string;
  type: DeviceType;
  name: string | null;
  active: boolean;
  createdAt: Timestamp;
  updatedAt: Timestamp;
  lastSeenAt: Timestamp;
  appVersion: string | null;
  locale: string | null;
  timezone: string | null;
}

/** What `GET /v1/devices` shows of a device: never the raw token. */
export interface DeviceSummary {
  deviceId: string;
  type: DeviceType;
  name: string | null;
  active: boolean;
  createdAt: string | null;
  lastSeenAt: string | null;
}

export const DEVICES = "devices";

// gRPC status codes of Firestore errors.
const NOT_FOUND = 5;
const FAILED_PRECONDITION = 9;
const ABORTED = 10;
const codeOf = (error: unknown): unknown => (error as { code?: unknown } | null)?.code;

/** Lowercase hex SHA-256 of the token: URL-safe and fixed length, unlike the token itself. */
export function deviceIdOf(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** The fields a device is seeded with outside registration (tests, benchmarks); times default to now. */
export interface DeviceSeed {
  uid: string;
  token: string;
  type?: DeviceType;
  active?: boolean;
  lastSeenAt?: Date;
  updatedAt?: Date;
}

/** A device document exactly as registerDevice stores it, with chosen times: the one place seeds get its shape from. */
export function deviceDocument(seed: DeviceSeed): DeviceDoc {
  const seen = Timestamp.fromDate(seed.lastSeenAt ?? new Date());
  return {
    token: seed.token,
    deviceId: deviceIdOf(seed.token),
    userId: seed.uid,
    type: seed.type ?? "android",
    name: null,
    active: seed.active ?? true,
    createdAt: seen,
    updatedAt: seed.updatedAt ? Timestamp.fromDate(seed.updatedAt) : seen,
    lastSeenAt: seen,
    appVersion: null,
    locale: null,
    timezone: null,
  };
}

export function devicesOf(db: Firestore, uid: string): CollectionReference {
  return db.collection("users").doc(uid).collection(DEVICES);
}

/** `tokenOwners/{deviceId}`: the one user holding a token. Every device write keeps it in step with
 * the devices (a device exists only with its owner record), so registration finds a token's holder
 * with a point read instead of a collection-group query. */
export const TOKEN_OWNERS = "tokenOwners";
/** Field of `users/{uid}`: a map with one `true` entry per device id of the user, so registration
 * counts the user's devices with a point read. Exempt from indexing (firestore.indexes.json). */
export const DEVICE_INDEX = "deviceIds";

export function tokenOwnerOf(db: Firestore, deviceId: string): DocumentReference {
  return db.collection(TOKEN_OWNERS).doc(deviceId);
}

export function userOf(db: Firestore, uid: string): DocumentReference {
  return db.collection("users").doc(uid);
}

/** The uid owning a `users/{uid}/devices/{id}` document, or undefined for a `devices` elsewhere. */
export function ownerOf(doc: QueryDocumentSnapshot): string | undefined {
  const user = doc.ref.parent.parent;
  return user && user.parent.id === "users" && user.parent.parent === null ? user.id : undefined;
}

/** What both a WriteBatch and a Transaction offer; device writes go through either. */
interface Writer {
  set(ref: DocumentReference, data: DocumentData, options: SetOptions): unknown;
  delete(ref: DocumentReference, precondition?: Precondition): unknown;
}

function indexEntries(entries: Record<string, true | FieldValue>): DocumentData {
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
    if (codeOf(error) === NOT_FOUND || codeOf(error) === FAILED_PRECONDITION) return false;
    throw error;
  }
}

/** Writes a device as registerDevice stores it, with its owner record and index entry (seeding for tests and benchmarks). */
export function writeDevice(writer: Writer, db: Firestore, seed: DeviceSeed): DocumentReference {
  const doc = deviceDocument(seed);
  const ref = devicesOf(db, seed.uid).doc(doc.deviceId);
  writer.set(ref, doc, {});
  writer.set(tokenOwnerOf(db, doc.deviceId), { userId: seed.uid }, {});
  writer.set(userOf(db, seed.uid), indexEntries({ [doc.deviceId]: true }), { merge: true });
  return ref;
}

const OPTIONAL_FIELDS = ["name", "appVersion", "locale", "timezone"] as const;

/** What a registration writes into the device document: omitted optional fields keep stored values. */
function deviceFields(uid: string, deviceId: string, input: RegisterDeviceInput, exists: boolean): Record<string, unknown> {
  const now = FieldValue.serverTimestamp();
  const fields: Record<string, unknown> = {
    token: input.token,
    deviceId,
    userId: uid,
    type: input.type,
    active: input.active,
    updatedAt: now,
    lastSeenAt: now,
  };
  for (const key of OPTIONAL_FIELDS) {
    if (input[key] !== undefined) fields[key] = input[key];
    else if (!exists) fields[key] = null;
  }
  if (!exists) fields.createdAt = now;
  return fields;
}

/** Updates the caller's device if it exists; false when it does not (a new device, or one taken meanwhile). */
async function refreshDevice(ref: DocumentReference, uid: string, input: RegisterDeviceInput): Promise<boolean> {
  try {
    await ref.update(deviceFields(uid, ref.id, input, true));
    return true;
  } catch (error) {
    if (codeOf(error) === NOT_FOUND) return false;
    throw error;
  }
}

function seenMillis(doc: QueryDocumentSnapshot): number {
  const seen = doc.get("lastSeenAt");
  return seen instanceof Timestamp ? seen.toMillis() : 0;
}

function indexedIds(user: DocumentSnapshot): string[] | undefined {
  const index: unknown = user.get(DEVICE_INDEX);
  return index !== null && typeof index === "object" && !Array.isArray(index) ? Object.keys(index) : undefined;
}

export interface RegisterResult extends RegisterDeviceResponse {
  /** Device ids removed from this user: the replaced token and devices evicted by the cap. */
  removed: string[];
  /** Users the token was taken from. */
  transferredFrom: string[];
}

/**
 * Upserts the caller's device in one transaction that also takes the token from any other user,
 * deletes the token it `replaces`, and evicts the least recently seen devices beyond the cap.
 * Omitted optional fields keep their stored values; `null` clears them.
 *
 * A device the caller already holds (an app start re-registering its token, the most common call)
 * is refreshed with one update and no reads: while the device exists, its owner record and index
 * entry already name the caller, and the update fails if it was deleted or taken meanwhile. Any other
 * registration runs the transaction. It reads only single documents (the device, the user's index,
 * the token's owner record, the replaced device) in one round trip, unless the user is at the cap or
 * has no index yet: then it also queries the user's devices, to pick whom to evict and to rebuild
 * the index.
 */
export async function registerDevice(
  db: Firestore,
  uid: string,
  input: RegisterDeviceInput,
  options: { maxDevices: number },
): Promise<RegisterResult> {
  const deviceId = deviceIdOf(input.token);
  const devices = devicesOf(db, uid);
  const ref = devices.doc(deviceId);
  const replacedId = input.replaces === undefined ? undefined : deviceIdOf(input.replaces);
  const replacedRef = replacedId === undefined || replacedId === deviceId ? undefined : devices.doc(replacedId);
  if (!replacedRef && (await refreshDevice(ref, uid, input))) return { deviceId, created: false, removed: [], transferredFrom: [] };

  return db.runTransaction(async (tx) => {
    const [mine, user, owner, replaced] = await tx.getAll(
      ref,
      userOf(db, uid),
      tokenOwnerOf(db, deviceId),
      ...(replacedRef ? [replacedRef] : []),
    );
    const holder: unknown = owner!.get("userId");
    const replacing = replaced?.exists === true;
    const indexed = indexedIds(user!);
    let others = indexed?.filter((id) => id !== deviceId && !(replacing && id === replacedId));
    let evict: string[] = [];
    if (others === undefined || others.length + 1 > options.maxDevices) {
      // Read outside the transaction: a query inside it makes the emulator lock every device
      // write, and the index read above already guards the set of devices, because every device
      // the backend creates or deletes also writes the index.
      const stored = (await devices.get()).docs.filter((doc) => doc.id !== deviceId && !(replacing && doc.id === replacedId));
      const excess = stored.length + 1 - options.maxDevices;
      evict = excess > 0 ? [...stored].sort((a, b) => seenMillis(a) - seenMillis(b)).slice(0, excess).map((doc) => doc.id) : [];
      others = stored.map((doc) => doc.id).filter((id) => !evict.includes(id));
    }

    // Reads are done; from here on only writes.
    const transferredFrom: string[] = [];
    if (owner!.exists && typeof holder === "string" && holder !== uid) {
      deleteDevice(tx, db, holder, deviceId);
      transferredFrom.push(holder);
    }
    const removed = [...(replacing ? [replacedId!] : []), ...evict];
    for (const id of removed) deleteDeviceAndOwner(tx, db, uid, id);

    tx.set(ref, deviceFields(uid, deviceId, input, mine!.exists), { merge: true });
    if (holder !== uid) tx.set(tokenOwnerOf(db, deviceId), { userId: uid });
    const index = [...others, deviceId];
    if (indexed === undefined || indexed.length !== index.length || !index.every((id) => indexed.includes(id))) {
      // Replaced as a whole: this also drops entries of devices that no longer exist.
      tx.set(userOf(db, uid), indexEntries(Object.fromEntries(index.map((id) => [id, true]))), { mergeFields: [DEVICE_INDEX] });
    }
    return { deviceId, created: !mine!.exists, removed, transferredFrom };
  });
}


/** The registration transaction lost to concurrent writers on every retry; the client may retry. */
export function isContention(error: unknown): boolean {
  return codeOf(error) === ABORTED;
}

/** Deletes the caller's device; false when it was not there. Idempotent. */
export async function unregisterDevice(db: Firestore, uid: string, deviceId: string): Promise<boolean> {
  return deleteDeviceIf(db, uid, deviceId, { exists: true });
}

function iso(value: unknown): string | null {
  return value instanceof Timestamp ? value.toDate().toISOString() : null;
}

/** The caller's devices, most recently seen first. */
export async function listDevices(db: Firestore, uid: string): Promise<DeviceSummary[]> {
  const snapshot = await devicesOf(db, uid).get();
  return snapshot.docs
    .sort((a, b) => seenMillis(b) - seenMillis(a))
    .map((doc) => ({
      deviceId: doc.id,
      type: doc.get("type"),
      name: doc.get("name") ?? null,
      active: doc.get("active") === true,
      createdAt: iso(doc.get("createdAt")),
      lastSeenAt: iso(doc.get("lastSeenAt")),
    }));
}
