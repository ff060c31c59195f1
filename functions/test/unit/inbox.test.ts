// The inbox's pure parts: the request schemas of updateInbox and reportEvent (hostile shapes
// included), how an entry is made from a notification, and how the unread badge is set on a message.
import { describe, expect, it } from "vitest";
import { withBadge } from "../../src/inbox/badge";
import { newEntry } from "../../src/inbox/documents";
import { reportEventRequestSchema, updateInboxRequestSchema } from "../../src/inbox/schema";
import { buildMessage } from "../../src/notifications/message";
import { parseNotification } from "../../src/notifications/schema";

function valid(doc: unknown) {
  const parsed = parseNotification(doc);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.details));
  return parsed.value;
}

const paths = (result: { success: boolean; error?: { issues: Array<{ path: PropertyKey[] }> } }) =>
  result.success ? [] : result.error!.issues.map((i) => i.path.join("."));

describe("updateInbox requests", () => {
  it.each([
    [{ ids: ["a", "b"], set: "read" }],
    [{ all: true, set: "unread" }],
    [{ ids: Array.from({ length: 500 }, (_, i) => `n${i}`), set: "archived" }],
    [{ ids: ["é".repeat(750)], set: "seen" }],
  ])("accepts %j", (request) => {
    expect(updateInboxRequestSchema.safeParse(request).success).toBe(true);
  });

  it.each([
    ["neither ids nor all", { set: "read" }, ["ids"]],
    ["both", { ids: ["a"], all: true, set: "read" }, ["ids"]],
    ["all: false", { all: false, set: "read" }, ["all"]],
    ["501 ids", { ids: Array.from({ length: 501 }, (_, i) => `n${i}`), set: "read" }, ["ids"]],
    ["an id over 1500 bytes", { ids: ["é".repeat(751)], set: "read" }, ["ids.0"]],
    ["a path as an id", { ids: ["x/inbox/y"], set: "read" }, ["ids.0"]],
    ["a reserved id", { ids: ["__name__"], set: "read" }, ["ids.0"]],
    ["an unknown change", { ids: ["a"], set: "delete" }, ["set"]],
    ["an unknown field", { ids: ["a"], set: "read", uid: "other" }, [""]],
    ["a prototype key", JSON.parse('{"ids":["a"],"set":"read","__proto__":{"all":true}}'), [""]],
  ])("refuses %s", (_, request, expected) => {
    expect(paths(updateInboxRequestSchema.safeParse(request))).toEqual(expected);
  });
});

describe("reportEvent requests", () => {
  it("takes a token or an FID, not both, not neither", () => {
    expect(reportEventRequestSchema.safeParse({ notificationId: "n", event: "opened", token: "t" }).success).toBe(true);
    expect(reportEventRequestSchema.safeParse({ notificationId: "n", event: "received", fid: "f" }).success).toBe(true);
    expect(paths(reportEventRequestSchema.safeParse({ notificationId: "n", event: "opened", token: "t", fid: "f" }))).toEqual(["token"]);
    expect(paths(reportEventRequestSchema.safeParse({ notificationId: "n", event: "opened" }))).toEqual(["token"]);
  });

  it.each([
    ["an unknown event", { notificationId: "n", event: "clicked", token: "t" }, ["event"]],
    ["a token that is an FID in disguise", { notificationId: "n", event: "opened", token: "fid:x" }, ["token"]],
    ["a notification id that is a path", { notificationId: "n/deliveries/d", event: "opened", token: "t" }, ["notificationId"]],
    ["a number as id", { notificationId: 7, event: "opened", token: "t" }, ["notificationId"]],
    ["a userId smuggled in", { notificationId: "n", event: "opened", token: "t", userId: "victim" }, [""]],
  ])("refuses %s", (_, request, expected) => {
    expect(paths(reportEventRequestSchema.safeParse(request))).toEqual(expected);
  });
});

describe("entries", () => {
  it("copies the content fields the notification sets, unread, expiring after the retention", () => {
    const n = valid({ userId: "u", title: "T", body: "B", data: { a: 1 }, inbox: true, translations: { fr: { title: "Tf" } } });
    const entry = newEntry("n1", n, Date.UTC(2026, 0, 1), 90);
    expect(entry).toMatchObject({ notificationId: "n1", title: "T", body: "B", data: { a: 1 }, translations: { fr: { title: "Tf" } } });
    expect(entry).toMatchObject({ seenAt: null, readAt: null, archivedAt: null });
    expect(entry).not.toHaveProperty("imageUrl");
    expect(entry).not.toHaveProperty("userId");
    expect(entry.expireAt.toMillis() - entry.createdAt.toMillis()).toBe(90 * 24 * 60 * 60 * 1000);
  });
});

describe('apns.badge "unread"', () => {
  it("is valid only with inbox: true, and never sent as a string", () => {
    expect(parseNotification({ userId: "u", title: "T", inbox: true, apns: { badge: "unread" } }).ok).toBe(true);
    const without = parseNotification({ userId: "u", title: "T", apns: { badge: "unread" } });
    expect(without.ok ? [] : without.details.map((d) => d.path)).toEqual(["apns.badge"]);
    expect(parseNotification({ userId: "u", title: "T", inbox: true, apns: { badge: "Unread" } }).ok).toBe(false);
    const message = buildMessage("n", valid({ userId: "u", title: "T", inbox: true, apns: { badge: "unread", sound: "ping" } }), { token: "t" }, new Date());
    expect(message.apns?.payload?.aps).toEqual({ sound: "ping" });
    const badged = withBadge(message, 4);
    expect(badged.apns?.payload?.aps).toEqual({ sound: "ping", badge: 4 });
    expect(message.apns?.payload?.aps).toEqual({ sound: "ping" });
    expect(withBadge(message, undefined)).toBe(message);
  });
});
