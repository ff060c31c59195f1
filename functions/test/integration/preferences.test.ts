// Recipient control's preferences (CONTRACT §1 Preferences, §2 the callables and /v1/preferences):
// set and get through the callables and the api, merge rules, hostile input (never an internal
// error), the copy on the user's devices, and deletion with the user.
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { adminAuth, api, callFunction, createUser, db, uniqueId, waitFor } from "../helpers/emulator";
import { hostileSeed } from "../helpers/hostile";
import { deleteSeededDevices, seedDevices, sha256 } from "../helpers/notifications";

afterAll(deleteSeededDevices);

const set = (data: unknown, token: string) => callFunction("setNotificationPreferences", data, token);
const get = (token: string, data: unknown = null) => callFunction("getNotificationPreferences", data, token);

describe("setNotificationPreferences / getNotificationPreferences", () => {
  it("defaults when nothing is stored; then categories merge (null removes a key) and the rest replaces", async () => {
    const user = await createUser();
    expect((await get(user.idToken)).body.result).toEqual({ categories: {}, quietHours: null, mutedUntil: null, updatedAt: null });

    const first = await set({ categories: { promo: false, news: true }, quietHours: { start: "22:00", end: "07:00" } }, user.idToken);
    expect(first.status).toBe(200);
    expect(first.body.result).toMatchObject({ categories: { promo: false, news: true }, quietHours: { start: "22:00", end: "07:00" }, mutedUntil: null });

    const second = await set({ categories: { news: null, sport: false }, mutedUntil: "2030-01-02T03:04:05+01:00" }, user.idToken);
    expect(second.body.result).toMatchObject({
      categories: { promo: false, sport: false },
      quietHours: { start: "22:00", end: "07:00" },
      mutedUntil: "2030-01-02T02:04:05.000Z",
    });
    expect((await get(user.idToken)).body.result).toEqual(second.body.result);
    const stored = (await db.doc(`notificationPreferences/${user.uid}`).get()).data()!;
    expect(stored.categories).toEqual({ promo: false, sport: false });

    const cleared = await set({ quietHours: null, mutedUntil: null }, user.idToken);
    expect(cleared.body.result).toMatchObject({ categories: { promo: false, sport: false }, quietHours: null, mutedUntil: null });
  });

  it("refuses unauthenticated callers", async () => {
    expect((await callFunction("setNotificationPreferences", { categories: {} })).body.error.status).toBe("UNAUTHENTICATED");
    expect((await callFunction("getNotificationPreferences", null)).body.error.status).toBe("UNAUTHENTICATED");
  });

  const HOSTILE: Array<[string, unknown, string[]]> = [
    ["not an object", "promo", [""]],
    ["a list", [1, 2], [""]],
    ["an unknown field", { categories: {}, mute: true }, ["mute"]],
    ["a category value that is not a boolean", { categories: { promo: "off" } }, ["categories.promo"]],
    ["a bad category name", { categories: { "no spaces": false } }, ["categories.no spaces"]],
    ["an empty category name", { categories: { "": false } }, ["categories"]],
    ["a category name over 64 characters", { categories: { ["x".repeat(65)]: false } }, [`categories.${"x".repeat(65)}`]],
    ["categories as a list", { categories: ["promo"] }, ["categories"]],
    ["more than 100 categories", { categories: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`c${i}`, false])) }, ["categories"]],
    ["quiet hours with equal start and end", { quietHours: { start: "22:00", end: "22:00" } }, ["quietHours.end"]],
    ["quiet hours not HH:MM", { quietHours: { start: "7:00", end: "24:00" } }, ["quietHours.start", "quietHours.end"]],
    ["quiet hours with an extra field", { quietHours: { start: "22:00", end: "07:00", zone: "Europe/Paris" } }, ["quietHours.zone"]],
    ["quiet hours as a string", { quietHours: "22:00-07:00" }, ["quietHours"]],
    ["mutedUntil not ISO", { mutedUntil: "tomorrow" }, ["mutedUntil"]],
    ["mutedUntil without a zone", { mutedUntil: "2030-01-01T00:00:00" }, ["mutedUntil"]],
    ["mutedUntil as a number", { mutedUntil: 1893456000000 }, ["mutedUntil"]],
    ["mutedUntil past year 9999", { mutedUntil: "+275760-09-13T00:00:00Z" }, ["mutedUntil"]],
  ];

  it.each(HOSTILE)("rejects %s with invalid-argument and field paths (callable)", async (_, data, paths) => {
    const user = await createUser();
    const res = await set(data, user.idToken);
    expect(res.body.error?.status, res.text).toBe("INVALID_ARGUMENT");
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toEqual(paths);
    expect((await db.doc(`notificationPreferences/${user.uid}`).get()).exists).toBe(false);
  });

  it("rejects a merge that would hold more than 100 categories, and data sent to get", async () => {
    const user = await createUser();
    const fifty = (from: number) => Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`c${from + i}`, false]));
    expect((await set({ categories: fifty(0) }, user.idToken)).status).toBe(200);
    const over = await set({ categories: fifty(100) }, user.idToken);
    expect(over.body.error.status).toBe("INVALID_ARGUMENT");
    expect(over.body.error.details).toEqual([{ path: "categories", message: expect.stringContaining("at most 100") }]);
    expect((await get(user.idToken, { uid: "someone-else" })).body.error.details).toEqual([{ path: "uid", message: "unknown field" }]);
  });
});

describe("GET / PUT /v1/preferences", () => {
  it("reads and writes the caller's own preferences as { preferences }", async () => {
    const user = await createUser();
    const empty = await api("GET", "/v1/preferences", { token: user.idToken });
    expect(empty.status).toBe(200);
    expect(empty.body).toEqual({ preferences: { categories: {}, quietHours: null, mutedUntil: null, updatedAt: null } });
    const put = await api("PUT", "/v1/preferences", { token: user.idToken, json: { categories: { promo: false } } });
    expect(put.status).toBe(200);
    expect(put.body.preferences.categories).toEqual({ promo: false });
    expect((await api("GET", "/v1/preferences", { token: user.idToken })).body.preferences.categories).toEqual({ promo: false });
  });

  it("answers hostile requests with 4xx and the contract's error shape, never 500", async () => {
    const user = await createUser();
    const cases: Array<[string, Parameters<typeof api>[2], number]> = [
      ["no token", { json: {} }, 401],
      ["malformed JSON", { token: user.idToken, raw: "{", contentType: "application/json" }, 400],
      ["not JSON", { token: user.idToken, raw: "a=b", contentType: "application/x-www-form-urlencoded" }, 415],
      ["oversized", { token: user.idToken, raw: JSON.stringify({ categories: { a: true }, x: "y".repeat(17_000) }), contentType: "application/json" }, 413],
      ["unknown field", { token: user.idToken, json: { categories: {}, admin: true } }, 400],
      ["null body", { token: user.idToken, json: null }, 400],
      ["__proto__ smuggling", { token: user.idToken, raw: '{"__proto__":{"categories":{"a":false}}}', contentType: "application/json" }, 400],
    ];
    for (const [what, call, status] of cases) {
      const res = await api("PUT", "/v1/preferences", call);
      expect(res.status, `${what}: ${res.text}`).toBe(status);
      // Malformed JSON and a bare null are refused by the framework's (strict) JSON body parser before the api runs, as for /v1/devices.
      if (what !== "malformed JSON" && what !== "null body") expect(res.body?.error?.status, `${what}: ${res.text}`).toMatch(/^[A-Z_]+$/);
      expect(res.text, what).not.toMatch(/at .*\.js/);
    }
    expect((await api("POST", "/v1/preferences", { token: user.idToken, json: {} })).status).toBe(405);
    expect((await db.doc(`notificationPreferences/${user.uid}`).get()).exists).toBe(false);
  });
});

describe("generated hostile requests (HOSTILE_SEED)", () => {
  // Near-misses of valid requests as well as arbitrary JSON: each answer is a success or a 4xx, never an internal error.
  const nearMiss = fc.record(
    {
      categories: fc.oneof(fc.dictionary(fc.string({ maxLength: 70 }), fc.oneof(fc.boolean(), fc.constant(null), fc.jsonValue())), fc.jsonValue()),
      quietHours: fc.oneof(fc.constant(null), fc.record({ start: fc.string({ maxLength: 6 }), end: fc.string({ maxLength: 6 }) }), fc.jsonValue()),
      mutedUntil: fc.oneof(
        fc.constant(null),
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        fc.string({ maxLength: 40 }),
        fc.jsonValue(),
      ),
    },
    { requiredKeys: [] },
  );
  const cases = fc.sample(fc.oneof(nearMiss, fc.jsonValue({ maxDepth: 4 })), { seed: hostileSeed(), numRuns: 60 });

  it("never answers an internal error, through the callable or the api", async () => {
    const user = await createUser();
    const problems: string[] = [];
    for (const [i, data] of cases.entries()) {
      const viaCallable = await set(data, user.idToken);
      if (viaCallable.status >= 500 || viaCallable.body?.error?.status === "INTERNAL") problems.push(`#${i} callable ${viaCallable.text.slice(0, 200)}`);
      const viaApi = await api("PUT", "/v1/preferences", { token: user.idToken, json: data });
      if (viaApi.status >= 500) problems.push(`#${i} api ${viaApi.status} ${viaApi.text.slice(0, 200)}`);
      if ((viaCallable.status === 200) !== (viaApi.status === 200))
        problems.push(`#${i} callable ${viaCallable.status} but api ${viaApi.status}: ${JSON.stringify(data).slice(0, 200)}`);
    }
    expect(problems).toEqual([]);
  }, 120_000);
});

describe("the copy on the user's devices, and deletion with the user", () => {
  it("a set refreshes every device's copy; a registration copies them onto a new device", async () => {
    const user = await createUser();
    const old = `${user.uid}-old`;
    await seedDevices([{ uid: user.uid, token: old }]);
    await set({ categories: { promo: false, news: true }, quietHours: { start: "23:00", end: "06:30" }, mutedUntil: "2031-05-01T00:00:00Z" }, user.idToken);
    const copy = (await db.doc(`users/${user.uid}/devices/${sha256(old)}`).get()).get("preferences");
    expect(copy.optedOut).toEqual(["promo"]);
    expect(copy.quietHours).toEqual({ start: "23:00", end: "06:30" });
    expect(copy.mutedUntil.toDate().toISOString()).toBe("2031-05-01T00:00:00.000Z");

    const fresh = `${user.uid}-new`;
    expect((await callFunction("registerDevice", { token: fresh, type: "web" }, user.idToken)).status).toBe(200);
    expect((await db.doc(`users/${user.uid}/devices/${sha256(fresh)}`).get()).get("preferences.optedOut")).toEqual(["promo"]);
  });

  it("a token that moves to a user without preferences loses its previous holder's copy", async () => {
    const [from, to] = await Promise.all([createUser(), createUser()]);
    const token = uniqueId("moving");
    await callFunction("registerDevice", { token, type: "android" }, from.idToken);
    await set({ categories: { promo: false } }, from.idToken);
    expect((await db.doc(`users/${from.uid}/devices/${sha256(token)}`).get()).get("preferences.optedOut")).toEqual(["promo"]);
    await callFunction("registerDevice", { token, type: "android" }, to.idToken);
    const moved = await db.doc(`users/${to.uid}/devices/${sha256(token)}`).get();
    expect(moved.exists).toBe(true);
    expect(moved.get("preferences")).toBeUndefined();
  });

  it("deleting the Auth user deletes their preferences and cap counter", async () => {
    const user = await createUser();
    await set({ categories: { promo: false } }, user.idToken);
    await db.doc(`recipientCounters/${user.uid}`).set({ received: {} });
    await adminAuth.deleteUser(user.uid);
    await waitFor(async () => ((await db.doc(`notificationPreferences/${user.uid}`).get()).exists ? undefined : true), { what: "preferences deleted" });
    await waitFor(async () => ((await db.doc(`recipientCounters/${user.uid}`).get()).exists ? undefined : true), { what: "counter deleted" });
  });
});
