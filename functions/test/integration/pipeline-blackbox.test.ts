// Issue 17 seen from outside: the deployed functions on the emulators, driven over HTTP and through
// Firestore as a client app and an admin would. A deleted user's tokens, a notification deleted
// mid-send, tokens moving between users mid-send, and the deployed sweeper finishing a notification
// whose outcome write failed.
import { randomUUID } from "node:crypto";
import { type Firestore, Timestamp } from "firebase-admin/firestore";
import { describe, expect, it } from "vitest";
import * as exported from "../../src/index";
import { createSandboxMessenger } from "../../src/messaging/sandbox";
import type { Messenger } from "../../src/messaging/transport";
import { acceptNotification } from "../../src/notifications/lifecycle";
import { STALL_MS } from "../../src/notifications/pipeline";
import { inProcess } from "../../tools/bench/pipeline";
import { adminAuth, api, callFunction, createUser, db, eventFunctionUrl, uniqueId, waitFor } from "../helpers/emulator";
import { deviceIdsOf, outboxOf, seedDevices, sendNotification, waitForOutcome } from "../helpers/notifications";
import { withSettings } from "../helpers/settings";

const HUB = process.env.FIREBASE_EMULATOR_HUB ?? "127.0.0.1:4400";

const countOf = async (path: string) => (await db.collection(path).count().get()).data().count;

describe("a deleted user", () => {
  it("gets unauthenticated from every function with a still-unexpired ID token, and nothing is written", async () => {
    const user = await createUser({ prefix: "gone" });
    expect((await callFunction("registerDevice", { token: uniqueId("tok"), type: "ios" }, user.idToken)).status).toBe(200);
    await adminAuth.deleteUser(user.uid);
    await waitFor(async () => ((await deviceIdsOf(user.uid)).length === 0 ? true : undefined), { what: "the deletion trigger" });

    const again = await callFunction("registerDevice", { token: uniqueId("tok"), type: "android" }, user.idToken);
    expect(again.status).toBe(401);
    expect(again.body.error.status).toBe("UNAUTHENTICATED");
    expect((await callFunction("unregisterDevice", { token: "anything" }, user.idToken)).status).toBe(401);
    expect((await api("POST", "/v1/devices", { token: user.idToken, json: { token: uniqueId("tok"), type: "web" } })).status).toBe(401);
    expect((await api("GET", "/v1/devices", { token: user.idToken })).status).toBe(401);
    expect(await deviceIdsOf(user.uid)).toEqual([]);
    expect((await db.doc(`users/${user.uid}`).get()).get("deviceIds")).toBeUndefined();
  });
});

describe("deleting a notification while it sends", () => {
  it("leaves no shard and no delivery behind, also after the shards in flight have ended", async () => {
    const topic = uniqueId("topic");
    const uids = Array.from({ length: 500 }, () => uniqueId("del"));
    await seedDevices(uids.flatMap((uid) => [0, 1, 2, 3].map((i) => ({ uid, token: `${uid}-${i}`, topics: [topic] }))));
    const id = await sendNotification({ topic, title: "Deleted mid-send" });
    await waitFor(async () => ((await countOf(`notifications/${id}/deliveries`)) > 0 ? true : undefined), { what: "the first deliveries" });
    await db.doc(`notifications/${id}`).delete();
    const empty = async () => (await countOf(`notifications/${id}/deliveries`)) + (await countOf(`notifications/${id}/shards`)) === 0;
    await waitFor(async () => ((await empty()) ? true : undefined), { timeoutMs: 60_000, what: "the records deleted" });
    // Shards that were sending when the document went finish their round now: they must write nothing.
    await new Promise((resolve) => setTimeout(resolve, 5000));
    expect(await empty()).toBe(true);
  });
});

describe("tokens that move to another user while a topic notification sends", () => {
  it("are accepted at most once each", async () => {
    const topic = uniqueId("topic");
    const others = Array.from({ length: 100 }, () => uniqueId("stay"));
    await seedDevices(others.flatMap((uid) => [0, 1, 2, 3, 4].map((i) => ({ uid, token: `${uid}-${i}`, topics: [topic] }))));
    const [from, to] = [await createUser({ prefix: "from" }), await createUser({ prefix: "to" })];
    const moving = Array.from({ length: 10 }, () => uniqueId("moving"));
    for (const token of moving) expect((await callFunction("registerDevice", { token, type: "android", topics: [topic] }, from.idToken)).status).toBe(200);

    const id = await sendNotification({ topic, title: "Moving tokens" });
    for (const token of moving) {
      expect((await callFunction("registerDevice", { token, type: "android", topics: [topic] }, to.idToken)).status).toBe(200);
    }
    const done = await waitForOutcome(id, 120_000);
    const accepted = (await outboxOf(id)).filter((o) => o.outcome === "sent").map((o) => o.token as string);
    for (const token of moving) expect(accepted.filter((t) => t === token).length, token).toBeLessThanOrEqual(1);
    expect(new Set(accepted).size).toBe(accepted.length);
    expect(done.stats.sent).toBe(accepted.length);
    await Promise.all([from, to].map((u) => adminAuth.deleteUser(u.uid)));
  });
});

/** A Firestore whose first transaction after `arm()` fails (once): after a send, the outcome (the shard's completion is a batch). */
function failingAfterArm(real: Firestore) {
  let countdown = 0;
  const proxy = new Proxy(real, {
    get(target, prop) {
      if (prop === "runTransaction") {
        return (...args: Parameters<Firestore["runTransaction"]>) =>
          --countdown === 0 ? Promise.reject(new Error("injected")) : target.runTransaction(...args);
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { db: proxy, arm: () => void (countdown = 1) };
}

describe("the deployed sweeper", () => {
  it("finishes a notification whose shard is done but whose outcome write failed", async () => {
    const uid = uniqueId("swept");
    const tokens = [`${uid}-a`, `${uid}-b`];
    await seedDevices(tokens.map((token) => ({ uid, token })));
    const id = uniqueId("n");
    // The creation trigger must not run this one: the run below is the one whose last write fails.
    await fetch(`http://${HUB}/functions/disableBackgroundTriggers`, { method: "PUT" });
    try {
      await db.doc(`notifications/${id}`).set({ userId: uid, title: "Outcome lost" });
      // Run 20 minutes ago (by its clock): accepted, sent, shard done; the outcome write fails.
      const past = Date.now() - STALL_MS - 10 * 60_000;
      const faulty = failingAfterArm(db);
      const sandbox = createSandboxMessenger(db, "demo-pushfan");
      const messenger: Messenger = { name: "sandbox", send: (messages, options) => (faulty.arm(), sandbox.send(messages, options)) };
      const run = inProcess(faulty.db, { now: () => past, messenger });
      await expect(acceptNotification(run.deps, run.settings, id, { runId: randomUUID(), createdAt: past, eventTime: past })).rejects.toThrow("injected");
    } finally {
      await fetch(`http://${HUB}/functions/enableBackgroundTriggers`, { method: "PUT" });
    }
    const stuck = (await db.doc(`notifications/${id}`).get()).data()!;
    expect(stuck.status).toBe("processing");
    expect((stuck.checkAt as Timestamp).toMillis()).toBeLessThan(Date.now());

    expect((await fetch(await eventFunctionUrl("sweepNotifications"), { method: "POST" })).status).toBe(200);
    const done = await waitForOutcome(id, 30_000);
    expect(done).toMatchObject({ status: "sent", stats: { devices: 2, sent: 2 } });
    expect((await outboxOf(id)).filter((o) => o.outcome === "sent")).toHaveLength(2);
  });
});

describe("the plan queue's function on a task's last attempt", () => {
  it("retries a failing planner until the last attempt, which ends the notification failed with the error", async () => {
    const uid = uniqueId("lastplan");
    await seedDevices([{ uid, token: `${uid}-a` }]);
    const id = uniqueId("n");
    const createdAt = Timestamp.fromMillis(Date.now());
    // A planner that cannot commit: its checkpoint says "start at shard 0", and shard 0 exists (as
    // if written by a run that recorded no checkpoint), so every run's create-only commit fails.
    const shard = { index: 0, devices: [], size: 0, dueAt: null, status: "done", attempts: 1, createdAt, updatedAt: createdAt, expireAt: createdAt };
    const checkpoint = { segment: 0, after: "", windowStart: 0, nextIndex: 0, devices: 0 };
    await fetch(`http://${HUB}/functions/disableBackgroundTriggers`, { method: "PUT" });
    try {
      await db.doc(`notifications/${id}`).set({ userId: uid, title: "Planner fails", status: "processing", createdAt });
      await db.doc(`notifications/${id}/shards/000000`).set({ ...shard, checkpoint });
      const task = { notificationId: id, generation: createdAt.toMillis(), kind: "plan", n: 0 };
      const run = (retryCount: number) =>
        withSettings({}, () =>
          exported.planNotification.run({ data: task, id: "task", retryCount, executionCount: 0, queueName: "planNotification", scheduledTime: "" } as never),
        );
      await expect(run(0)).rejects.toThrow();
      expect((await db.doc(`notifications/${id}`).get()).get("status")).toBe("processing");
      // Cloud Tasks' backoff (up to 900 s) outlasts the failed run's planner lease (600 s): by the
      // last attempt it has expired. Here that time is skipped.
      await db.doc(`notifications/${id}`).update({ "lease.expiresAt": Timestamp.fromMillis(Date.now() - 1000) });
      await run(9);
    } finally {
      await fetch(`http://${HUB}/functions/enableBackgroundTriggers`, { method: "PUT" });
    }
    const doc = (await db.doc(`notifications/${id}`).get()).data()!;
    expect(doc).toMatchObject({ status: "failed", error: { code: "pushfan/task-failed" } });
    expect(doc.lease).toBeUndefined();
    expect(await outboxOf(id)).toEqual([]);
  });
});
