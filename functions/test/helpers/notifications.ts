// Helpers for fan-out tests: seed devices as the backend stores them, write notifications as an
// admin would, wait for their outcome, read the sandbox outbox.

import type { DocumentReference } from "firebase-admin/firestore";
import { expect } from "vitest";
import { addressOf, deviceIdOf } from "../../src/devices/address";
import { deleteDocuments, type SeedDevice, seedDevices as writeDevices } from "../../tools/bench/seed";
import { db, uniqueId, waitForDoc } from "./emulator";

/** The deviceId of a token (the SHA-256 of the token). */
export const sha256 = (token: string) => deviceIdOf({ token });
/** The deviceId of a Firebase Installation ID (the SHA-256 of "fid:" + the FID). */
export const fidDeviceId = (fid: string) => deviceIdOf({ fid });
/** The deviceId of a seeded device, token or FID. */
export const seededDeviceId = (d: SeedDevice) => deviceIdOf(addressOf(d));
const TERMINAL = ["sent", "partial", "failed", "no-devices", "invalid", "cancelled"];

export type { SeedDevice };

/** Writes devices directly, as registerDevice would have stored them (with owner records and index entries). */
export async function seedDevices(devices: SeedDevice[]): Promise<void> {
  seeded.push(...(await writeDevices(db, devices)));
}

/** What seedDevices wrote in this test file, which test/helpers/clean-up.ts deletes after it. */
const seeded: DocumentReference[] = [];

/**
 * Deletes the devices (with owner records and index entries) this file seeded. The emulator has no
 * indexes: each collection-group query scans every device in the database, so the thousands a
 * large-audience test seeds would slow every later file's queries (a 500-user list took 80 s).
 */
export async function deleteSeededDevices(): Promise<void> {
  await deleteDocuments(db, seeded.splice(0));
}

/** Creates a notification document as an admin does; returns its id. */
export async function sendNotification(doc: Record<string, unknown>, id = uniqueId("n")): Promise<string> {
  await db.collection("notifications").doc(id).set(doc);
  return id;
}

/** Waits for the notification to reach a terminal status and returns its data. */
export function waitForOutcome(id: string, timeoutMs = 60_000, collection = "notifications") {
  return waitForDoc(`${collection}/${id}`, (d) => TERMINAL.includes(d.status), timeoutMs);
}

export async function outboxOf(notificationId: string) {
  const snap = await db.collection("sandboxOutbox").where("notificationId", "==", notificationId).get();
  return snap.docs.map((d) => d.data());
}

export async function deliveriesOf(notificationId: string, collection = "notifications") {
  const snap = await db.collection(`${collection}/${notificationId}/deliveries`).get();
  return Object.fromEntries(snap.docs.map((d) => [d.id, d.data()]));
}

/** The ids of a user's device documents, sorted. */
export async function deviceIdsOf(uid: string): Promise<string[]> {
  return (await db.collection(`users/${uid}/devices`).get()).docs.map((d) => d.id).sort();
}

export async function deviceExists(uid: string, token: string): Promise<boolean> {
  return (await db.doc(`users/${uid}/devices/${sha256(token)}`).get()).exists;
}

/** The user the token's owner record names, or undefined when there is no record. */
export async function tokenOwner(token: string): Promise<string | undefined> {
  return (await db.doc(`tokenOwners/${sha256(token)}`).get()).get("userId");
}

/** The device ids in the user's index (`users/{uid}.deviceIds`), sorted; undefined without an index. */
export async function indexedDeviceIds(uid: string): Promise<string[] | undefined> {
  const index = (await db.doc(`users/${uid}`).get()).get("deviceIds");
  return index === undefined ? undefined : Object.keys(index).sort();
}

/** The user's devices, its index and the devices' owner records agree. */
export async function expectRecordsInStep(uid: string): Promise<void> {
  const devices = await deviceIdsOf(uid);
  expect(await indexedDeviceIds(uid), `index of ${uid}`).toEqual(devices);
  const owners = await Promise.all(devices.map(async (id) => (await db.doc(`tokenOwners/${id}`).get()).get("userId")));
  expect(owners, `owner records of ${uid}'s devices`).toEqual(devices.map(() => uid));
}
