// ENFORCE_APP_CHECK turns on App Check enforcement for the callables. The handlers read the param
// per request (not when the functions are defined, which warned at deploy), so each case sets it
// and serves the real registerDevice export over HTTP, the way the Functions runtime does.
import type { AddressInfo } from "node:net";
import express from "express";
import { afterEach, describe, expect, it, vi } from "vitest";

let close: (() => void) | undefined;
const saved = process.env.ENFORCE_APP_CHECK;

afterEach(() => {
  close?.();
  close = undefined;
  if (saved === undefined) delete process.env.ENFORCE_APP_CHECK;
  else process.env.ENFORCE_APP_CHECK = saved;
});

async function callRegisterDevice(enforce: boolean, headers: Record<string, string> = {}) {
  vi.resetModules();
  process.env.ENFORCE_APP_CHECK = String(enforce);
  const { registerDevice } = await import("../../src/index");
  const app = express();
  app.use(express.json());
  app.post("/", (req, res) => registerDevice(req as never, res as never));
  const server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  close = () => server.close();
  const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify({ data: { token: "app-check-token", type: "ios" } }),
  });
  return { status: res.status, body: (await res.json()) as { error?: { status: string; message: string } } };
}

describe("ENFORCE_APP_CHECK", () => {
  it("off (the default): a request without an App Check token reaches registerDevice", async () => {
    const res = await callRegisterDevice(false);
    // registerDevice's own answer to a caller who is not signed in.
    expect(res.body.error).toEqual({ status: "UNAUTHENTICATED", message: "Sign in before calling this function." });
  });

  it("on: a request without an App Check token is refused before registerDevice runs", async () => {
    const res = await callRegisterDevice(true);
    expect(res.status).toBe(401);
    expect(res.body.error).toEqual({
      status: "UNAUTHENTICATED",
      message: "This app must send a valid App Check token (ENFORCE_APP_CHECK is on).",
    });
  });

  it("on: an App Check token that does not verify is refused too", async () => {
    const res = await callRegisterDevice(true, { "X-Firebase-AppCheck": "not-a-real-app-check-token" });
    expect(res.status).toBe(401);
    expect(res.body.error?.message).toMatch(/App Check/);
  });
});
