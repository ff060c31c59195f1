// The `api` HTTPS function, called as a client without the callable SDK would call it.
import { beforeEach, describe, expect, it } from "vitest";
import { adminAuth, api, createUser, db, type HttpResult, type TestUser, uniqueId } from "../helpers/emulator";
import { deviceIdsOf as deviceIds, sha256 } from "../helpers/notifications";

function expectError(res: HttpResult, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/application\/json/);
  expect(res.body.error.status).toBe(code);
  expect(typeof res.body.error.message).toBe("string");
  expect(res.text).not.toMatch(/\bat .*\.(js|ts):\d+/);
}

describe("api /v1/devices", () => {
  let user: TestUser;
  beforeEach(async () => {
    user = await createUser();
  });

  it("POST creates (201, created true), then updates (201, created false)", async () => {
    const token = uniqueId("api-token");
    const first = await api("POST", "/v1/devices", { token: user.idToken, json: { token, type: "web", name: "Firefox" } });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ deviceId: sha256(token), created: true });
    const second = await api("POST", "/v1/devices", { token: user.idToken, json: { token, type: "web" } });
    expect(second.status).toBe(201);
    expect(second.body).toEqual({ deviceId: sha256(token), created: false });
    const doc = (await db.doc(`users/${user.uid}/devices/${sha256(token)}`).get()).data()!;
    expect(doc).toMatchObject({ token, userId: user.uid, type: "web", name: "Firefox", active: true });
  });

  it("GET lists only the caller's devices, without raw tokens", async () => {
    const other = await createUser();
    const [a, b] = [uniqueId("list-a"), uniqueId("list-b")];
    await api("POST", "/v1/devices", { token: user.idToken, json: { token: a, type: "ios", name: "Phone", topics: ["sports", "news"] } });
    await api("POST", "/v1/devices", { token: user.idToken, json: { token: b, type: "android", active: false } });
    await api("POST", "/v1/devices", { token: other.idToken, json: { token: uniqueId("theirs"), type: "web" } });

    const res = await api("GET", "/v1/devices", { token: user.idToken });
    expect(res.status).toBe(200);
    expect(res.body.devices).toHaveLength(2);
    const byId = Object.fromEntries(res.body.devices.map((d: { deviceId: string }) => [d.deviceId, d]));
    expect(byId[sha256(a)]).toEqual({
      deviceId: sha256(a),
      identifiedBy: "token",
      type: "ios",
      name: "Phone",
      active: true,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      lastSeenAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      topics: ["sports", "news"],
    });
    expect(byId[sha256(b)]).toMatchObject({ type: "android", active: false, name: null, topics: [] });
    expect(res.text).not.toContain(a);
    expect(res.text).not.toContain(b);
  });

  it("DELETE removes the caller's device with 204, idempotently", async () => {
    const token = uniqueId("del");
    await api("POST", "/v1/devices", { token: user.idToken, json: { token, type: "ios" } });
    const first = await api("DELETE", `/v1/devices/${sha256(token)}`, { token: user.idToken });
    expect(first.status).toBe(204);
    expect(first.text).toBe("");
    expect((await api("DELETE", `/v1/devices/${sha256(token)}`, { token: user.idToken })).status).toBe(204);
    expect(await deviceIds(user.uid)).toEqual([]);
  });

  it("DELETE of another user's deviceId leaves that user's device untouched", async () => {
    const victim = await createUser();
    const token = uniqueId("victim");
    await api("POST", "/v1/devices", { token: victim.idToken, json: { token, type: "ios" } });
    const res = await api("DELETE", `/v1/devices/${sha256(token)}`, { token: user.idToken });
    expect(res.status).toBe(204);
    expect(await deviceIds(victim.uid)).toEqual([sha256(token)]);
  });

  // The Functions emulator wraps every HTTP function in a permissive CORS layer that answers
  // preflights itself; the api's own CORS answers (and CORS_ORIGINS) are pinned in test/unit/api-handler.test.ts.
  it("answers CORS preflight without auth", async () => {
    const origin = "https://app.example.com";
    const res = await api("OPTIONS", "/v1/devices", {
      headers: { Origin: origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization,content-type" },
    });
    expect(res.status).toBe(204);
    expect([origin, "*"]).toContain(res.headers.get("access-control-allow-origin"));
    expect(res.headers.get("access-control-allow-methods")).toContain("POST");
    expect(res.headers.get("access-control-allow-headers")).toMatch(/authorization/i);
  });

  it("sets Access-Control-Allow-Origin on actual responses", async () => {
    const res = await api("GET", "/v1/devices", { token: user.idToken, headers: { Origin: "https://app.example.com" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
  });
});

describe("api rejects hostile and malformed requests", () => {
  let user: TestUser;
  beforeEach(async () => {
    user = await createUser();
  });

  it.each<[string, unknown, string[]]>([
    ["missing token", { type: "ios" }, ["token"]],
    ["empty token", { token: "", type: "ios" }, ["token"]],
    ["whitespace in token", { token: "a\tb", type: "ios" }, ["token"]],
    ["oversized token", { token: "t".repeat(4097), type: "ios" }, ["token"]],
    ["wrong types", { token: 1, type: true, active: "no" }, ["token", "type", "active"]],
    ["unknown fields", { token: "abc", type: "ios", imageURL: "x", isAdmin: true }, ["imageURL", "isAdmin"]],
    ["an array body", [{ token: "abc", type: "ios" }], [""]],
  ])("400 for %s, with each problem's path", async (_label, json, paths) => {
    const res = await api("POST", "/v1/devices", { token: user.idToken, json });
    expectError(res, 400, "INVALID_ARGUMENT");
    expect(res.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual([...paths].sort());
    expect(await deviceIds(user.uid)).toEqual([]);
  });

  it("400 for a JSON null body", async () => {
    const res = await api("POST", "/v1/devices", { token: user.idToken, raw: "null", contentType: "application/json" });
    expect(res.status).toBe(400);
    expect(await deviceIds(user.uid)).toEqual([]);
  });

  it("400 for malformed JSON, without a stack trace", async () => {
    const res = await api("POST", "/v1/devices", { token: user.idToken, raw: '{"token": "abc", ', contentType: "application/json" });
    expect(res.status).toBe(400);
    expect(res.text).not.toMatch(/\bat .*\.(js|ts):\d+/);
    expect(res.text).not.toMatch(/node_modules/);
    expect(await deviceIds(user.uid)).toEqual([]);
  });

  it("413 for a 1 MB body", async () => {
    const res = await api("POST", "/v1/devices", {
      token: user.idToken,
      json: { token: "abc", type: "ios", name: "x".repeat(1024 * 1024) },
    });
    expectError(res, 413, "PAYLOAD_TOO_LARGE");
    expect(await deviceIds(user.uid)).toEqual([]);
  });

  it.each([["text/plain"], ["application/x-www-form-urlencoded"], ["multipart/form-data; boundary=x"]])("415 for Content-Type %s", async (contentType) => {
    const res = await api("POST", "/v1/devices", {
      token: user.idToken,
      raw: contentType.startsWith("application/x-www") ? "token=abc&type=ios" : '{"token":"abc","type":"ios"}',
      contentType,
    });
    expectError(res, 415, "UNSUPPORTED_MEDIA_TYPE");
    expect(await deviceIds(user.uid)).toEqual([]);
  });

  it("405 with an Allow header for a wrong method", async () => {
    const put = await api("PUT", "/v1/devices", { token: user.idToken, json: { token: "abc", type: "ios" } });
    expectError(put, 405, "METHOD_NOT_ALLOWED");
    expect(put.headers.get("allow")).toBe("POST, GET, OPTIONS");
    const post = await api("POST", `/v1/devices/${"a".repeat(64)}`, { token: user.idToken, json: {} });
    expectError(post, 405, "METHOD_NOT_ALLOWED");
    expect(post.headers.get("allow")).toBe("DELETE, OPTIONS");
  });

  it.each([["/"], ["/v2/devices"], ["/v1/devices/abc/extra"], ["/v1/users"]])("404 for unknown route %s", async (path) => {
    expectError(await api("GET", path, { token: user.idToken }), 404, "NOT_FOUND");
  });

  it("400 for a malformed deviceId in DELETE", async () => {
    const res = await api("DELETE", "/v1/devices/not-a-device-id", { token: user.idToken });
    expectError(res, 400, "INVALID_ARGUMENT");
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toEqual([""]);
  });

  it("401 without Authorization, with a non-Bearer scheme, or with a garbage token", async () => {
    expectError(await api("GET", "/v1/devices"), 401, "UNAUTHENTICATED");
    expectError(await api("GET", "/v1/devices", { headers: { Authorization: `Basic ${user.idToken}` } }), 401, "UNAUTHENTICATED");
    expectError(await api("GET", "/v1/devices", { token: "garbage.token.here" }), 401, "UNAUTHENTICATED");
    expectError(await api("POST", "/v1/devices", { json: { token: "abc", type: "ios" } }), 401, "UNAUTHENTICATED");
  });

  it("401 for the token of a deleted user", async () => {
    const gone = await createUser();
    await adminAuth.deleteUser(gone.uid);
    const res = await api("POST", "/v1/devices", { token: gone.idToken, json: { token: uniqueId("t"), type: "ios" } });
    expectError(res, 401, "UNAUTHENTICATED");
    expect(await deviceIds(gone.uid)).toEqual([]);
  });

  it("401 for the token of a disabled user", async () => {
    const disabled = await createUser();
    await adminAuth.updateUser(disabled.uid, { disabled: true });
    const res = await api("GET", "/v1/devices", { token: disabled.idToken });
    expectError(res, 401, "UNAUTHENTICATED");
    expect(res.body.error.message).toMatch(/disabled/);
  });

  it("401 for a revoked token", async () => {
    const revoked = await createUser();
    await new Promise((r) => setTimeout(r, 1100)); // revocation is recorded at second precision
    await adminAuth.revokeRefreshTokens(revoked.uid);
    const res = await api("GET", "/v1/devices", { token: revoked.idToken });
    expectError(res, 401, "UNAUTHENTICATED");
    expect(res.body.error.message).toMatch(/revoked/);
  });
});
