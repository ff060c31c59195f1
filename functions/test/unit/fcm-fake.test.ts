// The FCM fake (tools/fcm-fake) against the real firebase-admin client in this process, no
// emulator: pushfan's messages pass its v1 validation, its answers become the `messaging/...` codes
// and classes pushfan acts on, and requests FCM's v1 schema rejects are rejected with the field.
import { connect } from "node:http2";
import { type App, applicationDefault, deleteApp, initializeApp } from "firebase-admin/app";
import { getMessaging } from "firebase-admin/messaging";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { classifyError, createFcmMessenger, type OutgoingMessage, toSendError } from "../../src/messaging/index.js";
import { buildMessage } from "../../src/notifications/message.js";
import { parseNotification } from "../../src/notifications/schema.js";
import { withSettings } from "../../tools/fcm-fake/functions-env.js";
import { redirectFcm } from "../../tools/fcm-fake/preload.js";
import { type FcmFake, type ReceivedMessage, startFcmFake } from "../../tools/fcm-fake/server.js";

const PROJECT = "demo-fcm-fake-unit";
let fake: FcmFake;
let app: App;

async function control(method: string, path: string, body?: unknown) {
  const res = await fetch(`${fake.controlUrl}/control${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as any };
}

const messagesOf = async (id: string): Promise<ReceivedMessage[]> => (await control("GET", `/messages?notificationId=${id}`)).body.messages;

beforeAll(async () => {
  // Ephemeral ports: this file may run while an emulator session holds the fake's fixed port.
  fake = await startFcmFake({ projectId: PROJECT, controlPort: 0 });
  process.env.GCE_METADATA_HOST = fake.controlUrl.replace("http://", "");
  process.env.METADATA_SERVER_DETECTION = "assume-present";
  redirectFcm(fake.fcmAddress);
  app = initializeApp({ projectId: PROJECT, credential: applicationDefault() }, "fcm-fake-unit");
});

afterAll(async () => {
  await deleteApp(app);
  await fake.close();
});

beforeEach(async () => {
  await control("DELETE", "/faults");
});

let seq = 0;
function outgoing(token: string, doc: Record<string, unknown> = { title: "Hello" }): OutgoingMessage {
  const notificationId = `n-${++seq}`;
  const parsed = parseNotification({ userId: "u1", ...doc });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.details));
  const message = buildMessage(notificationId, parsed.value, { token }, new Date());
  message.data = { ...message.data, notificationId };
  return { notificationId, userId: "u1", deviceId: `d-${seq}`, address: { token }, message, attempt: 1 };
}

const send = (messages: OutgoingMessage[], dryRun = false) => createFcmMessenger(getMessaging(app)).send(messages, { dryRun });

describe("pushfan's messages through firebase-admin's sendEach to the fake", () => {
  it("accepts the richest message pushfan builds, on the wire as FCM's v1 JSON", async () => {
    const out = outgoing("rich-token", {
      title: "Sale",
      body: "Half price",
      imageUrl: "https://cdn.example.com/i.png",
      link: "https://shop.example.com/sale",
      data: { promo: "summer", count: 3, vip: true },
      collapseKey: "sale",
      ttlSeconds: 3600,
      priority: "normal",
      analyticsLabel: "summer_sale",
      android: { channelId: "promos", sound: "default", color: "#ff8800", tag: "t1", clickAction: "OPEN" },
      apns: { sound: "chime.caf", badge: 3, category: "PROMO", threadId: "sales" },
    });
    const [result] = await send([out]);
    expect(result).toEqual({ ok: true, messageId: expect.stringMatching(new RegExp(`^projects/${PROJECT}/messages/`)) });
    const [received] = await messagesOf(out.notificationId);
    expect(received).toMatchObject({ token: "rich-token", status: 200, validateOnly: false });
    const wire = received!.message as any;
    expect(wire.android).toMatchObject({ ttl: "3600s", collapse_key: "sale", priority: "normal" });
    expect(wire.android.notification).toMatchObject({ channel_id: "promos", click_action: "OPEN", image: "https://cdn.example.com/i.png", color: "#ff8800" });
    // firebase-admin sends these two in lowerCamelCase, which proto3 JSON (and so FCM) accepts.
    expect(wire.apns.fcmOptions).toEqual({ image: "https://cdn.example.com/i.png" });
    expect(wire.fcmOptions).toEqual({ analyticsLabel: "summer_sale" });
    expect(wire.data).toMatchObject({ count: "3", vip: "true", notificationId: out.notificationId });
  });

  it("a dry run is validated (validate_only) and answered with FCM's fake message id", async () => {
    const out = outgoing("dry-token");
    const [result] = await send([out], true);
    expect(result).toEqual({ ok: true, messageId: `projects/${PROJECT}/messages/fake_message_id` });
    expect((await messagesOf(out.notificationId))[0]).toMatchObject({ validateOnly: true, status: 200 });
  });

  it.each([
    ["sandbox-unregistered-1", "messaging/registration-token-not-registered", "token", 404],
    ["sandbox-invalid-1", "messaging/invalid-argument", "token", 400],
    ["sandbox-auth-error-1", "messaging/third-party-auth-error", "configuration", 401],
  ])("token %s: %s, classified %s", async (token, code, kind, status) => {
    const out = outgoing(token);
    const [result] = await send([out]);
    expect(result!.ok).toBe(false);
    if (result!.ok) return;
    expect(result!.error.code).toBe(code);
    expect(classifyError(result!.error)).toBe(kind);
    expect((await messagesOf(out.notificationId)).map((m) => m.status)).toEqual([status]);
  });

  it.each([
    [{ status: 403, fcmError: "SENDER_ID_MISMATCH" }, "messaging/mismatched-credential", "configuration"],
    [{ status: 500, fcmError: "INTERNAL" }, "messaging/internal-error", "transient"],
    [{ status: 429, fcmError: "QUOTA_EXCEEDED", retryAfterSeconds: 7 }, "messaging/message-rate-exceeded", "transient"],
    [{ status: 400, fcmError: "INVALID_ARGUMENT" }, "messaging/invalid-argument", "other"],
    [{ resetConnection: true }, "app/network-error", "transient"],
    // firebase-admin retries the ECONNRESET on the dead session and reports that as a session failure.
    [{ resetConnection: "session" }, "messaging/unknown-error", "transient"],
  ] as const)("fault %j: %s, classified %s", async (rule, code, kind) => {
    await control("PUT", "/faults", { rules: [{ tokenPrefix: "fault-", times: 1, ...rule }] });
    const out = outgoing("fault-token");
    const [result] = await send([out]);
    expect(result!.ok).toBe(false);
    if (result!.ok) return;
    expect(result!.error.code).toBe(code);
    expect(classifyError(result!.error)).toBe(kind);
    if ("retryAfterSeconds" in rule) expect(result!.error.retryAfterMs).toBe(7000);
  });

  it("503: firebase-admin retries it itself, so two 503s and then success cost pushfan nothing", async () => {
    await control("PUT", "/faults", { rules: [{ tokenPrefix: "flaky503-", status: 503, times: 2 }] });
    const out = outgoing("flaky503-token");
    const [result] = await send([out]);
    expect(result!.ok).toBe(true);
    expect((await messagesOf(out.notificationId)).map((m) => m.status)).toEqual([503, 503, 200]);
  }, 20_000);

  it("a rule applies only to its prefix and only `times` times; the others are answered normally", async () => {
    await control("PUT", "/faults", { rules: [{ tokenPrefix: "q-", status: 429, times: 1 }] });
    const results = await send([outgoing("q-1"), outgoing("other"), outgoing("q-2")]);
    expect(results.map((r) => r.ok)).toEqual([false, true, true]);
    expect((await control("GET", "/faults")).body.rules[0]).toMatchObject({ used: 1, times: 1 });
  });

  it("a delayed answer still succeeds", async () => {
    await control("PUT", "/faults", { rules: [{ delayMs: 300, times: 1 }] });
    const started = Date.now();
    const [result] = await send([outgoing("slow")]);
    expect(result!.ok).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });

  it("an FID message: accepted, and a dead FID is firebase-admin's installation-id-not-registered", async () => {
    const batch = await getMessaging(app).sendEach([
      { fid: "fid-alive", notification: { title: "t" } },
      { fid: "sandbox-unregistered-fid", notification: { title: "t" } },
    ] as never);
    expect(batch.responses[0]).toMatchObject({ success: true });
    expect(batch.responses[1]!.error?.code).toBe("messaging/installation-id-not-registered");
  });

  it("toSendError reads Retry-After from the real FirebaseMessagingError", async () => {
    await control("PUT", "/faults", { rules: [{ status: 429, retryAfterSeconds: 2, times: 1 }] });
    const batch = await getMessaging(app).sendEach([{ token: "x", notification: { title: "t" } }]);
    expect(toSendError(batch.responses[0]!.error, 0)).toMatchObject({ code: "messaging/message-rate-exceeded", retryAfterMs: 2000 });
  });
});

/** A raw v1 request (what firebase-admin's own validation would stop before sending). */
async function rawSend(body: unknown, bearer?: string): Promise<{ status: number; body: any }> {
  const token =
    bearer ??
    (
      (await (
        await fetch(`${fake.controlUrl}/computeMetadata/v1/instance/service-accounts/default/token`, { headers: { "Metadata-Flavor": "Google" } })
      ).json()) as any
    ).access_token;
  const session = connect(`http://${fake.fcmAddress}`);
  try {
    return await new Promise((resolve, reject) => {
      const req = session.request({
        ":method": "POST",
        ":path": `/v1/projects/${PROJECT}/messages:send`,
        authorization: `Bearer ${token}`,
        "content-type": "application/json",
      });
      let status = 0;
      let text = "";
      req.on("response", (h) => (status = Number(h[":status"])));
      req.on("data", (c) => (text += c));
      req.on("end", () => resolve({ status, body: JSON.parse(text) }));
      req.on("error", reject);
      req.end(typeof body === "string" ? body : JSON.stringify(body));
    });
  } finally {
    session.close();
  }
}

describe("the fake's v1 validation rejects what FCM rejects, with INVALID_ARGUMENT and the field", () => {
  const ok = { token: "t", notification: { title: "Hi" } };
  it.each([
    ["a data value that is not a string", { ...ok, data: { n: 1 } }, "message.data[0].value"],
    ["a payload over 4096 bytes", { ...ok, data: { big: "x".repeat(4100) } }, "message"],
    ["a ttl without its unit", { ...ok, android: { ttl: "3600" } }, "message.android.ttl"],
    ["a ttl as a number", { ...ok, android: { ttl: 3600 } }, "message.android.ttl"],
    ["a ttl over 28 days", { ...ok, android: { ttl: "2419201s" } }, "message.android.ttl"],
    ["a non-string APNs header", { ...ok, apns: { headers: { "apns-priority": 10 } } }, "message.apns.headers[0].value"],
    ["two targets", { ...ok, topic: "news" }, "message"],
    ["no target", { notification: { title: "Hi" } }, "message"],
    ["a token and an fid", { ...ok, fid: "f1" }, "message"],
    ["an unknown field", { ...ok, imageURL: "https://x" }, "message"],
    ["an unknown android field", { ...ok, android: { channel: "x" } }, "message.android"],
    ["a bad color", { ...ok, android: { notification: { color: "red" } } }, "message.android.notification.color"],
    ["a bad priority", { ...ok, android: { priority: "urgent" } }, "message.android.priority"],
    ["a reserved data key", { ...ok, data: { from: "x" } }, "message.data"],
    ["an analytics label with spaces", { ...ok, fcm_options: { analytics_label: "a b" } }, "message.fcm_options.analytics_label"],
    ["an http link", { ...ok, webpush: { fcm_options: { link: "http://x" } } }, "message.webpush.fcm_options.link"],
    ["a bad topic name", { topic: "a b" }, "message.topic"],
  ])("%s", async (_, message, field) => {
    const res = await rawSend({ message });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 400, status: "INVALID_ARGUMENT" });
    expect(res.body.error.details[0]).toEqual({ "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", errorCode: "INVALID_ARGUMENT" });
    expect(res.body.error.details[1].fieldViolations.map((v: { field: string }) => v.field)).toContain(field);
  });

  it("accepts an fid target, a topic, camelCase names and a payload of exactly 4096 bytes", async () => {
    expect((await rawSend({ message: { fid: "fid-1", notification: { title: "Hi" } } })).status).toBe(200);
    expect((await rawSend({ message: { topic: "/topics/news", android: { collapseKey: "k", ttl: "1.5s" } } })).status).toBe(200);
    const base = JSON.stringify({ notification: { title: "Hi" }, data: { k: "" } }).length;
    expect((await rawSend({ message: { token: "t", notification: { title: "Hi" }, data: { k: "x".repeat(4096 - base) } } })).status).toBe(200);
  });

  it("malformed JSON is INVALID_ARGUMENT; a request without a token it issued is UNAUTHENTICATED", async () => {
    expect((await rawSend("{not json")).status).toBe(400);
    const res = await rawSend({ message: { token: "t" } }, "stolen");
    expect(res.status).toBe(401);
    expect(res.body.error.status).toBe("UNAUTHENTICATED");
  });
});

describe("the control API", () => {
  it.each([
    [{ rules: [{ status: "503" }] }],
    [{ rules: [{ fcmError: "NOPE" }] }],
    [{ rules: [{ times: 0 }] }],
    [{ rules: [{ resetConnection: "yes" }] }],
    [{ rules: [{ probability: 0.2 }] }],
    [{ rule: [] }],
  ])("refuses the fault rules %j", async (body) => {
    expect((await control("PUT", "/faults", body)).status).toBe(400);
  });

  it("the metadata server answers only with Metadata-Flavor: Google", async () => {
    expect((await fetch(`${fake.controlUrl}/computeMetadata/v1/instance/service-accounts/default/token`)).status).toBe(403);
  });
});

describe("the functions' env file for the fake", () => {
  it("replaces the keys it sets, keeps the rest, quotes values with spaces", () => {
    const text = withSettings("# c\nA=1\nNODE_OPTIONS=--x\nB=2\n", { A: "9", NODE_OPTIONS: "--x --require ./p.js", C: "3" });
    expect(text).toBe('# c\nA=9\nNODE_OPTIONS="--x --require ./p.js"\nB=2\n# Set by tools/fcm-fake for this run:\nC=3\n');
  });
});
