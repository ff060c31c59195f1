// Picks the Messenger for the configured transport, creating only the client that transport needs.
import type { Firestore } from "firebase-admin/firestore";
import type { Messaging } from "firebase-admin/messaging";
import { createFcmMessenger } from "./fcm.js";
import { createSandboxMessenger } from "./sandbox.js";
import type { Messenger } from "./transport.js";

export { type BackoffOptions, backoffDelayMs, sleep } from "./backoff.js";
export { classifyError, type ErrorKind, parseRetryAfterMs, toSendError } from "./errors.js";
export { createFcmMessenger, type FcmMessengerOptions } from "./fcm.js";
export { createSandboxMessenger, SANDBOX_OUTBOX, sandboxOutcome } from "./sandbox.js";
export {
  FCM_BATCH_LIMIT,
  type Messenger,
  type OutgoingMessage,
  type SendError,
  type SendResult,
} from "./transport.js";

export function createMessenger(transport: "fcm" | "sandbox", deps: { db: () => Firestore; messaging: () => Messaging; projectId: string }): Messenger {
  return transport === "sandbox" ? createSandboxMessenger(deps.db(), deps.projectId) : createFcmMessenger(deps.messaging());
}
