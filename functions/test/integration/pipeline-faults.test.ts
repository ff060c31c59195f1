// The sharded pipeline under production's failure modes (issue 17), each fault injected on purpose:
// a final write that fails, runs that outlive their lease, a stale planner, a token that moves
// mid-send, a shard or planner out of attempts, a deletion with work in flight, lost tasks. Run in
// this process against the Firestore emulator (a database no trigger watches), with the in-memory
// task queues and a clock of each test's own; every guarantee is checked on the real ledger,
// shards and sandbox outbox.
import { type Firestore, Timestamp } from "firebase-admin/firestore";
import { getFunctions } from "firebase-admin/functions";
import { describe, expect, it } from "vitest";
import { deviceIdOf, registerDevice, unregisterDevice } from "../../src/devices/registry";
import { createSandboxMessenger } from "../../src/messaging/sandbox";
import type { Messenger } from "../../src/messaging/transport";
import { deleteNotificationRecords, failNotification, runPlanTask } from "../../src/notifications/lifecycle";
import { PACED_SETTLE_SHARDS, settle } from "../../src/notifications/outcome";
import { LeaseBusyError, LeaseLostError, type PlanTask, SETTLE_TIMEOUT_SECONDS, type SettleTask, STALL_MS } from "../../src/notifications/pipeline";
import { giveUpShard } from "../../src/notifications/shard";
import { sweepNotifications } from "../../src/notifications/sweep";
import { SETTLE_QUEUE } from "../../src/notifications/trigger";
import { app } from "../../src/shared/firebase";
import { REGION, taskQueueOf } from "../../src/shared/task-queue";
import { countOperations, installCounting } from "../../tools/bench/counting";
import { type InProcess, inProcess, type QueuedTask, runTask } from "../../tools/bench/pipeline";
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
  topicNotification,
  usersWithDevices,
} from "../helpers/in-process";

/** `db`, whose transactions can be made to fail: `failTransaction(n)` fails the n-th one from now (and `times - 1` after it). */
function faultyDb(real: Firestore) {
  let countdown = 0;
  let failures = 0;
  const proxy = new Proxy(real, {
    get(target, prop) {
      if (prop === "runTransaction") {
        return (fn: Parameters<Firestore["runTransaction"]>[0], options?: Parameters<Firestore["runTransaction"]>[1]) => {
          if (failures > 0 && --countdown <= 0) {
            failures--;
            return Promise.reject(new Error("injected: the transaction failed"));
          }
          return target.runTransaction(fn, options);
        };
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return {
    db: proxy,
    failTransaction(nth: number, times = 1) {
      countdown = nth;
      failures = times;
    },
  };
}

/** The sandbox, with a hook called before each sendEach call (1-based). */
function hookedMessenger(before: (call: number) => void | Promise<void>): Messenger {
  const sandbox = createSandboxMessenger(db, "demo-pushfan");
  let calls = 0;
  return {
    name: "sandbox",
    async send(messages, options) {
      await before(++calls);
      return sandbox.send(messages, options);
    },
  };
}

const sendEntry = (run: InProcess, shard: number) => run.queues.accepted.find((t) => t.queue === "send" && t.task.shard === shard)!;
const planEntry = (run: InProcess) =>
  run.queues.pending.splice(
    run.queues.pending.findIndex((t) => t.queue === "plan"),
    1,
  )[0]! as QueuedTask & { task: PlanTask };
const inboxEntry = async (uid: string, id: string) => (await db.doc(`users/${uid}/inbox/${id}`).get()).data();
const shardsOf = async (id: string) => (await db.collection(`notifications/${id}/shards`).orderBy("index").get()).docs.map((d) => d.data());

describe("never stuck: every path that can be the last one finishes the notification", () => {
  it("the last shard's outcome write fails: its task's retry, which finds the shard settled, still finishes", async () => {
    const { uids, devices, tokens } = usersWithDevices(2, 2, "final");
    const id = await setup(devices, { userIds: uids, title: "Final write fails" });
    const faulty = faultyDb(db);
    // On the last shard's send: its completion (a batch fenced by the shard's update time) succeeds, the outcome (the next transaction) fails.
    const run = inProcess(faulty.db, { messenger: hookedMessenger((call) => void (call === 2 && faulty.failTransaction(1))) }, { shardSize: 2 });
    await accept(run, id);
    await expect(run.queues.drain(run.deps, run.settings)).rejects.toThrow("injected");
    expect((await notification(id)).status).toBe("processing");
    expect((await shardsOf(id)).map((s) => s.status)).toEqual(["done", "done"]);

    await runTask(run.deps, run.settings, sendEntry(run, 1));
    expect(await notification(id)).toMatchObject({ status: "sent", stats: { devices: 4, sent: 4 } });
    expectOncePerToken(await outboxOf(id), tokens);
  });

  it("a creation event redelivered after its inline shard was done but the outcome write failed finishes it", async () => {
    const { uids, devices, tokens } = usersWithDevices(1, 3, "inline");
    const id = await setup(devices, { userId: uids[0], title: "Inline" });
    const faulty = faultyDb(db);
    const run = inProcess(faulty.db, { messenger: hookedMessenger(() => faulty.failTransaction(1)) });
    await expect(accept(run, id)).rejects.toThrow("injected");
    expect((await notification(id)).status).toBe("processing");
    await accept(inProcess(db), id);
    expect(await notification(id)).toMatchObject({ status: "sent", stats: { recipients: 1, devices: 3, sent: 3 } });
    expectOncePerToken(await outboxOf(id), tokens);
  });

  it("a plan task that fails its last attempt ends the notification failed, keeping the counts of what was sent", async () => {
    const { uids, devices } = usersWithDevices(3, 2, "planfail");
    const id = await setup(devices, { userIds: uids, title: "Planner fails" });
    const run = inProcess(db, {}, { shardSize: 2 });
    await accept(run, id);
    const plan = planEntry(run);
    await run.queues.drain(run.deps, run.settings);
    run.queues.send = () => Promise.reject(new Error("Cloud Tasks unavailable"));
    await expect(runPlanTask(run.deps, run.settings, plan.task, "last-attempt")).rejects.toThrow("Cloud Tasks unavailable");
    expect((await notification(id)).status).toBe("processing");
    // What the plan queue's function does on its last attempt (trigger.ts: giveUpTask).
    await failNotification(run.deps, id, { code: "pushfan/task-failed", message: "The planNotification task failed on every attempt." }, "last-attempt");
    const doc = await notification(id);
    expect(doc).toMatchObject({ status: "failed", error: { code: "pushfan/task-failed" }, stats: { recipients: 3, devices: 2, sent: 2 } });
    expect(doc.lease).toBeUndefined();
  });

  it("the sweeper finishes a notification whose work is done but whose outcome write failed on every try", async () => {
    const { uids, devices, tokens } = usersWithDevices(1, 2, "sweepdone");
    const id = await setup(devices, { userId: uids[0], title: "Swept" });
    const clock = manualClock();
    const faulty = faultyDb(db);
    const run = inProcess(faulty.db, { now: clock.now, messenger: hookedMessenger(() => faulty.failTransaction(1)) });
    await expect(accept(run, id)).rejects.toThrow("injected");
    const stuck = await notification(id);
    expect(stuck.status).toBe("processing");
    expect(stuck.checkAt.toMillis()).toBeLessThanOrEqual(clock.now() + STALL_MS);

    clock.advance(STALL_MS + 60_000);
    await sweepNotifications(inProcess(db, { now: clock.now }).deps);
    const doc = await notification(id);
    expect(doc).toMatchObject({ status: "sent", stats: { devices: 2, sent: 2 } });
    expect(doc.checkAt).toBeUndefined();
    expectOncePerToken(await outboxOf(id), tokens);
  });

  it("the sweeper re-enqueues a notification whose tasks were lost, and it finishes with each device once", async () => {
    const { uids, devices, tokens } = usersWithDevices(3, 2, "sweeplost");
    const id = await setup(devices, { userIds: uids, title: "Lost tasks" });
    const clock = manualClock();
    const run = inProcess(db, { now: clock.now }, { shardSize: 2 });
    await accept(run, id);
    run.queues.pending.splice(0);
    clock.advance(STALL_MS - 60_000);
    await sweepNotifications(run.deps);
    expect(run.queues.pending).toHaveLength(0);

    clock.advance(2 * 60_000);
    await sweepNotifications(run.deps);
    expect(run.queues.pending.map((t) => t.queue).sort()).toEqual(["plan", "send"]);
    await run.queues.drain(run.deps, run.settings);
    expect(await notification(id)).toMatchObject({ status: "sent", stats: { devices: 6, sent: 6 } });
    expectOncePerToken(await outboxOf(id), tokens);
  });

  it("the sweeper wakes a scheduled notification whose wake-up task was lost", async () => {
    const { uids, devices, tokens } = usersWithDevices(1, 2, "sweepwake");
    const clock = manualClock(Date.UTC(2026, 11, 1, 8, 0, 0));
    const sendAt = Date.UTC(2026, 11, 1, 9, 0, 0);
    const id = await setup(devices, { userId: uids[0], title: "Lost wake", sendAt: Timestamp.fromMillis(sendAt) });
    const run = inProcess(db, { now: clock.now, sleep: async () => undefined });
    await accept(run, id);
    run.queues.pending.splice(0);
    clock.set(sendAt + STALL_MS + 60_000);
    await sweepNotifications(run.deps);
    expect(run.queues.pending.map((t) => t.queue)).toEqual(["wake"]);
    await run.queues.drain(run.deps, run.settings);
    expect(await notification(id)).toMatchObject({ status: "sent", stats: { sent: 2 } });
    expectOncePerToken(await outboxOf(id), tokens);
  });
});

describe("never stuck: a large plan is checked once a second, by a settle task", () => {
  /** A topic of `shards` two-device shards (one user each), planned in full, its send tasks taken out of the queue (the plan's own settle task stays). */
  async function plannedInShards(prefix: string, shards: number, clock?: ReturnType<typeof manualClock>) {
    const { id, tokens } = await topicNotification(shards, 2, prefix, { title: prefix });
    const run = inProcess(db, clock ? { now: clock.now, sleep: clock.sleep } : {}, { shardSize: 2 });
    await accept(run, id);
    await runTask(run.deps, run.settings, planEntry(run));
    const sends = run.queues.pending.filter((t) => t.queue === "send");
    run.queues.pending.splice(0, run.queues.pending.length, ...run.queues.pending.filter((t) => t.queue !== "send"));
    expect(sends).toHaveLength(shards);
    expect(PACED_SETTLE_SHARDS).toBeLessThan(shards);
    return { id, tokens, run, sends };
  }
  const settleTasks = (run: InProcess) => run.queues.accepted.filter((t) => t.queue === "settle");

  it("a plan of more than 20 shards: no shard's end counts anything; one settle task a second checks, and the last one finishes it", async () => {
    const { id, tokens, run, sends } = await plannedInShards("paced", 25);
    installCounting(db);
    const { counts } = await countOperations(async () => {
      for (const task of sends) await runTask(run.deps, run.settings, task);
    });
    expect(counts.aggregations).toBe(0);
    expect((await notification(id)).status).toBe("processing");
    // One task per second in which shards ended, due just after that second.
    const due = settleTasks(run).map((t) => t.task.notBefore);
    expect(due.length).toBeGreaterThanOrEqual(1);
    expect(new Set(due).size).toBe(due.length);
    for (const at of due) expect(at % 1000).toBe(200);
    await run.queues.drain(run.deps, run.settings);
    expect(await notification(id)).toMatchObject({ status: "sent", stats: { devices: 50, sent: 50 } });
    expectOncePerToken(await outboxOf(id), tokens);
  });

  it("a settle task that runs before its second is over (as the tasks emulator runs them) waits: the last shard, ending in that second, is checked", async () => {
    // Every shard ends 100 ms into one second of the clock.
    const clock = manualClock(Math.floor(Date.now() / 1000) * 1000 + 100);
    const { id, tokens, run, sends } = await plannedInShards("early", 21, clock);
    const last = sends.pop()!;
    for (const task of sends) await runTask(run.deps, run.settings, task);
    const [settleTask, ...others] = run.queues.pending.splice(0);
    expect(others).toHaveLength(0);
    expect(settleTask!.queue).toBe("settle");
    // While the task waits for its time, the last shard ends: it names the same task, which already exists.
    const waiting = {
      ...run.deps,
      sleep: async (ms: number) => {
        await runTask(run.deps, run.settings, last);
        clock.advance(ms);
      },
    };
    await runTask(waiting, run.settings, settleTask!);
    expect(settleTasks(run)).toHaveLength(1);
    expect(run.queues.pending).toHaveLength(0);
    expect(await notification(id)).toMatchObject({ status: "sent", stats: { devices: 42, sent: 42 } });
    expectOncePerToken(await outboxOf(id), tokens);
  });

  it("the settle task's outcome write fails after every shard was recorded: its retry, delivered twice at once, finishes the notification", async () => {
    const clock = manualClock();
    const { id, tokens, run, sends } = await plannedInShards("failsettle", 21, clock);
    for (const task of sends) await runTask(run.deps, run.settings, task);
    const [settleTask, ...others] = run.queues.pending.splice(0);
    expect(others).toHaveLength(0);
    // The check finds every shard done; the outcome's transaction (the task's first) fails.
    const faulty = faultyDb(db);
    faulty.failTransaction(1);
    await expect(runTask({ ...run.deps, db: faulty.db }, run.settings, settleTask!)).rejects.toThrow("injected");
    expect((await notification(id)).status).toBe("processing");
    // Cloud Tasks retries the task, and may deliver the retry twice at once.
    await Promise.all([runTask(run.deps, run.settings, settleTask!), runTask(run.deps, run.settings, settleTask!)]);
    expect(await notification(id)).toMatchObject({ status: "sent", stats: { devices: 42, sent: 42 }, progress: { shards: 21, shardsDone: 21 } });
    expectOncePerToken(await outboxOf(id), tokens);
  });

  it("a large plan whose settle tasks were all lost is finished by the sweeper", async () => {
    const clock = manualClock();
    const { id, tokens, run, sends } = await plannedInShards("lostsettle", 21, clock);
    for (const task of sends) await runTask(run.deps, run.settings, task);
    expect(run.queues.pending.splice(0).map((t) => t.queue)).toEqual(["settle"]);
    expect((await notification(id)).status).toBe("processing");
    clock.advance(STALL_MS + 60_000);
    await sweepNotifications(run.deps);
    expect(await notification(id)).toMatchObject({ status: "sent", stats: { devices: 42, sent: 42 } });
    expectOncePerToken(await outboxOf(id), tokens);
  });
});

/**
 * Two users with `perUser` devices each, the first user's last one flaky (it fails its first send),
 * notified as a list in shards of `perUser`: planned, with shard 0 (the first user's) ready to send.
 */
async function twoUsersPlanned(prefix: string, perUser: number) {
  const [first, second] = [`${prefix}-a-${uniqueId()}`, `${prefix}-b-${uniqueId()}`];
  const own = (uid: string) => Array.from({ length: perUser }, (_, i) => `${uid}-${i}`);
  const tokens = [...own(first).slice(0, -1), `sandbox-flaky-${first}`, ...own(second)];
  const id = await setup(
    tokens.map((token, i) => ({ uid: i < perUser ? first : second, token })),
    { userIds: [first, second], title: prefix },
  );
  const clock = manualClock();
  const run = inProcess(db, { now: clock.now, sleep: async () => undefined }, { shardSize: perUser });
  await accept(run, id);
  await runTask(run.deps, run.settings, planEntry(run));
  return { id, tokens, clock, run, shard0: sendEntry(run, 0) };
}

describe("a task enqueued twice under one id (a retried planner, shards ending in one second), on the tasks emulator", () => {
  it("Cloud Tasks refuses the second with task-already-exists, which taskQueueOf counts as enqueued; any other refusal is thrown", async () => {
    const task = { notificationId: uniqueId("n-absent"), notBefore: 0 };
    const options = { id: uniqueId("settle-twice") };
    const enqueue = taskQueueOf<SettleTask>(SETTLE_QUEUE, SETTLE_TIMEOUT_SECONDS);
    await enqueue(task, options);
    // The emulator deduplicates as Cloud Tasks does: firebase-admin's own call fails the second time.
    const raw = getFunctions(app()).taskQueue(`locations/${REGION}/functions/${SETTLE_QUEUE}`);
    await expect(raw.enqueue(task, options)).rejects.toMatchObject({ code: "functions/task-already-exists" });
    await expect(enqueue(task, options)).resolves.toBeUndefined();
    await expect(taskQueueOf<SettleTask>("noSuchQueue", 60)(task, { id: uniqueId("nowhere") })).rejects.toBeDefined();
  });
});

describe("never twice: fencing", () => {
  it("a run that outlives its lease while it backs off sends nothing more; the run that took over sends once", async () => {
    const { id, tokens, clock, run, shard0 } = await twoUsersPlanned("fence", 3);
    // Run A's backoff before its second round lasts past its lease (a GC pause, a slow instance):
    // meanwhile the task is delivered again, and run B takes the shard over and is sending.
    let release!: () => void;
    const paused = new Promise<void>((resolve) => (release = resolve));
    let takeover: Promise<unknown> | undefined;
    const slow = inProcess(db, {
      now: clock.now,
      sleep: async () => {
        clock.advance(LEASE_EXPIRED);
        let sending!: () => void;
        const entered = new Promise<void>((resolve) => (sending = resolve));
        const other = inProcess(db, { now: clock.now, sleep: async () => undefined, messenger: hookedMessenger(async () => (sending(), await paused)) });
        takeover = runTask(other.deps, run.settings, shard0);
        await entered;
      },
    });
    await expect(runTask(slow.deps, run.settings, shard0)).rejects.toBeInstanceOf(LeaseLostError);
    release();
    await takeover;
    run.queues.pending.splice(run.queues.pending.indexOf(shard0), 1);
    await run.queues.drain(run.deps, run.settings);
    const outbox = await outboxOf(id);
    expectOncePerToken(outbox, tokens);
    expect(
      outbox
        .filter((o) => o.token === tokens[2])
        .map((o) => o.outcome)
        .sort(),
    ).toEqual(["failed", "sent"]);
    expect(await notification(id)).toMatchObject({ status: "sent", stats: { devices: 6, sent: 6 } });
  });

  it("a run whose clock lags (it still believes in its lease) sends nothing more once another run took the shard over", async () => {
    const { id, tokens, clock, run, shard0 } = await twoUsersPlanned("lag", 2);
    // Run A backs off after its first round (the flaky token failed); meanwhile run B, on an
    // instance whose clock is a lease ahead, takes the shard over and completes it. A's own clock
    // says its lease holds: only the shard's update time, the fence of A's next record, tells.
    const ahead = () => clock.now() + LEASE_EXPIRED;
    const lagging = inProcess(db, {
      now: clock.now,
      sleep: async () => void (await runTask(inProcess(db, { now: ahead, sleep: async () => undefined }).deps, run.settings, shard0)),
    });
    await expect(runTask(lagging.deps, run.settings, shard0)).rejects.toBeInstanceOf(LeaseLostError);
    expect((await shardsOf(id))[0]).toMatchObject({ status: "done", stats: { devices: 2, sent: 2 } });
    run.queues.pending.splice(run.queues.pending.indexOf(shard0), 1);
    await run.queues.drain(run.deps, run.settings);
    expectOncePerToken(await outboxOf(id), tokens);
    expect(await notification(id)).toMatchObject({ status: "sent", stats: { devices: 4, sent: 4 } });
  });

  it("a device's attempts carry on across runs: a run resumed after a crash makes only the attempts left", async () => {
    const uid = uniqueId("attempts");
    const tokens = [`${uid}-a`, `sandbox-unavailable-${uid}`];
    const id = await setup(
      tokens.map((token) => ({ uid, token })),
      { userId: uid, title: "Attempts" },
    );
    const clock = manualClock();
    const crashing = hookedMessenger((call) => {
      if (call === 3) throw new Error("instance killed");
    });
    const first = inProcess(db, { messenger: crashing, now: clock.now, sleep: clock.sleep }, { maxAttempts: 3 });
    await expect(accept(first, id)).rejects.toThrow("instance killed");
    clock.advance(LEASE_EXPIRED);
    await accept(inProcess(db, { now: clock.now, sleep: clock.sleep }, { maxAttempts: 3 }), id);
    const unavailable = (await outboxOf(id)).filter((o) => o.token === tokens[1]);
    expect(unavailable).toHaveLength(3);
    expect((await deliveriesOf(id))[deviceIdOf(tokens[1]!)]).toMatchObject({ status: "failed", attempts: 3 });
    expect(await notification(id)).toMatchObject({ status: "partial", attempts: 3, stats: { devices: 2, sent: 1, failed: 1 } });
  });

  it("a stale planner that lost its lease neither overwrites the shards of the run that took over nor sends twice", async () => {
    const { id, tokens } = await topicNotification(10, 2, "staleplan", { title: "Stale planner" });
    const clock = manualClock();
    const run = inProcess(db, { now: clock.now }, { shardSize: 2, windowDevices: 4 });
    await accept(run, id);
    const plan = planEntry(run);
    // Planner A stops inside its first window's enqueue (paused); its lease runs out meanwhile.
    let release!: () => void;
    const paused = new Promise<void>((resolve) => (release = resolve));
    const realSend = run.queues.send.bind(run.queues);
    let calls = 0;
    run.queues.send = async (task, options) => {
      if (++calls === 1) await paused;
      return realSend(task, options);
    };
    const stale = runTask(run.deps, run.settings, plan);
    await new Promise((resolve) => setTimeout(resolve, 300));
    clock.advance(LEASE_EXPIRED);
    await runTask(run.deps, run.settings, plan);
    await run.queues.drain(run.deps, run.settings);
    expect(await notification(id)).toMatchObject({ status: "sent", stats: { devices: 20, sent: 20 } });
    release();
    await expect(stale).rejects.toBeInstanceOf(LeaseLostError);
    await run.queues.drain(run.deps, run.settings);
    expectOncePerToken(await outboxOf(id), tokens);
    expect((await shardsOf(id)).every((s) => s.status === "done")).toBe(true);
  });

  it("a malformed last shard record stops the notification instead of planning again from the start", async () => {
    const { uids, devices, tokens } = usersWithDevices(3, 2, "corrupt");
    const id = await setup(devices, { userIds: uids, title: "Corrupt plan" });
    const run = inProcess(db, {}, { shardSize: 2 });
    await accept(run, id);
    const plan = planEntry(run);
    await run.queues.drain(run.deps, run.settings);
    await db.doc(`notifications/${id}/shards/000000`).update({ checkpoint: "garbage" });
    await runTask(run.deps, run.settings, plan);
    await run.queues.drain(run.deps, run.settings);
    expect(await notification(id)).toMatchObject({ status: "failed", error: { code: "pushfan/corrupt-plan" }, stats: { sent: 2 } });
    const accepted = (await outboxOf(id)).filter((o) => o.outcome === "sent").map((o) => o.token);
    expect(accepted).toHaveLength(2);
    expect(tokens).toEqual(expect.arrayContaining(accepted));
    expect(await shardsOf(id)).toHaveLength(1);
  });
});

describe("never twice: a token that moves to another user mid-send", () => {
  it("is sent once: the later shard of its new holder finds it in the ledger and neither sends nor counts it", async () => {
    const topic = uniqueId("topic");
    const [a, b] = [`mv-a-${uniqueId()}`, `mv-b-${uniqueId()}`];
    const moving = `${a}-phone`;
    const tokens = [moving, `${b}-laptop`];
    const id = await setup(
      [
        { uid: a, token: moving, topics: [topic] },
        { uid: b, token: `${b}-laptop`, topics: [topic] },
      ],
      { topic, title: "Moving token" },
    );
    const run = inProcess(db, {}, { shardSize: 1, windowDevices: 1 });
    await accept(run, id);
    const plan = planEntry(run);
    await run.queues.drain(run.deps, run.settings);
    expect((await outboxOf(id)).map((o) => o.userId)).toEqual([a]);
    // The phone signs in as B while the topic notification runs: the registry moves the token.
    await registerDevice(db, b, { token: moving, type: "android", active: true, topics: [topic] }, { maxDevices: 20 });
    await runTask(run.deps, run.settings, plan);
    await run.queues.drain(run.deps, run.settings);
    expectOncePerToken(await outboxOf(id), tokens);
    expect(await notification(id)).toMatchObject({ status: "sent", stats: { devices: 2, sent: 2 } });
  });
});

describe("the give-up path (a shard's last task attempt)", () => {
  async function exhausted(prefix: string, doc: Record<string, unknown> = {}) {
    const { uids, devices } = usersWithDevices(2, 2, prefix);
    const id = await setup(devices, { userIds: uids, title: "Give up", ...doc });
    const run = inProcess(db, {}, { shardSize: 2 });
    await accept(run, id);
    const shard = run.queues.pending.find((t) => t.queue === "send")!;
    run.queues.pending.splice(run.queues.pending.indexOf(shard), 1);
    await run.queues.drain(run.deps, run.settings);
    return { id, run, uids, index: shard.queue === "send" ? shard.task.shard : 0 };
  }

  it("a busy lease is not a failure: the live run finishes the shard", async () => {
    const { id, run, index } = await exhausted("busy");
    await giveUpShard(run.deps, run.settings, id, index, new LeaseBusyError("shard", Date.now() + 60_000), "last-attempt");
    expect(Object.values(await deliveriesOf(id)).filter((d) => d.status === "failed")).toHaveLength(0);
    expect((await shardsOf(id))[index]!.status).toBe("planned");
  });

  it("a cancelled notification's shard counts as cancelled: nothing recorded as failed", async () => {
    const { id, run, index } = await exhausted("cancel");
    await db.doc(`notifications/${id}`).update({ cancelled: true });
    await giveUpShard(run.deps, run.settings, id, index, new Error("Firestore unavailable"), "last-attempt");
    await settle(run.deps, id);
    expect(Object.values(await deliveriesOf(id)).filter((d) => d.status === "failed")).toHaveLength(0);
    expect(await notification(id)).toMatchObject({ status: "cancelled", stats: { sent: 2, failed: 0 } });
  });

  it("only devices still in the audience are recorded failed; one unregistered meanwhile is not counted", async () => {
    const { id, run, index } = await exhausted("left");
    const [key] = (await shardsOf(id))[index]!.devices as string[];
    const [uid, deviceId] = key!.split("/");
    await unregisterDevice(db, uid!, deviceId!);
    await giveUpShard(run.deps, run.settings, id, index, new Error("Firestore unavailable"), "last-attempt");
    await settle(run.deps, id);
    expect(Object.values(await deliveriesOf(id)).filter((d) => d.status === "failed")).toHaveLength(1);
    expect(await notification(id)).toMatchObject({ status: "partial", stats: { devices: 3, sent: 2, failed: 1 } });
  });

  it("a topic shard out of attempts still writes its users' inbox entries: the push failed, not the inbox", async () => {
    const { uids, devices } = usersWithDevices(2, 1, "inboxgiveup");
    const topic = uniqueId("topic");
    const id = await setup(
      devices.map((d) => ({ ...d, topics: [topic] })),
      { topic, title: "Give up, keep the inbox", inbox: true },
    );
    const run = inProcess(db, {}, { shardSize: 1 });
    await accept(run, id);
    const lost = run.queues.pending.find((t) => t.queue === "send")!;
    run.queues.pending.splice(run.queues.pending.indexOf(lost), 1);
    await run.queues.drain(run.deps, run.settings);
    const index = lost.queue === "send" ? lost.task.shard : 0;
    const [key] = (await shardsOf(id))[index]!.devices as string[];
    const [abandoned] = key!.split("/");
    expect(await inboxEntry(abandoned!, id), "no entry before the give-up: its shard never ran").toBeUndefined();

    await giveUpShard(run.deps, run.settings, id, index, new Error("Firestore unavailable"), "last-attempt");
    await settle(run.deps, id);
    expect(await notification(id)).toMatchObject({ status: "partial", stats: { devices: 2, sent: 1, failed: 1 } });
    for (const uid of uids) expect(await inboxEntry(uid, id), uid).toMatchObject({ notificationId: id, readAt: null });
  });
});

describe("deletion with work in flight", () => {
  it("a shard mid-send when its notification is deleted writes no record after the deletion", async () => {
    const { uids, devices } = usersWithDevices(2, 2, "delflight");
    const id = await setup(devices, { userIds: uids, title: "Deleted mid-send" });
    let release!: () => void;
    const paused = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const sending = new Promise<void>((resolve) => (entered = resolve));
    const run = inProcess(db, { messenger: hookedMessenger(async () => (entered(), await paused)) });
    const inFlight = accept(run, id);
    await sending;
    await db.doc(`notifications/${id}`).delete();
    await deleteNotificationRecords(db, id);
    release();
    await inFlight.catch(() => undefined);
    expect(await deliveriesOf(id)).toEqual({});
    expect(await shardsOf(id)).toEqual([]);
  });
});

describe("shard records live as long as they are needed", () => {
  it("a localTime group due tomorrow expires its retention after its due time, not after planning", async () => {
    const uid = uniqueId("expiry");
    const clock = manualClock(Date.UTC(2026, 11, 1, 10, 0, 0));
    const id = await setup([{ uid, token: `${uid}-tokyo`, timezone: "Asia/Tokyo" }], { userId: uid, title: "Tomorrow", localTime: "09:00" });
    const run = inProcess(db, { now: clock.now, sleep: async () => undefined }, { retentionDays: 1 });
    await accept(run, id);
    await runTask(run.deps, run.settings, run.queues.pending.shift()!);
    const [shard] = await shardsOf(id);
    const dueAt = Date.UTC(2026, 11, 2, 0, 0, 0);
    expect(shard!.dueAt.toMillis()).toBe(dueAt);
    expect(shard!.expireAt.toMillis()).toBe(dueAt + 24 * 60 * 60 * 1000);
  });
});

describe("the planner paces the quota, not the queue", () => {
  it("keeps several enqueue calls in flight and commits many shards a window", async () => {
    const { id, tokens } = await topicNotification(30, 4, "pace", { title: "Paced" });
    const run = inProcess(db, {}, { shardSize: 2, windowDevices: 80 });
    await accept(run, id);
    const plan = planEntry(run);
    const realSend = run.queues.send.bind(run.queues);
    let inFlight = 0;
    let most = 0;
    run.queues.send = async (task, options) => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight--;
      return realSend(task, options);
    };
    await runTask(run.deps, run.settings, plan);
    expect(most).toBeGreaterThanOrEqual(10);
    const created = new Set((await shardsOf(id)).slice(1).map((s) => s.createdAt.toMillis()));
    expect(created.size).toBeLessThanOrEqual(2);
    await run.queues.drain(run.deps, run.settings);
    expectOncePerToken(await outboxOf(id), tokens);
  });

  it("ten big plans holding the plan queue do not hold back a due scheduled notification: its wake task plans it", async () => {
    const clock = manualClock(Date.UTC(2026, 11, 1, 8, 0, 0));
    const run = inProcess(db, { now: clock.now, sleep: async () => undefined }, { shardSize: 2, windowDevices: 4 });
    const big: string[] = [];
    for (let i = 0; i < 10; i++) {
      const { id } = await topicNotification(4, 2, `busy${i}`, { title: `Big ${i}` });
      await accept(run, id);
      big.push(id);
    }
    const sendAt = clock.now() + 60_000;
    const { id, tokens } = await topicNotification(4, 2, "due", { title: "Due", sendAt: Timestamp.fromMillis(sendAt) });
    await accept(run, id);
    // The plan queue is busy: none of its tasks runs. The wake and send queues are not.
    const planQueue = run.queues.pending.filter((t) => t.queue === "plan");
    expect(new Set(planQueue.map((t) => t.task.notificationId))).toEqual(new Set(big));
    clock.set(sendAt);
    const others = () => run.queues.pending.filter((t) => t.queue !== "plan" && !big.includes(t.task.notificationId));
    while (others().length > 0) {
      const task = others()[0]!;
      run.queues.pending.splice(run.queues.pending.indexOf(task), 1);
      await runTask(run.deps, run.settings, task);
    }
    expect(await notification(id)).toMatchObject({ status: "sent", stats: { devices: 8, sent: 8 } });
    expectOncePerToken(await outboxOf(id), tokens);
    for (const busy of big) expect((await notification(busy)).status).toBe("processing");
    await run.queues.drain(run.deps, run.settings);
    for (const busy of big) expect((await notification(busy)).status).toBe("sent");
  });

  it("a failed enqueue fails the planner run (never an unhandled rejection), and its retry enqueues what was missed", async () => {
    const { id, tokens } = await topicNotification(10, 4, "enqfail", { title: "Enqueue fails" });
    const clock = manualClock();
    const run = inProcess(db, { now: clock.now }, { shardSize: 2, windowDevices: 8 });
    await accept(run, id);
    const plan = planEntry(run);
    const realSend = run.queues.send.bind(run.queues);
    let calls = 0;
    run.queues.send = async (task, options) => {
      if (++calls === 3) throw new Error("Cloud Tasks unavailable");
      return realSend(task, options);
    };
    await expect(runTask(run.deps, run.settings, plan)).rejects.toThrow("Cloud Tasks unavailable");
    run.queues.send = realSend;
    clock.advance(LEASE_EXPIRED);
    await runTask(run.deps, run.settings, plan);
    await run.queues.drain(run.deps, run.settings);
    expectOncePerToken(await outboxOf(id), tokens);
    expect(await notification(id)).toMatchObject({ status: "sent", stats: { devices: 40, sent: 40 } });
  });
});
