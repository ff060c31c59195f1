// The emulator's stand-in for FCM: records each message in sandboxOutbox, outcome chosen by the prefix
// of the device's token or FID.
import { FieldValue, type Firestore } from "firebase-admin/firestore";
import { type Address, addressOf, identifierOf } from "../devices/address.js";
import { toSendError } from "./errors.js";
import { chunk, type Messenger, type OutgoingMessage, type SendResult } from "./transport.js";

export const SANDBOX_OUTBOX = "sandboxOutbox";

/** Firestore's cap on writes in one WriteBatch. */
const BATCH_WRITE_LIMIT = 500;

// Order is irrelevant: no prefix here starts another, so a token matches at most one row.
const FAILURES: ReadonlyArray<{ prefix: string; code: string; fidCode?: string; message: string; firstAttemptOnly?: boolean }> = [
  {
    prefix: "sandbox-unregistered",
    code: "messaging/registration-token-not-registered",
    // What firebase-admin reports for FCM's 404 UNREGISTERED when the message targeted an FID.
    fidCode: "messaging/installation-id-not-registered",
    message: "Requested entity was not found.",
  },
  {
    prefix: "sandbox-invalid",
    code: "messaging/invalid-argument",
    message: "The registration token is not a valid FCM registration token",
  },
  {
    prefix: "sandbox-unavailable",
    code: "messaging/server-unavailable",
    message: "The service is currently unavailable.",
  },
  {
    prefix: "sandbox-flaky",
    code: "messaging/server-unavailable",
    message: "The service is currently unavailable.",
    firstAttemptOnly: true,
  },
  {
    prefix: "sandbox-auth-error",
    code: "messaging/third-party-auth-error",
    message: "Auth error from APNS or Web Push Service",
  },
];

/**
 * The outcome FCM would have given. Stateless: "flaky" keys off the caller's attempt number, so a
 * resumed or duplicated fan-out run sees the same behaviour as the first one. An FID's prefix
 * chooses as a token's does (a bare string is a token).
 */
export function sandboxOutcome(address: Address | string, attempt: number, projectId: string, nextId: () => number): SendResult {
  const target: Address = typeof address === "string" ? { token: address } : address;
  const failure = FAILURES.find((f) => identifierOf(target).startsWith(f.prefix));
  if (failure && (!failure.firstAttemptOnly || attempt === 1)) {
    const code = target.fid !== undefined ? (failure.fidCode ?? failure.code) : failure.code;
    return { ok: false, error: { code, message: failure.message } };
  }
  return { ok: true, messageId: `projects/${projectId}/messages/sandbox-${nextId()}` };
}

// Seeded from the clock so ids also differ across emulator restarts, which keeps outbox documents
// from different runs distinguishable.
let lastId = Date.now();
const nextSandboxId = () => ++lastId;

/**
 * Firestore rejects undefined values, while FCM's JSON encoding simply drops them; removing them
 * here stores exactly what FCM would have received.
 */
function withoutUndefined<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutUndefined) as T;
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) if (v !== undefined) out[key] = withoutUndefined(v);
    return out as T;
  }
  return value;
}

function outboxDoc(m: OutgoingMessage, result: SendResult, dryRun: boolean): Record<string, unknown> {
  return {
    notificationId: m.notificationId,
    userId: m.userId,
    deviceId: m.deviceId,
    ...addressOf(m.address),
    message: withoutUndefined(m.message),
    ...(result.ok
      ? { outcome: "sent", messageId: result.messageId }
      : { outcome: "failed", error: { code: result.error.code, message: result.error.message } }),
    dryRun,
    at: FieldValue.serverTimestamp(),
  };
}

export function createSandboxMessenger(db: Firestore, projectId: string): Messenger {
  return {
    name: "sandbox",
    async send(messages, { dryRun }) {
      const results: SendResult[] = [];
      for (const part of chunk(messages, BATCH_WRITE_LIMIT)) {
        const outcomes = part.map((m) => sandboxOutcome(m.address, m.attempt, projectId, nextSandboxId));
        try {
          const batch = db.batch();
          const outbox = db.collection(SANDBOX_OUTBOX);
          part.forEach((m, i) => batch.set(outbox.doc(), outboxDoc(m, outcomes[i], dryRun)));
          await batch.commit();
          results.push(...outcomes);
        } catch (err) {
          // An unrecorded message counts as unsent, as a failed sendEach call would: the same error
          // for the whole batch, transient unless the error says otherwise, so the fan-out retries.
          const error = toSendError(err);
          results.push(...part.map((): SendResult => ({ ok: false, error })));
        }
      }
      return results;
    },
  };
}
