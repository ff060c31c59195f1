// Devices identified by their Firebase Installation ID (FID) instead of an FCM registration token:
// registration, moves, `replaces`, unregistering, the api, the fan-out (FidMessage targets, mixed
// with tokens), dead FIDs, the purge and user deletion, called as a client and an admin would.
import { Timestamp } from "firebase-admin/firestore";
import { beforeEach, describe, expect, it } from "vitest";
import { purgeDevices } from "../../src/purge/purge";
import { adminAuth, api, callFunction, createUser, db, type HttpResult, type TestUser, uniqueId, waitFor } from "../helpers/emulator";
import {
  deliveriesOf,
  deviceIdsOf as deviceIds,
  expectRecordsInStep,
  fidDeviceId,
  indexedDeviceIds,
  outboxOf,
  seedDevices,
  sendNotification,
  sha256,
  waitForOutcome,
} from "../helpers/notifications";

const register = (user: TestUser, data: unknown) => callFunction("registerDevice", data, user.idToken);
/** An FID shaped like a real one (22 characters of base64url), unique per test. */
const newFid = (prefix = "f") => `${prefix}${uniqueId("").slice(2)}${"A".repeat(13)}`.slice(0, 22);
const fidDoc = (uid: string, fid: string) => db.doc(`users/${uid}/devices/${fidDeviceId(fid)}`);
const ownerOf = async (deviceId: string) => (await db.doc(`tokenOwners/${deviceId}`).get()).get("userId");

describe("registerDevice with an FID", () => {
  let user: TestUser;
  beforeEach(async () => {
    user = await createUser();
  });

  it("stores fid (no token) under deviceId = SHA-256 of 'fid:' + fid, with its owner record and index entry", async () => {
    const fid = newFid();
    const res = await register(user, { fid, type: "android", name: "Pixel", locale: "pt-BR", timezone: "America/Sao_Paulo", topics: ["news"] });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ result: { deviceId: fidDeviceId(fid), created: true } });
    expect(fidDeviceId(fid)).toMatch(/^[0-9a-f]{64}$/);
    expect(fidDeviceId(fid)).not.toBe(sha256(fid));

    const doc = (await fidDoc(user.uid, fid).get()).data()!;
    expect(doc).toMatchObject({
      fid,
      deviceId: fidDeviceId(fid),
      userId: user.uid,
      type: "android",
      name: "Pixel",
      active: true,
      locale: "pt-BR",
      timezone: "America/Sao_Paulo",
      topics: ["news"],
      purgeShard: parseInt(fidDeviceId(fid)[0]!, 16),
    });
    expect(doc).not.toHaveProperty("token");
    for (const field of ["createdAt", "updatedAt", "lastSeenAt"]) expect(doc[field]).toBeInstanceOf(Timestamp);
    expect(await ownerOf(fidDeviceId(fid))).toBe(user.uid);
    expect(await indexedDeviceIds(user.uid)).toEqual([fidDeviceId(fid)]);

    // Again: an update, topics and facts kept when omitted, active false logs it out.
    const again = await register(user, { fid, type: "android", active: false });
    expect(again.body).toEqual({ result: { deviceId: fidDeviceId(fid), created: false } });
    expect((await fidDoc(user.uid, fid).get()).data()).toMatchObject({ active: false, topics: ["news"], locale: "pt-BR", timezone: "America/Sao_Paulo" });
    expect(await deviceIds(user.uid)).toEqual([fidDeviceId(fid)]);
  });

  it("keeps a token and an FID that are the same string apart: two devices", async () => {
    const same = newFid("s");
    await register(user, { token: same, type: "web" });
    await register(user, { fid: same, type: "web" });
    expect(await deviceIds(user.uid)).toEqual([sha256(same), fidDeviceId(same)].sort());
    await expectRecordsInStep(user.uid);
  });

  it("moves an FID to the user who registers it last, in one transaction, and gives it to one of several at once", async () => {
    const other = await createUser();
    const fid = newFid();
    await register(user, { fid, type: "ios" });
    expect((await register(other, { fid, type: "ios" })).body.result).toEqual({ deviceId: fidDeviceId(fid), created: true });
    expect(await deviceIds(user.uid)).toEqual([]);
    expect(await deviceIds(other.uid)).toEqual([fidDeviceId(fid)]);
    expect(await ownerOf(fidDeviceId(fid))).toBe(other.uid);
    await expectRecordsInStep(user.uid);
    await expectRecordsInStep(other.uid);

    const contested = newFid("c");
    const users = [user, other, await createUser(), await createUser()];
    const results = await Promise.all(users.map((u) => register(u, { fid: contested, type: "android" })));
    expect(results.map((r) => r.status)).toEqual(users.map(() => 200));
    const holders = await db.collectionGroup("devices").where("deviceId", "==", fidDeviceId(contested)).get();
    expect(holders.size).toBe(1);
    expect(await ownerOf(fidDeviceId(contested))).toBe(holders.docs[0]!.get("userId"));
    for (const u of users) await expectRecordsInStep(u.uid);
  });

  it("replaces a token with an FID in one call (the app moving to FID mode): the token device goes, its topics stay", async () => {
    const token = uniqueId("legacy-token");
    const fid = newFid();
    await register(user, { token, type: "android", topics: ["sports", "news"] });
    const res = await register(user, { fid, type: "android", replaces: token });
    expect(res.body.result).toEqual({ deviceId: fidDeviceId(fid), created: true });
    expect(await deviceIds(user.uid)).toEqual([fidDeviceId(fid)]);
    expect((await fidDoc(user.uid, fid).get()).get("topics")).toEqual(["sports", "news"]);
    expect(await ownerOf(sha256(token))).toBeUndefined();
    await expectRecordsInStep(user.uid);
  });

  it("replaces an FID with a new FID (a reinstalled app) and back with a token (token mode as the fallback)", async () => {
    const [first, second] = [newFid("a"), newFid("b")];
    const keep = uniqueId("other-device");
    await register(user, { fid: first, type: "ios", topics: ["tv"] });
    await register(user, { token: keep, type: "web" });
    await register(user, { fid: second, type: "ios", replaces: first });
    expect(await deviceIds(user.uid)).toEqual([fidDeviceId(second), sha256(keep)].sort());
    expect((await fidDoc(user.uid, second).get()).get("topics")).toEqual(["tv"]);
    expect(await ownerOf(fidDeviceId(first))).toBeUndefined();

    const token = uniqueId("fallback-token");
    await register(user, { token, type: "ios", replaces: second, topics: ["weather"] });
    expect(await deviceIds(user.uid)).toEqual([sha256(token), sha256(keep)].sort());
    expect((await db.doc(`users/${user.uid}/devices/${sha256(token)}`).get()).get("topics")).toEqual(["weather"]);
    await expectRecordsInStep(user.uid);
  });

  it("never removes another user's FID device through replaces", async () => {
    const other = await createUser();
    const theirs = newFid("t");
    await register(other, { fid: theirs, type: "ios" });
    await register(user, { fid: newFid("m"), type: "ios", replaces: theirs });
    expect(await deviceIds(other.uid)).toEqual([fidDeviceId(theirs)]);
    expect(await ownerOf(fidDeviceId(theirs))).toBe(other.uid);
  });

  it("counts FID devices in the cap of 20 and evicts the least recently seen, token or FID", async () => {
    const seen = (i: number) => new Date(Date.UTC(2026, 0, 1) + i * 60_000);
    const fids = Array.from({ length: 10 }, (_, i) => `${newFid("cap")}${i}`);
    const tokens = Array.from({ length: 10 }, (_, i) => `${uniqueId("cap")}-${i}`);
    await seedDevices([
      ...fids.map((fid, i) => ({ uid: user.uid, fid, lastSeenAt: seen(i === 4 ? -100 : i) })),
      ...tokens.map((token, i) => ({ uid: user.uid, token, lastSeenAt: seen(20 + i) })),
    ]);
    const newcomer = newFid("new");
    expect((await register(user, { fid: newcomer, type: "android" })).body.result).toEqual({ deviceId: fidDeviceId(newcomer), created: true });
    const ids = await deviceIds(user.uid);
    expect(ids).toHaveLength(20);
    expect(ids).toContain(fidDeviceId(newcomer));
    expect(ids).not.toContain(fidDeviceId(fids[4]!));
    expect(await ownerOf(fidDeviceId(fids[4]!))).toBeUndefined();
    await expectRecordsInStep(user.uid);
  });
});

describe("unregisterDevice and the api with FIDs", () => {
  it("unregisterDevice { fid } removes the caller's FID device only, idempotently", async () => {
    const [owner, intruder] = [await createUser(), await createUser()];
    const fid = newFid();
    await register(owner, { fid, type: "android" });
    expect((await callFunction("unregisterDevice", { fid }, intruder.idToken)).body).toEqual({ result: { removed: false } });
    expect(await deviceIds(owner.uid)).toEqual([fidDeviceId(fid)]);
    // The same string as a token names another device: nothing of the FID device's goes.
    expect((await callFunction("unregisterDevice", { token: fid }, owner.idToken)).body).toEqual({ result: { removed: false } });
    expect((await callFunction("unregisterDevice", { fid }, owner.idToken)).body).toEqual({ result: { removed: true } });
    expect((await callFunction("unregisterDevice", { fid }, owner.idToken)).body).toEqual({ result: { removed: false } });
    expect(await deviceIds(owner.uid)).toEqual([]);
    expect(await ownerOf(fidDeviceId(fid))).toBeUndefined();
    await expectRecordsInStep(owner.uid);
  });

  it.each([
    ["both token and fid", { token: "abc", fid: "abc" }, [""]],
    ["fid and deviceId", { fid: "abc", deviceId: "a".repeat(64) }, [""]],
    ["an empty fid", { fid: "" }, ["fid"]],
    ["a 257-character fid", { fid: "f".repeat(257) }, ["fid"]],
  ])("unregisterDevice rejects %s", async (_label, data, paths) => {
    const user = await createUser();
    const res = await callFunction("unregisterDevice", data, user.idToken);
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toEqual(paths);
  });

  it("POST /v1/devices registers an FID (201), GET says identifiedBy and never shows a token or an FID, DELETE removes it", async () => {
    const user = await createUser();
    const [fid, token] = [newFid(), uniqueId("api-token")];
    const created = await api("POST", "/v1/devices", { token: user.idToken, json: { fid, type: "web", name: "Firefox" } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ deviceId: fidDeviceId(fid), created: true });
    await api("POST", "/v1/devices", { token: user.idToken, json: { token, type: "ios" } });

    const list = await api("GET", "/v1/devices", { token: user.idToken });
    expect(list.status).toBe(200);
    const byId = Object.fromEntries(list.body.devices.map((d: { deviceId: string }) => [d.deviceId, d]));
    expect(byId[fidDeviceId(fid)]).toMatchObject({ identifiedBy: "fid", type: "web", name: "Firefox", active: true });
    expect(byId[sha256(token)]).toMatchObject({ identifiedBy: "token", type: "ios" });
    expect(list.text).not.toContain(fid);
    expect(list.text).not.toContain(token);
    for (const d of list.body.devices) {
      expect(Object.keys(d).sort()).toEqual(["active", "createdAt", "deviceId", "identifiedBy", "lastSeenAt", "name", "topics", "type"]);
    }

    expect((await api("DELETE", `/v1/devices/${fidDeviceId(fid)}`, { token: user.idToken })).status).toBe(204);
    expect(await deviceIds(user.uid)).toEqual([sha256(token)]);
    await expectRecordsInStep(user.uid);
  });
});

describe("hostile fid values are rejected with the field named, through the callable and the api", () => {
  const cases: Array<[string, Record<string, unknown>, Array<{ path: string; message: RegExp }>]> = [
    ["an empty fid", { fid: "", type: "android" }, [{ path: "fid", message: /must not be empty/ }]],
    ["a whitespace fid", { fid: "   ", type: "android" }, [{ path: "fid", message: /whitespace/ }]],
    ["an fid with a space inside", { fid: "abc def", type: "android" }, [{ path: "fid", message: /whitespace/ }]],
    ["a 257-character fid", { fid: "f".repeat(257), type: "android" }, [{ path: "fid", message: /at most 256 characters/ }]],
    ["an fid that is not a string", { fid: 42, type: "android" }, [{ path: "fid", message: /must be a string/ }]],
    ["both token and fid", { token: "tok", fid: "fid", type: "android" }, [{ path: "fid", message: /exactly one of token and fid/ }]],
    ["neither token nor fid", { type: "android" }, [{ path: "token", message: /exactly one of token .* and fid/ }]],
    ["a token that would share an FID device's id", { token: "fid:abc", type: "android" }, [{ path: "token", message: /must not start with "fid:"/ }]],
    [
      "neither, with other problems",
      { type: "fridge", extra: 1 },
      [
        { path: "token", message: /exactly one/ },
        { path: "type", message: /one of ios, android, web/ },
        { path: "extra", message: /unknown field/ },
      ],
    ],
  ];

  const expectRejected = async (res: HttpResult, expected: Array<{ path: string; message: RegExp }>, uid: string) => {
    const details: Array<{ path: string; message: string }> = res.body.error.details;
    expect(details.map((d) => d.path).sort()).toEqual(expected.map((e) => e.path).sort());
    for (const e of expected) expect(details.find((d) => d.path === e.path)!.message).toMatch(e.message);
    expect(res.text).not.toMatch(/\bat .*\.js:\d+/);
    expect(await deviceIds(uid)).toEqual([]);
  };

  it.each(cases)("%s", async (_label, data, expected) => {
    const user = await createUser();
    const viaCallable = await register(user, data);
    expect(viaCallable.status).toBe(400);
    expect(viaCallable.body.error.status).toBe("INVALID_ARGUMENT");
    await expectRejected(viaCallable, expected, user.uid);
    const viaApi = await api("POST", "/v1/devices", { token: user.idToken, json: data });
    expect(viaApi.status).toBe(400);
    expect(viaApi.body.error.status).toBe("INVALID_ARGUMENT");
    await expectRejected(viaApi, expected, user.uid);
  });

  it("accepts a 256-character FID, the contract's maximum", async () => {
    const user = await createUser();
    const fid = newFid().padEnd(256, "x");
    expect((await register(user, { fid, type: "ios" })).body.result).toEqual({ deviceId: fidDeviceId(fid), created: true });
  });
});

describe("sending to FID devices", () => {
  it("a topic reaching token and FID devices sends each a message targeted at its own identifier, in the same sends", async () => {
    const topic = uniqueId("mixed-topic");
    const [alice, bob] = [await createUser(), await createUser()];
    const devices = [
      { user: alice, data: { fid: newFid("a"), type: "android" } },
      { user: alice, data: { token: uniqueId("alice-web"), type: "web" } },
      { user: bob, data: { fid: newFid("b"), type: "ios" } },
      { user: bob, data: { token: uniqueId("bob-ios"), type: "ios" } },
      { user: bob, data: { fid: newFid("x"), type: "web", active: false } },
    ] as const;
    for (const d of devices) expect((await register(d.user, { ...d.data, topics: [topic] })).status).toBe(200);

    const id = await sendNotification({ topic, title: "Mixed", body: "Tokens and FIDs" });
    const outcome = await waitForOutcome(id);
    expect(outcome).toMatchObject({ status: "sent", stats: { devices: 4, sent: 4, failed: 0, removed: 0 } });

    const outbox = await outboxOf(id);
    expect(outbox).toHaveLength(4);
    for (const d of devices.slice(0, 4)) {
      const fid = "fid" in d.data ? d.data.fid : undefined;
      const deviceId = fid !== undefined ? fidDeviceId(fid) : sha256((d.data as { token: string }).token);
      const entry = outbox.find((o) => o.deviceId === deviceId)!;
      expect(entry, deviceId).toBeDefined();
      expect(entry.userId).toBe(d.user.uid);
      if (fid !== undefined) {
        expect(entry.fid).toBe(fid);
        expect(entry.message.fid).toBe(fid);
        expect(entry).not.toHaveProperty("token");
        expect(entry.message).not.toHaveProperty("token");
      } else {
        expect(entry.token).toBe((d.data as { token: string }).token);
        expect(entry.message.token).toBe(entry.token);
        expect(entry).not.toHaveProperty("fid");
        expect(entry.message).not.toHaveProperty("fid");
      }
      expect(entry.message.notification).toEqual({ title: "Mixed", body: "Tokens and FIDs" });
    }
    const deliveries = await deliveriesOf(id);
    expect(
      Object.values(deliveries)
        .map((d) => d.identifiedBy)
        .sort(),
    ).toEqual(["fid", "fid", "token", "token"]);
  });

  it("a dead FID (FCM's 404 UNREGISTERED) is removed with its owner record, like a dead token; the others are sent", async () => {
    const user = await createUser();
    const dead = `sandbox-unregistered-${newFid()}`;
    const alive = newFid();
    const token = uniqueId("alive-token");
    await register(user, { fid: dead, type: "android" });
    await register(user, { fid: alive, type: "ios" });
    await register(user, { token, type: "web" });

    const id = await sendNotification({ userId: user.uid, title: "Anyone there?" });
    const outcome = await waitForOutcome(id);
    expect(outcome).toMatchObject({ status: "partial", stats: { recipients: 1, devices: 3, sent: 2, failed: 0, removed: 1 } });
    const deliveries = await deliveriesOf(id);
    expect(deliveries[fidDeviceId(dead)]).toMatchObject({
      status: "removed",
      identifiedBy: "fid",
      error: { code: "messaging/installation-id-not-registered" },
    });
    expect(deliveries[fidDeviceId(alive)]).toMatchObject({ status: "sent", identifiedBy: "fid" });
    expect(await deviceIds(user.uid)).toEqual([fidDeviceId(alive), sha256(token)].sort());
    expect(await ownerOf(fidDeviceId(dead))).toBeUndefined();
    await expectRecordsInStep(user.uid);
  });
});

describe("the purge and user deletion with FID devices", () => {
  it("the purge deletes stale and long logged-out FID devices with their owner records, and keeps the rest", async () => {
    const DAY = 24 * 60 * 60 * 1000;
    // A year no other test's devices are seen in, so the counts below are this test's alone.
    const now = Date.UTC(1972, 5, 1);
    const uid = uniqueId("purge-fid");
    const at = (days: number) => new Date(now - days * DAY);
    const stale = { uid, fid: newFid("s"), lastSeenAt: at(61) };
    const loggedOut = { uid, fid: newFid("o"), active: false, updatedAt: at(31), lastSeenAt: at(31) };
    const fresh = { uid, fid: newFid("f"), lastSeenAt: at(1) };
    await seedDevices([stale, loggedOut, fresh]);
    const summary = await purgeDevices({ db, now: () => now }, { inactiveRetentionDays: 30, staleDeviceDays: 60, timeBudgetMs: 60_000 });
    expect(summary).toMatchObject({ deleted: 2, inactive: 1, stale: 1, complete: true });
    expect(await deviceIds(uid)).toEqual([fidDeviceId(fresh.fid)]);
    expect(await ownerOf(fidDeviceId(stale.fid))).toBeUndefined();
    expect(await ownerOf(fidDeviceId(loggedOut.fid))).toBeUndefined();
    await expectRecordsInStep(uid);
  });

  it("deleting the Auth user deletes their FID and token devices with the owner records and the index", async () => {
    const user = await createUser();
    const fid = newFid();
    const token = uniqueId("gone-token");
    await register(user, { fid, type: "android" });
    await register(user, { token, type: "ios" });
    await adminAuth.deleteUser(user.uid);
    await waitFor(async () => ((await deviceIds(user.uid)).length === 0 ? true : undefined), { what: "the deleted user's devices to go" });
    expect(await ownerOf(fidDeviceId(fid))).toBeUndefined();
    expect(await ownerOf(sha256(token))).toBeUndefined();
    await waitFor(async () => ((await indexedDeviceIds(user.uid)) === undefined ? true : undefined), { what: "the device index to go" });
  });
});
