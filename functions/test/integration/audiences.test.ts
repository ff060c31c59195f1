// Large audiences, schedules and cancellation end to end: an admin writes notification documents,
// the emulators run the creation trigger, the planner and the send tasks (the tasks emulator, at the
// deployed queue's rate), and the sandbox records what FCM would have received.

import { Timestamp } from "firebase-admin/firestore";
import { describe, expect, it } from "vitest";
import { db, uniqueId, waitFor, waitForDoc } from "../helpers/emulator";
import { deliveriesOf, deviceExists, outboxOf, type SeedDevice, seedDevices, sha256, waitForOutcome } from "../helpers/notifications";

const TYPES = ["ios", "android", "web"] as const;

/** `n` devices following `topic`, of `users` users, platforms in turn. */
function topicDevices(topic: string, n: number, options: { users?: number; token?: (i: number) => string } = {}): Array<SeedDevice & { token: string }> {
  const users = options.users ?? Math.ceil(n / 5);
  const base = uniqueId("aud");
  return Array.from({ length: n }, (_, i) => ({
    uid: `${base}-u${i % users}`,
    token: options.token?.(i) ?? `${base}-t${i}`,
    type: TYPES[i % 3],
    topics: [topic, "other"],
  }));
}

/** Outbox entries per device id: each must be exactly one accepted message. */
function countsByDevice(outbox: Array<Record<string, unknown>>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const o of outbox.filter((e) => e.outcome === "sent")) counts.set(o.deviceId as string, (counts.get(o.deviceId as string) ?? 0) + 1);
  return counts;
}

describe("topics", () => {
  it("a topic with 5,250 devices (21 shards, checked by settle tasks): every device exactly one sandbox outbox entry and one delivery", async () => {
    const topic = uniqueId("big-topic");
    const devices = topicDevices(topic, 5250);
    await seedDevices(devices);
    const id = uniqueId("n");
    // Every write of the notification document while it is sent, as a listener sees them.
    const writes: Array<{ at: number; data: Record<string, unknown> }> = [];
    const stopListening = db.doc(`notifications/${id}`).onSnapshot((snap) => {
      if (snap.exists) writes.push({ at: snap.updateTime!.toMillis(), data: snap.data()! });
    });
    await db.doc(`notifications/${id}`).set({ topic, title: "Five thousand and more", imageUrl: "https://cdn.example.com/i.png" });

    const outcome = await waitForOutcome(id, 180_000);
    stopListening();
    expect(outcome.status).toBe("sent");
    expect(outcome.stats).toEqual({ devices: 5250, sent: 5250, failed: 0, removed: 0, skipped: 0, held: 0 });
    expect(outcome.attempts).toBe(1);
    // 250-device shards (FCM_MESSAGES_PER_MINUTE 300,000 ÷ 60 ÷ 20 dispatches/s).
    // More than PACED_SETTLE_SHARDS (20): its outcome is checked once a second by settleNotification tasks.
    expect(outcome.plan).toMatchObject({ complete: true, shards: 21, devices: 5250 });
    expect(outcome.progress).toMatchObject({ devicesPlanned: 5250, devicesDone: 5250, shards: 21, shardsDone: 21 });

    const byDevice = countsByDevice(await outboxOf(id));
    expect(byDevice.size).toBe(5250);
    expect([...byDevice.values()].every((n) => n === 1)).toBe(true);
    expect([...byDevice.keys()].sort()).toEqual(devices.map((d) => sha256(d.token)).sort());
    const deliveries = await deliveriesOf(id);
    expect(Object.keys(deliveries)).toHaveLength(5250);
    expect(Object.values(deliveries).every((d) => d.status === "sent" && d.expireAt.toMillis() > Date.now() + 29 * 86_400_000)).toBe(true);
    const shards = await db.collection(`notifications/${id}/shards`).get();
    expect(shards.docs.map((d) => d.get("size"))).toEqual(Array.from({ length: 21 }, () => 250));

    // No hot document: nothing writes the notification per shard. A progress write (which also moves
    // the sweeper's `checkAt` on) comes at least a second after the write before it (a listener may
    // miss writes in between, which only makes the gaps it sees longer), and the writes while it was
    // sent are a handful (accepted, planned, done) plus at most one a second, not one per shard.
    const progressWrites = writes.flatMap((w, i) => {
      const before = writes[i - 1];
      const same = (k: string) => k === "progress" || k === "checkAt" || JSON.stringify(w.data[k]) === JSON.stringify(before?.data[k]);
      const onlyProgress = before !== undefined && [...Object.keys(w.data), ...Object.keys(before.data)].every(same);
      return onlyProgress && before !== undefined ? [w.at - before.at] : [];
    });
    for (const gapMs of progressWrites) expect(gapMs).toBeGreaterThanOrEqual(1000);
    const sendingSeconds = (writes.at(-1)!.at - writes[0]!.at) / 1000;
    expect(writes.length).toBeLessThanOrEqual(Math.ceil(sendingSeconds) + 6);
  }, 240_000);

  it("platforms: only the listed platforms' devices of the topic are sent", async () => {
    const topic = uniqueId("platform-topic");
    const devices = topicDevices(topic, 30);
    await seedDevices(devices);
    const id = uniqueId("n");
    await db.doc(`notifications/${id}`).set({ topic, title: "Apple and browsers", platforms: ["ios", "web"] });
    const outcome = await waitForOutcome(id);
    expect(outcome).toMatchObject({ status: "sent", stats: { devices: 20, sent: 20 } });
    const sentTo = new Set((await outboxOf(id)).map((o) => o.deviceId));
    for (const d of devices) expect(sentTo.has(sha256(d.token))).toBe(d.type !== "android");
  });

  it("dead tokens found inside shards are removed with their devices", async () => {
    const topic = uniqueId("dead-topic");
    const devices = topicDevices(topic, 600, {
      users: 60,
      token: (i) => (i % 100 === 7 ? `sandbox-unregistered-${topic}-${i}` : i % 100 === 8 ? `sandbox-invalid-${topic}-${i}` : `${topic}-ok-${i}`),
    });
    await seedDevices(devices);
    const id = uniqueId("n");
    await db.doc(`notifications/${id}`).set({ topic, title: "Cleanup" });
    const outcome = await waitForOutcome(id, 120_000);
    expect(outcome).toMatchObject({ status: "partial", stats: { devices: 600, sent: 588, failed: 0, removed: 12 } });
    expect(outcome.plan.shards).toBe(3);
    const dead = devices.filter((d) => d.token.startsWith("sandbox-"));
    for (const d of dead) expect(await deviceExists(d.uid, d.token)).toBe(false);
    expect(await deviceExists(devices[0]!.uid, devices[0]!.token)).toBe(true);
  }, 180_000);

  it("a topic nobody follows ends no-devices, without recipients in its stats", async () => {
    const id = uniqueId("n");
    await db.doc(`notifications/${id}`).set({ topic: uniqueId("empty-topic"), title: "Anyone?" });
    const outcome = await waitForOutcome(id);
    expect(outcome.status).toBe("no-devices");
    expect(outcome.stats).toEqual({ devices: 0, sent: 0, failed: 0, removed: 0, skipped: 0, held: 0 });
  });

  it("a device that leaves the topic or logs out before the notification's time is not sent", async () => {
    const topic = uniqueId("leave-topic");
    const devices = topicDevices(topic, 3);
    await seedDevices(devices);
    // Written as the admin would, but planned and sent later: change two devices right after planning.
    const id = uniqueId("n");
    await db.doc(`notifications/${id}`).set({ topic, title: "Still here?", sendAt: Timestamp.fromMillis(Date.now() + 3000) });
    await waitForDoc(`notifications/${id}`, (d) => d.status === "scheduled");
    await db.doc(`users/${devices[0]!.uid}/devices/${sha256(devices[0]!.token)}`).update({ topics: ["other"] });
    await db.doc(`users/${devices[1]!.uid}/devices/${sha256(devices[1]!.token)}`).update({ active: false });
    const outcome = await waitForOutcome(id);
    expect(outcome).toMatchObject({ status: "sent", stats: { devices: 1, sent: 1 } });
  });
});

describe("cancelling and deleting a large send", () => {
  it("cancelled while a 5,000-device topic send runs: it stops, ends cancelled, and its stats equal the outbox", async () => {
    const topic = uniqueId("cancel-topic");
    await seedDevices(topicDevices(topic, 5000));
    const id = uniqueId("n");
    // Cancel the moment the first message reaches the sandbox.
    const firstSend = new Promise<void>((resolve) => {
      const stop = db
        .collection("sandboxOutbox")
        .where("notificationId", "==", id)
        .limit(1)
        .onSnapshot((snap) => {
          if (snap.empty) return;
          stop();
          resolve();
        });
    });
    await db.doc(`notifications/${id}`).set({ topic, title: "Oops" });
    await firstSend;
    await db.doc(`notifications/${id}`).update({ cancelled: true });

    const outcome = await waitForOutcome(id, 120_000);
    expect(outcome.status).toBe("cancelled");
    const outbox = await outboxOf(id);
    const sent = outbox.filter((o) => o.outcome === "sent");
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.length).toBeLessThan(5000);
    expect(outcome.stats).toEqual({ devices: sent.length, sent: sent.length, failed: 0, removed: 0, skipped: 0, held: 0 });
    expect(countsByDevice(outbox).size).toBe(sent.length);
    // Nothing more is sent afterwards: shards still in the queue skip.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(await outboxOf(id)).toHaveLength(outbox.length);
  }, 180_000);

  it("deleting a notification while it sends stops it and deletes its deliveries and shards", async () => {
    const topic = uniqueId("delete-topic");
    await seedDevices(topicDevices(topic, 2000));
    const id = uniqueId("n");
    await db.doc(`notifications/${id}`).set({ topic, title: "Delete me" });
    await waitForDoc(`notifications/${id}`, (d) => d.status === "processing");
    await db.doc(`notifications/${id}`).delete();
    await waitFor(
      async () => {
        const [deliveries, shards] = await Promise.all([
          db.collection(`notifications/${id}/deliveries`).count().get(),
          db.collection(`notifications/${id}/shards`).count().get(),
        ]);
        return deliveries.data().count + shards.data().count === 0 ? true : undefined;
      },
      { timeoutMs: 60_000, what: "the deleted notification's records to go" },
    );
    const sent = (await outboxOf(id)).length;
    expect(sent).toBeLessThan(2000);
  }, 120_000);
});

// Concurrent: these mostly wait for the clock.
describe.concurrent("schedules", () => {
  it("due in a few seconds: scheduled at once, then sent, and nothing reaches the outbox before sendAt", async () => {
    const uid = uniqueId("soon");
    await seedDevices([
      { uid, token: `${uid}-a` },
      { uid, token: `${uid}-b`, type: "ios" },
    ]);
    const sendAt = Date.now() + 6000;
    const id = uniqueId("n");
    await db.doc(`notifications/${id}`).set({ userId: uid, title: "In six seconds", sendAt: Timestamp.fromMillis(sendAt) });
    const scheduled = await waitForDoc(`notifications/${id}`, (d) => d.status !== undefined);
    expect(scheduled.status).toBe("scheduled");
    expect(scheduled.dueAt.toMillis()).toBe(sendAt);
    expect(await outboxOf(id)).toHaveLength(0);

    const outcome = await waitForOutcome(id, 60_000);
    expect(outcome).toMatchObject({ status: "sent", stats: { recipients: 1, devices: 2, sent: 2 } });
    const outbox = await outboxOf(id);
    expect(outbox).toHaveLength(2);
    for (const entry of outbox) expect(entry.at.toMillis()).toBeGreaterThanOrEqual(sendAt);
    expect(outcome.startedAt.toMillis()).toBeGreaterThanOrEqual(sendAt);
  }, 90_000);

  it("a change to any other field after creation is not acted on (the rules refuse it to clients)", async () => {
    const uid = uniqueId("edit");
    await seedDevices([{ uid, token: `${uid}-a` }]);
    const id = uniqueId("n");
    const sendAt = Timestamp.fromMillis(Date.now() + 86_400_000);
    await db.doc(`notifications/${id}`).set({ userId: uid, title: "Tomorrow", sendAt });
    await waitForDoc(`notifications/${id}`, (d) => d.status === "scheduled");
    // Through the Admin SDK, which the rules do not stop: the backend still ignores it.
    await db.doc(`notifications/${id}`).update({ title: "Changed", sendAt: Timestamp.fromMillis(Date.now()) });
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const doc = (await db.doc(`notifications/${id}`).get()).data()!;
    // Cancelled before asserting: the tasks emulator runs scheduled tasks at once, so a notification
    // left waiting for tomorrow would keep a worker re-checking its time for the rest of the suite.
    await db.doc(`notifications/${id}`).update({ cancelled: true });
    expect(doc.status).toBe("scheduled");
    expect(doc.dueAt.toMillis()).toBe(sendAt.toMillis());
    expect(await outboxOf(id)).toHaveLength(0);
    expect((await waitForOutcome(id)).status).toBe("cancelled");
  });

  it("cancelled before its time: it ends cancelled at once and is never sent", async () => {
    const uid = uniqueId("never");
    await seedDevices([{ uid, token: `${uid}-a` }]);
    const id = uniqueId("n");
    await db.doc(`notifications/${id}`).set({ userId: uid, title: "Tomorrow", sendAt: Timestamp.fromMillis(Date.now() + 86_400_000) });
    await waitForDoc(`notifications/${id}`, (d) => d.status === "scheduled");
    await db.doc(`notifications/${id}`).update({ cancelled: true });
    const outcome = await waitForOutcome(id);
    expect(outcome).toMatchObject({ status: "cancelled", stats: { recipients: 1, devices: 0, sent: 0, failed: 0, removed: 0 } });
    expect(await outboxOf(id)).toHaveLength(0);
  });

  it("localTime: the group whose local time comes first is sent at its instant; a later one waits until cancelled", async () => {
    const uid = uniqueId("local");
    // The next whole UTC minute at least 5 s away: the Etc/UTC device's local time then. Kolkata
    // (UTC+5:30) reaches that wall-clock time hours away, a later group.
    const now = Date.now();
    const instant = Math.ceil((now + 5_000) / 60_000) * 60_000;
    const at = new Date(instant);
    const localTime = `${String(at.getUTCHours()).padStart(2, "0")}:${String(at.getUTCMinutes()).padStart(2, "0")}`;
    await seedDevices([
      { uid, token: `${uid}-utc`, timezone: "Etc/UTC" },
      { uid, token: `${uid}-kolkata`, timezone: "Asia/Kolkata" },
    ]);
    const id = uniqueId("n");
    await db.doc(`notifications/${id}`).set({ userId: uid, title: "Good morning", localTime });
    try {
      // Without sendAt it starts at once (scheduled for an instant, then processing): the planner
      // puts each device in the shard of its own instant, and the shards wait for theirs.
      const started = await waitForDoc(`notifications/${id}`, (d) => d.status !== undefined);
      expect(["scheduled", "processing"]).toContain(started.status);

      await waitFor(async () => ((await outboxOf(id)).length > 0 ? true : undefined), { timeoutMs: 120_000, what: "the first group" });
      const outbox = await outboxOf(id);
      expect(outbox.map((o) => o.token)).toEqual([`${uid}-utc`]);
      expect(outbox[0]!.at.toMillis()).toBeGreaterThanOrEqual(instant);
      const shards = await db.collection(`notifications/${id}/shards`).get();
      const due = shards.docs.map((d) => d.get("dueAt").toMillis()).sort();
      const kolkata = instant - 330 * 60_000 + (instant - 330 * 60_000 < now ? 86_400_000 : 0);
      expect(due).toEqual([instant, kolkata].sort());
      expect((await db.doc(`notifications/${id}`).get()).get("status")).toBe("processing");
    } finally {
      // Also when an assertion failed: the tasks emulator runs scheduled tasks at once, so a waiting
      // group would otherwise keep a worker busy (re-checking its time) for the rest of the suite.
      await db.doc(`notifications/${id}`).update({ cancelled: true });
    }
    const outcome = await waitForOutcome(id, 90_000);
    expect(outcome).toMatchObject({ status: "cancelled", stats: { recipients: 1, devices: 1, sent: 1 } });
  }, 240_000);
});
