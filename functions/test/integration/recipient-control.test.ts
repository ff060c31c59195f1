// Recipient control enforced inside the fan-out (CONTRACT §1 Preferences, Delivery skipped/held):
// the pipeline's own stages run in this process against the Firestore emulator with a clock of
// their own (test/helpers/in-process.ts), on a user audience and a 2,000-device topic: opted-out,
// muted, held and released at the window's end, cancelled while held, the daily cap (also two
// notifications at once against a cap of 1), and critical bypassing all of it.
import { beforeAll, describe, expect, it } from "vitest";
import { cancelNotification } from "../../src/notifications/lifecycle";
import { STALL_MS } from "../../src/notifications/pipeline";
import { giveUpShard } from "../../src/notifications/shard";
import { sweepNotifications } from "../../src/notifications/sweep";
import { admitUser } from "../../src/recipients/cap";
import type { SetPreferencesInput } from "../../src/recipients/schema";
import { setPreferences } from "../../src/recipients/store";
import { countOperations, installCounting } from "../../tools/bench/counting";
import { fanOutInProcess, type InProcess, inProcess, runTask } from "../../tools/bench/pipeline";
import { seedDevices } from "../../tools/bench/seed";
import { callFunction, createUser, db as defaultDb, startEarly, uniqueId, waitFor } from "../helpers/emulator";
import { accept, db, deliveriesOf, manualClock, notification, outboxOf, setup, usersWithDevices } from "../helpers/in-process";
import { deliveriesOf as emulatorDeliveries, outboxOf as emulatorOutbox, sendNotification, sha256, waitForOutcome } from "../helpers/notifications";

// 23:00 UTC: inside a 22:00-07:00 window in Etc/UTC, which ends at 07:00 the next morning.
const NIGHT = Date.UTC(2027, 0, 5, 23, 0);
const MORNING = Date.UTC(2027, 0, 6, 7, 0);
const QUIET = { quietHours: { start: "22:00", end: "07:00" } };

/** Four users, one device each: plain, opted out of promo, muted, in quiet hours. */
async function fourUsers(prefix: string) {
  const { uids, devices } = usersWithDevices(4, 1, prefix);
  const [plain, out, muted, night] = uids as [string, string, string, string];
  const ready = { devices: devices.map((d) => ({ ...d, timezone: "Etc/UTC" })), plain, out, muted, night };
  return ready;
}

async function applyChoices(u: { out: string; muted: string; night: string }) {
  await setPreferences(db, u.out, { categories: { promo: false } }, NIGHT);
  await setPreferences(db, u.muted, { mutedUntil: NIGHT + 3_600_000 }, NIGHT);
  await setPreferences(db, u.night, QUIET, NIGHT);
}

// The two scenarios through the deployed functions mostly wait for the clock (a quiet window's end,
// the release task's 30 s hop). They start with the file and wait while the in-process tests run,
// which cannot see them (those use the "inprocess" database, these the default one, which the
// deployed triggers watch); the describe "through the deployed functions" awaits them, before the
// cost describe, which counts every Firestore call this process makes, so their polls never count.
let heldRun: Promise<void>;
let cancelledRun: Promise<void>;
beforeAll(() => {
  heldRun = startEarly(heldUntilWindowEnds);
  cancelledRun = startEarly(cancelledWhileHeld);
});

const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);

/** A user with two registered devices in Etc/UTC. */
async function userWithDevices(prefix: string) {
  const user = await createUser({ prefix });
  for (const n of [1, 2]) {
    const res = await callFunction("registerDevice", { token: `${user.uid}-${prefix}-${n}`, type: "android", timezone: "Etc/UTC" }, user.idToken);
    expect(res.status, res.text).toBe(200);
  }
  return user;
}

/**
 * Quiet hours from this minute to the first whole minute at least 30 s away (HH:MM is the
 * contract's granularity), so the notifications arrive inside them with time to spare: a news one
 * held until they end and then sent, a promo one skipped (opted out), a critical one sent at once.
 */
async function heldUntilWindowEnds() {
  const user = await userWithDevices("rc-e2e");
  const now = Date.now();
  const end = Math.ceil((now + 30_000) / 60_000) * 60_000;
  const set = await callFunction(
    "setNotificationPreferences",
    { categories: { promo: false }, quietHours: { start: hhmm(now), end: hhmm(end) } },
    user.idToken,
  );
  expect(set.status, set.text).toBe(200);

  const held = await sendNotification({ userId: user.uid, title: "Later", category: "news" });
  const skipped = await sendNotification({ userId: user.uid, title: "Sale", category: "promo" });
  const critical = await sendNotification({ userId: user.uid, title: "Code", category: "promo", critical: true });

  const deliveries = await waitFor(
    async () => {
      const all = Object.values(await emulatorDeliveries(held));
      return all.length === 2 && all.every((d) => d.status === "held") ? all : undefined;
    },
    { what: "two held deliveries", timeoutMs: 30_000 },
  );
  expect(deliveries.map((d) => d.heldUntil.toMillis())).toEqual([end, end]);
  expect(await waitForOutcome(skipped)).toMatchObject({ status: "no-devices", stats: { devices: 2, sent: 0, skipped: 2 } });
  expect(Object.values(await emulatorDeliveries(skipped)).map((d) => d.reason)).toEqual(["opted-out", "opted-out"]);
  expect(await waitForOutcome(critical)).toMatchObject({ status: "sent", stats: { devices: 2, sent: 2, skipped: 0 } });

  const outcome = await waitForOutcome(held, 150_000);
  expect(outcome).toMatchObject({ status: "sent", stats: { recipients: 1, devices: 2, sent: 2, skipped: 0, held: 0 } });
  const sentAt = (await emulatorOutbox(held)).map((o) => o.at.toMillis());
  expect(sentAt).toHaveLength(2);
  for (const at of sentAt) expect(at).toBeGreaterThanOrEqual(end);
}

/** Held for two hours, then cancelled: nothing is sent, and the release shard ends skipped. */
async function cancelledWhileHeld() {
  const now = Date.now();
  const user = await userWithDevices("rc-e2e-cancel");
  await callFunction("setNotificationPreferences", { quietHours: { start: hhmm(now), end: hhmm(now + 2 * 3_600_000) } }, user.idToken);
  const id = await sendNotification({ userId: user.uid, title: "Tonight" });
  await waitFor(async () => (Object.values(await emulatorDeliveries(id)).filter((d) => d.status === "held").length === 2 ? true : undefined), {
    what: "held deliveries",
  });
  await defaultDb.doc(`notifications/${id}`).update({ cancelled: true });
  expect(await waitForOutcome(id)).toMatchObject({ status: "cancelled", stats: { devices: 2, sent: 0, held: 0 } });
  // The tasks emulator runs the release task at once; it waits in hops of 30 s, and the next hop finds the stop.
  await waitFor(
    async () => {
      const shards = await defaultDb.collection(`notifications/${id}/shards`).where("release", "==", true).get();
      return shards.docs.length > 0 && shards.docs.every((d) => d.get("status") === "skipped") ? true : undefined;
    },
    { what: "the release shard skipped", timeoutMs: 90_000, intervalMs: 1000 },
  );
  expect(await emulatorOutbox(id)).toEqual([]);
}

const statusById = async (id: string) =>
  Object.fromEntries(Object.values(await deliveriesOf(id)).map((d) => [d.userId, [d.status, d.reason ?? d.heldUntil?.toDate().toISOString()]]));

describe("on a user audience", () => {
  it("skips the opted-out and the muted, holds the one in quiet hours, and sends it when they end", async () => {
    const u = await fourUsers("rc-users");
    await setupDevices(u);
    await applyChoices(u);
    const id = await setup([], { userIds: [u.plain, u.out, u.muted, u.night], title: "Sale", category: "promo" });
    const clock = manualClock(NIGHT);
    const run = inProcess(db, { now: clock.now, sleep: clock.sleep });
    await accept(run, id);
    await runDue(run, clock.now);
    expect(await statusById(id)).toEqual({
      [u.plain]: ["sent", undefined],
      [u.out]: ["skipped", "opted-out"],
      [u.muted]: ["skipped", "muted"],
      [u.night]: ["held", new Date(MORNING).toISOString()],
    });
    const waiting = await notification(id);
    expect(waiting.status).toBe("processing");
    expect(waiting.stats).toMatchObject({ devices: 4, sent: 1, skipped: 2, held: 1 });
    // The release shard's task is scheduled for the window's end; run early it waits.
    const [release] = run.queues.pending.splice(0);
    expect(release!.options.scheduleTime!.getTime()).toBe(MORNING);
    clock.set(MORNING);
    await runTask(run.deps, run.settings, release!);
    expect((await statusById(id))[u.night]).toEqual(["sent", undefined]);
    expect(await notification(id)).toMatchObject({ status: "sent", stats: { recipients: 4, devices: 4, sent: 2, skipped: 2, held: 0 } });
    expect((await outboxOf(id)).map((o) => o.userId).sort()).toEqual([u.plain, u.night].sort());
  });

  it("a localTime group due inside a device's quiet hours is held again until they end (scheduled audiences take the same step)", async () => {
    const [early, plain] = await twoUsersIn("rc-local", "Asia/Tokyo");
    // 09:00 in Tokyo is 00:00Z; the first user keeps 08:00-10:00 quiet there, so it waits for 01:00Z.
    await setPreferences(db, early, { quietHours: { start: "08:00", end: "10:00" } }, NIGHT);
    const id = await setup([], { userIds: [early, plain], title: "Good morning", localTime: "09:00" });
    const clock = manualClock(Date.UTC(2027, 0, 6, 12, 0));
    const run = inProcess(db, { now: clock.now, sleep: clock.sleep });
    await accept(run, id);
    await runDue(run, clock.now);
    const nine = Date.UTC(2027, 0, 7, 0, 0);
    clock.set(nine);
    await runDue(run, clock.now);
    expect(await statusById(id)).toEqual({ [plain]: ["sent", undefined], [early]: ["held", new Date(nine + 3_600_000).toISOString()] });
    clock.set(nine + 3_600_000);
    await runDue(run, clock.now);
    expect(await notification(id)).toMatchObject({ status: "sent", stats: { devices: 2, sent: 2, held: 0 } });
  });

  it("a release shard whose task fails its last attempt records its held devices as failed, and the notification finishes", async () => {
    const u = await fourUsers("rc-giveup");
    await setupDevices(u);
    await applyChoices(u);
    const id = await setup([], { userIds: [u.plain, u.night], title: "Tonight" });
    const clock = manualClock(NIGHT);
    const run = inProcess(db, { now: clock.now, sleep: clock.sleep });
    await accept(run, id);
    const [release] = run.queues.pending.splice(0);
    clock.set(MORNING);
    const task = release!.queue === "send" ? release!.task : undefined;
    await giveUpShard(run.deps, run.settings, id, task!.shard, new Error("boom"), "last-attempt");
    expect((await statusById(id))[u.night]).toEqual(["failed", undefined]);
    expect(await notification(id)).toMatchObject({ status: "partial", stats: { devices: 2, sent: 1, failed: 1, held: 0 } });
  });

  it("a held device whose release task was lost is released by the sweeper after the window's end", async () => {
    const [night, plain] = await twoUsersIn("rc-swept", "Etc/UTC");
    await setPreferences(db, night, QUIET, NIGHT);
    const id = await setup([], { userIds: [night, plain], title: "Lost release" });
    const clock = manualClock(NIGHT);
    const run = inProcess(db, { now: clock.now, sleep: clock.sleep });
    await accept(run, id);
    await runDue(run, clock.now);
    // The release task is lost (a queue purged, a deploy that dropped it).
    expect(run.queues.pending.splice(0).map((t) => t.options.scheduleTime?.getTime())).toEqual([MORNING]);
    // The sweeper looks at every notification due a look; only this one's tasks are kept.
    const sweep = async () => {
      await sweepNotifications(run.deps);
      const ours = run.queues.pending.splice(0).filter((t) => t.task.notificationId === id);
      run.queues.pending.push(...ours);
      return ours.map((t) => t.queue);
    };
    clock.set(MORNING - 60_000);
    expect(await sweep()).toEqual([]);
    clock.set(MORNING + STALL_MS);
    expect(await sweep()).toEqual(["send"]);
    await run.queues.drain(run.deps, run.settings);
    expect(await statusById(id)).toEqual({ [night]: ["sent", undefined], [plain]: ["sent", undefined] });
    expect(await notification(id)).toMatchObject({ status: "sent", stats: { devices: 2, sent: 2, held: 0 } });
    expect((await outboxOf(id)).map((o) => o.userId).sort()).toEqual([night, plain].sort());
  });

  it("critical: true ignores opt-outs, mute and quiet hours", async () => {
    const u = await fourUsers("rc-critical");
    await setupDevices(u);
    await applyChoices(u);
    const id = await setup([], { userIds: [u.plain, u.out, u.muted, u.night], title: "Sign-in code", category: "promo", critical: true });
    const clock = manualClock(NIGHT);
    const run = inProcess(db, { now: clock.now, sleep: clock.sleep });
    await accept(run, id);
    await run.queues.drain(run.deps, run.settings);
    expect(await notification(id)).toMatchObject({ status: "sent", stats: { devices: 4, sent: 4, skipped: 0, held: 0 } });
  });

  it("a notification cancelled while a device is held never sends it", async () => {
    const u = await fourUsers("rc-cancel");
    await setupDevices(u);
    await applyChoices(u);
    const id = await setup([], { userIds: [u.plain, u.night], title: "Tonight" });
    const clock = manualClock(NIGHT);
    const run = inProcess(db, { now: clock.now, sleep: clock.sleep });
    await accept(run, id);
    const [release] = run.queues.pending.splice(0);
    await db.doc(`notifications/${id}`).update({ cancelled: true });
    await cancelNotification(run.deps, id);
    expect(await notification(id)).toMatchObject({ status: "cancelled", stats: { devices: 2, sent: 1, held: 0 } });
    clock.set(MORNING);
    await runTask(run.deps, run.settings, release!);
    expect((await outboxOf(id)).map((o) => o.userId)).toEqual([u.plain]);
    expect((await statusById(id))[u.night]![0]).toBe("held");
    const shards = await db.collection(`notifications/${id}/shards`).where("release", "==", true).get();
    expect(shards.docs.map((d) => d.get("status"))).toEqual(["skipped"]);
  });
});

/** Seeds the four users' devices (in Etc/UTC). */
/** Two users with one device each, registered in `timezone`. */
async function twoUsersIn(prefix: string, timezone: string): Promise<[string, string]> {
  const { uids, devices } = usersWithDevices(2, 1, prefix);
  await seedDevices(
    db,
    devices.map((d) => ({ ...d, timezone })),
  );
  return uids as [string, string];
}

async function setupDevices(u: Awaited<ReturnType<typeof fourUsers>>) {
  await seedDevices(db, u.devices);
}

/** Runs the queued tasks that are due by the clock (and those they enqueue), leaving later ones queued. */
async function runDue(run: InProcess, now: () => number) {
  const due = () => run.queues.pending.filter((t) => (t.options.scheduleTime?.getTime() ?? 0) <= now());
  while (due().length > 0) {
    const task = due()[0]!;
    run.queues.pending.splice(run.queues.pending.indexOf(task), 1);
    await runTask(run.deps, run.settings, task);
  }
}

describe("the daily cap (MAX_NOTIFICATIONS_PER_USER_PER_DAY)", () => {
  it("a second notification within 24 h is capped; a critical one passes and is not counted; a day later one passes again", async () => {
    const { uids, devices } = usersWithDevices(1, 2, "rc-cap");
    const uid = uids[0]!;
    const clock = manualClock(NIGHT);
    const run = inProcess(db, { now: clock.now, sleep: clock.sleep }, { dailyCap: 1 });
    const first = await setup(devices, { userId: uid, title: "One" });
    await accept(run, first);
    await run.queues.drain(run.deps, run.settings);
    expect(await notification(first)).toMatchObject({ status: "sent", stats: { devices: 2, sent: 2, skipped: 0 } });

    clock.advance(3_600_000);
    const second = await setup([], { userId: uid, title: "Two" });
    await accept(run, second);
    await run.queues.drain(run.deps, run.settings);
    expect(await notification(second)).toMatchObject({ status: "no-devices", stats: { devices: 2, sent: 0, skipped: 2 } });
    expect(Object.values(await deliveriesOf(second)).map((d) => d.reason)).toEqual(["capped", "capped"]);

    const critical = await setup([], { userId: uid, title: "Code", critical: true });
    await accept(run, critical);
    await run.queues.drain(run.deps, run.settings);
    expect(await notification(critical)).toMatchObject({ status: "sent", stats: { sent: 2 } });
    expect(Object.keys((await db.doc(`recipientCounters/${uid}`).get()).get("received"))).toEqual([first]);

    clock.advance(24 * 3_600_000);
    const nextDay = await setup([], { userId: uid, title: "Tomorrow" });
    await accept(run, nextDay);
    await run.queues.drain(run.deps, run.settings);
    expect(await notification(nextDay)).toMatchObject({ status: "sent", stats: { sent: 2 } });
    expect(Object.keys((await db.doc(`recipientCounters/${uid}`).get()).get("received"))).toEqual([nextDay]);
  });

  it("two notifications at once against a cap of 1: each user receives exactly one of them", async () => {
    const { uids, devices } = usersWithDevices(20, 2, "rc-race");
    const clock = manualClock(NIGHT);
    const a = inProcess(db, { now: clock.now }, { dailyCap: 1 });
    const b = inProcess(db, { now: clock.now }, { dailyCap: 1 });
    const first = await setup(devices, { userIds: uids, title: "A" });
    const second = await setup([], { userIds: uids, title: "B" });
    await Promise.all([accept(a, first).then(() => a.queues.drain(a.deps, a.settings)), accept(b, second).then(() => b.queues.drain(b.deps, b.settings))]);
    const outbox = [...(await outboxOf(first)), ...(await outboxOf(second))];
    for (const uid of uids) {
      const got = new Set(outbox.filter((o) => o.userId === uid).map((o) => o.notificationId));
      expect(got.size, uid).toBe(1);
    }
    const [na, nb] = [await notification(first), await notification(second)];
    expect(na.stats.sent + nb.stats.sent).toBe(40);
    expect(na.stats.skipped + nb.stats.skipped).toBe(40);
  });

  it("ten concurrent admissions of one user under a cap of 1: exactly one passes, and a repeat of it passes again", async () => {
    const uid = uniqueId("rc-admit");
    const ids = Array.from({ length: 10 }, (_, i) => `n-${uid}-${i}`);
    const results = await Promise.all(ids.map((id) => admitUser(db, uid, id, 1, NIGHT)));
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = ids[results.indexOf(true)]!;
    expect(await admitUser(db, uid, winner, 1, NIGHT + 1000)).toBe(true);
  });
});

describe("on a 2,000-device topic (500 users, 8 shards)", () => {
  it("every outcome at scale, the held released at the window's end, and the stats add up", async () => {
    const { uids, devices } = usersWithDevices(500, 4, "rc-topic");
    const topic = uniqueId("topic");
    const id = await setup(
      devices.map((d) => ({ ...d, topics: [topic], timezone: "Etc/UTC" })),
      { topic, title: "Weekly digest", category: "digest" },
    );
    const choices = (i: number): SetPreferencesInput | undefined =>
      i < 100
        ? { categories: { digest: false } }
        : i < 200
          ? { mutedUntil: NIGHT + 60_000 }
          : i < 300
            ? QUIET
            : i < 350
              ? { categories: { promo: false } }
              : undefined;
    for (let i = 0; i < uids.length; i += 25) {
      await Promise.all(
        uids.slice(i, i + 25).map((uid, j) => {
          const input = choices(i + j);
          return input ? setPreferences(db, uid, input, NIGHT) : undefined;
        }),
      );
    }
    const clock = manualClock(NIGHT);
    const run = inProcess(db, { now: clock.now, sleep: clock.sleep });
    await accept(run, id);
    await runDue(run, clock.now);
    const waiting = await notification(id);
    expect(waiting.status).toBe("processing");
    expect(waiting.stats).toMatchObject({ devices: 2000, sent: 800, skipped: 800, held: 400 });
    const reasons = Object.values(await deliveriesOf(id)).reduce<Record<string, number>>((acc, d) => {
      const key = `${d.status}:${d.reason ?? ""}`;
      acc[key] = (acc[key] ?? 0) + 1;
      return acc;
    }, {});
    expect(reasons).toEqual({ "sent:": 800, "skipped:opted-out": 400, "skipped:muted": 400, "held:": 400 });

    clock.set(MORNING);
    await run.queues.drain(run.deps, run.settings);
    expect(await notification(id)).toMatchObject({ status: "sent", stats: { devices: 2000, sent: 1200, skipped: 800, held: 0, failed: 0 } });
    const sentTo = new Set((await outboxOf(id)).filter((o) => o.outcome === "sent").map((o) => o.deviceId));
    expect(sentTo.size).toBe(1200);
    expect(sentTo.has(sha256(`${uids[250]}-d0`))).toBe(true);
    expect(sentTo.has(sha256(`${uids[50]}-d0`))).toBe(false);
  }, 240_000);
});

describe("through the deployed functions (Functions, Firestore and tasks emulators)", () => {
  // Started with the file (see beforeAll at the top), checked here.
  it("a held notification is sent when a one-minute quiet window ends; an opted-out category is skipped; critical goes through", () => heldRun, 200_000);

  it("a notification cancelled while its devices are held sends nothing, and its release shard is skipped", () => cancelledRun, 150_000);
});

describe("cost (CONTRACT: 2 reads and 1 write per device plus a constant per shard; the cap: one more write per user)", () => {
  /** A 1,000-device topic of 250 users, every user with preferences that skip nothing; its operations counted. */
  async function counted(label: string, withPreferences: boolean, dailyCap: number) {
    const { uids, devices } = usersWithDevices(250, 4, `rc-cost-${label}`);
    const topic = uniqueId("topic");
    const id = await setup(
      devices.map((d) => ({ ...d, topics: [topic] })),
      { topic, title: "Counted", category: "digest" },
    );
    if (withPreferences) {
      for (let i = 0; i < uids.length; i += 25)
        await Promise.all(
          uids.slice(i, i + 25).map((uid) => setPreferences(db, uid, { categories: { promo: false }, quietHours: { start: "03:00", end: "04:00" } }, NIGHT)),
        );
    }
    const clock = manualClock(NIGHT);
    const run = inProcess(db, { now: clock.now, sleep: clock.sleep }, { dailyCap });
    installCounting(db);
    const { counts } = await countOperations(() => fanOutInProcess(run, id));
    const n = await notification(id);
    expect(n).toMatchObject({ status: "sent", stats: { devices: 1000, sent: 1000, skipped: 0 } });
    return { reads: counts.reads, writes: counts.writes - counts.writesByKind.outbox, shards: n.plan.shards as number };
  }

  it("preferences add no read; the cap adds one read and one write per recipient user", async () => {
    const plain = await counted("plain", false, 0);
    const prefs = await counted("prefs", true, 0);
    const capped = await counted("cap", true, 5);
    const k = 1000;
    const perShard = 16 * (plain.shards + 1);
    expect(plain.reads).toBeLessThanOrEqual(2 * k + perShard);
    // The copy on each device is read with the device: the same reads and writes, give or take a progress write.
    expect(Math.abs(prefs.reads - plain.reads)).toBeLessThanOrEqual(2 * (plain.shards + 1));
    expect(Math.abs(prefs.writes - plain.writes)).toBeLessThanOrEqual(plain.shards + 1);
    expect(prefs.reads).toBeLessThanOrEqual(2 * k + perShard);
    expect(prefs.writes).toBeLessThanOrEqual(k + 8 * (plain.shards + 1));
    // The cap: one counter transaction per user (250), one read and one write each.
    expect(capped.writes - prefs.writes).toBeGreaterThanOrEqual(250);
    expect(capped.writes - prefs.writes).toBeLessThanOrEqual(250 + plain.shards + 1);
    expect(capped.reads - prefs.reads).toBeLessThanOrEqual(250 + 2 * (plain.shards + 1));
    console.info(`recipient control cost, ${k} devices of 250 users in ${plain.shards} shards:`, { plain, prefs, capped });
  }, 180_000);
});
