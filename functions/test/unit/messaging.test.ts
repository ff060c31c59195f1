// Messaging transport unit tests with fakes: sandbox outcomes, error classes, backoff, FCM chunking, outbox.

import { FieldValue, type Firestore } from "firebase-admin/firestore";
import { type BatchResponse, FirebaseMessagingError, type Message, type Messaging, type SendResponse } from "firebase-admin/messaging";
import { describe, expect, it, vi } from "vitest";
import {
  backoffDelayMs,
  classifyError,
  createFcmMessenger,
  createMessenger,
  createSandboxMessenger,
  FCM_BATCH_LIMIT,
  type OutgoingMessage,
  parseRetryAfterMs,
  type SendResult,
  sandboxOutcome,
  sleep,
  toSendError,
} from "../../src/messaging/index.js";

const PROJECT = "demo-pushfan";

function outgoing(i: number, token = `token-${i}`, attempt = 1): OutgoingMessage {
  return {
    notificationId: "n1",
    userId: `user-${i % 7}`,
    deviceId: `device-${i}`,
    address: { token },
    message: { token, notification: { title: `t${i}` }, data: { i: String(i) } },
    attempt,
  };
}

/** A message to a device registered by its Firebase Installation ID. */
function outgoingToFid(i: number, fid: string, attempt = 1): OutgoingMessage {
  return {
    notificationId: "n1",
    userId: `user-${i % 7}`,
    deviceId: `device-${i}`,
    address: { fid },
    message: { fid, notification: { title: `t${i}` } },
    attempt,
  };
}

function counter(start = 0) {
  let n = start;
  return () => ++n;
}

describe("sandboxOutcome", () => {
  it.each([
    ["sandbox-unregistered", "messaging/registration-token-not-registered", "Requested entity was not found."],
    ["sandbox-invalid", "messaging/invalid-argument", "The registration token is not a valid FCM registration token"],
    ["sandbox-auth-error", "messaging/third-party-auth-error", undefined],
    ["sandbox-unavailable", "messaging/server-unavailable", undefined],
  ])("token %s… fails with %s", (prefix, code, message) => {
    const result = sandboxOutcome(`${prefix}-abc123`, 1, PROJECT, counter());
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe(code);
    if (message !== undefined) expect(result.error.message).toBe(message);
    expect(result.error.message.length).toBeGreaterThan(0);
  });

  it("sandbox-unavailable fails on every attempt", () => {
    for (const attempt of [1, 2, 3, 5, 20]) {
      const result = sandboxOutcome("sandbox-unavailable-x", attempt, PROJECT, counter());
      expect(result).toMatchObject({ ok: false, error: { code: "messaging/server-unavailable" } });
    }
  });

  it("sandbox-flaky fails on attempt 1 only, then succeeds", () => {
    expect(sandboxOutcome("sandbox-flaky-1", 1, PROJECT, counter())).toMatchObject({
      ok: false,
      error: { code: "messaging/server-unavailable" },
    });
    expect(sandboxOutcome("sandbox-flaky-1", 2, PROJECT, counter(41))).toEqual({
      ok: true,
      messageId: `projects/${PROJECT}/messages/sandbox-42`,
    });
    expect(sandboxOutcome("sandbox-flaky-1", 3, PROJECT, counter()).ok).toBe(true);
  });

  it("any other token succeeds with a projects/<project>/messages/sandbox-<n> id", () => {
    const next = counter(99);
    expect(sandboxOutcome("real-looking-token:APA91b", 1, "my-proj", next)).toEqual({
      ok: true,
      messageId: "projects/my-proj/messages/sandbox-100",
    });
    // Only the prefix counts: the same words later in the token do not.
    expect(sandboxOutcome("x-sandbox-unregistered", 1, "my-proj", next)).toEqual({
      ok: true,
      messageId: "projects/my-proj/messages/sandbox-101",
    });
  });
});

describe("sandboxOutcome for FID devices", () => {
  it("an FID's prefix chooses the outcome as a token's does; a dead FID fails as firebase-admin reports it", () => {
    const dead = sandboxOutcome({ fid: "sandbox-unregistered-fid" }, 1, PROJECT, counter());
    expect(dead).toEqual({ ok: false, error: { code: "messaging/installation-id-not-registered", message: "Requested entity was not found." } });
    expect(classifyError((dead as Extract<SendResult, { ok: false }>).error)).toBe("token");
    expect(sandboxOutcome({ fid: "sandbox-invalid-fid" }, 1, PROJECT, counter())).toMatchObject({ ok: false, error: { code: "messaging/invalid-argument" } });
    expect(sandboxOutcome({ fid: "sandbox-flaky-fid" }, 1, PROJECT, counter())).toMatchObject({ ok: false, error: { code: "messaging/server-unavailable" } });
    expect(sandboxOutcome({ fid: "sandbox-flaky-fid" }, 2, PROJECT, counter()).ok).toBe(true);
    expect(sandboxOutcome({ fid: "sandbox-auth-error-fid" }, 1, PROJECT, counter())).toMatchObject({
      ok: false,
      error: { code: "messaging/third-party-auth-error" },
    });
    expect(sandboxOutcome({ fid: "cXmHGY4fRfGA8WcxZyVcaU" }, 1, "p", counter(6))).toEqual({ ok: true, messageId: "projects/p/messages/sandbox-7" });
  });
});

describe("classifyError", () => {
  it.each([
    ["messaging/registration-token-not-registered", "Requested entity was not found.", "token"],
    ["messaging/invalid-argument", "The registration token is not a valid FCM registration token", "token"],
    ["messaging/invalid-argument", "Invalid registration token provided.", "token"],
    ["messaging/server-unavailable", "x", "transient"],
    ["messaging/internal-error", "x", "transient"],
    ["messaging/message-rate-exceeded", "x", "transient"],
    ["messaging/unknown-error", "x", "transient"],
    ["messaging/quota-exceeded", "x", "transient"],
    ["messaging/device-message-rate-exceeded", "x", "transient"],
    ["app/network-error", "x", "transient"],
    ["app/network-timeout", "x", "transient"],
    ["messaging/third-party-auth-error", "x", "configuration"],
    ["messaging/mismatched-credential", "x", "configuration"],
    ["messaging/invalid-apns-credentials", "x", "configuration"],
    ["messaging/authentication-error", "x", "configuration"],
    ["app/invalid-credential", "x", "configuration"],
    ["app/invalid-app-options", "x", "configuration"],
    ["messaging/payload-size-limit-exceeded", "x", "other"],
    ["messaging/invalid-payload", "x", "other"],
    ["messaging/invalid-registration-token", "Invalid registration token provided.", "other"],
    // firebase-admin 14.5 reports FCM's 404 UNREGISTERED this way when the message targeted an FID.
    ["messaging/installation-id-not-registered", "The provided installation ID is not registered.", "token"],
    ["something/else", "x", "other"],
  ])("%s (%s) → %s", (code, message, kind) => {
    expect(classifyError({ code, message })).toBe(kind);
  });

  it.each([
    "Invalid value at 'message.data[0].value' (TYPE_STRING), 12",
    "Request contains an invalid argument.",
    "Message.android.notification.color must be #rrggbb",
    // Mentions the token but does not say it is invalid.
    "The registration token was accepted but the apns payload is malformed",
  ])("messaging/invalid-argument about the payload (%s) → other, never token", (message) => {
    expect(classifyError({ code: "messaging/invalid-argument", message })).toBe("other");
  });
});

describe("toSendError and Retry-After", () => {
  it("keeps a FirebaseMessagingError's code and message and reads Retry-After seconds", () => {
    const err = new FirebaseMessagingError({
      code: "server-unavailable",
      message: "The service is currently unavailable.",
      httpResponse: { status: 503, headers: { "retry-after": "7" } },
    });
    expect(toSendError(err)).toEqual({
      code: "messaging/server-unavailable",
      message: "The service is currently unavailable.",
      retryAfterMs: 7000,
    });
  });

  it("reads an HTTP-date Retry-After relative to now, and never below 0", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfterMs("Thu, 01 Jan 2026 00:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfterMs("Wed, 31 Dec 2025 23:59:00 GMT", now)).toBe(0);
    expect(parseRetryAfterMs(["2"], now)).toBe(2000);
    expect(parseRetryAfterMs("soon", now)).toBeUndefined();
    expect(parseRetryAfterMs("-3", now)).toBeUndefined();
    expect(parseRetryAfterMs(undefined, now)).toBeUndefined();
  });

  it("omits retryAfterMs (no undefined key) without the header, and defaults the code", () => {
    const noHeader = toSendError(
      new FirebaseMessagingError({
        code: "internal-error",
        message: "boom",
        httpResponse: { status: 500, headers: {} },
      }),
    );
    expect(noHeader).toEqual({ code: "messaging/internal-error", message: "boom" });
    expect("retryAfterMs" in noHeader).toBe(false);
    expect(toSendError(new Error("socket hang up"))).toEqual({
      code: "messaging/unknown-error",
      message: "socket hang up",
    });
    expect(toSendError("weird")).toEqual({ code: "messaging/unknown-error", message: "weird" });
    expect(toSendError(undefined)).toEqual({ code: "messaging/unknown-error", message: "messaging/unknown-error" });
  });
});

describe("backoffDelayMs", () => {
  const opts = { baseMs: 1000, maxMs: 30_000 };

  it("full jitter: random() = 0 gives 0 on every attempt", () => {
    for (const attempt of [1, 2, 3, 4, 10]) expect(backoffDelayMs(attempt, opts, undefined, () => 0)).toBe(0);
  });

  it("random() = 0.999 gives just under the exponential ceiling, doubling per attempt", () => {
    expect(backoffDelayMs(1, opts, undefined, () => 0.999)).toBe(999);
    expect(backoffDelayMs(2, opts, undefined, () => 0.999)).toBe(1998);
    expect(backoffDelayMs(3, opts, undefined, () => 0.999)).toBe(3996);
    expect(backoffDelayMs(4, opts, undefined, () => 0.999)).toBe(7992);
    // Rounded down: the delay stays below the ceiling, as random() < 1 promises.
    expect(backoffDelayMs(1, opts, undefined, () => 0.9999)).toBe(999);
  });

  it("stays within [0, min(maxMs, base * 2^(attempt-1))] and is an integer", () => {
    for (let attempt = 1; attempt <= 8; attempt++) {
      const ceiling = Math.min(opts.maxMs, opts.baseMs * 2 ** (attempt - 1));
      for (const r of [0, 0.1, 0.37, 0.5, 0.9, 0.999]) {
        const delay = backoffDelayMs(attempt, opts, undefined, () => r);
        expect(Number.isInteger(delay)).toBe(true);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThan(ceiling);
      }
    }
  });

  it("caps at maxMs however many attempts", () => {
    expect(backoffDelayMs(6, opts, undefined, () => 0.999)).toBe(29_970);
    expect(backoffDelayMs(50, opts, undefined, () => 0.999)).toBe(29_970);
    expect(backoffDelayMs(5000, opts, undefined, () => 1)).toBe(30_000);
    expect(backoffDelayMs(5000, { baseMs: 0, maxMs: 30_000 }, undefined, () => 0.5)).toBe(0);
  });

  it("honours Retry-After as a floor, still capped by maxMs", () => {
    expect(backoffDelayMs(1, opts, 5000, () => 0)).toBe(5000);
    expect(backoffDelayMs(1, opts, 5000, () => 0.999)).toBe(5000);
    expect(backoffDelayMs(5, opts, 500, () => 0.999)).toBe(15_984);
    expect(backoffDelayMs(1, opts, 120_000, () => 0)).toBe(30_000);
    expect(backoffDelayMs(1, opts, 1500.2, () => 0)).toBe(1501);
    expect(backoffDelayMs(1, opts, -10, () => 0)).toBe(0);
  });

  it("sleep waits the given time", async () => {
    vi.useFakeTimers();
    try {
      let done = false;
      const p = sleep(100).then(() => (done = true));
      await vi.advanceTimersByTimeAsync(99);
      expect(done).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      await p;
      expect(done).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});

/** A sendEach stand-in: tokens containing "gone" are unregistered, "busy" gets a 429 with Retry-After. */
function fakeSendEach() {
  const calls: Array<{ messages: Message[]; dryRun: boolean | undefined }> = [];
  const sendEach = vi.fn(async (messages: Message[], dryRun?: boolean): Promise<BatchResponse> => {
    calls.push({ messages, dryRun });
    const responses = messages.map((m): SendResponse => {
      const token = (m as { token: string }).token;
      if (token.includes("gone")) {
        return {
          success: false,
          error: new FirebaseMessagingError({
            code: "registration-token-not-registered",
            message: "Requested entity was not found.",
          }),
        };
      }
      if (token.includes("busy")) {
        return {
          success: false,
          error: new FirebaseMessagingError({
            code: "message-rate-exceeded",
            message: "Quota exceeded.",
            httpResponse: { status: 429, headers: { "retry-after": "3" } },
          }),
        };
      }
      return { success: true, messageId: `projects/p/messages/${token}` };
    });
    return { responses, successCount: 0, failureCount: 0 };
  });
  return { sendEach, calls };
}

describe("createFcmMessenger", () => {
  it("splits 1,200 messages into sendEach calls of 500/500/200, in order, passing dryRun", async () => {
    const { sendEach, calls } = fakeSendEach();
    const messages = Array.from({ length: 1200 }, (_, i) => outgoing(i));
    const results = await createFcmMessenger({ sendEach }).send(messages, { dryRun: true });

    expect(FCM_BATCH_LIMIT).toBe(500);
    expect(calls.map((c) => c.messages.length)).toEqual([500, 500, 200]);
    expect(calls.map((c) => c.dryRun)).toEqual([true, true, true]);
    expect(calls.flatMap((c) => c.messages)).toEqual(messages.map((m) => m.message));
    expect(calls[1].messages[0]).toBe(messages[500].message);
    expect(results).toHaveLength(1200);

    await createFcmMessenger({ sendEach }).send([outgoing(1)], { dryRun: false });
    expect(calls[3].dryRun).toBe(false);
  });

  it("maps each response to its message, successes and errors mixed", async () => {
    const { sendEach } = fakeSendEach();
    const tokens = (i: number) => (i % 5 === 0 ? `gone-${i}` : i % 7 === 0 ? `busy-${i}` : `ok-${i}`);
    const messages = Array.from({ length: 1200 }, (_, i) => outgoing(i, tokens(i)));
    const results = await createFcmMessenger({ sendEach }).send(messages, { dryRun: false });

    results.forEach((result, i) => {
      const token = tokens(i);
      if (token.startsWith("gone")) {
        expect(result).toEqual({
          ok: false,
          error: { code: "messaging/registration-token-not-registered", message: "Requested entity was not found." },
        });
      } else if (token.startsWith("busy")) {
        expect(result).toEqual({
          ok: false,
          error: { code: "messaging/message-rate-exceeded", message: "Quota exceeded.", retryAfterMs: 3000 },
        });
      } else {
        expect(result).toEqual({ ok: true, messageId: `projects/p/messages/${token}` });
      }
    });
  });

  it("maps a throwing sendEach to the same error for every message of that chunk only", async () => {
    let call = 0;
    const sendEach = vi.fn(async (msgs: Message[]): Promise<BatchResponse> => {
      call++;
      if (call === 2) {
        throw Object.assign(new Error("Failed to fetch a valid access token"), { code: "app/invalid-credential" });
      }
      const responses = msgs.map(() => ({ success: true, messageId: "m" }));
      return { responses, successCount: msgs.length, failureCount: 0 };
    });
    const results = await createFcmMessenger({ sendEach }, { concurrency: 1 }).send(
      Array.from({ length: 1100 }, (_, i) => outgoing(i)),
      { dryRun: false },
    );
    expect(results.slice(0, 500).every((r) => r.ok)).toBe(true);
    expect(results.slice(500, 1000)).toEqual(
      Array.from({ length: 500 }, () => ({
        ok: false,
        error: { code: "app/invalid-credential", message: "Failed to fetch a valid access token" },
      })),
    );
    expect(results.slice(1000).every((r) => r.ok)).toBe(true);
  });

  it("catches a synchronous throw and a code-less rejection as messaging/unknown-error", async () => {
    const syncThrow = {
      sendEach: (): Promise<BatchResponse> => {
        throw new Error("ECONNRESET");
      },
    };
    const results = await createFcmMessenger(syncThrow).send([outgoing(1), outgoing(2)], { dryRun: false });
    expect(results).toEqual([
      { ok: false, error: { code: "messaging/unknown-error", message: "ECONNRESET" } },
      { ok: false, error: { code: "messaging/unknown-error", message: "ECONNRESET" } },
    ]);
  });

  it("reports a missing response as an error instead of throwing", async () => {
    const short = {
      sendEach: async (): Promise<BatchResponse> => ({
        responses: [{ success: true, messageId: "only-one" }],
        successCount: 1,
        failureCount: 0,
      }),
    };
    const results = await createFcmMessenger(short).send([outgoing(1), outgoing(2)], { dryRun: false });
    expect(results[0]).toEqual({ ok: true, messageId: "only-one" });
    expect(results[1]).toMatchObject({ ok: false, error: { code: "messaging/unknown-error" } });
  });

  it("does not call sendEach for an empty list", async () => {
    const { sendEach } = fakeSendEach();
    expect(await createFcmMessenger({ sendEach }).send([], { dryRun: false })).toEqual([]);
    expect(sendEach).not.toHaveBeenCalled();
  });

  it("keeps at most `concurrency` calls in flight and results in order when calls finish out of order", async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const sendEach = async (msgs: Message[]): Promise<BatchResponse> => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      // Shorter chunks (the last one) finish first.
      await new Promise((r) => setTimeout(r, msgs.length === 500 ? 20 : 1));
      inFlight--;
      return {
        responses: msgs.map((m) => ({ success: true, messageId: (m as { token: string }).token })),
        successCount: msgs.length,
        failureCount: 0,
      };
    };
    const messages = Array.from({ length: 1700 }, (_, i) => outgoing(i));
    const results = await createFcmMessenger({ sendEach }, { concurrency: 2 }).send(messages, { dryRun: false });
    expect(maxInFlight).toBe(2);
    expect(results.map((r) => (r.ok ? r.messageId : "x"))).toEqual(messages.map((m) => m.address.token));
  });
});

/** Just the Firestore surface the sandbox uses: collection().doc() and batch().set()/commit(). */
function fakeFirestore(options: { failCommit?: (n: number) => boolean } = {}) {
  let ids = 0;
  const collections: string[] = [];
  const commits: Array<Array<{ id: string; data: Record<string, unknown> }>> = [];
  let commitCalls = 0;
  const db = {
    collection(name: string) {
      collections.push(name);
      return { doc: () => ({ id: `auto-${++ids}`, path: `${name}/auto-${ids}` }) };
    },
    batch() {
      const writes: Array<{ id: string; data: Record<string, unknown> }> = [];
      return {
        set(ref: { id: string }, data: Record<string, unknown>) {
          writes.push({ id: ref.id, data });
        },
        async commit() {
          commitCalls++;
          if (options.failCommit?.(commitCalls)) {
            throw Object.assign(new Error("14 UNAVAILABLE: no connection"), { code: 14 });
          }
          commits.push(writes);
        },
      };
    },
  };
  return { db: db as unknown as Firestore, collections, commits, docs: () => commits.flat() };
}

function undefinedPaths(value: unknown, path = "$"): string[] {
  if (value === undefined) return [path];
  if (Array.isArray(value)) return value.flatMap((v, i) => undefinedPaths(v, `${path}[${i}]`));
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.entries(value).flatMap(([k, v]) => undefinedPaths(v, `${path}.${k}`));
  }
  return [];
}

describe("createSandboxMessenger", () => {
  it("writes one sandboxOutbox document per message with exactly the contract's fields", async () => {
    const fake = fakeFirestore();
    const messages = [outgoing(1, "fcm-token-1"), outgoing(2, "sandbox-unregistered-2"), outgoing(3, "sandbox-flaky-3", 1), outgoing(4, "sandbox-flaky-4", 2)];
    const messenger = createSandboxMessenger(fake.db, PROJECT);
    expect(messenger.name).toBe("sandbox");
    const results = await messenger.send(messages, { dryRun: false });

    expect(new Set(fake.collections)).toEqual(new Set(["sandboxOutbox"]));
    expect(fake.commits).toHaveLength(1);
    const docs = fake.docs();
    expect(docs).toHaveLength(4);
    expect(new Set(docs.map((d) => d.id)).size).toBe(4);

    expect(results[0]).toMatchObject({ ok: true });
    expect(results.slice(1, 3).every((r) => !r.ok)).toBe(true);
    expect(results[3]).toMatchObject({ ok: true });

    const [sent, unregistered, flaky] = docs.map((d) => d.data);
    const { at, ...rest } = sent;
    expect(rest).toStrictEqual({
      notificationId: "n1",
      userId: messages[0].userId,
      deviceId: "device-1",
      token: "fcm-token-1",
      message: messages[0].message,
      outcome: "sent",
      messageId: (results[0] as Extract<SendResult, { ok: true }>).messageId,
      dryRun: false,
    });
    expect((at as FieldValue).isEqual(FieldValue.serverTimestamp())).toBe(true);

    expect(Object.keys(unregistered).sort()).toEqual(["at", "deviceId", "dryRun", "error", "message", "notificationId", "outcome", "token", "userId"].sort());
    expect(unregistered).toMatchObject({
      outcome: "failed",
      error: { code: "messaging/registration-token-not-registered", message: "Requested entity was not found." },
    });
    expect(flaky).toMatchObject({ outcome: "failed", error: { code: "messaging/server-unavailable" } });
    for (const doc of docs) expect(undefinedPaths(doc.data)).toEqual([]);
  });

  it("records an FID device's fid (and no token) next to its message, in a batch mixing both kinds", async () => {
    const fake = fakeFirestore();
    const messages = [outgoing(1, "fcm-token-1"), outgoingToFid(2, "fid-2"), outgoingToFid(3, "sandbox-unregistered-fid-3")];
    const results = await createSandboxMessenger(fake.db, PROJECT).send(messages, { dryRun: false });
    const [byToken, byFid, deadFid] = fake.docs().map((d) => d.data);
    expect(byToken).toMatchObject({ token: "fcm-token-1", message: { token: "fcm-token-1" } });
    expect(byToken).not.toHaveProperty("fid");
    expect(byFid).toMatchObject({ fid: "fid-2", deviceId: "device-2", message: { fid: "fid-2" }, outcome: "sent" });
    expect(byFid).not.toHaveProperty("token");
    expect(Object.keys(byFid!).sort()).toEqual(["at", "deviceId", "dryRun", "fid", "message", "messageId", "notificationId", "outcome", "userId"]);
    expect(deadFid).toMatchObject({ fid: "sandbox-unregistered-fid-3", outcome: "failed", error: { code: "messaging/installation-id-not-registered" } });
    expect(results.map((r) => r.ok)).toEqual([true, true, false]);
  });

  it("records dryRun and drops undefined values inside the message instead of writing them", async () => {
    const fake = fakeFirestore();
    const message = {
      token: "t-1",
      notification: { title: "Hi", body: undefined, imageUrl: undefined },
      android: { notification: { tag: "n1", color: undefined } },
      data: { a: "1" },
    } as Message;
    await createSandboxMessenger(fake.db, PROJECT).send([{ ...outgoing(1, "t-1"), message }], { dryRun: true });

    const [doc] = fake.docs();
    expect(doc.data.dryRun).toBe(true);
    expect(undefinedPaths(doc.data)).toEqual([]);
    expect(doc.data.message).toStrictEqual({
      token: "t-1",
      notification: { title: "Hi" },
      android: { notification: { tag: "n1" } },
      data: { a: "1" },
    });
  });

  it("gives unique message ids across calls", async () => {
    const fake = fakeFirestore();
    const messenger = createSandboxMessenger(fake.db, PROJECT);
    const first = await messenger.send([outgoing(1), outgoing(2), outgoing(3)], { dryRun: false });
    const second = await messenger.send([outgoing(1), outgoing(2), outgoing(3)], { dryRun: false });
    const ids = [...first, ...second].map((r) => (r.ok ? r.messageId : ""));
    expect(new Set(ids).size).toBe(6);
    for (const id of ids) expect(id).toMatch(/^projects\/demo-pushfan\/messages\/sandbox-[1-9]\d*$/);
  });

  it("uses WriteBatches of at most 500 writes and fails only the batch whose commit failed", async () => {
    const fake = fakeFirestore({ failCommit: (n) => n === 2 });
    const messages = Array.from({ length: 1001 }, (_, i) => outgoing(i));
    const results = await createSandboxMessenger(fake.db, PROJECT).send(messages, { dryRun: false });

    expect(fake.commits.map((c) => c.length)).toEqual([500, 1]);
    expect(results).toHaveLength(1001);
    expect(results.slice(0, 500).every((r) => r.ok)).toBe(true);
    expect(results.slice(500, 1000).every((r) => !r.ok && r.error.code === "messaging/unknown-error")).toBe(true);
    expect(results[1000].ok).toBe(true);
    const failed = results[700];
    expect(!failed.ok && classifyError(failed.error)).toBe("transient");
  });
});

describe("createMessenger", () => {
  it("builds only the client of the chosen transport", () => {
    const db = vi.fn(() => fakeFirestore().db);
    const messaging = vi.fn(() => ({ sendEach: vi.fn() }) as unknown as Messaging);

    expect(createMessenger("sandbox", { db, messaging, projectId: PROJECT }).name).toBe("sandbox");
    expect(db).toHaveBeenCalledTimes(1);
    expect(messaging).not.toHaveBeenCalled();

    expect(createMessenger("fcm", { db, messaging, projectId: PROJECT }).name).toBe("fcm");
    expect(messaging).toHaveBeenCalledTimes(1);
    expect(db).toHaveBeenCalledTimes(1);
  });
});
