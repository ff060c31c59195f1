// One bad setting fails only what reads it, with a message that names the param, and nothing is
// retried forever. Every deployed function is run here, in this process, through its own export
// (`.run`, which firebase-functions keeps for this) with its settings changed for the call; the
// Functions emulator's triggers are paused meanwhile so that they do not race these calls.
import { logger } from "firebase-functions";
import type { UserRecord } from "firebase-functions/v1/auth";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import * as exported from "../../src/index";
import { createUser, db, uniqueId, waitFor } from "../helpers/emulator";
import { deviceIdsOf, outboxOf, seedDevices, sha256 } from "../helpers/notifications";
import { withSettings } from "../helpers/settings";

const HUB = process.env.FIREBASE_EMULATOR_HUB ?? "127.0.0.1:4400";

/** Every numeric setting out of range, every other one malformed. */
const ALL_BAD: Record<string, string> = {
  MAX_DEVICES_PER_USER: "0",
  MESSAGING_TRANSPORT: "carrier-pigeon",
  SEND_MAX_ATTEMPTS: "0",
  SEND_BACKOFF_BASE_MS: "-1",
  SEND_BACKOFF_MAX_MS: "-1",
  NOTIFICATION_MAX_EVENT_AGE_SECONDS: "1",
  FCM_MESSAGES_PER_MINUTE: "5",
  DELIVERY_RETENTION_DAYS: "0",
  INBOX_RETENTION_DAYS: "0",
  DEFAULT_TIME_ZONE: "Mars/Olympus",
  INACTIVE_RETENTION_DAYS: "0",
  STALE_DEVICE_DAYS: "0",
  PURGE_TIME_BUDGET_SECONDS: "1",
};

/** A callable's raw request as a signed-in client sends it (callables verify the ID token again). */
const signedIn = (idToken: string) => ({ headers: { authorization: `Bearer ${idToken}` } });

function logged() {
  const lines: unknown[][] = [];
  const spies = (["info", "warn", "error"] as const).map((level) => vi.spyOn(logger, level).mockImplementation((...args) => void lines.push(args)));
  return { lines, restore: () => spies.forEach((s) => s.mockRestore()) };
}

/** What the Firestore trigger receives for a created document. */
async function createdEvent(id: string) {
  const snapshot = await db.doc(`notifications/${id}`).get();
  return { id: uniqueId("event"), time: new Date().toISOString(), params: { notificationId: id }, data: snapshot } as never;
}

const notification = async (id: string) => (await db.doc(`notifications/${id}`).get()).data()!;

beforeAll(async () => {
  // Pausing waits for every running function to finish, and firebase-tools exits if that takes over
  // 60 s. The tasks emulator runs scheduled tasks at once, so a notification an earlier file left
  // waiting (say, after a failed assertion) keeps a worker re-checking its time: cancel those first.
  const waiting = await db.collection("notifications").where("status", "in", ["scheduled", "processing"]).get();
  await Promise.all(waiting.docs.map((d) => d.ref.update({ cancelled: true })));
  await fetch(`http://${HUB}/functions/disableBackgroundTriggers`, { method: "PUT" });
}, 120_000);

afterAll(async () => {
  await fetch(`http://${HUB}/functions/enableBackgroundTriggers`, { method: "PUT" });
});

describe("a bad setting", () => {
  it("registerDevice: answers internal naming MAX_DEVICES_PER_USER, registers nothing, logs config.invalid", async () => {
    const { uid, idToken } = await createUser({ prefix: "cfg" });
    const log = logged();
    const call = withSettings({ MAX_DEVICES_PER_USER: "0" }, () =>
      exported.registerDevice.run({ data: { token: uniqueId("t"), type: "ios" }, auth: { uid, token: {} }, rawRequest: signedIn(idToken) } as never),
    );
    await expect(call).rejects.toMatchObject({
      code: "internal",
      message: expect.stringContaining("MAX_DEVICES_PER_USER is 0; it must be a whole number from 1 to 500"),
    });
    log.restore();
    expect(log.lines).toContainEqual(["config.invalid", expect.objectContaining({ event: "config.invalid", param: "MAX_DEVICES_PER_USER" })]);
    expect(await deviceIdsOf(uid)).toEqual([]);
  });

  it("fanOutNotification: the notification ends failed with error.code configuration naming the param; the event is not retried", async () => {
    const uid = uniqueId("cfg");
    await seedDevices([{ uid, token: `${uid}-t` }]);
    const id = uniqueId("n");
    await db.doc(`notifications/${id}`).set({ userId: uid, title: "Misconfigured" });
    // Resolves (a rejection would make the platform redeliver the event for hours).
    const event = await createdEvent(id);
    await withSettings({ SEND_MAX_ATTEMPTS: "0" }, async () => exported.fanOutNotification.run(event));
    const doc = await notification(id);
    expect(doc.status).toBe("failed");
    expect(doc.error.code).toBe("configuration");
    expect(doc.error.message).toContain("SEND_MAX_ATTEMPTS is 0; it must be a whole number from 1 to 20.");
    expect(await outboxOf(id)).toHaveLength(0);
  });

  it("fanOutNotification: a bad setting it does not read changes nothing", async () => {
    const uid = uniqueId("cfg");
    await seedDevices([{ uid, token: `${uid}-t` }]);
    const id = uniqueId("n");
    await db.doc(`notifications/${id}`).set({ userId: uid, title: "Unaffected" });
    await withSettings({ STALE_DEVICE_DAYS: "0", MAX_DEVICES_PER_USER: "0", INACTIVE_RETENTION_DAYS: "0", PURGE_TIME_BUDGET_SECONDS: "1" }, async () =>
      exported.fanOutNotification.run(await createdEvent(id)),
    );
    expect(await notification(id)).toMatchObject({ status: "sent", stats: { devices: 1, sent: 1 } });
  });

  it.each([
    ["planNotification", "DEFAULT_TIME_ZONE", "Mars/Olympus", 'DEFAULT_TIME_ZONE is "Mars/Olympus"; it must be an IANA time zone'],
    ["sendNotificationShard", "FCM_MESSAGES_PER_MINUTE", "5", "FCM_MESSAGES_PER_MINUTE is 5; it must be a whole number from 1200 to 600000."],
  ] as const)("%s: a running notification stops and ends failed as configuration (%s)", async (fn, param, value, message) => {
    const id = uniqueId("n");
    // As the backend leaves a notification it is sending: accepted, planned in part.
    await db.doc(`notifications/${id}`).set({ topic: uniqueId("cfg-topic"), title: "Running", status: "processing", createdAt: new Date() });
    const task = fn === "planNotification" ? { notificationId: id, generation: 0, kind: "plan", n: 0 } : { notificationId: id, generation: 0, shard: 0 };
    await withSettings({ [param]: value }, () =>
      exported[fn].run({ data: task, id: "task", retryCount: 0, executionCount: 0, queueName: fn, scheduledTime: "" } as never),
    );
    const doc = await notification(id);
    expect(doc.status).toBe("failed");
    expect(doc.error).toMatchObject({ code: "configuration", message: expect.stringContaining(message) });
  });

  it("purgeInactiveDevices: logs config.invalid naming the param and deletes nothing", async () => {
    const uid = uniqueId("cfg");
    await seedDevices([{ uid, token: `${uid}-stale`, lastSeenAt: new Date(Date.now() - 400 * 86_400_000) }]);
    const log = logged();
    await withSettings({ STALE_DEVICE_DAYS: "0" }, () => exported.purgeInactiveDevices.run({} as never));
    log.restore();
    expect(log.lines).toContainEqual([
      "config.invalid",
      expect.objectContaining({ param: "STALE_DEVICE_DAYS", message: expect.stringContaining("from 1 to 3650") }),
    ]);
    expect(await deviceIdsOf(uid)).toEqual([sha256(`${uid}-stale`)]);
  });
});

describe("functions that read no setting keep working with every setting bad", () => {
  it("unregisterDevice", async () => {
    const { uid, idToken } = await createUser({ prefix: "cfg" });
    await seedDevices([{ uid, token: `${uid}-t` }]);
    const result = await withSettings(ALL_BAD, () =>
      exported.unregisterDevice.run({ data: { token: `${uid}-t` }, auth: { uid, token: {} }, rawRequest: signedIn(idToken) } as never),
    );
    expect(result).toEqual({ removed: true });
  });

  it("cancelNotification", async () => {
    const id = uniqueId("n");
    await db
      .doc(`notifications/${id}`)
      .set({ userId: "someone", title: "Later", status: "scheduled", createdAt: new Date(), dueAt: new Date(Date.now() + 3_600_000) });
    const before = await db.doc(`notifications/${id}`).get();
    await db.doc(`notifications/${id}`).update({ cancelled: true });
    const after = await db.doc(`notifications/${id}`).get();
    await withSettings(ALL_BAD, () =>
      exported.cancelNotification.run({ id: "e", time: new Date().toISOString(), params: { notificationId: id }, data: { before, after } } as never),
    );
    expect(await notification(id)).toMatchObject({ status: "cancelled" });
  });

  it("deleteUserDevices (Auth user deleted) deletes the user's devices and records, paged, idempotently", async () => {
    const user = await createUser();
    await seedDevices(Array.from({ length: 250 }, (_, i) => ({ uid: user.uid, token: `${user.uid}-d${i}` })));
    const record = { uid: user.uid } as UserRecord;
    await db.doc(`users/${user.uid}/inbox/n1`).set({ notificationId: "n1", title: "Hi" });
    await withSettings(ALL_BAD, () => exported.deleteUserDevices.run(record, {} as never));
    expect((await db.collection(`users/${user.uid}/inbox`).get()).empty).toBe(true);
    expect(await deviceIdsOf(user.uid)).toEqual([]);
    expect((await db.doc(`tokenOwners/${sha256(`${user.uid}-d0`)}`).get()).exists).toBe(false);
    expect((await db.doc(`users/${user.uid}`).get()).get("deviceIds")).toBeUndefined();
    await exported.deleteUserDevices.run(record, {} as never);
  });

  it("deleteNotificationRecords", async () => {
    const id = uniqueId("n");
    await db.doc(`notifications/${id}/deliveries/d1`).set({ userId: "u", deviceId: "d1", status: "sent" });
    await db.doc(`notifications/${id}/shards/000000`).set({ index: 0 });
    await db.doc(`users/${uniqueId("u")}/inbox/${id}`).set({ notificationId: id, title: "Hi" });
    await withSettings(ALL_BAD, () => exported.deleteNotificationRecords.run({ id: "e", time: "", params: { notificationId: id }, data: undefined } as never));
    await waitFor(async () => ((await db.collection(`notifications/${id}/deliveries`).get()).empty ? true : undefined));
    expect((await db.collection(`notifications/${id}/shards`).get()).empty).toBe(true);
    expect((await db.collectionGroup("inbox").where("notificationId", "==", id).get()).empty).toBe(true);
  });

  it("fanOutNotification: a bad INBOX_RETENTION_DAYS fails the notification naming it", async () => {
    const uid = uniqueId("cfg");
    await seedDevices([{ uid, token: `${uid}-t` }]);
    const id = uniqueId("n");
    await db.doc(`notifications/${id}`).set({ userId: uid, title: "Inbox", inbox: true });
    await withSettings({ INBOX_RETENTION_DAYS: "0" }, async () => exported.fanOutNotification.run(await createdEvent(id)));
    expect(await notification(id)).toMatchObject({
      status: "failed",
      error: { code: "configuration", message: expect.stringContaining("INBOX_RETENTION_DAYS is 0") },
    });
    expect((await db.doc(`users/${uid}/inbox/${id}`).get()).exists).toBe(false);
  });

  it("updateInbox and reportEvent read no setting: they work with every other one bad", async () => {
    const { uid, idToken } = await createUser({ prefix: "cfg" });
    await db
      .doc(`users/${uid}/inbox/n1`)
      .set({ notificationId: "n1", title: "Hi", createdAt: new Date(), seenAt: null, readAt: null, archivedAt: null, expireAt: new Date() });
    const auth = { auth: { uid, token: {} }, rawRequest: signedIn(idToken) };
    const updated = await withSettings(ALL_BAD, () => exported.updateInbox.run({ data: { ids: ["n1"], set: "archived" }, ...auth } as never));
    expect(updated).toEqual({ updated: 1 });
    const reported = await withSettings(ALL_BAD, () =>
      exported.reportEvent.run({ data: { notificationId: "n1", event: "opened", token: "t" }, ...auth } as never),
    );
    expect(reported).toEqual({ recorded: false });
  });
});
