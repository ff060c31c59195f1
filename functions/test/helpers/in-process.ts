// The fan-out's stages run in this process against the Firestore emulator's "inprocess" database,
// which no trigger watches, with Cloud Tasks replaced by an in-memory queue: what the in-process
// test files (fanout-runs, pipeline-faults) share.
import { randomUUID } from "node:crypto";
import { getApp } from "firebase-admin/app";
import { getFirestore } from "firebase-admin/firestore";
import { expect } from "vitest";
import { acceptNotification } from "../../src/notifications/lifecycle";
import type { InProcess } from "../../tools/bench/pipeline";
import { type SeedDevice, seedDevices } from "../../tools/bench/seed";
import { uniqueId } from "./emulator";

// `db` of test/helpers/emulator.ts is the (default) database, which the deployed triggers watch.
import "./emulator";
export const db = getFirestore(getApp(), "inprocess");

export const LEASE_EXPIRED = 24 * 60 * 60 * 1000;

export async function outboxOf(id: string) {
  const snap = await db.collection("sandboxOutbox").where("notificationId", "==", id).get();
  return snap.docs.map((d) => d.data());
}

export async function deliveriesOf(id: string) {
  const snap = await db.collection(`notifications/${id}/deliveries`).get();
  return Object.fromEntries(snap.docs.map((d) => [d.id, d.data()]));
}

export const notification = async (id: string) => (await db.doc(`notifications/${id}`).get()).data()!;

/** Creates the notification document (in the trigger-free database) for `devices`' users or a topic. */
export async function setup(devices: SeedDevice[], doc: Record<string, unknown>) {
  await seedDevices(db, devices);
  const id = uniqueId("n");
  await db.doc(`notifications/${id}`).set(doc);
  return id;
}

export function usersWithDevices(users: number, perUser: number, prefix = "runs") {
  const uids = Array.from({ length: users }, () => uniqueId(prefix));
  const devices = uids.flatMap((uid) => Array.from({ length: perUser }, (_, i) => ({ uid, token: `${uid}-d${i}` })));
  return { uids, devices, tokens: devices.map((d) => d.token) };
}

export const accept = (run: InProcess, id: string) => {
  const now = run.deps.now();
  return acceptNotification(run.deps, run.settings, id, { runId: randomUUID(), createdAt: now, eventTime: now });
};

export function expectOncePerToken(outbox: Array<Record<string, unknown>>, tokens: string[]) {
  const accepted = outbox.filter((o) => o.outcome === "sent").map((o) => o.token as string);
  expect(accepted.sort()).toEqual([...tokens].sort());
}

/** A clock that moves only when told to (sleeping moves it too), starting now. */
export function manualClock(start = Date.now()) {
  let now = start;
  return {
    now: () => now,
    sleep: async (ms: number) => void (now += ms),
    advance: (ms: number) => void (now += ms),
    set: (ms: number) => void (now = ms),
  };
}

/** A topic notification (`doc` adds its fields) to `users` × `perUser` seeded devices subscribed to a fresh topic. */
export async function topicNotification(users: number, perUser: number, prefix: string, doc: Record<string, unknown>) {
  const { devices, tokens } = usersWithDevices(users, perUser, prefix);
  const topic = uniqueId("topic");
  const id = await setup(
    devices.map((d) => ({ ...d, topics: [topic] })),
    { topic, ...doc },
  );
  return { id, tokens };
}
