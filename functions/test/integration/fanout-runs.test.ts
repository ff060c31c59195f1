// At-least-once events and tasks, crashes, stops and clocks: the fan-out's stages are run here, in
// this process, against the Firestore emulator (a database of its own, which no trigger watches),
// with Cloud Tasks replaced by an in-memory queue. Each test decides exactly which runs happen, in
// which order and at what time; the guarantees are checked on the real ledger and sandbox outbox.
import { Timestamp } from "firebase-admin/firestore";
import { logger } from "firebase-functions";
import { describe, expect, it, vi } from "vitest";
import { deviceIdOf } from "../../src/devices/registry";
import { createSandboxMessenger } from "../../src/messaging/sandbox";
import type { Messenger, OutgoingMessage } from "../../src/messaging/transport";
import { acceptNotification, cancelNotification } from "../../src/notifications/lifecycle";
import { settle } from "../../src/notifications/outcome";
import { LeaseBusyError } from "../../src/notifications/pipeline";
import { giveUpShard, runShard } from "../../src/notifications/shard";
import { type InProcess, inProcess, runTask } from "../../tools/bench/pipeline";
import { uniqueId } from "../helpers/emulator";

import {
  accept,
  db,
  deliveriesOf,
  expectOncePerToken,
  LEASE_EXPIRED,
  manualClock,
  notification,
  outboxOf,
  setup,
  usersWithDevices,
} from "../helpers/in-process";

describe("duplicated and concurrent runs", () => {
  it("a creation event delivered again after the first run finished sends nothing more", async () => {
    const { uids, devices, tokens } = usersWithDevices(1, 4);
    const id = await setup(devices, { userId: uids[0], title: "Once only" });
    const run = inProcess(db);
    await accept(run, id);
    expect((await notification(id)).status).toBe("sent");
    expect(await accept(run, id)).toEqual({ kind: "skip", reason: "already-done" });
    await run.queues.drain(run.deps, run.settings);
    expectOncePerToken(await outboxOf(id), tokens);
  });

  it("three concurrent runs of one creation event send each device once", async () => {
    const { uids, devices, tokens } = usersWithDevices(2, 3);
    const id = await setup(devices, { userIds: uids, title: "Concurrent" });
    const run = inProcess(db);
    const results = await Promise.allSettled([accept(run, id), accept(run, id), accept(run, id)]);
    for (const r of results) if (r.status === "rejected") expect(r.reason).toBeInstanceOf(LeaseBusyError);
    await run.queues.drain(run.deps, run.settings);
    expectOncePerToken(await outboxOf(id), tokens);
    expect(await notification(id)).toMatchObject({ status: "sent", stats: { recipients: 2, devices: 6, sent: 6 } });
  });

  it("a send task delivered twice, one after the other and at once, sends its shard once", async () => {
    const { uids, devices, tokens } = usersWithDevices(3, 2);
    const id = await setup(devices, { userIds: uids, title: "Shards" });
    const run = inProcess(db, {}, { shardSize: 2 });
    await accept(run, id);
    // The trigger planned 2 devices and handed the rest over: shard 0 and a planner task.
    const shard0 = run.queues.pending.find((t) => t.queue === "send")!;
    await runTask(run.deps, run.settings, shard0);
    await runTask(run.deps, run.settings, shard0);
    const both = await Promise.allSettled([runTask(run.deps, run.settings, shard0), runTask(run.deps, run.settings, shard0)]);
    expect(both.every((r) => r.status === "fulfilled")).toBe(true);
    await run.queues.drain(run.deps, run.settings);
    // Each queue entry ran once more by the drain: still one accepted message per device.
    expectOncePerToken(await outboxOf(id), tokens);
    expect(await notification(id)).toMatchObject({ status: "sent", stats: { devices: 6, sent: 6 }, plan: { shards: 3 } });
  });

  it("a planner task run twice at once: one plans, the other is told the planner is busy", async () => {
    const { devices, tokens } = usersWithDevices(10, 3, "topicrun");
    const topic = uniqueId("topic");
    const id = await setup(
      devices.map((d) => ({ ...d, topics: [topic] })),
      { topic, title: "Planner twice" },
    );
    const run = inProcess(db, {}, { shardSize: 4 });
    await accept(run, id);
    const planTask = run.queues.pending.splice(
      run.queues.pending.findIndex((t) => t.queue === "plan"),
      1,
    )[0]!;
    // The first planner is held inside its first enqueue until the second has tried to start.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const realSend = run.queues.send.bind(run.queues);
    run.queues.send = async (task, options) => {
      await gate;
      return realSend(task, options);
    };
    const first = runTask(run.deps, run.settings, planTask);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await expect(runTask(run.deps, run.settings, planTask)).rejects.toBeInstanceOf(LeaseBusyError);
    release();
    await first;
    run.queues.send = realSend;
    await run.queues.drain(run.deps, run.settings);
    expectOncePerToken(await outboxOf(id), tokens);
    expect(await notification(id)).toMatchObject({ status: "sent", stats: { devices: 30, sent: 30 } });
    expect((await notification(id)).stats.recipients).toBeUndefined();
  });
});

describe("crashes", () => {
  it("a shard that crashed in its second round is resumed after its lease: only the unsettled device is sent again", async () => {
    const uid = uniqueId("crash");
    const tokens = [`${uid}-a`, `${uid}-b`, `${uid}-c`, `sandbox-flaky-${uid}`];
    const id = await setup(
      tokens.map((token) => ({ uid, token })),
      { userId: uid, title: "Crash" },
    );
    const sandbox = createSandboxMessenger(db, "demo-pushfan");
    let calls = 0;
    const crashing: Messenger = {
      name: "sandbox",
      async send(messages, options) {
        if (++calls === 2) throw new Error("instance killed");
        return sandbox.send(messages, options);
      },
    };
    const clock = manualClock();
    const first = inProcess(db, { messenger: crashing, now: clock.now, sleep: clock.sleep });
    await expect(accept(first, id)).rejects.toThrow("instance killed");
    expect(Object.keys(await deliveriesOf(id))).toHaveLength(3);

    // Within the lease the crashed run might still be alive: the event's redelivery must wait.
    const again = inProcess(db, { now: clock.now, sleep: clock.sleep });
    await expect(accept(again, id)).rejects.toBeInstanceOf(LeaseBusyError);

    clock.advance(LEASE_EXPIRED);
    await accept(again, id);
    const doc = await notification(id);
    expect(doc).toMatchObject({ status: "sent", stats: { devices: 4, sent: 4, failed: 0, removed: 0 } });
    const outbox = await outboxOf(id);
    expectOncePerToken(outbox, tokens);
    // The flaky device failed once (round 1) and was accepted once (the resumed run); nobody else twice.
    expect(
      outbox
        .filter((o) => o.token === tokens[3])
        .map((o) => o.outcome)
        .sort(),
    ).toEqual(["failed", "sent"]);
  });

  it("a planner that crashed midway is resumed from its checkpoint: no device twice, none missed", async () => {
    const { devices, tokens } = usersWithDevices(20, 5, "plancrash");
    const topic = uniqueId("topic");
    const id = await setup(
      devices.map((d) => ({ ...d, topics: [topic] })),
      { topic, title: "Planner crash" },
    );
    const clock = manualClock();
    const run = inProcess(db, { now: clock.now, sleep: clock.sleep }, { shardSize: 7 });
    await accept(run, id);
    // The planner task dies after handing out three more shards.
    const realSend = run.queues.send.bind(run.queues);
    let enqueued = 0;
    run.queues.send = async (task, options) => {
      if (++enqueued > 3) throw new Error("planner killed");
      return realSend(task, options);
    };
    const planTask = run.queues.pending.splice(
      run.queues.pending.findIndex((t) => t.queue === "plan"),
      1,
    )[0]!;
    await expect(runTask(run.deps, run.settings, planTask)).rejects.toThrow("planner killed");
    run.queues.send = realSend;

    // Cloud Tasks retries the planner; within its lease it is busy, afterwards it resumes.
    await expect(runTask(run.deps, run.settings, planTask)).rejects.toBeInstanceOf(LeaseBusyError);
    clock.advance(LEASE_EXPIRED);
    await runTask(run.deps, run.settings, planTask);
    await run.queues.drain(run.deps, run.settings);

    expectOncePerToken(await outboxOf(id), tokens);
    const shards = await db.collection(`notifications/${id}/shards`).get();
    const keys = shards.docs.flatMap((d) => d.get("devices") as string[]);
    expect(keys).toHaveLength(100);
    expect(new Set(keys).size).toBe(100);
    expect(await notification(id)).toMatchObject({ status: "sent", stats: { devices: 100, sent: 100 }, plan: { shards: 15, devices: 100 } });
  });

  it("a shard that fails on its last task attempt records its unsettled devices as failed, so the notification still ends", async () => {
    const { uids, devices } = usersWithDevices(2, 2, "exhaust");
    const id = await setup(devices, { userIds: uids, title: "Exhausted" });
    const run = inProcess(db, {}, { shardSize: 2 });
    await accept(run, id);
    const shard = run.queues.pending.find((t) => t.queue === "send")!;
    run.queues.pending.splice(run.queues.pending.indexOf(shard), 1);
    await run.queues.drain(run.deps, run.settings);
    expect((await notification(id)).status).toBe("processing");
    await giveUpShard(run.deps, run.settings, id, shard.queue === "send" ? shard.task.shard : 0, new Error("Firestore unavailable"), "last-attempt");
    await settle(run.deps, id);
    const doc = await notification(id);
    expect(doc).toMatchObject({ status: "partial", stats: { recipients: 2, devices: 4, sent: 2, failed: 2, removed: 0 } });
    const failed = Object.values(await deliveriesOf(id)).filter((d) => d.status === "failed");
    expect(failed).toHaveLength(2);
    expect(failed[0]!.error.code).toBe("pushfan/shard-failed");
  });
});

describe("sending rounds", () => {
  it("never sends more than 500 messages in one call, 1,200 devices in all", async () => {
    const { uids, devices } = usersWithDevices(12, 100, "big");
    const id = await setup(devices, { userIds: uids, title: "Big" });
    const sizes: number[] = [];
    const sandbox = createSandboxMessenger(db, "demo-pushfan");
    const spy: Messenger = { name: "sandbox", send: (m, o) => (sizes.push(m.length), sandbox.send(m, o)) };
    const run = inProcess(db, { messenger: spy }, { shardSize: 500 });
    await accept(run, id);
    await run.queues.drain(run.deps, run.settings);
    expect(sizes.sort((a, b) => a - b)).toEqual([200, 500, 500]);
    expect(await notification(id)).toMatchObject({ status: "sent", stats: { recipients: 12, devices: 1200, sent: 1200 } });
  });

  it("FCM's message-rate-exceeded is retried after its Retry-After, not lost", async () => {
    const uid = uniqueId("rate");
    const tokens = [`${uid}-a`, `${uid}-b`];
    const id = await setup(
      tokens.map((token) => ({ uid, token })),
      { userId: uid, title: "Rate" },
    );
    const sandbox = createSandboxMessenger(db, "demo-pushfan");
    let calls = 0;
    const limited: Messenger = {
      name: "sandbox",
      async send(messages: OutgoingMessage[], options) {
        if (++calls > 1) return sandbox.send(messages, options);
        const error = { code: "messaging/message-rate-exceeded", message: "Quota exceeded", retryAfterMs: 20_000 };
        return messages.map(() => ({ ok: false as const, error }));
      },
    };
    const slept: number[] = [];
    const run = inProcess(db, { messenger: limited, sleep: async (ms) => void slept.push(ms) }, { backoff: { baseMs: 100, maxMs: 30_000 } });
    await accept(run, id);
    expect(slept).toEqual([20_000]);
    expect(await notification(id)).toMatchObject({ status: "sent", attempts: 2, stats: { devices: 2, sent: 2 } });
    expect(Object.values(await deliveriesOf(id)).map((d) => [d.status, d.attempts])).toEqual([
      ["sent", 2],
      ["sent", 2],
    ]);
  });

  it("bad FCM credentials stop the whole notification as failed and delete no device", async () => {
    // uids that sort in order, so the first shard (sent first) holds the first user's two devices.
    const base = uniqueId("creds");
    const uids = [0, 1, 2].map((i) => `${base}-${i}`);
    const devices = uids.flatMap((uid) => [0, 1].map((i) => ({ uid, token: `${uid}-d${i}` })));
    devices[0]!.token = `sandbox-auth-error-${uids[0]}`;
    devices[1]!.token = `sandbox-unregistered-${uids[0]}`;
    const id = await setup(devices, { userIds: uids, title: "Credentials" });
    const run = inProcess(db, {}, { shardSize: 2 });
    await accept(run, id);
    await run.queues.drain(run.deps, run.settings);
    const doc = await notification(id);
    expect(doc.status).toBe("failed");
    expect(doc.error.code).toBe("messaging/third-party-auth-error");
    expect(doc.stats.removed).toBe(0);
    // The first shard halted the notification: the other shards sent nothing.
    expect((await outboxOf(id)).length).toBe(2);
    expect((await db.doc(`users/${uids[0]}/devices/${deviceIdOf(devices[1]!.token)}`).get()).exists).toBe(true);
  });

  it("logs structured progress and outcome without a raw token", async () => {
    const uid = uniqueId("logs");
    const tokens = [`${uid}-plain-token`, `sandbox-flaky-${uid}`, `sandbox-unregistered-${uid}`];
    const id = await setup(
      tokens.map((token) => ({ uid, token })),
      { userId: uid, title: "Logged" },
    );
    const logged: unknown[][] = [];
    const spies = (["info", "warn", "error"] as const).map((level) =>
      vi.spyOn(logger, level).mockImplementation((...args: unknown[]) => void logged.push(args)),
    );
    try {
      await accept(inProcess(db), id);
    } finally {
      spies.forEach((spy) => spy.mockRestore());
    }
    const completed = logged.find(([message]) => message === "fanout.completed");
    expect(completed?.[1]).toMatchObject({ notificationId: id, status: "partial", sent: 2, removed: 1, attempts: 2 });
    expect(logged.map(([message]) => message)).toEqual(expect.arrayContaining(["plan.completed", "shard.sent", "shard.completed", "fanout.completed"]));
    const text = JSON.stringify(logged);
    for (const token of tokens) expect(text).not.toContain(token);
  });

  it("closes a creation event older than the age bound as failed instead of sending", async () => {
    const { uids, devices } = usersWithDevices(1, 1, "old");
    const id = await setup(devices, { userId: uids[0], title: "Old" });
    const run = inProcess(db);
    const now = Date.now();
    await acceptNotification(run.deps, run.settings, id, { runId: "r", createdAt: now, eventTime: now - run.settings.maxEventAgeMs - 60_000 });
    const doc = await notification(id);
    expect(doc.status).toBe("failed");
    expect(doc.error.code).toBe("event-expired");
    expect(await outboxOf(id)).toHaveLength(0);
  });
});

describe("stops", () => {
  it("cancelled while the first shard is sending: that batch finishes, no other shard sends, stats equal the outbox", async () => {
    const { uids, devices } = usersWithDevices(6, 2, "stop");
    const id = await setup(devices, { userIds: uids, title: "Stop" });
    const sandbox = createSandboxMessenger(db, "demo-pushfan");
    let first = true;
    let run: InProcess;
    const cancelling: Messenger = {
      name: "sandbox",
      async send(messages, options) {
        if (first) {
          first = false;
          // The admin cancels while this batch is with FCM.
          await db.doc(`notifications/${id}`).update({ cancelled: true });
          await cancelNotification(run.deps, id);
        }
        return sandbox.send(messages, options);
      },
    };
    run = inProcess(db, { messenger: cancelling }, { shardSize: 3 });
    await accept(run, id);
    await run.queues.drain(run.deps, run.settings);
    const doc = await notification(id);
    const outbox = await outboxOf(id);
    expect(outbox).toHaveLength(3);
    expect(doc).toMatchObject({ status: "cancelled", stats: { recipients: 6, devices: 3, sent: 3, failed: 0, removed: 0 } });
    // The planner's task, next in the queue, found the notification cancelled and planned no more.
    const shards = await db.collection(`notifications/${id}/shards`).get();
    expect(shards.docs.map((d) => d.get("status"))).toEqual(["done"]);
  });

  it("a deleted notification stops: its shard and planner tasks find it gone and send nothing", async () => {
    const { uids, devices } = usersWithDevices(2, 2, "deleted");
    const id = await setup(devices, { userIds: uids, title: "Deleted" });
    const run = inProcess(db, {}, { shardSize: 1 });
    await accept(run, id);
    expect(run.queues.pending.map((t) => t.queue)).toEqual(["send", "plan"]);
    await db.doc(`notifications/${id}`).delete();
    await run.queues.drain(run.deps, run.settings);
    expect(await outboxOf(id)).toHaveLength(0);
  });
});

describe("schedules, with a clock of the test's own", () => {
  it("a wake task that runs early sends nothing; the notification goes out at its time", async () => {
    const { uids, devices, tokens } = usersWithDevices(1, 2, "sched");
    const clock = manualClock(Date.UTC(2026, 11, 1, 8, 0, 0));
    const sendAt = Date.UTC(2026, 11, 1, 9, 0, 0);
    const id = await setup(devices, { userId: uids[0], title: "At nine", sendAt: Timestamp.fromMillis(sendAt) });
    const run = inProcess(db, { now: clock.now, sleep: async () => undefined });
    await accept(run, id);
    expect(await notification(id)).toMatchObject({ status: "scheduled", dueAt: Timestamp.fromMillis(sendAt) });
    const [wake] = run.queues.pending.splice(0);
    expect(wake).toMatchObject({ queue: "wake", task: { kind: "wake", n: 0, notBefore: sendAt }, options: { scheduleTime: new Date(sendAt) } });

    // Like the tasks emulator, run it at once, an hour early: nothing is sent, the next hop waits.
    await runTask(run.deps, run.settings, wake!);
    expect(await outboxOf(id)).toHaveLength(0);
    expect((await notification(id)).status).toBe("scheduled");
    const [hop] = run.queues.pending.splice(0);
    expect(hop).toMatchObject({ queue: "wake", task: { kind: "wake", n: 1 }, options: { scheduleTime: new Date(sendAt) } });

    clock.set(sendAt);
    await runTask(run.deps, run.settings, hop!);
    await run.queues.drain(run.deps, run.settings);
    expectOncePerToken(await outboxOf(id), tokens);
    const outbox = await outboxOf(id);
    expect(outbox.every((o) => o.message.apns.headers["apns-collapse-id"] === id)).toBe(true);
    expect(await notification(id)).toMatchObject({ status: "sent", stats: { sent: 2 } });
  });

  it("a notification 200 days ahead waits in hops of 29 days (Cloud Tasks schedules at most 30 ahead)", async () => {
    const { uids, devices } = usersWithDevices(1, 1, "far");
    const start = Date.UTC(2026, 0, 1);
    const sendAt = start + 200 * 24 * 3600 * 1000;
    const clock = manualClock(start);
    const id = await setup(devices, { userId: uids[0], title: "Far", sendAt: Timestamp.fromMillis(sendAt) });
    const run = inProcess(db, { now: clock.now, sleep: async () => undefined });
    await accept(run, id);
    const schedule: number[] = [];
    for (let hop = 0; hop < 10 && run.queues.pending.length > 0; hop++) {
      const [task] = run.queues.pending.splice(0);
      schedule.push(task!.options.scheduleTime!.getTime());
      clock.set(task!.options.scheduleTime!.getTime());
      await runTask(run.deps, run.settings, task!);
      if ((await notification(id)).status !== "scheduled") break;
    }
    const DAY = 24 * 3600 * 1000;
    expect(schedule.map((t) => (t - start) / DAY)).toEqual([29, 58, 87, 116, 145, 174, 200]);
    await run.queues.drain(run.deps, run.settings);
    expect((await notification(id)).status).toBe("sent");
  });

  it("localTime: devices in three time zones, and one without, become four groups, each sent at its instant", async () => {
    const uid = uniqueId("tz");
    // 2026-12-01 00:30 UTC; localTime 09:00: Tokyo (UTC+9) at 00:00Z Dec 2, Kolkata (+5:30) at 03:30Z Dec 1,
    // New York (UTC-5 in December) at 14:00Z Dec 1; a device without a zone uses DEFAULT_TIME_ZONE (UTC): 09:00Z.
    const created = Date.UTC(2026, 11, 1, 0, 30);
    const devices = [
      { uid, token: `${uid}-tokyo`, timezone: "Asia/Tokyo" },
      { uid, token: `${uid}-kolkata`, timezone: "Asia/Kolkata" },
      { uid, token: `${uid}-kolkata-2`, timezone: "Asia/Kolkata" },
      { uid, token: `${uid}-new-york`, timezone: "America/New_York" },
      { uid, token: `${uid}-no-zone` },
    ];
    const id = await setup(devices, { userId: uid, title: "Good morning", localTime: "09:00" });
    const clock = manualClock(created);
    const run = inProcess(db, { now: clock.now, sleep: clock.sleep });
    await accept(run, id);
    expect((await notification(id)).status).toBe("scheduled");
    // The wake task: due at creation (no sendAt), it plans.
    await runTask(run.deps, run.settings, run.queues.pending.shift()!);
    const sends = run.queues.pending.filter((t) => t.queue === "send");
    const instants = sends.map((t) => new Date(t.options.scheduleTime!.getTime()).toISOString()).sort();
    expect(instants).toEqual(["2026-12-01T03:30:00.000Z", "2026-12-01T09:00:00.000Z", "2026-12-01T14:00:00.000Z", "2026-12-02T00:00:00.000Z"]);

    // The tasks emulator would run them all at once: each waits for its own instant.
    for (const task of [...run.queues.pending].sort((a, b) => a.options.scheduleTime!.getTime() - b.options.scheduleTime!.getTime())) {
      run.queues.pending.splice(run.queues.pending.indexOf(task), 1);
      clock.set(task.options.scheduleTime!.getTime());
      await runTask(run.deps, run.settings, task);
    }
    const outbox = await outboxOf(id);
    expect(outbox.map((o) => (o.token as string).slice(uid.length + 1)).sort()).toEqual(["kolkata", "kolkata-2", "new-york", "no-zone", "tokyo"]);
    expect(await notification(id)).toMatchObject({ status: "sent", stats: { devices: 5, sent: 5 } });
  });

  it("a localTime group not yet due stays unsent when its task runs early, and the notification is still processing", async () => {
    const uid = uniqueId("tz-early");
    const created = Date.UTC(2026, 11, 1, 0, 30);
    const id = await setup([{ uid, token: `${uid}-tokyo`, timezone: "Asia/Tokyo" }], { userId: uid, title: "Later", localTime: "09:00" });
    const clock = manualClock(created);
    const run = inProcess(db, { now: clock.now, sleep: clock.sleep });
    await accept(run, id);
    await runTask(run.deps, run.settings, run.queues.pending.shift()!);
    const [send] = run.queues.pending.splice(0);
    // Run at creation time, 23.5 hours early: it sleeps 30 s (as in the emulator), then hands the wait on.
    await runShard(run.deps, run.settings, id, 0, { runId: "early", leaseMs: 60_000 });
    await runTask(run.deps, run.settings, { ...send!, options: { ...send!.options } });
    expect(await outboxOf(id)).toHaveLength(0);
    expect((await notification(id)).status).toBe("processing");
    expect(run.queues.pending.map((t) => t.queue === "send" && t.task.hop)).toEqual([1]);
  });
});

describe("cancelling a scheduled notification", () => {
  it("does nothing for a notification cancelled before its time", async () => {
    const { uids, devices } = usersWithDevices(1, 1, "cancelled");
    const clock = manualClock(Date.UTC(2026, 5, 1));
    const id = await setup(devices, { userId: uids[0], title: "Never", sendAt: Timestamp.fromMillis(Date.UTC(2026, 5, 2)) });
    const run = inProcess(db, { now: clock.now, sleep: clock.sleep });
    await accept(run, id);
    await db.doc(`notifications/${id}`).update({ cancelled: true });
    await cancelNotification(run.deps, id);
    expect(await notification(id)).toMatchObject({ status: "cancelled", stats: { recipients: 1, devices: 0, sent: 0 } });
    clock.set(Date.UTC(2026, 5, 2));
    await run.queues.drain(run.deps, run.settings);
    expect(await outboxOf(id)).toHaveLength(0);
  });
});
