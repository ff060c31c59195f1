// At-least-once delivery of events: duplicated, concurrent and crashed fan-out runs. Runs are
// started directly (as a redelivered event would start them) on a collection without a trigger,
// so each test decides exactly which runs happen; the last test goes through the real trigger.
import { Timestamp } from "firebase-admin/firestore";
import { logger } from "firebase-functions";
import { describe, expect, it, vi } from "vitest";
import { createSandboxMessenger } from "../../src/messaging/sandbox";
import type { Messenger } from "../../src/messaging/transport";
import { fanOutNotification, LeaseBusyError, type FanoutOptions } from "../../src/notifications/fanout";
import { db, uniqueId } from "../helpers/emulator";
import { deliveriesOf, outboxOf, seedDevices, sendNotification, sha256, waitForOutcome } from "../helpers/notifications";

const COLLECTION = "fanoutRuns";
const OPTIONS: FanoutOptions = { maxAttempts: 3, backoff: { baseMs: 1, maxMs: 5 }, maxEventAgeMs: 3_600_000, leaseMs: 360_000 };
const sandbox = () => createSandboxMessenger(db, "demo-pushfan");

async function setup(devices = 4) {
  const uid = uniqueId("runs");
  const tokens = Array.from({ length: devices }, (_, i) => `${uid}-token-${i}`);
  await seedDevices(tokens.map((token) => ({ uid, token })));
  const id = uniqueId("n");
  await db.collection(COLLECTION).doc(id).set({ userId: uid, title: "Once only" });
  return { uid, tokens, id };
}

const run = (id: string, messenger: Messenger = sandbox(), extra: { now?: () => number; batchSize?: number } = {}) =>
  fanOutNotification({ db, messenger, collection: COLLECTION, now: extra.now }, { ...OPTIONS, batchSize: extra.batchSize }, id, {
    runId: uniqueId("run"),
  });

function expectOncePerDevice(outbox: Array<Record<string, unknown>>, tokens: string[]) {
  expect(outbox.map((o) => o.token).sort()).toEqual([...tokens].sort());
}

describe("fan-out runs", () => {
  it("a second run of the same event, after the first finished, sends nothing", async () => {
    const { id, tokens } = await setup();
    expect(await run(id)).toMatchObject({ kind: "completed", status: "sent" });
    expect(await run(id)).toEqual({ kind: "skipped", reason: "already-done" });
    expectOncePerDevice(await outboxOf(id), tokens);
  });

  it("concurrent runs of the same event send each device once", async () => {
    const { id, tokens } = await setup(6);
    const results = await Promise.allSettled([run(id), run(id), run(id)]);
    const completed = results.filter((r) => r.status === "fulfilled" && r.value.kind === "completed");
    expect(completed).toHaveLength(1);
    for (const r of results) {
      if (r.status === "rejected") expect(r.reason).toBeInstanceOf(LeaseBusyError);
      else if (r.value.kind === "skipped") expect(r.value.reason).toBe("already-done");
    }
    expectOncePerDevice(await outboxOf(id), tokens);
    const doc = (await db.collection(COLLECTION).doc(id).get()).data()!;
    expect(doc.status).toBe("sent");
    expect(doc.stats.sent).toBe(6);
  });

  it("a run that crashed after half the devices is completed by the next run, which sends only the other half", async () => {
    const { id, tokens } = await setup(4);
    const real = sandbox();
    let calls = 0;
    const crashing: Messenger = {
      name: "sandbox",
      async send(messages, options) {
        if (++calls > 1) throw new Error("instance killed");
        return real.send(messages, options);
      },
    };
    await expect(run(id, crashing, { batchSize: 2 })).rejects.toThrow("instance killed");
    const half = await outboxOf(id);
    expect(half).toHaveLength(2);
    expect(Object.keys(await deliveriesOf(id, COLLECTION))).toHaveLength(2);

    // Within the lease the crashed run might still be alive: another run must not start.
    await expect(run(id)).rejects.toBeInstanceOf(LeaseBusyError);

    const later = () => Date.now() + OPTIONS.leaseMs + 1000;
    const resumed = await run(id, sandbox(), { now: later });
    expect(resumed).toMatchObject({ kind: "completed", status: "sent", stats: { devices: 4, sent: 4, failed: 0, removed: 0 } });
    const outbox = await outboxOf(id);
    expectOncePerDevice(outbox, tokens);
    const firstHalf = new Set(half.map((o) => o.token));
    expect(outbox.filter((o) => !firstHalf.has(o.token as string))).toHaveLength(2);
  });

  it("never sends more than 500 messages in one call, 1,200 devices in all", async () => {
    const users = Array.from({ length: 12 }, () => uniqueId("big"));
    await seedDevices(users.flatMap((uid) => Array.from({ length: 100 }, (_, i) => ({ uid, token: `${uid}-d${i}` }))));
    const id = uniqueId("n");
    await db.collection(COLLECTION).doc(id).set({ userIds: users, title: "Big" });
    const sizes: number[] = [];
    const real = sandbox();
    const spy: Messenger = { name: "sandbox", send: (m, o) => (sizes.push(m.length), real.send(m, o)) };
    const outcome = await run(id, spy);
    expect(outcome).toMatchObject({ kind: "completed", status: "sent", stats: { devices: 1200, sent: 1200 } });
    expect(sizes).toEqual([500, 500, 200]);
  });

  it("logs structured progress and outcome without a raw token", async () => {
    const uid = uniqueId("logs");
    const tokens = [`${uid}-plain-token`, `sandbox-flaky-${uid}`, `sandbox-unregistered-${uid}`];
    await seedDevices(tokens.map((token) => ({ uid, token })));
    const id = uniqueId("n");
    await db.collection(COLLECTION).doc(id).set({ userId: uid, title: "Logged" });
    const logged: unknown[][] = [];
    const spies = (["info", "warn", "error"] as const).map((level) =>
      vi.spyOn(logger, level).mockImplementation((...args: unknown[]) => void logged.push(args)),
    );
    try {
      await run(id);
    } finally {
      spies.forEach((spy) => spy.mockRestore());
    }
    const completed = logged.find(([message]) => message === "fanout.completed");
    expect(completed?.[1]).toMatchObject({ notificationId: id, status: "partial", sent: 2, removed: 1, attempts: 2 });
    expect(logged.map(([message]) => message)).toEqual(expect.arrayContaining(["fanout.started", "fanout.batch", "fanout.completed"]));
    const text = JSON.stringify(logged);
    for (const token of tokens) expect(text).not.toContain(token);
  });

  it("closes an event older than the age bound as failed instead of sending", async () => {
    const { id } = await setup(1);
    const outcome = await fanOutNotification({ db, messenger: sandbox(), collection: COLLECTION }, OPTIONS, id, {
      runId: uniqueId("run"),
      eventTime: new Date(Date.now() - OPTIONS.maxEventAgeMs - 60_000),
    });
    expect(outcome).toEqual({ kind: "skipped", reason: "expired" });
    const doc = (await db.collection(COLLECTION).doc(id).get()).data()!;
    expect(doc.status).toBe("failed");
    expect(doc.error.code).toBe("event-expired");
    expect(await outboxOf(id)).toHaveLength(0);
  });

  it("the trigger resumes a notification left processing by a crashed run with an expired lease", async () => {
    const uid = uniqueId("resume");
    const tokens = Array.from({ length: 4 }, (_, i) => `${uid}-t${i}`);
    await seedDevices(tokens.map((token) => ({ uid, token })));
    const id = uniqueId("n");
    // The crashed run had delivered to the first two devices.
    for (const token of tokens.slice(0, 2)) {
      await db.doc(`notifications/${id}/deliveries/${sha256(token)}`).set({
        userId: uid,
        deviceId: sha256(token),
        status: "sent",
        messageId: "projects/demo-pushfan/messages/sandbox-1",
        attempts: 1,
        updatedAt: Timestamp.now(),
      });
    }
    await sendNotification(
      {
        userId: uid,
        title: "Resume",
        status: "processing",
        attempts: 1,
        lease: { runId: "crashed", expiresAt: Timestamp.fromMillis(Date.now() - 1000) },
      },
      id,
    );
    const outcome = await waitForOutcome(id);
    expect(outcome.status).toBe("sent");
    expect(outcome.stats).toEqual({ recipients: 1, devices: 4, sent: 4, failed: 0, removed: 0 });
    expect(outcome.attempts).toBe(2);
    expect((await outboxOf(id)).map((o) => o.token).sort()).toEqual(tokens.slice(2).sort());
  });
});
