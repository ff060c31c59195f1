// The notification document rules of CONTRACT.md §1, one case per rule, with the exact field paths.
import { Timestamp } from "firebase-admin/firestore";
import { describe, expect, it } from "vitest";
import { ID_RESERVE, payloadParts } from "../../src/notifications/payload.js";
import {
  audienceOf,
  MAX_PAYLOAD_BYTES,
  type NotificationInput,
  notificationSchema,
  OUTPUT_FIELDS,
  parseNotification,
  recipientsOf,
} from "../../src/notifications/schema.js";

/** The creation time the 365-day limit of sendAt is measured from. */
const NOW = Date.UTC(2026, 10, 28, 12, 0, 0);
const MINIMAL = { userId: "u1", title: "Hello" };
const IMAGE = "https://cdn.example.com/img/sale.png";

const MAXIMAL = {
  userIds: ["u1", "u2", "u3"],
  title: "Summer sale",
  body: "Everything 50% off until Sunday",
  imageUrl: IMAGE,
  data: { orderId: "o-42", count: 3, ratio: 0.5, vip: true, imageUrl: "https://cdn.example.com/custom.png" },
  link: "https://shop.example.com/sale?ref=push#top",
  collapseKey: "summer-sale",
  ttlSeconds: 3600,
  priority: "normal",
  android: { channelId: "promos", sound: "chime", color: "#FF8800", tag: "sale", clickAction: "OPEN_SALE" },
  apns: { sound: "chime.caf", badge: 0, category: "SALE", threadId: "promos" },
  analyticsLabel: "summer_sale-2025.v1~%",
  dryRun: true,
  category: "promotions",
  critical: true,
};

function details(doc: unknown) {
  const result = parseNotification(doc, { now: NOW });
  if (result.ok) throw new Error(`expected ${JSON.stringify(doc)} to be invalid`);
  return result.details;
}

function paths(doc: unknown): string[] {
  return details(doc).map((d) => d.path);
}

function valid(doc: unknown): NotificationInput {
  const result = parseNotification(doc, { now: NOW });
  if (!result.ok) throw new Error(`expected valid, got ${JSON.stringify(result.details)}`);
  return result.value;
}

const withMinimal = (patch: Record<string, unknown>) => ({ ...MINIMAL, ...patch });

describe("valid documents", () => {
  it("accepts a minimal document and defaults priority to high", () => {
    expect(valid(MINIMAL)).toStrictEqual({ userId: "u1", title: "Hello", priority: "high" });
  });

  it("accepts a document using every field, unchanged", () => {
    expect(valid(MAXIMAL)).toStrictEqual(MAXIMAL);
  });

  it.each([
    ["a 500-recipient list", { userId: undefined, userIds: Array.from({ length: 500 }, (_, i) => `u${i}`) }],
    ["a 128-char uid", { userId: "u".repeat(128) }],
    ["ttlSeconds 0", { ttlSeconds: 0 }],
    ["ttlSeconds 2419200", { ttlSeconds: 2_419_200 }],
    ["a 50-char analyticsLabel", { analyticsLabel: "a".repeat(50) }],
    ["a 64-char collapseKey", { collapseKey: "k".repeat(64) }],
    ["an empty body", { body: "" }],
    ["apns.badge 0", { apns: { badge: 0 } }],
    ["a lowercase #rrggbb color", { android: { color: "#a1b2c3" } }],
    ["an image URL with a query and percent-encoding", { imageUrl: "https://cdn.example.com/a%20b.png?w=200&h=100" }],
    ["an image URL on an IPv6 host", { imageUrl: "https://[2001:db8::1]/a.png" }],
    ["negative and fractional data numbers", { data: { a: -1, b: 2.5 } }],
    ["an empty data map", { data: {} }],
  ])("accepts %s", (_, patch) => {
    const doc = JSON.parse(JSON.stringify(withMinimal(patch)));
    expect(parseNotification(doc, { now: NOW })).toMatchObject({ ok: true });
  });

  it("accepts a 2048-char image URL field by itself (the payload check is separate)", () => {
    const url = `https://cdn.example.com/${"a".repeat(2048 - 24)}`;
    expect(url).toHaveLength(2048);
    expect(notificationSchema.safeParse(withMinimal({ imageUrl: url })).success).toBe(true);
  });
});

describe("invalid documents: one problem each, with its path", () => {
  it.each<[string, Record<string, unknown>, string[], RegExp]>([
    ["the imageURL typo", { imageURL: IMAGE }, ["imageURL"], /^unknown field$/],
    ["an unknown top-level field", { recipients: ["u1"] }, ["recipients"], /^unknown field$/],
    ["an http:// image", { imageUrl: "http://cdn.example.com/a.png" }, ["imageUrl"], /https:\/\//],
    ["a 2049-char image URL", { imageUrl: `https://cdn.example.com/${"a".repeat(2049 - 24)}` }, ["imageUrl"], /2048/],
    ["a non-URL image", { imageUrl: "not a url" }, ["imageUrl"], /https:\/\//],
    ["an image URL with a space", { imageUrl: "https://cdn.example.com/a b.png" }, ["imageUrl"], /URL characters/],
    ["an image URL with non-ASCII", { imageUrl: "https://cdn.example.com/café.png" }, ["imageUrl"], /URL characters/],
    ["an image URL that is not a string", { imageUrl: 42 }, ["imageUrl"], /string/],
    ["an http:// link", { link: "http://example.com" }, ["link"], /https:\/\//],
    ["a 2049-char link", { link: `https://example.com/${"a".repeat(2049 - 20)}` }, ["link"], /2048/],
    ["a nested data map", { data: { meta: { a: "b" } } }, ["data.meta"], /nested maps/],
    ["a data array value", { data: { tags: ["a", "b"] } }, ["data.tags"], /arrays/],
    ["data itself an array", { data: ["a"] }, ["data"], /map/],
    ["data itself a string", { data: "a=b" }, ["data"], /map/],
    ["a data null value", { data: { x: null } }, ["data.x"], /null/],
    ["reserved data key from", { data: { from: "x" } }, ["data.from"], /reserved/],
    ["reserved data key notification", { data: { notification: "x" } }, ["data.notification"], /reserved/],
    ["reserved data key message_type", { data: { message_type: "x" } }, ["data.message_type"], /reserved/],
    ["reserved data key collapse_key", { data: { collapse_key: "x" } }, ["data.collapse_key"], /reserved/],
    ["reserved data prefix google", { data: { "google.x": "x" } }, ["data.google.x"], /"google"/],
    ["reserved data prefix gcm", { data: { "gcm.y": "y" } }, ["data.gcm.y"], /"gcm"/],
    ["reserved data prefix in another case", { data: { GoogleAnalytics: "x" } }, ["data.GoogleAnalytics"], /"google"/],
    ["reserved data key in another case", { data: { From: "x" } }, ["data.From"], /reserved/],
    ["an empty data key", { data: { "": "x" } }, ["data"], /empty/],
    ["a lone surrogate in a data value", { data: { x: "\ud800" } }, ["data.x"], /Unicode/],
    ["both userId and userIds", { userIds: ["u2"] }, ["userId", "userIds"], /exactly one audience/],
    ["neither userId nor userIds", { userId: undefined }, [""], /audience is required/],
    ["a topic next to userId", { topic: "sports" }, ["userId", "topic"], /exactly one audience; topic is set too|userId is set too/],
    ["broadcast next to userId", { broadcast: true }, ["userId", "broadcast"], /exactly one audience/],
    ["broadcast false", { userId: undefined, broadcast: false }, ["broadcast"], /must be true/],
    ["a category with a space", { category: "daily news" }, ["category"], /a-z A-Z 0-9/],
    ["an empty category", { category: "" }, ["category"], /empty/],
    ["a category over 64 characters", { category: "c".repeat(65) }, ["category"], /64/],
    ["a category that is not a string", { category: ["promo"] }, ["category"], /string/],
    ["critical false", { critical: false }, ["critical"], /only be true/],
    ["critical as a string", { critical: "yes" }, ["critical"], /only be true/],
    ["broadcast as a string", { userId: undefined, broadcast: "true" }, ["broadcast"], /must be true/],
    ["an empty topic", { userId: undefined, topic: "" }, ["topic"], /empty/],
    ["a topic with a space", { userId: undefined, topic: "breaking news" }, ["topic"], /a-z A-Z 0-9 - _ \. ~ %/],
    ["a topic with a slash", { userId: undefined, topic: "/topics/news" }, ["topic"], /a-z A-Z 0-9/],
    ["a 65-char topic", { userId: undefined, topic: "t".repeat(65) }, ["topic"], /64/],
    ["a topic that is not a string", { userId: undefined, topic: ["news"] }, ["topic"], /string/],
    ["empty platforms", { platforms: [] }, ["platforms"], /at least one/],
    ["an unknown platform", { platforms: ["ios", "windows"] }, ["platforms[1]"], /ios, android, web/],
    ["a repeated platform", { platforms: ["ios", "web", "ios"] }, ["platforms[2]"], /duplicate/],
    ["platforms as a string", { platforms: "ios" }, ["platforms"], /list/],
    ["sendAt as an ISO string", { sendAt: "2026-12-01T09:00:00Z" }, ["sendAt"], /not a string: write Timestamp\.fromDate/],
    ["sendAt as a number", { sendAt: 1764579600000 }, ["sendAt"], /Firestore timestamp/],
    ["sendAt as a map", { sendAt: { seconds: 1 } }, ["sendAt"], /Firestore timestamp/],
    ["localTime 25:00", { localTime: "25:00" }, ["localTime"], /"HH:MM"/],
    ["localTime 9:00", { localTime: "9:00" }, ["localTime"], /two digits/],
    ["localTime 09:60", { localTime: "09:60" }, ["localTime"], /"HH:MM"/],
    ["localTime with seconds", { localTime: "09:00:00" }, ["localTime"], /"HH:MM"/],
    ["localTime as a number", { localTime: 900 }, ["localTime"], /string/],
    ["cancelled false", { cancelled: false }, ["cancelled"], /can only be true/],
    ["cancelled as a string", { cancelled: "yes" }, ["cancelled"], /can only be true/],
    ["empty userIds", { userId: undefined, userIds: [] }, ["userIds"], /at least 1/],
    ["501 userIds", { userId: undefined, userIds: Array.from({ length: 501 }, (_, i) => `u${i}`) }, ["userIds"], /500/],
    ["userIds not a list", { userId: undefined, userIds: "u1,u2" }, ["userIds"], /list/],
    ["a non-string uid", { userId: undefined, userIds: ["u1", 7] }, ["userIds[1]"], /string/],
    ["a uid with /", { userId: "a/b" }, ["userId"], /'\/'/],
    ["a uid with / in userIds", { userId: undefined, userIds: ["u1", "a/b"] }, ["userIds[1]"], /'\/'/],
    ["the uid .", { userId: "." }, ["userId"], /'\.'/],
    ["the uid ..", { userId: ".." }, ["userId"], /'\.\.'/],
    ["an empty uid", { userId: "" }, ["userId"], /empty/],
    ["a 129-char uid", { userId: "u".repeat(129) }, ["userId"], /128/],
    ["a __reserved__ uid", { userId: "__name__" }, ["userId"], /reserved/],
    ["a uid with a lone surrogate", { userId: "u\udc00" }, ["userId"], /Unicode/],
    ["an empty title", { title: "" }, ["title"], /empty/],
    ["a blank title", { title: "   " }, ["title"], /blank/],
    ["a missing title", { title: undefined }, ["title"], /required/],
    ["a non-string title", { title: 5 }, ["title"], /string/],
    ["a body that is not a string", { body: ["a"] }, ["body"], /string/],
    ["an empty collapseKey", { collapseKey: "" }, ["collapseKey"], /empty/],
    ["a 65-char collapseKey", { collapseKey: "k".repeat(65) }, ["collapseKey"], /64/],
    ["ttlSeconds -1", { ttlSeconds: -1 }, ["ttlSeconds"], /between 0 and 2419200/],
    ["ttlSeconds 2419201", { ttlSeconds: 2_419_201 }, ["ttlSeconds"], /between 0 and 2419200/],
    ["ttlSeconds 1.5", { ttlSeconds: 1.5 }, ["ttlSeconds"], /integer/],
    ["ttlSeconds as a string", { ttlSeconds: "60" }, ["ttlSeconds"], /number/],
    ["priority urgent", { priority: "urgent" }, ["priority"], /"high" or "normal"/],
    ["android.color red", { android: { color: "red" } }, ["android.color"], /#rrggbb/],
    ["android.color #fff", { android: { color: "#fff" } }, ["android.color"], /#rrggbb/],
    ["an android unknown key", { android: { icon: "ic_sale" } }, ["android.icon"], /^unknown field$/],
    ["an empty android.channelId", { android: { channelId: "" } }, ["android.channelId"], /empty/],
    ["android not a map", { android: "high" }, ["android"], /map/],
    ["apns.badge -1", { apns: { badge: -1 } }, ["apns.badge"], /0 or more/],
    ["apns.badge 1.2", { apns: { badge: 1.2 } }, ["apns.badge"], /integer/],
    ["an apns unknown key", { apns: { alert: "x" } }, ["apns.alert"], /^unknown field$/],
    ["analyticsLabel with a space", { analyticsLabel: "summer sale" }, ["analyticsLabel"], /a-z A-Z 0-9/],
    ["a 51-char analyticsLabel", { analyticsLabel: "a".repeat(51) }, ["analyticsLabel"], /50/],
    ["dryRun yes", { dryRun: "yes" }, ["dryRun"], /true or false/],
  ])("rejects %s", (_, patch, expectedPaths, message) => {
    const found = details(withMinimal(patch));
    expect(found.map((d) => d.path)).toStrictEqual(expectedPaths);
    for (const d of found) expect(d.message).toMatch(message);
  });

  it("reports every duplicate uid at the index of the repeat", () => {
    expect(paths({ title: "t", userIds: ["a", "b", "a", "c", "b", "a"] })).toStrictEqual(["userIds[2]", "userIds[4]", "userIds[5]"]);
  });

  it.each([
    ["null", null],
    ["an array", [MINIMAL]],
    ["a string", "hello"],
    ["a number", 42],
    ["undefined", undefined],
  ])("rejects a document that is %s, at the root", (_, doc) => {
    expect(details(doc)).toStrictEqual([{ path: "", message: "notification must be a map" }]);
  });
});

describe("payload size", () => {
  // The JSON FCM counts for a title-only document with an empty body: everything but the body text.
  // data.notificationId is counted too, as at least ID_RESERVE characters (a Firestore auto-id).
  const overhead = Buffer.byteLength(JSON.stringify({ notification: { title: "Hello", body: "" }, data: { notificationId: "x".repeat(ID_RESERVE) } }));

  it("rejects a 5000-char body although each field alone is valid", () => {
    const doc = withMinimal({ body: "x".repeat(5000) });
    expect(notificationSchema.safeParse(doc).success).toBe(true);
    const found = details(doc);
    expect(found).toHaveLength(1);
    expect(found[0].path).toBe("");
    expect(found[0].message).toContain(`${overhead + 5000} bytes`);
    expect(found[0].message).toContain("4096 bytes");
  });

  it("accepts a payload of exactly 4096 bytes and rejects one byte more", () => {
    const fits = MAX_PAYLOAD_BYTES - overhead;
    expect(parseNotification(withMinimal({ body: "x".repeat(fits) }), { now: NOW }).ok).toBe(true);
    expect(paths(withMinimal({ body: "x".repeat(fits + 1) }))).toStrictEqual([""]);
  });

  it("counts data.notificationId as the real id when it is longer than an auto-id", () => {
    const fits = MAX_PAYLOAD_BYTES - overhead;
    const doc = withMinimal({ body: "x".repeat(fits) });
    expect(parseNotification(doc, { now: NOW, notificationId: "short" }).ok).toBe(true);
    expect(parseNotification(doc, { now: NOW, notificationId: "y".repeat(ID_RESERVE) }).ok).toBe(true);
    expect(parseNotification(doc, { now: NOW, notificationId: "y".repeat(ID_RESERVE + 1) }).ok).toBe(false);
  });

  it("counts bytes, not characters", () => {
    // 1500 characters, 4500 bytes in UTF-8.
    expect(paths(withMinimal({ body: "€".repeat(1500) }))).toStrictEqual([""]);
    expect(parseNotification(withMinimal({ body: "x".repeat(1500) }), { now: NOW }).ok).toBe(true);
  });

  it("counts the image twice (notification image and data.imageUrl)", () => {
    const url = `https://cdn.example.com/${"a".repeat(2000)}`;
    expect(paths(withMinimal({ imageUrl: url }))).toStrictEqual([""]);
  });

  it("counts data values", () => {
    expect(paths(withMinimal({ data: { a: "x".repeat(2100), b: "y".repeat(2100) } }))).toStrictEqual([""]);
  });
});

describe("several problems at once", () => {
  it("reports every problem in one list", () => {
    const doc = {
      userId: "a/b",
      userIds: ["u1", "u1"],
      title: "",
      imageURL: IMAGE,
      imageUrl: "http://x.example.com/a.png",
      data: { from: "me", nested: { a: 1 } },
      ttlSeconds: 1.5,
      priority: "urgent",
      android: { color: "#fff", icon: "x" },
      apns: { badge: -1 },
      analyticsLabel: "a b",
      dryRun: "yes",
    };
    expect(paths(doc).sort()).toStrictEqual(
      [
        // userId and userIds: each breaks its own rule, and the two together break "one audience".
        "userIds",
        "userId",
        "userId",
        "userIds[1]",
        "title",
        "imageURL",
        "imageUrl",
        "data.from",
        "data.nested",
        "ttlSeconds",
        "priority",
        "android.color",
        "android.icon",
        "apns.badge",
        "analyticsLabel",
        "dryRun",
      ].sort(),
    );
  });
});

describe("output fields", () => {
  const outputs = {
    status: "sent",
    stats: { recipients: 1, devices: 2, sent: 2, failed: 0, removed: 0 },
    error: { code: "x", message: "y" },
    attempts: 1,
    startedAt: new Date(0),
    completedAt: new Date(1),
    lease: { owner: "run-1", until: new Date(2) },
    progress: { devicesPlanned: 1, devicesDone: 1, shards: 1, shardsDone: 1, updatedAt: new Date(3) },
    createdAt: new Date(0),
    plan: { complete: true, shards: 1, devices: 2 },
    dueAt: new Date(4),
    halt: { code: "x", message: "y" },
    checkAt: new Date(0),
    engagement: { received: 1, opened: 0, updatedAt: new Date(0) },
  };

  it("names exactly the fields the backend writes", () => {
    expect([...OUTPUT_FIELDS]).toStrictEqual([
      "status",
      "stats",
      "progress",
      "error",
      "attempts",
      "startedAt",
      "completedAt",
      "createdAt",
      "lease",
      "plan",
      "dueAt",
      "halt",
      "checkAt",
      "engagement",
    ]);
  });

  it("ignores them in a document the trigger already updated", () => {
    expect(Object.keys(outputs).sort()).toStrictEqual([...OUTPUT_FIELDS].sort());
    expect(valid({ ...MINIMAL, ...outputs })).toStrictEqual({ userId: "u1", title: "Hello", priority: "high" });
  });

  it("still rejects unknown fields next to them", () => {
    expect(paths({ ...MINIMAL, ...outputs, state: "sent" })).toStrictEqual(["state"]);
  });

  it("does not modify the caller's document", () => {
    const doc = { ...MINIMAL, status: "processing" };
    valid(doc);
    expect(doc).toStrictEqual({ userId: "u1", title: "Hello", status: "processing" });
  });
});

describe("recipientsOf", () => {
  it("returns the single userId as a list", () => {
    expect(recipientsOf(valid(MINIMAL))).toStrictEqual(["u1"]);
  });

  it("returns userIds in order", () => {
    expect(recipientsOf(valid({ title: "t", userIds: ["u3", "u1", "u2"] }))).toStrictEqual(["u3", "u1", "u2"]);
  });
});

describe("audiences, schedules and cancellation", () => {
  const at = (ms: number) => Timestamp.fromMillis(ms);
  const DAY = 24 * 60 * 60 * 1000;

  it.each([
    ["a topic", { title: "t", topic: "sports" }, { kind: "topic", topic: "sports" }],
    ["a topic with every allowed character", { title: "t", topic: "aZ09-_.~%" }, { kind: "topic", topic: "aZ09-_.~%" }],
    ["everyone", { title: "t", broadcast: true }, { kind: "broadcast" }],
    ["listed users", { title: "t", userIds: ["a", "b"] }, { kind: "users", userIds: ["a", "b"] }],
    ["one user", { title: "t", userId: "a" }, { kind: "users", userIds: ["a"] }],
  ])("accepts %s as the audience", (_, doc, audience) => {
    expect(audienceOf(valid(doc))).toStrictEqual(audience);
  });

  it("accepts a platform filter with any audience", () => {
    expect(valid({ title: "t", broadcast: true, platforms: ["ios", "android"] }).platforms).toStrictEqual(["ios", "android"]);
    expect(valid({ title: "t", userId: "u", platforms: ["web"] }).platforms).toStrictEqual(["web"]);
  });

  it("accepts sendAt from either SDK's Timestamp, localTime and cancelled", () => {
    const webTimestamp = { seconds: 1764579600, nanoseconds: 0, toMillis: () => 1764579600000, toDate: () => new Date(1764579600000) };
    expect(valid({ title: "t", topic: "x", sendAt: webTimestamp }).sendAt).toBe(webTimestamp);
    expect(valid({ title: "t", topic: "x", sendAt: at(NOW + DAY), localTime: "09:00" }).localTime).toBe("09:00");
    expect(valid({ title: "t", topic: "x", cancelled: true }).cancelled).toBe(true);
  });

  it("takes sendAt up to 365 days ahead of creation, and a past one (meaning now)", () => {
    expect(parseNotification({ title: "t", topic: "x", sendAt: at(NOW + 365 * DAY) }, { now: NOW }).ok).toBe(true);
    expect(parseNotification({ title: "t", topic: "x", sendAt: at(NOW - 5 * DAY) }, { now: NOW }).ok).toBe(true);
    expect(details({ title: "t", topic: "x", sendAt: at(NOW + 365 * DAY + 1) })).toStrictEqual([{ path: "sendAt", message: "must be at most 365 days ahead" }]);
  });
});

describe("payloadParts", () => {
  it("is what the message carries as notification and data", () => {
    expect(
      payloadParts({ title: "T", body: "B", imageUrl: IMAGE, link: "https://x.example/", data: { n: 1, imageUrl: "https://o.example/i.png" } }),
    ).toStrictEqual({
      notification: { title: "T", body: "B", imageUrl: IMAGE },
      data: { imageUrl: "https://o.example/i.png", link: "https://x.example/", n: "1" },
    });
    expect(payloadParts({ title: "T" })).toStrictEqual({ notification: { title: "T" } });
  });
});
