// registerDevice / unregisterDevice called over HTTP as the Firebase client SDKs do.
import { Timestamp } from "firebase-admin/firestore";
import { beforeEach, describe, expect, it } from "vitest";
import { registerDevice } from "../../src/devices/registry";
import { countOperations, installCounting } from "../../tools/bench/counting";
import { deviceDocument } from "../../tools/bench/seed";
import { adminAuth, callFunction, createUser, db, type TestUser, uniqueId, waitFor } from "../helpers/emulator";
import { deviceIdsOf as deviceIds, expectRecordsInStep, indexedDeviceIds, seedDevices, sha256, tokenOwner } from "../helpers/notifications";

const devicePath = (uid: string, token: string) => `users/${uid}/devices/${sha256(token)}`;
const register = (user: TestUser, data: unknown) => callFunction("registerDevice", data, user.idToken);

describe("registerDevice", () => {
  let user: TestUser;
  beforeEach(async () => {
    user = await createUser();
  });

  it("creates the device with every contract field and answers { deviceId, created: true }", async () => {
    const token = uniqueId("fcm-token");
    const res = await register(user, {
      token,
      type: "ios",
      name: "Jimbo's iPhone",
      appVersion: "1.2.3",
      locale: "en-GB",
      timezone: "Europe/London",
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ result: { deviceId: sha256(token), created: true } });

    const doc = (await db.doc(devicePath(user.uid, token)).get()).data()!;
    expect(doc).toMatchObject({
      token,
      deviceId: sha256(token),
      userId: user.uid,
      type: "ios",
      name: "Jimbo's iPhone",
      active: true,
      appVersion: "1.2.3",
      locale: "en-GB",
      timezone: "Europe/London",
    });
    for (const field of ["createdAt", "updatedAt", "lastSeenAt"]) expect(doc[field]).toBeInstanceOf(Timestamp);
    expect(Math.abs(doc.lastSeenAt.toMillis() - Date.now())).toBeLessThan(60_000);
    // The records registration reads instead of querying: the token's owner and the user's index.
    expect(await tokenOwner(token)).toBe(user.uid);
    expect(await indexedDeviceIds(user.uid)).toEqual([sha256(token)]);
  });

  it("stores optional facts as null when they are not given", async () => {
    const token = uniqueId("fcm-token");
    await register(user, { token, type: "web" });
    const doc = (await db.doc(devicePath(user.uid, token)).get()).data()!;
    expect(doc).toMatchObject({ name: null, appVersion: null, locale: null, timezone: null, active: true });
  });

  it("updates on a second registration: created false, lastSeenAt refreshed, createdAt kept, omitted fields kept", async () => {
    const token = uniqueId("fcm-token");
    await register(user, { token, type: "android", name: "Pixel", locale: "de-DE" });
    const before = (await db.doc(devicePath(user.uid, token)).get()).data()!;
    await new Promise((r) => setTimeout(r, 20));
    const res = await register(user, { token, type: "android", appVersion: "2.0.0" });
    expect(res.body).toEqual({ result: { deviceId: sha256(token), created: false } });
    const after = (await db.doc(devicePath(user.uid, token)).get()).data()!;
    expect(after.createdAt.isEqual(before.createdAt)).toBe(true);
    expect(after.lastSeenAt.toMillis()).toBeGreaterThan(before.lastSeenAt.toMillis());
    expect(after).toMatchObject({ name: "Pixel", locale: "de-DE", appVersion: "2.0.0" });
  });

  it("refreshes a known device without rewriting its owner record or the user's index", async () => {
    const token = uniqueId("fcm-token");
    await register(user, { token, type: "android" });
    const records = [db.doc(`tokenOwners/${sha256(token)}`), db.doc(`users/${user.uid}`)];
    const before = await Promise.all(records.map((r) => r.get()));
    const res = await register(user, { token, type: "android", name: "Pixel 9" });
    expect(res.body).toEqual({ result: { deviceId: sha256(token), created: false } });
    const after = await Promise.all(records.map((r) => r.get()));
    after.forEach((snap, i) => expect(snap.updateTime!.isEqual(before[i]!.updateTime!), snap.ref.path).toBe(true));
    expect((await db.doc(devicePath(user.uid, token)).get()).get("name")).toBe("Pixel 9");
  });

  it("clears an optional field sent as null", async () => {
    const token = uniqueId("fcm-token");
    await register(user, { token, type: "android", name: "Pixel" });
    await register(user, { token, type: "android", name: null });
    expect((await db.doc(devicePath(user.uid, token)).get()).get("name")).toBeNull();
  });

  it("is idempotent: the same registration 10 times at once leaves exactly one device", async () => {
    const token = uniqueId("fcm-token");
    const results = await Promise.all(Array.from({ length: 10 }, () => register(user, { token, type: "ios" })));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(results.filter((r) => r.body.result.created === true)).toHaveLength(1);
    expect(await deviceIds(user.uid)).toEqual([sha256(token)]);
  });

  it("moves a token to the user who registers it last (shared device, logout/login)", async () => {
    const other = await createUser();
    const token = uniqueId("shared-token");
    await register(user, { token, type: "android" });
    const res = await register(other, { token, type: "android" });
    expect(res.body.result).toEqual({ deviceId: sha256(token), created: true });
    expect(await deviceIds(user.uid)).toEqual([]);
    expect(await deviceIds(other.uid)).toEqual([sha256(token)]);
    const holders = await db.collectionGroup("devices").where("deviceId", "==", sha256(token)).get();
    expect(holders.docs.map((d) => d.get("userId"))).toEqual([other.uid]);
    expect(await tokenOwner(token)).toBe(other.uid);
    await expectRecordsInStep(user.uid);
    await expectRecordsInStep(other.uid);
  });

  it("gives a token registered by several users at once to exactly one of them", async () => {
    const users = [user, ...(await Promise.all(Array.from({ length: 4 }, () => createUser())))];
    const token = uniqueId("contested-token");
    const results = await Promise.all(users.map((u) => register(u, { token, type: "android" })));
    expect(results.map((r) => r.status)).toEqual(Array(users.length).fill(200));
    const holders = await db.collectionGroup("devices").where("deviceId", "==", sha256(token)).get();
    expect(holders.size).toBe(1);
    expect(await tokenOwner(token)).toBe(holders.docs[0]!.get("userId"));
    for (const u of users) await expectRecordsInStep(u.uid);
  });

  it("removes the previous token named in replaces (token refresh)", async () => {
    const oldToken = uniqueId("old-token");
    const newToken = uniqueId("new-token");
    const keep = uniqueId("other-device");
    await register(user, { token: oldToken, type: "ios" });
    await register(user, { token: keep, type: "web" });
    const res = await register(user, { token: newToken, type: "ios", replaces: oldToken });
    expect(res.body.result).toEqual({ deviceId: sha256(newToken), created: true });
    expect(await deviceIds(user.uid)).toEqual([sha256(newToken), sha256(keep)].sort());
    expect(await tokenOwner(oldToken)).toBeUndefined();
    await expectRecordsInStep(user.uid);
  });

  it("never removes another user's device through replaces", async () => {
    const other = await createUser();
    const theirs = uniqueId("their-token");
    await register(other, { token: theirs, type: "ios" });
    await register(user, { token: uniqueId("mine"), type: "ios", replaces: theirs });
    expect(await deviceIds(other.uid)).toEqual([sha256(theirs)]);
  });

  it("evicts the least recently seen device beyond the cap of 20, and never fails for it", async () => {
    const tokens = Array.from({ length: 20 }, (_, i) => `${uniqueId("cap")}-${i}`);
    const seen = (i: number) => new Date(Date.UTC(2026, 0, 1) + i * 60_000);
    const batch = db.batch();
    tokens.forEach((token, i) =>
      // device 7 is the least recently seen
      batch.set(db.doc(devicePath(user.uid, token)), deviceDocument({ uid: user.uid, token, lastSeenAt: i === 7 ? new Date(Date.UTC(2025, 0, 1)) : seen(i) })),
    );
    await batch.commit();
    const newcomer = uniqueId("newcomer");
    const res = await register(user, { token: newcomer, type: "ios" });
    expect(res.status).toBe(200);
    const ids = await deviceIds(user.uid);
    expect(ids).toHaveLength(20);
    expect(ids).toContain(sha256(newcomer));
    expect(ids).not.toContain(sha256(tokens[7]!));
    // Devices stored without an index (written before it existed): registration rebuilt it.
    expect(await indexedDeviceIds(user.uid)).toEqual(ids);
  });

  it("evicts by the index's count too, with the evicted device's owner record", async () => {
    const seen = (i: number) => new Date(Date.UTC(2026, 0, 1) + i * 60_000);
    const tokens = Array.from({ length: 20 }, (_, i) => `${uniqueId("capped")}-${i}`);
    await seedDevices(tokens.map((token, i) => ({ uid: user.uid, token, lastSeenAt: seen(i === 3 ? -100 : i) })));
    const newcomer = uniqueId("newcomer");
    expect((await register(user, { token: newcomer, type: "web" })).body.result).toEqual({ deviceId: sha256(newcomer), created: true });
    const ids = await deviceIds(user.uid);
    expect(ids).toHaveLength(20);
    expect(ids).toContain(sha256(newcomer));
    expect(ids).not.toContain(sha256(tokens[3]!));
    expect(await tokenOwner(tokens[3]!)).toBeUndefined();
    await expectRecordsInStep(user.uid);
  });

  it("does not evict for index entries whose device no longer exists, and drops them", async () => {
    const tokens = Array.from({ length: 19 }, (_, i) => `${uniqueId("real")}-${i}`);
    await seedDevices(tokens.map((token) => ({ uid: user.uid, token })));
    // An entry left behind, e.g. by a device deleted by hand in the console.
    await db.doc(`users/${user.uid}`).set({ deviceIds: { ["f".repeat(64)]: true } }, { merge: true });
    expect(await indexedDeviceIds(user.uid)).toHaveLength(20);
    await register(user, { token: uniqueId("twentieth"), type: "ios" });
    expect(await deviceIds(user.uid)).toHaveLength(20);
    expect(await deviceIds(user.uid)).toEqual(expect.arrayContaining(tokens.map(sha256)));
    await expectRecordsInStep(user.uid);
  });

  it("logs a device out with active: false and back in with a later registration", async () => {
    const token = uniqueId("fcm-token");
    await register(user, { token, type: "android" });
    const out = await register(user, { token, type: "android", active: false });
    expect(out.body.result.created).toBe(false);
    expect((await db.doc(devicePath(user.uid, token)).get()).get("active")).toBe(false);
    await register(user, { token, type: "android" });
    expect((await db.doc(devicePath(user.uid, token)).get()).get("active")).toBe(true);
  });

  it("keeps unicode and emoji names exactly", async () => {
    const token = uniqueId("fcm-token");
    const name = "Zoë’s 📱 iPhone – 日本語";
    await register(user, { token, type: "ios", name });
    expect((await db.doc(devicePath(user.uid, token)).get()).get("name")).toBe(name);
  });
});

describe("registerDevice: topics and time zones", () => {
  let user: TestUser;
  beforeEach(async () => {
    user = await createUser();
  });
  const topicsOf = async (token: string) => (await db.doc(devicePath(user.uid, token)).get()).get("topics");

  it("stores the full topic list; omitted means unchanged, a new list replaces it, [] clears it", async () => {
    const token = uniqueId("topics");
    await register(user, { token, type: "android" });
    expect(await topicsOf(token)).toEqual([]);
    await register(user, { token, type: "android", topics: ["sports", "news", "a-Z_0.9~%"] });
    expect(await topicsOf(token)).toEqual(["sports", "news", "a-Z_0.9~%"]);
    await register(user, { token, type: "android", name: "renamed" });
    expect(await topicsOf(token)).toEqual(["sports", "news", "a-Z_0.9~%"]);
    await register(user, { token, type: "android", topics: ["weather"] });
    expect(await topicsOf(token)).toEqual(["weather"]);
    await register(user, { token, type: "android", topics: [] });
    expect(await topicsOf(token)).toEqual([]);
    const hundred = Array.from({ length: 100 }, (_, i) => `t${i}`);
    expect((await register(user, { token, type: "android", topics: hundred })).status).toBe(200);
    expect(await topicsOf(token)).toEqual(hundred);
  });

  it("a refreshed token inherits the topics of the token it replaces, unless the call sets them", async () => {
    const [old, fresh, other] = [uniqueId("old"), uniqueId("fresh"), uniqueId("other")];
    await register(user, { token: old, type: "ios", topics: ["sports", "news"] });
    await register(user, { token: fresh, type: "ios", replaces: old });
    expect(await topicsOf(fresh)).toEqual(["sports", "news"]);
    await register(user, { token: other, type: "ios", replaces: fresh, topics: ["tv"] });
    expect(await topicsOf(other)).toEqual(["tv"]);
    expect(await deviceIds(user.uid)).toEqual([sha256(other)]);
  });

  it("takes an IANA time zone name as sent (trimmed), and null clears it", async () => {
    const token = uniqueId("tz");
    await register(user, { token, type: "ios", timezone: " Asia/Kolkata " });
    expect((await db.doc(devicePath(user.uid, token)).get()).get("timezone")).toBe("Asia/Kolkata");
    await register(user, { token, type: "ios", timezone: "America/Argentina/Buenos_Aires" });
    expect((await db.doc(devicePath(user.uid, token)).get()).get("timezone")).toBe("America/Argentina/Buenos_Aires");
    await register(user, { token, type: "ios", timezone: null });
    expect((await db.doc(devicePath(user.uid, token)).get()).get("timezone")).toBeNull();
  });

  it("stores purgeShard, the first hex digit of the deviceId (the purge's index prefix)", async () => {
    const token = uniqueId("shard");
    await register(user, { token, type: "web" });
    expect((await db.doc(devicePath(user.uid, token)).get()).get("purgeShard")).toBe(parseInt(sha256(token)[0]!, 16));
  });
});

describe("registerDevice rejects bad input with invalid-argument and writes nothing", () => {
  let user: TestUser;
  beforeEach(async () => {
    user = await createUser();
  });

  const cases: Array<[string, unknown, string[]]> = [
    ["missing token", { type: "ios" }, ["token"]],
    ["empty token", { token: "", type: "ios" }, ["token"]],
    ["token with a space", { token: "abc def", type: "ios" }, ["token"]],
    ["token with a newline", { token: "abc\ndef", type: "ios" }, ["token"]],
    ["token over 4096 characters", { token: "x".repeat(4097), type: "ios" }, ["token"]],
    ["token of the wrong type", { token: 12345, type: "ios" }, ["token"]],
    ["unknown type", { token: "abc", type: "windows-phone" }, ["type"]],
    ["missing type", { token: "abc" }, ["type"]],
    ["active not a boolean", { token: "abc", type: "ios", active: "yes" }, ["active"]],
    ["name of the wrong type", { token: "abc", type: "ios", name: 42 }, ["name"]],
    ["name over 200 characters", { token: "abc", type: "ios", name: "n".repeat(201) }, ["name"]],
    ["name with a control character", { token: "abc", type: "ios", name: "bad\u0007name" }, ["name"]],
    ["unknown field", { token: "abc", type: "ios", imei: "123" }, ["imei"]],
    ["replaces with whitespace", { token: "abc", type: "ios", replaces: "a b" }, ["replaces"]],
    ["a timezone that is no IANA zone", { token: "abc", type: "ios", timezone: "Mars/Olympus" }, ["timezone"]],
    ["a timezone given as a UTC offset", { token: "abc", type: "ios", timezone: "+01:00" }, ["timezone"]],
    ["topics not a list", { token: "abc", type: "ios", topics: "sports" }, ["topics"]],
    ["a bad topic name, at its index", { token: "abc", type: "ios", topics: ["sports", "news", "tv", "breaking news"] }, ["topics[3]"]],
    ["an empty topic name", { token: "abc", type: "ios", topics: [""] }, ["topics[0]"]],
    ["a 65-character topic name", { token: "abc", type: "ios", topics: ["t".repeat(65)] }, ["topics[0]"]],
    ["a repeated topic", { token: "abc", type: "ios", topics: ["a", "b", "a"] }, ["topics[2]"]],
    ["101 topics", { token: "abc", type: "ios", topics: Array.from({ length: 101 }, (_, i) => `t${i}`) }, ["topics"]],
    ["several problems at once", { token: "", type: "fridge", extra: 1 }, ["token", "type", "extra"]],
    ["an array instead of an object", [{ token: "abc", type: "ios" }], [""]],
    ["null instead of an object", null, [""]],
    ["a string instead of an object", "abc", [""]],
  ];

  it.each(cases)("%s", async (_label, data, paths) => {
    const res = await register(user, data);
    expect(res.status).toBe(400);
    expect(res.body.error.status).toBe("INVALID_ARGUMENT");
    expect(res.body.error.message).toMatch(/^Invalid registerDevice request/);
    expect(res.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual([...paths].sort());
    for (const detail of res.body.error.details) expect(typeof detail.message).toBe("string");
    expect(res.text).not.toMatch(/\bat .*\.js:\d+/);
    expect(await deviceIds(user.uid)).toEqual([]);
  });

  it("answers unauthenticated without a signed-in user", async () => {
    const res = await callFunction("registerDevice", { token: uniqueId("t"), type: "ios" });
    expect(res.status).toBe(401);
    expect(res.body.error.status).toBe("UNAUTHENTICATED");
  });

  it("answers unauthenticated for a garbage ID token", async () => {
    const res = await callFunction("registerDevice", { token: uniqueId("t"), type: "ios" }, "not-a-jwt");
    expect(res.status).toBe(401);
    expect(res.body.error.status).toBe("UNAUTHENTICATED");
  });
});

describe("unregisterDevice", () => {
  it("removes the caller's device by token and by deviceId, idempotently", async () => {
    const user = await createUser();
    const [a, b] = [uniqueId("a"), uniqueId("b")];
    await callFunction("registerDevice", { token: a, type: "ios" }, user.idToken);
    await callFunction("registerDevice", { token: b, type: "web" }, user.idToken);

    expect((await callFunction("unregisterDevice", { token: a }, user.idToken)).body).toEqual({ result: { removed: true } });
    expect((await callFunction("unregisterDevice", { token: a }, user.idToken)).body).toEqual({ result: { removed: false } });
    expect((await callFunction("unregisterDevice", { deviceId: sha256(b) }, user.idToken)).body).toEqual({ result: { removed: true } });
    expect(await deviceIds(user.uid)).toEqual([]);
    expect(await tokenOwner(a)).toBeUndefined();
    expect(await tokenOwner(b)).toBeUndefined();
    await expectRecordsInStep(user.uid);
  });

  it("cannot remove another user's device", async () => {
    const [owner, intruder] = [await createUser(), await createUser()];
    const token = uniqueId("owned");
    await callFunction("registerDevice", { token, type: "ios" }, owner.idToken);
    expect((await callFunction("unregisterDevice", { token }, intruder.idToken)).body).toEqual({ result: { removed: false } });
    expect((await callFunction("unregisterDevice", { deviceId: sha256(token) }, intruder.idToken)).body).toEqual({
      result: { removed: false },
    });
    expect(await deviceIds(owner.uid)).toEqual([sha256(token)]);
    expect(await tokenOwner(token)).toBe(owner.uid);
    await expectRecordsInStep(owner.uid);
  });

  it.each([
    ["neither token nor deviceId", {}, [""]],
    ["both token and deviceId", { token: "abc", deviceId: "a".repeat(64) }, [""]],
    ["a malformed deviceId", { deviceId: "../../etc" }, ["deviceId"]],
    ["an unknown field", { token: "abc", force: true }, ["force"]],
    ["null", null, [""]],
  ])("rejects %s", async (_label, data, paths) => {
    const user = await createUser();
    const res = await callFunction("unregisterDevice", data, user.idToken);
    expect(res.status).toBe(400);
    expect(res.body.error.status).toBe("INVALID_ARGUMENT");
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toEqual(paths);
  });

  it("requires a signed-in user", async () => {
    const res = await callFunction("unregisterDevice", { token: "abc" });
    expect(res.body.error.status).toBe("UNAUTHENTICATED");
  });
});

// registerDevice's domain function called in this process against the emulator, with its Firestore
// operations counted (the counter the benchmark uses): what a registration costs, per document.
describe("registerDevice's Firestore operations", () => {
  const options = { maxDevices: 20 };
  const input = (token: string) => ({ token, type: "ios" as const, active: true });

  it("a new device: one read of 4 documents and no query; a refresh: one update, no read", async () => {
    installCounting(db);
    const uid = uniqueId("ops");
    await registerDevice(db, uid, input(uniqueId("first")), options);
    const token = uniqueId("second");

    const created = await countOperations(() => registerDevice(db, uid, input(token), options));
    expect(created.result.created).toBe(true);
    // The update that finds no device, then the device, the index, its owner record and the user's
    // preferences (whose copy a new device carries; recipient control).
    expect(created.counts).toMatchObject({ queries: 0, documentGets: 4, reads: 4, writes: 4 });

    const refreshed = await countOperations(() => registerDevice(db, uid, input(token), options));
    expect(refreshed.result.created).toBe(false);
    expect(refreshed.counts).toMatchObject({ queries: 0, reads: 0, writes: 1 });
    await expectRecordsInStep(uid);
  });

  it("a user's first device reads the user's (empty) devices once, to start the index", async () => {
    installCounting(db);
    const uid = uniqueId("ops-first");
    const { result, counts } = await countOperations(() => registerDevice(db, uid, input(uniqueId("only")), options));
    expect(result.created).toBe(true);
    expect(counts).toMatchObject({ queries: 1, documentGets: 4 });
    await expectRecordsInStep(uid);
  });
});

describe("deleting a user", () => {
  it("the Auth emulator's user-deletion trigger deletes the user's devices, owner records and index; notifications stay", async () => {
    const user = await createUser();
    const tokens = [uniqueId("gone-a"), uniqueId("gone-b"), uniqueId("gone-c")];
    for (const [i, token] of tokens.entries()) await register(user, { token, type: (["ios", "android", "web"] as const)[i] });
    const notificationId = uniqueId("n");
    await db.doc(`notifications/${notificationId}`).set({ userId: user.uid, title: "Kept" });
    await waitFor(async () => ((await db.doc(`notifications/${notificationId}`).get()).get("status") === "sent" ? true : undefined));

    await adminAuth.deleteUser(user.uid);
    await waitFor(async () => ((await deviceIds(user.uid)).length === 0 ? true : undefined), { what: "the deleted user's devices to go" });
    for (const token of tokens) expect(await tokenOwner(token)).toBeUndefined();
    await waitFor(async () => ((await indexedDeviceIds(user.uid)) === undefined ? true : undefined), { what: "the device index to go" });
    expect((await db.doc(`notifications/${notificationId}`).get()).exists).toBe(true);
  });
});
