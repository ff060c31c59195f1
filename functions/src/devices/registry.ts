// Device registration: one document per FCM token under its user, kept unique across users, capped
// per user. Every function here takes Firestore as an argument so tests can run it anywhere.
import { createHash } from "node:crypto";
import {
  FieldValue,
  Timestamp,
  type CollectionReference,
  type Firestore,
  type QueryDocumentSnapshot,
} from "firebase-admin/firestore";
import type { RegisterDeviceInput, RegisterDeviceResponse } from "./schema.js";

export type DeviceType = "ios" | "android" | "web";

/** `users/{uid}/devices/{deviceId}` as the contract fixes it. */
export interface DeviceDoc {
  token: string;
  /** = the document id. Stored so other users' copies of a token can be found by a short value:
   * tokens may be 4096 characters, and Firestore cannot query strings over 1500 bytes. */
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

/** Every device holding the token with this id, across users (collection-group index on `devices.deviceId`). */
export function tokenHoldersQuery(db: Firestore, deviceId: string) {
  return db.collectionGroup(DEVICES).where("deviceId", "==", deviceId);
}

/** The uid owning a `users/{uid}/devices/{id}` document, or undefined for a `devices` elsewhere. */
export function ownerOf(doc: QueryDocumentSnapshot): string | undefined {
  const user = doc.ref.parent.parent;
  return user && user.parent.id === "users" && user.parent.parent === null ? user.id : undefined;
}

const OPTIONAL_FIELDS = ["name", "appVersion", "locale", "timezone"] as const;

function seenMillis(doc: QueryDocumentSnapshot): number {
  const seen = doc.get("lastSeenAt");
  return seen instanceof Timestamp ? seen.toMillis() : 0;
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

  return db.runTransaction(async (tx) => {
    const [mine, holders] = await Promise.all([
      tx.get(devices),
      tx.get(tokenHoldersQuery(db, deviceId)),
    ]);
    const existing = mine.docs.find((doc) => doc.id === deviceId);
    const transferredFrom: string[] = [];
    for (const holder of holders.docs) {
      const owner = ownerOf(holder);
      if (owner === undefined || owner === uid) continue;
      tx.delete(holder.ref);
      transferredFrom.push(owner);
    }

    const removed: string[] = [];
    let others = mine.docs.filter((doc) => doc.id !== deviceId);
    if (input.replaces !== undefined) {
      const replacedId = deviceIdOf(input.replaces);
      const replaced = others.find((doc) => doc.id === replacedId);
      if (replaced) {
        tx.delete(replaced.ref);
        removed.push(replaced.id);
        others = others.filter((doc) => doc !== replaced);
      }
    }
    const excess = others.length + 1 - options.maxDevices;
    if (excess > 0) {
      const leastRecentlySeen = [...others].sort((a, b) => seenMillis(a) - seenMillis(b)).slice(0, excess);
      for (const doc of leastRecentlySeen) {
        tx.delete(doc.ref);
        removed.push(doc.id);
      }
    }

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
      else if (!existing) fields[key] = null;
    }
    if (!existing) fields.createdAt = now;
    tx.set(ref, fields, { merge: true });
    return { deviceId, created: !existing, removed, transferredFrom };
  });
}

const NOT_FOUND = 5;
const ABORTED = 10;

/** The registration transaction lost to concurrent writers on every retry; the client may retry. */
export function isContention(error: unknown): boolean {
  return (error as { code?: unknown }).code === ABORTED;
}

/** Deletes the caller's device; false when it was not there. Idempotent. */
export async function unregisterDevice(db: Firestore, uid: string, deviceId: string): Promise<boolean> {
  try {
    await devicesOf(db, uid).doc(deviceId).delete({ exists: true });
    return true;
  } catch (error) {
    if ((error as { code?: unknown }).code === NOT_FOUND) return false;
    throw error;
  }
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
