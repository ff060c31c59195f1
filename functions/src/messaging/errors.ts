// What an FCM send error means for the fan-out (drop the device, retry, stop, or just record it).
import type { SendError } from "./transport.js";

export type ErrorKind = "token" | "transient" | "configuration" | "other";

const TOKEN_NOT_REGISTERED = "messaging/registration-token-not-registered";
/** firebase-admin 14.5's name for FCM's 404 UNREGISTERED when the message targeted an FID. */
const INSTALLATION_ID_NOT_REGISTERED = "messaging/installation-id-not-registered";
const INVALID_ARGUMENT = "messaging/invalid-argument";

// FCM's HTTP v1 API reports QUOTA_EXCEEDED (HTTP 429) as retryable with backoff; firebase-admin 14
// maps it to messaging/message-rate-exceeded, but messaging/quota-exceeded is kept here so that an
// error named after the server code (other SDK versions, hand-built errors) is retried too.
// messaging/device-message-rate-exceeded (legacy per-device 429) likewise asks for backoff.
// app/network-error and app/network-timeout are how firebase-admin reports a lost connection or a
// timed-out request (also per message, from HTTP/2 session errors); they say nothing about the
// token or the payload, so a later attempt is the right answer.
const TRANSIENT = new Set([
  "messaging/server-unavailable",
  "messaging/internal-error",
  "messaging/message-rate-exceeded",
  "messaging/unknown-error",
  "messaging/quota-exceeded",
  "messaging/device-message-rate-exceeded",
  "app/network-error",
  "app/network-timeout",
]);

// Errors no retry and no other device can fix: the project's credentials or APNs setup is wrong.
// messaging/authentication-error is what firebase-admin reports for a non-JSON 401/403.
const CONFIGURATION = new Set([
  "messaging/third-party-auth-error",
  "messaging/mismatched-credential",
  "messaging/invalid-apns-credentials",
  "messaging/authentication-error",
  "app/invalid-credential",
  "app/invalid-app-options",
]);

/**
 * Only the errors that prove the token (or FID) itself is dead are "token": deleting a device is
 * irreversible, and any other invalid-argument is a payload problem that must never cost a user
 * their devices. messaging/invalid-registration-token is deliberately not one of them: the contract
 * names only these two, and firebase-admin 14 never reports it from `sendEach` (FCM v1 sends
 * INVALID_ARGUMENT with the "not a valid FCM registration token" message instead).
 */
export function classifyError(error: SendError): ErrorKind {
  if (error.code === TOKEN_NOT_REGISTERED || error.code === INSTALLATION_ID_NOT_REGISTERED) return "token";
  if (error.code === INVALID_ARGUMENT) {
    return /registration token/i.test(error.message) && /not a valid|invalid/i.test(error.message) ? "token" : "other";
  }
  if (TRANSIENT.has(error.code)) return "transient";
  if (CONFIGURATION.has(error.code)) return "configuration";
  return "other";
}

/**
 * Parses an HTTP Retry-After value (delta-seconds or an HTTP-date, RFC 9110 §10.2.3) into ms from
 * `now`. Unusable values give undefined rather than 0, so a garbled header does not shorten backoff.
 */
export function parseRetryAfterMs(value: unknown, now: number = Date.now()): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (typeof raw === "number") return Number.isFinite(raw) && raw >= 0 ? Math.round(raw * 1000) : undefined;
  if (typeof raw !== "string") return undefined;
  const text = raw.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // An HTTP-date always names its month; without that test Date.parse reads "-3" as the year -3.
  const at = /[a-z]{3}/i.test(text) ? Date.parse(text) : Number.NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function headerValue(headers: unknown, name: string): unknown {
  if (headers === null || typeof headers !== "object") return undefined;
  // Node lowercases incoming header names (HTTP/1.1 and HTTP/2 alike); the scan covers anything else.
  const entries = Object.entries(headers as Record<string, unknown>);
  return entries.find(([key]) => key.toLowerCase() === name)?.[1];
}

/**
 * Turns whatever firebase-admin reported or threw into a SendError. Errors without a string code
 * (plain Errors, strings) become messaging/unknown-error, which is transient: an unexplained failure
 * is retried a bounded number of times rather than dropped or allowed to delete anything.
 *
 * Retry-After: firebase-admin 14's FirebaseError (and so FirebaseMessagingError, the type of
 * `BatchResponse.responses[i].error`) carries a public `httpResponse: { status, headers, data }`
 * built from the FCM response, so the header is read from `httpResponse.headers["retry-after"]`.
 * Note the SDK's HTTP client already retries 503 itself (4 retries, honouring Retry-After up to
 * 60 s) before reporting messaging/server-unavailable; 429 and 500 reach us unretried.
 */
export function toSendError(err: unknown, now: number = Date.now()): SendError {
  const e = (err ?? {}) as { code?: unknown; message?: unknown; httpResponse?: { headers?: unknown } };
  const code = typeof e.code === "string" && e.code !== "" ? e.code : "messaging/unknown-error";
  const message = typeof e.message === "string" && e.message !== "" ? e.message : typeof err === "string" && err !== "" ? err : code;
  const retryAfterMs = parseRetryAfterMs(headerValue(e.httpResponse?.headers, "retry-after"), now);
  // Omitted rather than undefined: callers may write the error to Firestore, which rejects undefined.
  return retryAfterMs === undefined ? { code, message } : { code, message, retryAfterMs };
}
