// The inbox's client surface (issue 20): updateInbox and POST /v1/inbox (by ids, or all: true over
// more than one page), reportEvent and POST /v1/events (received / opened once, opened marks the
// entry read, engagement refreshed from the ledger at most once a minute), and their hostile inputs:
// another user's delivery, an unknown id, a wrong token answer `{ recorded: false }` and write nothing.
import { Timestamp } from "firebase-admin/firestore";
import { beforeAll, describe, expect, it } from "vitest";
import { countEngagement, refreshEngagement } from "../../src/inbox/engagement";
import { api, callFunction, createUser, db, startEarly, type TestUser, uniqueId, waitForDoc } from "../helpers/emulator";
import { sendNotification, sha256, waitForOutcome } from "../helpers/notifications";

const old = Timestamp.fromMillis(Date.UTC(2026, 0, 1));
const entry = (notificationId: string, extra: Record<string, unknown> = {}) => ({
  notificationId,
  title: "Seeded",
  createdAt: old,
  seenAt: null,
  readAt: null,
  archivedAt: null,
  expireAt: Timestamp.fromMillis(Date.now() + 86_400_000),
  ...extra,
});

async function seedEntries(uid: string, count: number, extra: Record<string, unknown> = {}) {
  const ids = Array.from({ length: count }, () => uniqueId("entry"));
  for (let i = 0; i < ids.length; i += 400) {
    const batch = db.batch();
    for (const id of ids.slice(i, i + 400)) batch.set(db.doc(`users/${uid}/inbox/${id}`), entry(id, extra));
    await batch.commit();
  }
  return ids;
}

const entryOf = async (uid: string, id: string) => (await db.doc(`users/${uid}/inbox/${id}`).get()).data()!;
const unreadCount = async (uid: string) => (await db.collection(`users/${uid}/inbox`).where("readAt", "==", null).count().get()).data().count;

// The reportEvent describe reports on one notification (reporter's); the engagement describe, last,
// checks the refresh its open scheduled for the end of the minute.
let reporter: TestUser;
let id: string;
let openedCounted: Promise<void>;
const token = uniqueId("events-token");
const deliveryPath = () => `notifications/${id}/deliveries/${sha256(token)}`;

describe("reportEvent and POST /v1/events", () => {
  let other: TestUser;
  beforeAll(async () => {
    [reporter, other] = await Promise.all([createUser(), createUser()]);
    await api("POST", "/v1/devices", { token: reporter.idToken, json: { token, type: "android" } });
    id = await sendNotification({ userId: reporter.uid, title: "Opens", inbox: true });
    expect((await waitForOutcome(id)).status).toBe("sent");
  });

  it("another user's report, an unknown notification, a wrong token: recorded false, nothing written", async () => {
    const before = (await db.doc(deliveryPath()).get()).updateTime!;
    const entryBefore = (await db.doc(`users/${reporter.uid}/inbox/${id}`).get()).updateTime!;
    const tries = [
      [other.idToken, { notificationId: id, event: "opened", token }],
      [reporter.idToken, { notificationId: uniqueId("unknown"), event: "opened", token }],
      [reporter.idToken, { notificationId: id, event: "opened", token: `${token}-wrong` }],
      [reporter.idToken, { notificationId: id, event: "opened", fid: "fid-of-nobody" }],
    ] as const;
    for (const [idToken, data] of tries) {
      expect((await callFunction("reportEvent", data, idToken)).body).toEqual({ result: { recorded: false } });
      const res = await api("POST", "/v1/events", { token: idToken, json: data });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ recorded: false });
    }
    expect((await db.doc(deliveryPath()).get()).updateTime!.isEqual(before)).toBe(true);
    expect((await db.doc(`users/${reporter.uid}/inbox/${id}`).get()).updateTime!.isEqual(entryBefore)).toBe(true);
    expect((await db.doc(`notifications/${id}`).get()).get("engagement")).toBeUndefined();
  });

  it("received is recorded once; the first report refreshes engagement from the ledger", async () => {
    expect((await callFunction("reportEvent", { notificationId: id, event: "received", token }, reporter.idToken)).body).toEqual({
      result: { recorded: true },
    });
    expect((await callFunction("reportEvent", { notificationId: id, event: "received", token }, reporter.idToken)).body).toEqual({
      result: { recorded: false },
    });
    const delivery = (await db.doc(deliveryPath()).get()).data()!;
    expect(delivery.receivedAt).toBeInstanceOf(Timestamp);
    expect(delivery.openedAt).toBeUndefined();
    expect((await db.doc(`notifications/${id}`).get()).get("engagement")).toMatchObject({ received: 1, opened: 0 });
  });

  it("opened is recorded once and marks the inbox entry read; engagement waits for the end of its minute", async () => {
    const res = await api("POST", "/v1/events", { token: reporter.idToken, json: { notificationId: id, event: "opened", token } });
    expect(res.body).toEqual({ recorded: true });
    expect((await api("POST", "/v1/events", { token: reporter.idToken, json: { notificationId: id, event: "opened", token } })).body).toEqual({
      recorded: false,
    });
    expect((await db.doc(deliveryPath()).get()).get("openedAt")).toBeInstanceOf(Timestamp);
    expect(await entryOf(reporter.uid, id)).toMatchObject({ readAt: expect.any(Timestamp), seenAt: expect.any(Timestamp) });
    // Refreshed less than a minute ago: this report did not write the notification, it scheduled a refresh.
    const first = (await db.doc(`notifications/${id}`).get()).get("engagement");
    expect(first).toMatchObject({ received: 1, opened: 0 });
    // The refresh comes at the end of the minute: awaited (and checked) in the last describe, so
    // that the updateInbox tests run while it waits.
    openedCounted = startEarly(async () => {
      const later = await waitForDoc(`notifications/${id}`, (n) => n.engagement?.opened === 1, 100_000);
      expect(later.engagement).toMatchObject({ received: 1, opened: 1 });
      expect(later.engagement.updatedAt.toMillis() - first.updatedAt.toMillis()).toBeGreaterThanOrEqual(60_000);
      expect(await countEngagement(db, id)).toEqual({ received: 1, opened: 1 });
    });
  });

  it.each([
    ["no event", { notificationId: "n", token: "t" }],
    ["an unknown event", { notificationId: "n", event: "clicked", token: "t" }],
    ["no token or fid", { notificationId: "n", event: "opened" }],
    ["both token and fid", { notificationId: "n", event: "opened", token: "t", fid: "f" }],
    ["a notification id with a slash", { notificationId: "n/deliveries/x", event: "opened", token: "t" }],
    ["an empty notification id", { notificationId: "", event: "opened", token: "t" }],
    ["a token with whitespace", { notificationId: "n", event: "opened", token: "a b" }],
    ["an unknown field", { notificationId: "n", event: "opened", token: "t", userId: "someone" }],
    ["a string instead of a map", "opened"],
  ])("refuses %s: invalid-argument / 400", async (_, data) => {
    expect((await callFunction("reportEvent", data, reporter.idToken)).body.error.status).toBe("INVALID_ARGUMENT");
    const res = await api("POST", "/v1/events", { token: reporter.idToken, json: data });
    expect(res.status).toBe(400);
  });

  it("refuses a caller without a valid ID token", async () => {
    expect((await callFunction("reportEvent", { notificationId: id, event: "opened", token })).body.error.status).toBe("UNAUTHENTICATED");
    expect((await api("POST", "/v1/events", { json: { notificationId: id, event: "opened", token } })).status).toBe(401);
  });
});

describe("updateInbox and POST /v1/inbox", () => {
  let user: TestUser;
  beforeAll(async () => {
    user = await createUser();
  });

  it("marks the named entries read (and seen), then unread; a repeat changes nothing", async () => {
    const [a, b, c] = await seedEntries(user.uid, 3);
    const first = await callFunction("updateInbox", { ids: [a, b, "no-such-entry"], set: "read" }, user.idToken);
    expect(first.body).toEqual({ result: { updated: 2 } });
    expect(await entryOf(user.uid, a!)).toMatchObject({ readAt: expect.any(Timestamp), seenAt: expect.any(Timestamp), archivedAt: null });
    expect((await entryOf(user.uid, c!)).readAt).toBeNull();
    expect((await callFunction("updateInbox", { ids: [a, b], set: "read" }, user.idToken)).body).toEqual({ result: { updated: 0 } });
    const unread = await api("POST", "/v1/inbox", { token: user.idToken, json: { ids: [a], set: "unread" } });
    expect(unread.status).toBe(200);
    expect(unread.body).toEqual({ updated: 1 });
    expect(await entryOf(user.uid, a!)).toMatchObject({ readAt: null, seenAt: expect.any(Timestamp) });
  });

  it("all: true pages through every entry (more than one page of 500)", async () => {
    const many = await createUser();
    await seedEntries(many.uid, 1100);
    const res = await api("POST", "/v1/inbox", { token: many.idToken, json: { all: true, set: "read" } });
    expect(res.body).toEqual({ updated: 1100 });
    expect(await unreadCount(many.uid)).toBe(0);
    const archived = await callFunction("updateInbox", { all: true, set: "archived" }, many.idToken);
    expect(archived.body).toEqual({ result: { updated: 1100 } });
    expect((await callFunction("updateInbox", { all: true, set: "unread" }, many.idToken)).body).toEqual({ result: { updated: 1100 } });
    expect(await unreadCount(many.uid)).toBe(1100);
  }, 120_000);

  it("never touches another user's entries, whatever ids are sent", async () => {
    const other = await createUser();
    const [theirs] = await seedEntries(other.uid, 1);
    expect((await callFunction("updateInbox", { ids: [theirs], set: "archived" }, user.idToken)).body).toEqual({ result: { updated: 0 } });
    expect((await entryOf(other.uid, theirs!)).archivedAt).toBeNull();
  });

  it.each([
    ["no set", { ids: ["a"] }],
    ["an unknown change", { ids: ["a"], set: "deleted" }],
    ["both ids and all", { ids: ["a"], all: true, set: "read" }],
    ["neither ids nor all", { set: "read" }],
    ["all: false", { all: false, set: "read" }],
    ["an empty list", { ids: [], set: "read" }],
    ["501 ids", { ids: Array.from({ length: 501 }, (_, i) => `n${i}`), set: "read" }],
    ["an id with a slash", { ids: ["a/b"], set: "read" }],
    ["an id that is not a string", { ids: [5], set: "read" }],
    ["an unknown field", { ids: ["a"], set: "read", uid: "someone-else" }],
    ["a list instead of a map", [{ ids: ["a"], set: "read" }]],
  ])("refuses %s: invalid-argument / 400", async (_, data) => {
    const callable = await callFunction("updateInbox", data, user.idToken);
    expect(callable.body.error.status).toBe("INVALID_ARGUMENT");
    const res = await api("POST", "/v1/inbox", { token: user.idToken, json: data });
    expect(res.status).toBe(400);
    expect(res.text).not.toMatch(/\bat .*\.(js|ts):\d+/);
  });

  it("refuses a caller without a valid ID token", async () => {
    expect((await callFunction("updateInbox", { all: true, set: "read" })).body.error.status).toBe("UNAUTHENTICATED");
    expect((await api("POST", "/v1/inbox", { token: "not-a-token", json: { all: true, set: "read" } })).status).toBe(401);
  });
});

describe("engagement, refreshed from the ledger at most once a minute", () => {
  it("counts the open reported above at the end of its minute", async () => {
    expect(openedCounted, "the open was reported").toBeDefined();
    await openedCounted;
  }, 120_000);

  it("a refresh within the minute does nothing; one after it recounts", async () => {
    const { updatedAt } = (await db.doc(`notifications/${id}`).get()).get("engagement");
    expect(await refreshEngagement(db, id, updatedAt.toMillis() + 30_000)).toBe(false);
    expect((await db.doc(`notifications/${id}`).get()).get("engagement.updatedAt").isEqual(updatedAt)).toBe(true);
    expect(await refreshEngagement(db, id, updatedAt.toMillis() + 60_000)).toBe(true);
  });

  it("concurrent refreshes write the notification once", async () => {
    const updatedAt = (await db.doc(`notifications/${id}`).get()).get("engagement.updatedAt").toMillis();
    const scheduled: number[] = [];
    const later = async (_: string, due: number) => void scheduled.push(due);
    const results = await Promise.all(Array.from({ length: 5 }, () => refreshEngagement(db, id, updatedAt + 120_000, later)));
    expect(results.filter(Boolean)).toHaveLength(1);
    // Every report that lost still leaves a refresh scheduled (its claim may have lost to a progress
    // write, not to a refresh), at most two distinct times: the round's due time, or a minute after the winner.
    expect(scheduled).toHaveLength(4);
    expect(new Set(scheduled).size).toBeLessThanOrEqual(2);
  });
});
