// The production transport on the wire: for this file the Functions emulator runs pushfan with
// MESSAGING_TRANSPORT=fcm, so firebase-admin's own sendEach (HTTP/2, its validation, retries and
// error parsing) talks to the local FCM fake (tools/fcm-fake). Every message shape pushfan builds
// must pass the fake's v1 validation, and every FCM error must end in the contract's outcome.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { clearFaults, fakeMessages, restoreSessionTransport, setFaults, useTransport } from "../../tools/fcm-fake/client";
import { uniqueId } from "../helpers/emulator";
import { deliveriesOf, deviceExists, deviceIdsOf, fidDeviceId, seedDevices, sendNotification, sha256, waitForOutcome } from "../helpers/notifications";

const IMAGE = "https://cdn.example.com/promo/banner.png";

beforeAll(async () => {
  // Retry-After (whole seconds) is honoured up to SEND_BACKOFF_MAX_MS, which .env.local keeps at
  // 500 ms for speed; 2 s lets a 1 s Retry-After be seen. Three attempts bound the always-503 case
  // (each attempt is firebase-admin's own 4 retries, 7 s of backoff).
  await useTransport("fake", { SEND_BACKOFF_MAX_MS: "2000", SEND_MAX_ATTEMPTS: "3" });
}, 120_000);

afterAll(restoreSessionTransport, 120_000);
afterEach(clearFaults);

/**
 * One user with devices for `names` (each token made unique with that prefix) and a notification to
 * them; returns the tokens, the outcome, the ledger and what the fake received for those tokens.
 */
async function sendTo(names: string[], doc: Record<string, unknown> = { title: "Hello" }, types: Array<"ios" | "android" | "web"> = []) {
  const uid = uniqueId("fcm");
  const tokens = names.map((name) => uniqueId(name));
  await seedDevices(tokens.map((token, i) => ({ uid, token, type: types[i] ?? "android" })));
  const id = await sendNotification({ userId: uid, ...doc });
  const outcome = await waitForOutcome(id, 90_000);
  const received = (await Promise.all(tokens.map((tokenPrefix) => fakeMessages({ tokenPrefix })))).flat();
  return { uid, id, tokens, outcome, deliveries: await deliveriesOf(id), received };
}

describe("every message shape pushfan builds is accepted by FCM's v1 API", () => {
  it("image, data, link, collapse key, ttl, priority, analytics label and every platform option", async () => {
    const { tokens, outcome, deliveries, received } = await sendTo(
      ["ios", "android", "web"],
      {
        title: "Summer sale",
        body: "50% off today",
        imageUrl: IMAGE,
        data: { promo: "summer", count: 3, vip: true },
        link: "https://shop.example.com/sale",
        collapseKey: "summer-sale",
        ttlSeconds: 3600,
        priority: "normal",
        analyticsLabel: "summer_sale",
        android: { channelId: "promos", sound: "default", color: "#ff8800", tag: "sale", clickAction: "OPEN_SALE" },
        apns: { sound: "chime.caf", badge: 2, category: "PROMO", threadId: "sales" },
      },
      ["ios", "android", "web"],
    );
    expect(outcome.status).toBe("sent");
    expect(outcome.stats).toMatchObject({ devices: 3, sent: 3, failed: 0, removed: 0 });
    expect(received.map((m) => [m.token, m.status]).sort()).toEqual(tokens.map((t) => [t, 200]).sort());
    for (const m of received) {
      const wire = m.message as any;
      expect(wire.android).toMatchObject({ ttl: "3600s", collapse_key: "summer-sale", priority: "normal" });
      expect(wire.android.notification).toMatchObject({ image: IMAGE, channel_id: "promos", click_action: "OPEN_SALE", color: "#ff8800", tag: "sale" });
      expect(wire.apns.payload.aps).toMatchObject({ "mutable-content": 1, badge: 2, "thread-id": "sales" });
      expect(wire.data).toMatchObject({ promo: "summer", count: "3", vip: "true", imageUrl: IMAGE, link: "https://shop.example.com/sale" });
      // The ledger holds the message id FCM answered.
      expect(deliveries[sha256(m.token)]).toMatchObject({ status: "sent", messageId: m.name });
    }
  });

  it("the defaults: title only, high priority, the notification id as collapse identity", async () => {
    const { id, outcome, received } = await sendTo(["plain"]);
    expect(outcome.status).toBe("sent");
    const wire = received[0]!.message as any;
    expect(wire.android).toMatchObject({ priority: "high", notification: { tag: id } });
    expect(wire.apns.headers).toMatchObject({ "apns-priority": "10", "apns-collapse-id": id });
    expect(wire.webpush.notification.tag).toBe(id);
  });

  it("a ttl of 0 and a collapse key over APNs's 64 bytes", async () => {
    const { outcome, received } = await sendTo(["ttl0"], { title: "Now or never", ttlSeconds: 0, collapseKey: "é".repeat(40) });
    expect(outcome.status).toBe("sent");
    expect((received[0]!.message as any).android.ttl).toBe("0s");
    expect((received[0]!.message as any).apns.headers["apns-collapse-id"]).toMatch(/^[0-9a-f]{64}$/);
  });

  it("a dry run is validated by FCM (validate_only) and delivers nothing", async () => {
    const { outcome, received, deliveries } = await sendTo(["dry"], { title: "Dry", dryRun: true, imageUrl: IMAGE });
    expect(outcome.status).toBe("sent");
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ validateOnly: true, status: 200 });
    expect(Object.values(deliveries)[0]).toMatchObject({ status: "sent" });
  });

  it("a topic audience goes through the planner and the send tasks to the same endpoint", async () => {
    const topic = uniqueId("fcm-topic");
    const uid = uniqueId("fcm");
    const tokens = [uniqueId("t1"), uniqueId("t2"), uniqueId("t3")];
    await seedDevices(tokens.map((token) => ({ uid, token, topics: [topic] })));
    const id = await sendNotification({ topic, title: "Topic news" });
    const outcome = await waitForOutcome(id, 90_000);
    expect(outcome).toMatchObject({ status: "sent", stats: { devices: 3, sent: 3 } });
    expect((await fakeMessages({ notificationId: id })).map((m) => m.token).sort()).toEqual([...tokens].sort());
  });
});

describe("each FCM error ends in the contract's outcome", () => {
  it("404 UNREGISTERED and 400 INVALID_ARGUMENT for the token: the device is removed", async () => {
    const { uid, tokens, outcome, deliveries } = await sendTo(["sandbox-unregistered", "sandbox-invalid", "good"]);
    const [unregistered, invalid, good] = tokens as [string, string, string];
    expect(outcome).toMatchObject({ status: "partial", stats: { devices: 3, sent: 1, removed: 2 } });
    expect(deliveries[sha256(unregistered)]).toMatchObject({ status: "removed", error: { code: "messaging/registration-token-not-registered" } });
    expect(deliveries[sha256(invalid)]).toMatchObject({
      status: "removed",
      error: { code: "messaging/invalid-argument", message: expect.stringContaining("not a valid FCM registration token") },
    });
    expect(await deviceExists(uid, unregistered)).toBe(false);
    expect(await deviceExists(uid, invalid)).toBe(false);
    expect(await deviceExists(uid, good)).toBe(true);
  });

  it("FID devices: the message targets fid on the wire, and a dead FID's 404 UNREGISTERED removes it as firebase-admin names it", async () => {
    const uid = uniqueId("fcm-fid");
    const [fid, dead, token] = [uniqueId("fid"), uniqueId("sandbox-unregistered-fid"), uniqueId("token")];
    await seedDevices([
      { uid, fid },
      { uid, fid: dead },
      { uid, token },
    ]);
    const id = await sendNotification({ userId: uid, title: "By FID" });
    const outcome = await waitForOutcome(id, 90_000);
    expect(outcome).toMatchObject({ status: "partial", stats: { devices: 3, sent: 2, removed: 1 } });
    const received = await fakeMessages({ notificationId: id });
    const wire = (target: string) => received.find((m) => m.token === target)?.message as Record<string, unknown> | undefined;
    expect(wire(fid)).toMatchObject({ fid, notification: { title: "By FID" } });
    expect(wire(fid)).not.toHaveProperty("token");
    expect(wire(token)).toMatchObject({ token });
    const deliveries = await deliveriesOf(id);
    // firebase-admin reads the request's `fid` to name FCM's 404 UNREGISTERED for an FID.
    expect(deliveries[fidDeviceId(dead)]).toMatchObject({
      status: "removed",
      identifiedBy: "fid",
      error: { code: "messaging/installation-id-not-registered" },
    });
    expect(deliveries[fidDeviceId(fid)]).toMatchObject({ status: "sent", identifiedBy: "fid" });
    expect(await deviceIdsOf(uid)).toEqual([fidDeviceId(fid), sha256(token)].sort());
  });

  it("400 INVALID_ARGUMENT for the payload: the delivery fails, the device is kept, nothing is retried", async () => {
    await setFaults([{ tokenPrefix: "badpayload-", status: 400, fcmError: "INVALID_ARGUMENT" }]);
    const {
      uid,
      tokens: [token],
      outcome,
      deliveries,
      received,
    } = await sendTo(["badpayload"]);
    expect(outcome).toMatchObject({ status: "failed", stats: { failed: 1, removed: 0 } });
    expect(deliveries[sha256(token)]).toMatchObject({ status: "failed", error: { code: "messaging/invalid-argument" } });
    expect(received).toHaveLength(1);
    expect(await deviceExists(uid, token)).toBe(true);
  });

  it.each([
    ["403 SENDER_ID_MISMATCH", { status: 403, fcmError: "SENDER_ID_MISMATCH" }, "messaging/mismatched-credential"],
    ["401 THIRD_PARTY_AUTH_ERROR", { status: 401, fcmError: "THIRD_PARTY_AUTH_ERROR" }, "messaging/third-party-auth-error"],
  ] as const)("%s: a configuration failure, the notification fails and no device is deleted", async (_, rule, code) => {
    await setFaults([{ tokenPrefix: "cfg-", ...rule }]);
    const {
      uid,
      tokens: [bad, unregistered],
      outcome,
    } = await sendTo(["cfg", "sandbox-unregistered"]);
    expect(outcome.status).toBe("failed");
    expect(outcome.error.code).toBe(code);
    expect(outcome.stats.removed).toBe(0);
    expect(await deviceExists(uid, bad)).toBe(true);
    expect(await deviceExists(uid, unregistered)).toBe(true);
  });

  it("429 QUOTA_EXCEEDED with Retry-After: 1: retried after at least the advertised second, then sent", async () => {
    await setFaults([{ tokenPrefix: "quota-", status: 429, fcmError: "QUOTA_EXCEEDED", retryAfterSeconds: 1, times: 1 }]);
    const {
      tokens: [token],
      outcome,
      deliveries,
      received,
    } = await sendTo(["quota"]);
    expect(outcome.status).toBe("sent");
    expect(received.map((m) => m.status)).toEqual([429, 200]);
    expect(Date.parse(received[1]!.at) - Date.parse(received[0]!.at)).toBeGreaterThanOrEqual(1000);
    expect(deliveries[sha256(token)]).toMatchObject({ status: "sent", attempts: 2 });
  });

  it("503 UNAVAILABLE twice: firebase-admin's own retries absorb it within one attempt", async () => {
    await setFaults([{ tokenPrefix: "unavailable-twice-", status: 503, times: 2 }]);
    const {
      tokens: [token],
      outcome,
      deliveries,
      received,
    } = await sendTo(["unavailable-twice"]);
    expect(outcome.status).toBe("sent");
    expect(received.map((m) => m.status)).toEqual([503, 503, 200]);
    expect(deliveries[sha256(token)]).toMatchObject({ status: "sent", attempts: 1 });
  });

  it("503 UNAVAILABLE on every request: retried up to SEND_MAX_ATTEMPTS, then failed, the device kept", async () => {
    const {
      uid,
      tokens: [token],
      outcome,
      deliveries,
      received,
    } = await sendTo(["sandbox-unavailable"]);
    expect(outcome).toMatchObject({ status: "failed", stats: { failed: 1, removed: 0 } });
    expect(deliveries[sha256(token)]).toMatchObject({ status: "failed", attempts: 3, error: { code: "messaging/server-unavailable" } });
    // Three attempts, each one request and firebase-admin's four retries.
    expect(received.map((m) => m.status)).toEqual(Array(15).fill(503));
    expect(await deviceExists(uid, token)).toBe(true);
  }, 120_000);

  it.each([
    ["500 INTERNAL", { status: 500, fcmError: "INTERNAL" }, 500],
    ["a reset HTTP/2 stream", { resetConnection: true }, "reset"],
  ] as const)("%s: retried by pushfan, then sent", async (_, rule, status) => {
    await setFaults([{ tokenPrefix: "transient-", times: 1, ...rule }]);
    const {
      tokens: [token],
      outcome,
      deliveries,
      received,
    } = await sendTo(["transient"]);
    expect(outcome.status).toBe("sent");
    expect(received.map((m) => m.status)).toEqual([status, 200]);
    expect(deliveries[sha256(token)]).toMatchObject({ status: "sent", attempts: 2 });
  });
});
