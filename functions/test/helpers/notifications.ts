// Helpers for fan-out tests: seed devices as the backend stores them, write notifications as an
// admin would, wait for their outcome, read the sandbox outbox.
import { deviceDocument, deviceIdOf, type DeviceSeed } from "../../src/devices/registry";
import { db, uniqueId, waitForDoc } from "./emulator";

export const sha256 = deviceIdOf;
const TERMINAL = ["sent", "partial", "failed", "no-devices", "invalid"];

export type SeedDevice = DeviceSeed;

/** Writes device documents directly (batches of 500), as registerDevice would have stored them. */
export async function seedDevices(devices: SeedDevice[]): Promise<void> {
  for (let i = 0; i < devices.length; i += 500) {
    const batch = db.batch();
    for (const d of devices.slice(i, i + 500)) batch.set(db.doc(`users/${d.uid}/devices/${sha256(d.token)}`), deviceDocument(d));
    await batch.commit();
  }
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
