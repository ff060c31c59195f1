// The notification trigger end to end: an admin writes a document, the emulator fires the trigger,
// the sandbox transport records what FCM would have been sent.
import { Timestamp } from "firebase-admin/firestore";
import { describe, expect, it } from "vitest";
import { callFunction, createUser, db, uniqueId } from "../helpers/emulator";
import {
  deliveriesOf,
  deviceExists,
  expectRecordsInStep,
  outboxOf,
  seedDevices,
  sendNotification,
  sha256,
  tokenOwner,
  waitForOutcome,
} from "../helpers/notifications";

const IMAGE = "https://cdn.example.com/promo/banner.png";

describe("fan-out of a notification document", () => {
  it("sends to an iOS, an Android and a web device with the image on every platform", async () => {
    const user = await createUser();
    const tokens = { ios: uniqueId("ios-token"), android: uniqueId("android-token"), web: uniqueId("web-token") };
    for (const [type, token] of Object.entries(tokens)) {
      const res = await callFunction("registerDevice", { token, type }, user.idToken);
      expect(res.status).toBe(200);
    }
    const id = await sendNotification({
      userId: user.uid,
      title: "Summer sale",
      body: "50% off today",
      imageUrl: IMAGE,
      data: { promo: "summer", count: 3, vip: true },
      link: "https://shop.example.com/sale",
    });

    const outcome = await waitForOutcome(id);
    expect(outcome.status).toBe("sent");
    expect(outcome.stats).toEqual({ recipients: 1, devices: 3, sent: 3, failed: 0, removed: 0, skipped: 0, held: 0 });
    expect(outcome.attempts).toBe(1);
    expect(outcome.startedAt.toMillis()).toBeLessThanOrEqual(outcome.completedAt.toMillis());
    expect(outcome.lease).toBeUndefined();

    const outbox = await outboxOf(id);
    expect(outbox).toHaveLength(3);
    expect(outbox.map((o) => o.token).sort()).toEqual(Object.values(tokens).sort());
    for (const entry of outbox) {
      expect(entry).toMatchObject({ notificationId: id, userId: user.uid, deviceId: sha256(entry.token), outcome: "sent", dryRun: false });
      expect(entry.messageId).toMatch(/^projects\/demo-pushfan\/messages\/sandbox-\d+$/);
      const m = entry.message;
      expect(m.token).toBe(entry.token);
      expect(m.notification).toEqual({ title: "Summer sale", body: "50% off today", imageUrl: IMAGE });
      expect(m.android.notification.imageUrl).toBe(IMAGE);
      expect(m.android.notification.tag).toBe(id);
      expect(m.apns.fcmOptions).toEqual({ imageUrl: IMAGE });
      expect(m.apns.payload.aps["mutable-content"]).toBe(1);
      expect(m.apns.headers["apns-collapse-id"]).toBe(id);
      expect(m.webpush.notification).toMatchObject({ image: IMAGE, tag: id, title: "Summer sale" });
      expect(m.webpush.fcmOptions).toEqual({ link: "https://shop.example.com/sale" });
      expect(m.data).toEqual({ promo: "summer", count: "3", vip: "true", imageUrl: IMAGE, link: "https://shop.example.com/sale", notificationId: id });
    }

    const deliveries = await deliveriesOf(id);
    expect(Object.keys(deliveries).sort()).toEqual(Object.values(tokens).map(sha256).sort());
    for (const d of Object.values(deliveries)) {
      expect(d).toMatchObject({ userId: user.uid, status: "sent", attempts: 1 });
      expect(d.messageId).toMatch(/sandbox-\d+$/);
    }
  });

  it("counts recipients and devices across userIds, some users without devices", async () => {
    const [a, b, c, d] = [uniqueId("u"), uniqueId("u"), uniqueId("u"), uniqueId("u")];
    await seedDevices([
      { uid: a, token: uniqueId("a1") },
      { uid: a, token: uniqueId("a2"), type: "ios" },
      { uid: b, token: uniqueId("b1"), type: "web" },
    ]);
    const id = await sendNotification({ userIds: [a, b, c, d], title: "Hello" });
    const outcome = await waitForOutcome(id);
    expect(outcome.status).toBe("sent");
    expect(outcome.stats).toEqual({ recipients: 4, devices: 3, sent: 3, failed: 0, removed: 0, skipped: 0, held: 0 });
    expect(await outboxOf(id)).toHaveLength(3);
  });

  it("removes devices whose tokens are unregistered or invalid and records them as removed", async () => {
    const uid = uniqueId("u");
    const good = uniqueId("good");
    const unregistered = uniqueId("sandbox-unregistered");
    const invalid = uniqueId("sandbox-invalid");
    await seedDevices([
      { uid, token: good },
      { uid, token: unregistered },
      { uid, token: invalid },
    ]);
    const id = await sendNotification({ userId: uid, title: "Hi" });
    const outcome = await waitForOutcome(id);
    expect(outcome.status).toBe("partial");
    expect(outcome.stats).toEqual({ recipients: 1, devices: 3, sent: 1, failed: 0, removed: 2, skipped: 0, held: 0 });
    expect(await deviceExists(uid, good)).toBe(true);
    expect(await deviceExists(uid, unregistered)).toBe(false);
    expect(await deviceExists(uid, invalid)).toBe(false);
    expect(await tokenOwner(unregistered)).toBeUndefined();
    await expectRecordsInStep(uid);
    const deliveries = await deliveriesOf(id);
    expect(deliveries[sha256(unregistered)]).toMatchObject({ status: "removed", error: { code: "messaging/registration-token-not-registered" } });
    expect(deliveries[sha256(invalid)]).toMatchObject({ status: "removed", error: { code: "messaging/invalid-argument" } });
    expect(deliveries[sha256(good)]).toMatchObject({ status: "sent" });
  });

  it("retries a flaky device and sends it on the second attempt", async () => {
    const uid = uniqueId("u");
    const flaky = uniqueId("sandbox-flaky");
    const steady = uniqueId("steady");
    await seedDevices([
      { uid, token: flaky },
      { uid, token: steady },
    ]);
    const id = await sendNotification({ userId: uid, title: "Retry me" });
    const outcome = await waitForOutcome(id);
    expect(outcome.status).toBe("sent");
    expect(outcome.attempts).toBeGreaterThanOrEqual(2);
    expect(outcome.stats).toMatchObject({ devices: 2, sent: 2, failed: 0 });
    const deliveries = await deliveriesOf(id);
    expect(deliveries[sha256(flaky)]).toMatchObject({ status: "sent", attempts: 2 });
    expect(deliveries[sha256(steady)]).toMatchObject({ status: "sent", attempts: 1 });
    const outbox = await outboxOf(id);
    expect(
      outbox
        .filter((o) => o.token === flaky)
        .map((o) => o.outcome)
        .sort(),
    ).toEqual(["failed", "sent"]);
    expect(outbox.filter((o) => o.token === steady)).toHaveLength(1);
  });

  it("gives up on an always-unavailable device after SEND_MAX_ATTEMPTS and keeps it", async () => {
    const uid = uniqueId("u");
    const down = uniqueId("sandbox-unavailable");
    await seedDevices([{ uid, token: down }]);
    const id = await sendNotification({ userId: uid, title: "Down" });
    const outcome = await waitForOutcome(id);
    expect(outcome.status).toBe("failed");
    expect(outcome.attempts).toBe(5);
    expect(outcome.stats).toEqual({ recipients: 1, devices: 1, sent: 0, failed: 1, removed: 0, skipped: 0, held: 0 });
    expect(outcome.error.code).toBe("messaging/server-unavailable");
    expect((await deliveriesOf(id))[sha256(down)]).toMatchObject({ status: "failed", attempts: 5 });
    expect(await outboxOf(id)).toHaveLength(5);
    expect(await deviceExists(uid, down)).toBe(true);
  });

  it("ends as failed on a configuration error and deletes no device", async () => {
    const uid = uniqueId("u");
    const authError = uniqueId("sandbox-auth-error");
    const unregistered = uniqueId("sandbox-unregistered");
    await seedDevices([
      { uid, token: authError },
      { uid, token: unregistered },
    ]);
    const id = await sendNotification({ userId: uid, title: "Creds" });
    const outcome = await waitForOutcome(id);
    expect(outcome.status).toBe("failed");
    expect(outcome.error.code).toBe("messaging/third-party-auth-error");
    expect(outcome.attempts).toBe(1);
    expect(outcome.stats.removed).toBe(0);
    expect(await deviceExists(uid, authError)).toBe(true);
    expect(await deviceExists(uid, unregistered)).toBe(true);
  });

  it("does not send to inactive devices", async () => {
    const uid = uniqueId("u");
    const active = uniqueId("active");
    const loggedOut = uniqueId("logged-out");
    await seedDevices([
      { uid, token: active },
      { uid, token: loggedOut, active: false },
    ]);
    const id = await sendNotification({ userId: uid, title: "Only active" });
    const outcome = await waitForOutcome(id);
    expect(outcome.status).toBe("sent");
    expect(outcome.stats).toEqual({ recipients: 1, devices: 1, sent: 1, failed: 0, removed: 0, skipped: 0, held: 0 });
    expect((await outboxOf(id)).map((o) => o.token)).toEqual([active]);
  });

  it("ends as no-devices when the recipients have no active devices", async () => {
    const uid = uniqueId("u");
    await seedDevices([{ uid, token: uniqueId("off"), active: false }]);
    const id = await sendNotification({ userIds: [uid, uniqueId("nobody")], title: "Anyone?" });
    const outcome = await waitForOutcome(id);
    expect(outcome.status).toBe("no-devices");
    expect(outcome.stats).toEqual({ recipients: 2, devices: 0, sent: 0, failed: 0, removed: 0, skipped: 0, held: 0 });
    expect(await outboxOf(id)).toHaveLength(0);
  });

  it("validates with FCM without delivering on dryRun", async () => {
    const uid = uniqueId("u");
    await seedDevices([{ uid, token: uniqueId("dry") }]);
    const id = await sendNotification({ userId: uid, title: "Dry", dryRun: true });
    expect((await waitForOutcome(id)).status).toBe("sent");
    const outbox = await outboxOf(id);
    expect(outbox).toHaveLength(1);
    expect(outbox[0]!.dryRun).toBe(true);
  });

  it("sends 1,200 devices across userIds", async () => {
    const users = Array.from({ length: 40 }, () => uniqueId("bulk"));
    await seedDevices(users.flatMap((uid) => Array.from({ length: 30 }, (_, i) => ({ uid, token: `${uid}-device-${i}` }))));
    const id = await sendNotification({ userIds: users, title: "Everyone" });
    const outcome = await waitForOutcome(id, 120_000);
    expect(outcome.status).toBe("sent");
    expect(outcome.stats).toEqual({ recipients: 40, devices: 1200, sent: 1200, failed: 0, removed: 0, skipped: 0, held: 0 });
    const outbox = await outboxOf(id);
    expect(outbox).toHaveLength(1200);
    expect(new Set(outbox.map((o) => o.deviceId)).size).toBe(1200);
  });
});

describe("invalid notification documents end as invalid, send nothing and are kept", () => {
  const uid = "someone";
  const long = "https://cdn.example.com/" + "a".repeat(2030);
  const cases: Array<[string, Record<string, unknown>, string[]]> = [
    ["a typo field imageURL", { userId: uid, title: "t", imageURL: "https://x.example/i.png" }, ["imageURL"]],
    ["an http image URL", { userId: uid, title: "t", imageUrl: "http://x.example/i.png" }, ["imageUrl"]],
    ["an image URL over 2048 characters", { userId: uid, title: "t", imageUrl: long }, ["imageUrl"]],
    ["a nested data map", { userId: uid, title: "t", data: { deep: { x: 1 } } }, ["data.deep"]],
    ["a data array value", { userId: uid, title: "t", data: { list: [1, 2] } }, ["data.list"]],
    ["a reserved data key", { userId: uid, title: "t", data: { from: "me" } }, ["data.from"]],
    ["a google-prefixed data key", { userId: uid, title: "t", data: { "google.c.a": "1" } }, ["data.google.c.a"]],
    ["both userId and userIds", { userId: uid, userIds: [uid], title: "t" }, ["userId", "userIds"]],
    ["neither userId nor userIds", { title: "t" }, [""]],
    ["501 userIds", { userIds: Array.from({ length: 501 }, (_, i) => `u${i}`), title: "t" }, ["userIds"]],
    ["a missing title", { userId: uid }, ["title"]],
    ["ttlSeconds out of range", { userId: uid, title: "t", ttlSeconds: 2419201 }, ["ttlSeconds"]],
    ["a bad analyticsLabel", { userId: uid, title: "t", analyticsLabel: "no spaces allowed" }, ["analyticsLabel"]],
    ["a bad android color", { userId: uid, title: "t", android: { color: "red" } }, ["android.color"]],
    ["a payload over 4096 bytes", { userId: uid, title: "t", body: "b".repeat(4000), data: { extra: "x".repeat(500) } }, [""]],
    ["a topic next to userId", { userId: uid, topic: "sports", title: "t" }, ["topic", "userId"]],
    ["broadcast: false", { broadcast: false, title: "t" }, ["broadcast"]],
    ["an empty platforms list", { topic: "sports", platforms: [], title: "t" }, ["platforms"]],
    ["a topic name with a space", { topic: "breaking news", title: "t" }, ["topic"]],
    ["sendAt as an ISO string", { userId: uid, title: "t", sendAt: "2026-12-01T09:00:00Z" }, ["sendAt"]],
    ["sendAt more than 365 days ahead", { userId: uid, title: "t", sendAt: Timestamp.fromMillis(Date.now() + 400 * 86_400_000) }, ["sendAt"]],
    ["localTime 25:00", { userId: uid, title: "t", localTime: "25:00" }, ["localTime"]],
    ["localTime 9:00", { userId: uid, title: "t", localTime: "9:00" }, ["localTime"]],
    ["cancelled: false", { userId: uid, title: "t", cancelled: false }, ["cancelled"]],
  ];

  it.each(cases)("%s", async (_label, doc, paths) => {
    const id = await sendNotification(doc);
    const outcome = await waitForOutcome(id);
    expect(outcome.status).toBe("invalid");
    expect(outcome.error.code).toBe("invalid-argument");
    expect(outcome.error.details.map((d: { path: string }) => d.path).sort()).toEqual([...paths].sort());
    expect(outcome.title).toBe(doc.title);
    expect(await outboxOf(id)).toHaveLength(0);
    expect((await db.doc(`notifications/${id}`).get()).exists).toBe(true);
  });
});
