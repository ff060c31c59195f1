// The api's own HTTP behaviour, called directly with fakes: CORS for CORS_ORIGINS, the preflight
// answer, and the error shapes. (Under the emulator, the Functions emulator wraps HTTP functions in a
// permissive CORS layer of its own, so the api's CORS answers can only be pinned here.)
import type { Auth } from "firebase-admin/auth";
import type { Firestore } from "firebase-admin/firestore";
import { logger } from "firebase-functions";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type ApiRequest, type ApiResponse, createApiHandler, MAX_BODY_BYTES } from "../../src/http/api.js";

class FakeResponse implements ApiResponse {
  statusCode: number | undefined;
  readonly headers: Record<string, string> = {};
  body: any;
  ended = false;

  status(code: number) {
    this.statusCode = code;
    return this;
  }
  set(field: string, value: string) {
    this.headers[field.toLowerCase()] = value;
    return this;
  }
  json(body: unknown) {
    this.body = body;
    this.ended = true;
  }
  end() {
    this.ended = true;
  }
}

const ALLOWED = "https://a.example";
const VALID_TOKEN = "valid-id-token";

/** A fake Auth: VALID_TOKEN is user "u1"; "<code>" tokens fail with that Firebase Auth error code. */
function fakeAuth() {
  const verifyIdToken = vi.fn(async (token: string, _checkRevoked?: boolean) => {
    if (token === VALID_TOKEN) return { uid: "u1" };
    throw Object.assign(new Error(`Firebase ID token rejected (${token}), internal detail`), { code: token });
  });
  return { auth: { verifyIdToken } as unknown as Auth, verifyIdToken };
}

function setup(options: { origins?: string[]; db?: () => Firestore } = {}) {
  const { auth, verifyIdToken } = fakeAuth();
  const db =
    options.db ??
    (() => {
      throw new Error("Firestore is not used on this path");
    });
  const handler = createApiHandler({ db, auth: () => auth, maxDevices: () => 20, corsOrigins: () => options.origins ?? [ALLOWED] });
  const call = async (req: Partial<ApiRequest> & { method: string; path: string }) => {
    const res = new FakeResponse();
    await handler({ headers: {}, ...req }, res);
    return res;
  };
  return { call, verifyIdToken };
}

const bearer = (token = VALID_TOKEN) => ({ authorization: `Bearer ${token}` });
const jsonHeaders = (extra: Record<string, string> = {}) => ({ ...bearer(), "content-type": "application/json", ...extra });

function expectError(res: FakeResponse, httpStatus: number, status: string) {
  expect(res.statusCode).toBe(httpStatus);
  expect(res.ended).toBe(true);
  expect(Object.keys(res.body)).toEqual(["error"]);
  expect(res.body.error.status).toBe(status);
  expect(typeof res.body.error.message).toBe("string");
  expect(res.body.error.message.length).toBeGreaterThan(0);
  expect(JSON.stringify(res.body)).not.toMatch(/\bat .*\.(js|ts):\d+/);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("CORS with CORS_ORIGINS = https://a.example", () => {
  it("an allowed origin gets itself back, with Vary: Origin, on every answer (here a 401)", async () => {
    const res = await setup().call({ method: "GET", path: "/v1/devices", headers: { origin: ALLOWED } });
    expectError(res, 401, "UNAUTHENTICATED");
    expect(res.headers["access-control-allow-origin"]).toBe(ALLOWED);
    expect(res.headers.vary).toBe("Origin");
  });

  it.each([["https://evil.example"], ["http://a.example"], ["https://a.example.evil.example"], ["https://A.example"], ["null"]])(
    "origin %s is not allowed: no Access-Control-Allow-Origin, still Vary: Origin",
    async (origin) => {
      const res = await setup().call({ method: "GET", path: "/v1/devices", headers: { origin } });
      expectError(res, 401, "UNAUTHENTICATED");
      expect(res.headers["access-control-allow-origin"]).toBeUndefined();
      expect(res.headers.vary).toBe("Origin");
    },
  );

  it("a request without Origin (not from a browser) gets no CORS headers", async () => {
    const res = await setup().call({ method: "GET", path: "/v1/devices" });
    expect(res.headers["access-control-allow-origin"]).toBeUndefined();
    expect(res.headers.vary).toBeUndefined();
  });

  it("the default * allows any origin, without Vary", async () => {
    const res = await setup({ origins: ["*"] }).call({ method: "GET", path: "/v1/devices", headers: { origin: "https://anyone.example" } });
    expect(res.headers["access-control-allow-origin"]).toBe("*");
    expect(res.headers.vary).toBeUndefined();
  });

  it("a list of several origins allows each of them", async () => {
    const origins = [ALLOWED, "https://b.example"];
    for (const origin of origins) {
      const res = await setup({ origins }).call({ method: "GET", path: "/v1/devices", headers: { origin } });
      expect(res.headers["access-control-allow-origin"]).toBe(origin);
    }
  });
});

describe("OPTIONS preflight", () => {
  it("is answered 204 without an ID token, with the route's methods and the headers a client sends", async () => {
    const { call, verifyIdToken } = setup();
    const res = await call({
      method: "OPTIONS",
      path: "/v1/devices",
      headers: { origin: ALLOWED, "access-control-request-method": "POST", "access-control-request-headers": "authorization,content-type" },
    });
    expect(res.statusCode).toBe(204);
    expect(res.ended).toBe(true);
    expect(res.body).toBeUndefined();
    expect(res.headers).toEqual({
      "access-control-allow-origin": ALLOWED,
      vary: "Origin",
      allow: "POST, GET, OPTIONS",
      "access-control-allow-methods": "POST, GET, OPTIONS",
      "access-control-allow-headers": "Authorization, Content-Type",
      "access-control-max-age": "3600",
    });
    expect(verifyIdToken).not.toHaveBeenCalled();
  });

  it("names DELETE for a device's route", async () => {
    const res = await setup().call({ method: "OPTIONS", path: `/v1/devices/${"a".repeat(64)}`, headers: { origin: ALLOWED } });
    expect(res.statusCode).toBe(204);
    expect(res.headers["access-control-allow-methods"]).toBe("DELETE, OPTIONS");
  });

  it("from a disallowed origin is answered without Access-Control-Allow-Origin, so the browser stops there", async () => {
    const res = await setup().call({ method: "OPTIONS", path: "/v1/devices", headers: { origin: "https://evil.example" } });
    expect(res.statusCode).toBe(204);
    expect(res.headers["access-control-allow-origin"]).toBeUndefined();
  });

  it("for an unknown route is a 404", async () => {
    expectError(await setup().call({ method: "OPTIONS", path: "/v1/unknown" }), 404, "NOT_FOUND");
  });
});

describe("error shapes", () => {
  it.each([["/"], ["/v2/devices"], ["/v1/devices/abc/extra"], ["/v1/users"]])("404 NOT_FOUND for %s, before any auth", async (path) => {
    const { call, verifyIdToken } = setup();
    expectError(await call({ method: "GET", path }), 404, "NOT_FOUND");
    expect(verifyIdToken).not.toHaveBeenCalled();
  });

  it("405 METHOD_NOT_ALLOWED with an Allow header, before any auth", async () => {
    const { call, verifyIdToken } = setup();
    const put = await call({ method: "PUT", path: "/v1/devices" });
    expectError(put, 405, "METHOD_NOT_ALLOWED");
    expect(put.headers.allow).toBe("POST, GET, OPTIONS");
    const post = await call({ method: "POST", path: `/v1/devices/${"a".repeat(64)}` });
    expectError(post, 405, "METHOD_NOT_ALLOWED");
    expect(post.headers.allow).toBe("DELETE, OPTIONS");
    expect(verifyIdToken).not.toHaveBeenCalled();
  });

  it.each([[{}], [{ authorization: "" }], [{ authorization: `Basic ${VALID_TOKEN}` }], [{ authorization: "Bearer" }], [{ authorization: "Bearer a b" }]])(
    "401 UNAUTHENTICATED without a Bearer token: %o",
    async (headers) => {
      const { call, verifyIdToken } = setup();
      const res = await call({ method: "GET", path: "/v1/devices", headers });
      expectError(res, 401, "UNAUTHENTICATED");
      expect(res.body.error.message).toMatch(/Authorization: Bearer/);
      expect(verifyIdToken).not.toHaveBeenCalled();
    },
  );

  it.each([
    ["auth/id-token-revoked", /revoked/],
    ["auth/user-disabled", /disabled/],
    ["auth/id-token-expired", /expired/],
    ["auth/user-not-found", /no longer exists/],
    ["auth/argument-error", /^The ID token is invalid\.$/],
  ])("401 UNAUTHENTICATED when the token is rejected with %s, without the SDK's message", async (code, message) => {
    const { call, verifyIdToken } = setup();
    const res = await call({ method: "GET", path: "/v1/devices", headers: bearer(code) });
    expectError(res, 401, "UNAUTHENTICATED");
    expect(res.body.error.message).toMatch(message);
    expect(JSON.stringify(res.body)).not.toContain("internal detail");
    // Revoked tokens and disabled users are only caught with the revocation check.
    expect(verifyIdToken).toHaveBeenCalledWith(code, true);
  });

  it("413 PAYLOAD_TOO_LARGE for a body one byte over 16 KiB, after auth", async () => {
    const { call, verifyIdToken } = setup();
    const res = await call({ method: "POST", path: "/v1/devices", headers: jsonHeaders(), rawBody: Buffer.alloc(MAX_BODY_BYTES + 1, 0x20), body: {} });
    expectError(res, 413, "PAYLOAD_TOO_LARGE");
    expect(verifyIdToken).toHaveBeenCalledTimes(1);
  });

  it("a body of exactly 16 KiB is not too large (it is judged as a request)", async () => {
    const res = await setup().call({ method: "POST", path: "/v1/devices", headers: jsonHeaders(), rawBody: Buffer.alloc(MAX_BODY_BYTES, 0x20), body: {} });
    expectError(res, 400, "INVALID_ARGUMENT");
  });

  it.each([["text/plain"], ["application/x-www-form-urlencoded"], ["multipart/form-data; boundary=x"], [""]])(
    "415 UNSUPPORTED_MEDIA_TYPE for Content-Type %o",
    async (contentType) => {
      const res = await setup().call({
        method: "POST",
        path: "/v1/devices",
        headers: { ...bearer(), "content-type": contentType },
        rawBody: Buffer.from('{"token":"t","type":"ios"}'),
        body: '{"token":"t","type":"ios"}',
      });
      expectError(res, 415, "UNSUPPORTED_MEDIA_TYPE");
    },
  );

  it("accepts application/json with parameters and in any case", async () => {
    const res = await setup().call({
      method: "POST",
      path: "/v1/devices",
      headers: jsonHeaders({ "content-type": "Application/JSON; charset=utf-8" }),
      body: [],
    });
    expectError(res, 400, "INVALID_ARGUMENT");
  });

  it("400 INVALID_ARGUMENT with details for an invalid body, and for a body that is not JSON", async () => {
    const { call } = setup();
    const invalid = await call({ method: "POST", path: "/v1/devices", headers: jsonHeaders(), body: { token: "", type: "fridge", extra: 1 } });
    expect(invalid.statusCode).toBe(400);
    expect(Object.keys(invalid.body.error).sort()).toEqual(["details", "message", "status"]);
    expect(invalid.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(["extra", "token", "type"]);
    const garbled = await call({ method: "POST", path: "/v1/devices", headers: jsonHeaders(), body: Buffer.from('{"token": ') });
    expectError(garbled, 400, "INVALID_ARGUMENT");
  });

  it("an unexpected error is a 500 INTERNAL without its message, and is logged", async () => {
    const logged = vi.spyOn(logger, "error").mockImplementation(() => undefined);
    const { call } = setup({
      db: () => {
        throw new Error("connection to 10.0.0.7 failed: secret-credential-xyz");
      },
    });
    const res = await call({ method: "POST", path: "/v1/devices", headers: jsonHeaders({ origin: ALLOWED }), body: { token: "tok", type: "ios" } });
    expectError(res, 500, "INTERNAL");
    expect(res.body).toEqual({ error: { status: "INTERNAL", message: "Internal error." } });
    expect(JSON.stringify(res.body)).not.toContain("secret-credential-xyz");
    expect(res.headers["access-control-allow-origin"]).toBe(ALLOWED);
    expect(logged).toHaveBeenCalledTimes(1);
    expect(JSON.stringify(logged.mock.calls[0])).toContain("secret-credential-xyz");
  });

  it("a thrown non-Error is a 500 INTERNAL too", async () => {
    vi.spyOn(logger, "error").mockImplementation(() => undefined);
    const { call } = setup({
      db: () => {
        throw "a string, not an Error";
      },
    });
    const res = await call({ method: "GET", path: "/v1/devices", headers: bearer() });
    expect(res.body).toEqual({ error: { status: "INTERNAL", message: "Internal error." } });
    expect(res.statusCode).toBe(500);
  });

  it("503 UNAVAILABLE with Retry-After when the registration transaction keeps losing to concurrent writers", async () => {
    const { call } = setup({
      db: () => {
        throw Object.assign(new Error("10 ABORTED: Transaction lock timeout"), { code: 10 });
      },
    });
    const res = await call({ method: "POST", path: "/v1/devices", headers: jsonHeaders(), body: { token: "tok", type: "ios" } });
    expectError(res, 503, "UNAVAILABLE");
    expect(res.headers["retry-after"]).toBe("1");
    expect(JSON.stringify(res.body)).not.toContain("lock timeout");
  });
});
