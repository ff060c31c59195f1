// The exact firebase-admin messages built from notification documents, one per device (token or FID).
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import type { Message } from "firebase-admin/messaging";
import { describe, expect, it } from "vitest";
import { buildMessage, collapseId } from "../../src/notifications/message.js";
import { type NotificationInput, parseNotification } from "../../src/notifications/schema.js";

const ID = "Xq3lM2a9TfNz0bQeR7Yc";
const TOKEN = "device-token-1";
const NOW = new Date("2025-01-02T03:04:05.678Z");
const NOW_SECONDS = 1_735_787_045;
const IMAGE = "https://cdn.example.com/img/sale.png";
const LINK = "https://shop.example.com/sale";

/** Documents go through the real schema, so defaults (priority) are applied as in production. */
function input(doc: Record<string, unknown>): NotificationInput {
  const result = parseNotification(doc);
  if (!result.ok) throw new Error(`invalid test document: ${JSON.stringify(result.details)}`);
  return result.value;
}

function build(doc: Record<string, unknown>, id = ID): Message {
  return buildMessage(id, input(doc), { token: TOKEN }, NOW);
}

function undefinedPaths(value: unknown, path = ""): string[] {
  if (value === undefined) return [path];
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) => undefinedPaths(child, `${path}.${key}`));
}

// firebase-admin's own pre-send check (what sendEach runs before calling FCM). It is not a public
// export, so it is loaded from the file next to the public entry point.
const { validateMessage } = require(join(dirname(require.resolve("firebase-admin/messaging")), "messaging-internal.js")) as {
  validateMessage: (message: Message) => void;
};

const FULL = {
  userIds: ["u1", "u2"],
  title: "Summer sale",
  body: "Everything 50% off",
  imageUrl: IMAGE,
  link: LINK,
  data: { orderId: "o-42", count: 3, ratio: 0.25, vip: true, gift: false },
  collapseKey: "summer-sale",
  ttlSeconds: 3600,
  priority: "high",
  android: { channelId: "promos", sound: "chime", color: "#ff8800", tag: "sale-tag", clickAction: "OPEN_SALE" },
  apns: { sound: "chime.caf", badge: 3, category: "SALE", threadId: "promos" },
  analyticsLabel: "summer_sale",
  dryRun: true,
};

describe("buildMessage", () => {
  it("builds a full-featured message with the image on every platform", () => {
    expect(build(FULL)).toStrictEqual({
      token: TOKEN,
      notification: { title: "Summer sale", body: "Everything 50% off", imageUrl: IMAGE },
      data: { orderId: "o-42", count: "3", ratio: "0.25", vip: "true", gift: "false", imageUrl: IMAGE, link: LINK, notificationId: ID },
      android: {
        priority: "high",
        ttl: 3_600_000,
        collapseKey: "summer-sale",
        notification: {
          imageUrl: IMAGE,
          tag: "sale-tag",
          channelId: "promos",
          sound: "chime",
          color: "#ff8800",
          clickAction: "OPEN_SALE",
        },
      },
      apns: {
        headers: {
          "apns-priority": "10",
          "apns-collapse-id": "summer-sale",
          "apns-expiration": String(NOW_SECONDS + 3600),
        },
        payload: {
          aps: { "mutable-content": 1, sound: "chime.caf", badge: 3, category: "SALE", "thread-id": "promos" },
        },
        fcmOptions: { imageUrl: IMAGE },
      },
      webpush: {
        headers: { Urgency: "high", TTL: "3600" },
        notification: { title: "Summer sale", body: "Everything 50% off", image: IMAGE, tag: "summer-sale" },
        fcmOptions: { link: LINK },
      },
      fcmOptions: { analyticsLabel: "summer_sale" },
    });
  });

  it("builds a minimal message: no image keys, no mutable-content, the notification id as collapse identity", () => {
    expect(build({ userId: "u1", title: "Hello" })).toStrictEqual({
      token: TOKEN,
      notification: { title: "Hello" },
      data: { notificationId: ID },
      android: { priority: "high", notification: { tag: ID } },
      apns: {
        headers: { "apns-priority": "10", "apns-collapse-id": ID },
        payload: { aps: {} },
      },
      webpush: {
        headers: { Urgency: "high" },
        notification: { title: "Hello", tag: ID },
      },
    });
  });

  it("uses collapseKey as the collapse identity on every platform", () => {
    expect(build({ userId: "u1", title: "Hello", collapseKey: "scores" })).toStrictEqual({
      token: TOKEN,
      notification: { title: "Hello" },
      data: { notificationId: ID },
      android: { priority: "high", collapseKey: "scores", notification: { tag: "scores" } },
      apns: {
        headers: { "apns-priority": "10", "apns-collapse-id": "scores" },
        payload: { aps: {} },
      },
      webpush: {
        headers: { Urgency: "high" },
        notification: { title: "Hello", tag: "scores" },
      },
    });
  });

  it("lets android.tag override the Android tag only", () => {
    expect(build({ userId: "u1", title: "Hello", android: { tag: "chat-7" } })).toStrictEqual({
      token: TOKEN,
      notification: { title: "Hello" },
      data: { notificationId: ID },
      android: { priority: "high", notification: { tag: "chat-7" } },
      apns: {
        headers: { "apns-priority": "10", "apns-collapse-id": ID },
        payload: { aps: {} },
      },
      webpush: {
        headers: { Urgency: "high" },
        notification: { title: "Hello", tag: ID },
      },
    });
  });

  it("hashes a notification id longer than 64 bytes for apns-collapse-id only", () => {
    const longId = "n".repeat(65);
    const hashed = "1e3fb6d54587d70a794c060a27868e0a59cd1dc3b55536a763695af86c41bf79";
    expect(build({ userId: "u1", title: "Hello" }, longId)).toStrictEqual({
      token: TOKEN,
      notification: { title: "Hello" },
      data: { notificationId: longId },
      android: { priority: "high", notification: { tag: longId } },
      apns: {
        headers: { "apns-priority": "10", "apns-collapse-id": hashed },
        payload: { aps: {} },
      },
      webpush: {
        headers: { Urgency: "high" },
        notification: { title: "Hello", tag: longId },
      },
    });
  });

  it("sets ttlSeconds 0 as a zero TTL and an apns-expiration of 0 (deliver now or never)", () => {
    expect(build({ userId: "u1", title: "Hello", ttlSeconds: 0 })).toStrictEqual({
      token: TOKEN,
      notification: { title: "Hello" },
      data: { notificationId: ID },
      android: { priority: "high", ttl: 0, notification: { tag: ID } },
      apns: {
        headers: { "apns-priority": "10", "apns-collapse-id": ID, "apns-expiration": "0" },
        payload: { aps: {} },
      },
      webpush: {
        headers: { Urgency: "high", TTL: "0" },
        notification: { title: "Hello", tag: ID },
      },
    });
  });

  it("sets ttlSeconds 3600 as milliseconds on Android and an absolute expiry on APNs", () => {
    expect(build({ userId: "u1", title: "Hello", ttlSeconds: 3600 })).toStrictEqual({
      token: TOKEN,
      notification: { title: "Hello" },
      data: { notificationId: ID },
      android: { priority: "high", ttl: 3_600_000, notification: { tag: ID } },
      apns: {
        headers: { "apns-priority": "10", "apns-collapse-id": ID, "apns-expiration": "1735790645" },
        payload: { aps: {} },
      },
      webpush: {
        headers: { Urgency: "high", TTL: "3600" },
        notification: { title: "Hello", tag: ID },
      },
    });
  });

  it("maps priority normal to every platform's normal priority", () => {
    expect(build({ userId: "u1", title: "Hello", body: "later", priority: "normal" })).toStrictEqual({
      token: TOKEN,
      notification: { title: "Hello", body: "later" },
      data: { notificationId: ID },
      android: { priority: "normal", notification: { tag: ID } },
      apns: {
        headers: { "apns-priority": "5", "apns-collapse-id": ID },
        payload: { aps: {} },
      },
      webpush: {
        headers: { Urgency: "normal" },
        notification: { title: "Hello", body: "later", tag: ID },
      },
    });
  });

  it("sends every data value as a string", () => {
    const message = build({ userId: "u1", title: "Hello", data: { n: 42, neg: -1.5, big: 1e21, t: true, f: false, s: "x", e: "" } });
    expect(message.data).toStrictEqual({ n: "42", neg: "-1.5", big: "1e+21", t: "true", f: "false", s: "x", e: "", notificationId: ID });
  });

  it("keeps data.imageUrl and data.link when data sets them", () => {
    const message = build({
      userId: "u1",
      title: "Hello",
      imageUrl: IMAGE,
      link: LINK,
      data: { imageUrl: "https://cdn.example.com/raw.png", link: "app://orders/1" },
    });
    expect(message.data).toStrictEqual({ imageUrl: "https://cdn.example.com/raw.png", link: "app://orders/1", notificationId: ID });
    // The platform notifications still show the document's image and open its link.
    expect(message.notification).toStrictEqual({ title: "Hello", imageUrl: IMAGE });
    expect(message.webpush?.fcmOptions).toStrictEqual({ link: LINK });
  });

  it("passes link as data.link without an image", () => {
    const message = build({ userId: "u1", title: "Hello", link: LINK });
    expect(message.data).toStrictEqual({ link: LINK, notificationId: ID });
    expect(message.webpush?.fcmOptions).toStrictEqual({ link: LINK });
    expect(message.apns?.payload?.aps).toStrictEqual({});
  });

  it("hashes a collapseKey longer than 64 bytes for apns-collapse-id only", () => {
    const key = "é".repeat(33); // 33 characters, 66 bytes
    const message = build({ userId: "u1", title: "Hello", collapseKey: key });
    expect(message.apns?.headers?.["apns-collapse-id"]).toBe(createHash("sha256").update(key).digest("hex"));
    expect(message.android?.collapseKey).toBe(key);
    expect(message.webpush?.notification?.tag).toBe(key);
  });

  it("never contains undefined values", () => {
    for (const doc of [FULL, { userId: "u1", title: "Hello" }, { userId: "u1", title: "Hello", imageUrl: IMAGE }]) {
      expect(undefinedPaths(build(doc))).toStrictEqual([]);
    }
  });

  it.each([
    ["full", FULL],
    ["minimal", { userId: "u1", title: "Hello" }],
    ["ttl 0", { userId: "u1", title: "Hello", ttlSeconds: 0 }],
  ])("builds a %s message that firebase-admin's own validation accepts", (_, doc) => {
    expect(() => validateMessage(build(doc))).not.toThrow();
  });

  it("targets an FID device by fid (firebase-admin's FidMessage), with the same payload as a token's", () => {
    const byFid = buildMessage(ID, input(FULL), { fid: "cXmHGY4fRfGA8WcxZyVcaU" }, NOW);
    const { token, ...payload } = build(FULL) as Message & { token: string };
    expect(token).toBe(TOKEN);
    expect(byFid).toStrictEqual({ fid: "cXmHGY4fRfGA8WcxZyVcaU", ...payload });
    expect(byFid).not.toHaveProperty("token");
    expect(() => validateMessage(byFid)).not.toThrow();
    // firebase-admin refuses a message with two targets: the check above would catch one.
    expect(() => validateMessage({ ...byFid, token: TOKEN } as Message)).toThrow(/Exactly one of fid, topic, token or condition/);
  });

  it("is checked against firebase-admin's validation that can fail", () => {
    // Guards the test above: the loaded validator does reject a bad message.
    const bad = { ...build({ userId: "u1", title: "Hello" }), data: { n: 1 } } as unknown as Message;
    expect(() => validateMessage(bad)).toThrow(/data must only contain string values/);
  });
});

describe("collapseId", () => {
  it("keeps an id of at most 64 bytes", () => {
    expect(collapseId("a".repeat(64))).toBe("a".repeat(64));
    expect(collapseId("é".repeat(32))).toBe("é".repeat(32));
  });

  it("hashes an id over 64 bytes to 64 lowercase hex characters, stably", () => {
    const id = "é".repeat(33);
    expect(collapseId(id)).toMatch(/^[0-9a-f]{64}$/);
    expect(collapseId(id)).toBe(collapseId(id));
    expect(collapseId(id)).not.toBe(collapseId("é".repeat(34)));
  });
});

describe("data.notificationId", () => {
  it("every message carries the notification id in data, whatever else data holds", () => {
    expect(build({ userId: "u1", title: "Hello" }, "n-7").data).toStrictEqual({ notificationId: "n-7" });
    expect(build({ userId: "u1", title: "Hello", data: { a: 1 } }, "n-8").data).toStrictEqual({ a: "1", notificationId: "n-8" });
  });

  it("notificationId is a reserved data key, in any case", () => {
    for (const key of ["notificationId", "NotificationID", "notificationid"]) {
      const parsed = parseNotification({ userId: "u1", title: "Hello", data: { [key]: "x" } });
      expect(parsed.ok ? [] : parsed.details).toEqual([{ path: `data.${key}`, message: `"${key}" is a reserved key` }]);
    }
  });
});
