// Inbox entries written by the sharded pipeline (issue 20): once per recipient user for every
// audience, create-only (a redelivered or resumed task adds no second entry and never resets an
// entry's read state), with their TTL, gone with their notification (work in flight included) and
// with their user; and every message carries data.notificationId. Run in this process against the
// Firestore emulator's trigger-free database, as pipeline-faults does.

import { getApp } from "firebase-admin/app";
import { getFirestore, Timestamp } from "firebase-admin/firestore";
import { describe, expect, it } from "vitest";
import { deleteUserInbox } from "../../src/inbox/delete";
import { createSandboxMessenger } from "../../src/messaging/sandbox";
import type { Messenger } from "../../src/messaging/transport";
import { deleteNotificationRecords } from "../../src/notifications/lifecycle";
import { fanOutInProcess, type InProcess, inProcess, runTask } from "../../tools/bench/pipeline";
import { seedDevices } from "../../tools/bench/seed";
import { uniqueId } from "../helpers/emulator";
import { accept, db, LEASE_EXPIRED, manualClock, notification, outboxOf, setup, usersWithDevices } from "../helpers/in-process";

const DAY_MS = 24 * 60 * 60 * 1000;

async function entriesOf(id: string, uids: string[], on = db) {
  const snaps = await on.getAll(...uids.map((uid) => on.doc(`users/${uid}/inbox/${id}`)));
  return Object.fromEntries(snaps.filter((s) => s.exists).map((s) => [s.ref.parent.parent!.id, s.data()!]));
}

/** Every entry of the notification, whoever holds it (the collection-group query the deletion uses). */
async function allEntries(id: string, on = db) {
  return (await on.collectionGroup("inbox").where("notificationId", "==", id).get()).docs;
}

/** The sandbox, failing the sendEach calls `fail` says to fail (1-based). */
function failingMessenger(fail: (call: number) => boolean | Promise<void>): Messenger {
  const sandbox = createSandboxMessenger(db, "demo-pushfan");
  let calls = 0;
  return {
    name: "sandbox",
    async send(messages, options) {
      const verdict = await fail(++calls);
      if (verdict === true) throw new Error("injected: the send crashed");
      return sandbox.send(messages, options);
    },
  };
}

const sendTask = (run: InProcess, shard: number) => run.queues.accepted.find((t) => t.queue === "send" && t.task.shard === shard)!;

describe("entries for listed users", () => {
  it("every listed user gets one entry, devices or not, copying the notification; every message carries data.notificationId", async () => {
    const { uids, devices } = usersWithDevices(2, 2, "inboxlist");
    const noDevices = uniqueId("inboxlist-none");
    const doc = {
      userIds: [...uids, noDevices],
      title: "Hello",
      body: "World",
      link: "https://example.com/a",
      data: { k: "v", n: 2 },
      translations: { fr: { title: "Bonjour" } },
      inbox: true,
    };
    const id = await setup(devices, doc);
    const run = inProcess(db, {}, { inboxRetentionDays: 7 });
    await fanOutInProcess(run, id);
    expect(await notification(id)).toMatchObject({ status: "sent", stats: { recipients: 3, devices: 4, sent: 4 } });
    const entries = await entriesOf(id, [...uids, noDevices]);
    expect(Object.keys(entries).sort()).toEqual([...uids, noDevices].sort());
    for (const entry of Object.values(entries)) {
      expect(entry).toMatchObject({ notificationId: id, title: "Hello", body: "World", link: "https://example.com/a", data: { k: "v", n: 2 } });
      expect(entry).toMatchObject({ translations: { fr: { title: "Bonjour" } }, seenAt: null, readAt: null, archivedAt: null });
      expect(entry.imageUrl).toBeUndefined();
      expect(entry.expireAt.toMillis() - entry.createdAt.toMillis()).toBe(7 * DAY_MS);
    }
    expect(await allEntries(id)).toHaveLength(3);
    const outbox = await outboxOf(id);
    expect(outbox).toHaveLength(4);
    for (const o of outbox) expect(o.message.data).toMatchObject({ notificationId: id, k: "v", n: "2", link: "https://example.com/a" });
  });

  it("a notification without inbox: true writes no entry, and its messages still carry data.notificationId", async () => {
    const { uids, devices } = usersWithDevices(1, 1, "noinbox");
    const id = await setup(devices, { userId: uids[0], title: "Push only" });
    await fanOutInProcess(inProcess(db), id);
    expect(await allEntries(id)).toHaveLength(0);
    expect((await outboxOf(id))[0]!.message.data).toEqual({ notificationId: id });
  });

  it("a creation event redelivered after a crash writes no second entry and keeps an entry already read", async () => {
    const { uids, devices } = usersWithDevices(2, 1, "inboxredo");
    const id = await setup(devices, { userIds: uids, title: "Redelivered", inbox: true });
    await expect(accept(inProcess(db, { messenger: failingMessenger(() => true) }), id)).rejects.toThrow("injected");
    const readAt = Timestamp.fromMillis(Date.now() - 1000);
    await db.doc(`users/${uids[0]}/inbox/${id}`).update({ readAt, seenAt: readAt });
    const clock = manualClock(Date.now() + LEASE_EXPIRED);
    await accept(inProcess(db, { now: clock.now, sleep: clock.sleep }), id);
    expect((await notification(id)).status).toBe("sent");
    const entries = await entriesOf(id, uids);
    expect(entries[uids[0]!]).toMatchObject({ readAt, seenAt: readAt });
    expect(entries[uids[1]!]).toMatchObject({ readAt: null });
    expect(await allEntries(id)).toHaveLength(2);
  });
});

describe("entries for a topic", () => {
  async function topicSetup(prefix: string, extra: Record<string, unknown> = {}) {
    const topic = uniqueId("inboxtopic");
    const { uids, devices } = usersWithDevices(3, 2, prefix);
    const outsider = uniqueId(`${prefix}-out`);
    const webOnly = uniqueId(`${prefix}-web`);
    const seeded = [
      ...devices.map((d) => ({ ...d, topics: [topic], type: "ios" as const })),
      { uid: outsider, token: `${outsider}-t`, topics: ["other"], type: "ios" as const },
      { uid: webOnly, token: `${webOnly}-t`, topics: [topic], type: "web" as const },
    ];
    const id = await setup(seeded, { topic, title: "Topic", inbox: true, platforms: ["ios"], ...extra });
    return { id, uids, outsider, webOnly };
  }

  it("each user with a device in the audience (after platforms) gets one entry, whichever shards hold their devices", async () => {
    const { id, uids, outsider, webOnly } = await topicSetup("inboxtop");
    await fanOutInProcess(inProcess(db, {}, { shardSize: 1 }), id);
    expect(await notification(id)).toMatchObject({ status: "sent", stats: { devices: 6, sent: 6 } });
    expect(Object.keys(await entriesOf(id, [...uids, outsider, webOnly])).sort()).toEqual([...uids].sort());
    expect(await allEntries(id)).toHaveLength(3);
  });

  it("a redelivered shard task writes no second entry; a resumed shard keeps an entry already read", async () => {
    const { id, uids } = await topicSetup("inboxshard");
    const clock = manualClock();
    // The first shard sent crashes in its first sendEach, after its entries were written.
    const run = inProcess(db, { now: clock.now, sleep: clock.sleep, messenger: failingMessenger((call) => call === 1) }, { shardSize: 2 });
    await accept(run, id);
    await expect(run.queues.drain(run.deps, run.settings)).rejects.toThrow("injected");
    const written = await allEntries(id);
    expect(written.length).toBeGreaterThan(0);
    const readAt = Timestamp.fromMillis(clock.now() - 1000);
    for (const entry of written) await entry.ref.update({ readAt, archivedAt: readAt });
    // The crashed run's lease expires; its task's retry resumes the shard, then the rest are sent.
    clock.advance(LEASE_EXPIRED);
    const crashed = run.queues.accepted.filter((t) => t.queue === "send").map((t) => t.task.shard);
    for (const shard of crashed) await runTask(run.deps, run.settings, sendTask(run, shard));
    await run.queues.drain(run.deps, run.settings);
    expect(await notification(id)).toMatchObject({ status: "sent", stats: { devices: 6, sent: 6 } });
    // Every shard task delivered once more, after everything was done.
    for (const t of run.queues.accepted.filter((q) => q.queue === "send")) await runTask(run.deps, run.settings, t);
    const entries = await allEntries(id);
    expect(entries.map((d) => d.ref.parent.parent!.id).sort()).toEqual([...uids].sort());
    for (const before of written) {
      expect(entries.find((d) => d.ref.path === before.ref.path)!.data()).toMatchObject({ readAt, archivedAt: readAt, seenAt: null });
    }
  });
});

describe("entries for everyone", () => {
  it("a broadcast writes one entry per user with an active device in the audience", async () => {
    // A database of its own: a broadcast reaches every device of its database.
    const own = getFirestore(getApp(), "inbox-broadcast");
    const { uids, devices } = usersWithDevices(3, 2, "inboxall");
    const inactive = uniqueId("inboxall-off");
    await seedDevices(own, [...devices, { uid: inactive, token: `${inactive}-t`, active: false }]);
    const id = uniqueId("n");
    await own.doc(`notifications/${id}`).set({ broadcast: true, title: "Everyone", inbox: true });
    await fanOutInProcess(inProcess(own, {}, { shardSize: 4 }), id);
    expect((await own.doc(`notifications/${id}`).get()).get("status")).toBe("sent");
    expect(Object.keys(await entriesOf(id, [...uids, inactive], own)).sort()).toEqual([...uids].sort());
    await own.recursiveDelete(own.collection("users"));
    await own.recursiveDelete(own.collection("notifications"));
  });
});

describe('apns.badge: "unread"', () => {
  it("sets each iOS device's badge to its user's unread, unarchived entries, this one included; other devices get none", async () => {
    const [busy, fresh] = [uniqueId("badge-busy"), uniqueId("badge-fresh")];
    const at = Timestamp.now();
    const seeded = { title: "Old", createdAt: at, expireAt: at, seenAt: null };
    await db.doc(`users/${busy}/inbox/${uniqueId("old")}`).set({ ...seeded, notificationId: "a", readAt: null, archivedAt: null });
    await db.doc(`users/${busy}/inbox/${uniqueId("old")}`).set({ ...seeded, notificationId: "b", readAt: null, archivedAt: null });
    await db.doc(`users/${busy}/inbox/${uniqueId("old")}`).set({ ...seeded, notificationId: "c", readAt: at, archivedAt: null });
    await db.doc(`users/${busy}/inbox/${uniqueId("old")}`).set({ ...seeded, notificationId: "d", readAt: null, archivedAt: at });
    const devices = [
      { uid: busy, token: `${busy}-ios`, type: "ios" as const },
      { uid: busy, token: `${busy}-android`, type: "android" as const },
      { uid: fresh, token: `${fresh}-ios`, type: "ios" as const },
    ];
    const id = await setup(devices, { userIds: [busy, fresh], title: "Badge", inbox: true, apns: { badge: "unread" } });
    await fanOutInProcess(inProcess(db), id);
    const byToken = Object.fromEntries((await outboxOf(id)).map((o) => [o.token, o.message]));
    expect(byToken[`${busy}-ios`].apns.payload.aps.badge).toBe(3);
    expect(byToken[`${fresh}-ios`].apns.payload.aps.badge).toBe(1);
    expect(byToken[`${busy}-android`].apns.payload.aps.badge).toBeUndefined();
  });

  it("is refused without inbox: true (there would be no entry to count)", async () => {
    const { uids, devices } = usersWithDevices(1, 1, "badge-noinbox");
    const id = await setup(devices, { userId: uids[0], title: "Badge", apns: { badge: "unread" } });
    await fanOutInProcess(inProcess(db), id);
    expect(await notification(id)).toMatchObject({ status: "invalid", error: { details: [{ path: "apns.badge" }] } });
  });
});

describe("deletion", () => {
  it("deleting the notification deletes every entry, including a shard's mid-send", async () => {
    const topic = uniqueId("inboxdel");
    const { uids, devices } = usersWithDevices(2, 1, "inboxdel");
    const id = await setup(
      devices.map((d) => ({ ...d, topics: [topic] })),
      { topic, title: "Deleted", inbox: true },
    );
    let release!: () => void;
    const paused = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const sending = new Promise<void>((resolve) => (entered = resolve));
    const run = inProcess(db, {
      messenger: failingMessenger(async () => {
        entered();
        await paused;
      }),
    });
    const inFlight = accept(run, id);
    await sending;
    expect(await allEntries(id)).toHaveLength(2);
    await db.doc(`notifications/${id}`).delete();
    await deleteNotificationRecords(db, id);
    release();
    await inFlight.catch(() => undefined);
    expect(await allEntries(id)).toHaveLength(0);
    expect(await entriesOf(id, uids)).toEqual({});
  });

  it("a shard whose notification was deleted before it started writes no entry", async () => {
    const topic = uniqueId("inboxlate");
    const { devices } = usersWithDevices(4, 1, "inboxlate");
    const id = await setup(
      devices.map((d) => ({ ...d, topics: [topic] })),
      { topic, title: "Too late", inbox: true },
    );
    const run = inProcess(db, {}, { shardSize: 1 });
    await accept(run, id);
    await db.doc(`notifications/${id}`).delete();
    await deleteNotificationRecords(db, id);
    await run.queues.drain(run.deps, run.settings);
    expect(await allEntries(id)).toHaveLength(0);
  });

  it("a user's inbox goes with the user", async () => {
    const { uids, devices } = usersWithDevices(2, 1, "inboxuser");
    const id = await setup(devices, { userIds: uids, title: "Bye", inbox: true });
    await fanOutInProcess(inProcess(db), id);
    await deleteUserInbox(db, uids[0]!);
    expect(Object.keys(await entriesOf(id, uids))).toEqual([uids[1]]);
  });
});
