// The public shapes of pushfan in one module, for TypeScript clients and admin tools: what the
// callables and the api take and return, the notification document and its delivery ledger.
// Types only (no runtime code), re-exported or inferred from the schemas, so nothing is written twice.
import type { z } from "zod";
import type { DeviceSummary } from "./devices/registry.js";
import type { DeliveryStatus, NotificationStatus, Stats } from "./notifications/fanout.js";
import type { notificationSchema } from "./notifications/schema.js";
import type { ErrorDetail } from "./shared/validation.js";

// --- Devices: `registerDevice`, `unregisterDevice` and `api` /v1/devices -------------------------

// registerDevice / POST /v1/devices: { token, type, name?, active?, replaces?, appVersion?, locale?,
// timezone? } → { deviceId, created }. unregisterDevice: { token } | { deviceId } → { removed }.
export type {
  RegisterDeviceRequest,
  RegisterDeviceResponse,
  UnregisterDeviceRequest,
  UnregisterDeviceResponse,
} from "./devices/schema.js";
export type { DeviceSummary, DeviceType } from "./devices/registry.js";
export type { ErrorDetail } from "./shared/validation.js";

/** `GET /v1/devices` response. */
export interface ListDevicesResponse {
  devices: DeviceSummary[];
}

/** The body of every `api` error response (the callable protocol uses the same `error` object). */
export interface ErrorResponse {
  error: { status: string; message: string; details?: ErrorDetail[] };
}

// --- Notifications: `notifications/{id}` and `notifications/{id}/deliveries/{deviceId}` ----------

/**
 * The fields both Firebase SDKs' `Timestamp` classes have (firebase-admin and the web/Flutter SDKs
 * differ otherwise), so the document types below fit whichever SDK reads them.
 */
export interface FirestoreTimestamp {
  seconds: number;
  nanoseconds: number;
  toDate(): Date;
  toMillis(): number;
}

/** What an admin writes into `notifications/{id}` (optional fields may be left out). */
export type NotificationRequest = z.input<typeof notificationSchema>;

/** A notification request after validation: defaults applied (`priority` is always set). */
export type { NotificationInput } from "./notifications/schema.js";

export type { DeliveryStatus, NotificationStatus };

/** `stats`: `{ recipients, devices, sent, failed, removed }`. */
export type NotificationStats = Stats;

/** `error` on a `failed` or `invalid` notification; `details` lists each problem with its field path. */
export interface NotificationError {
  code: string;
  message: string;
  details?: ErrorDetail[];
}

/**
 * The fields only the backend writes. `status` appears when the fan-out claims the document;
 * `stats`, `attempts` and `completedAt` once it reaches a terminal status (a notification abandoned
 * as too old has `error` and `completedAt` but no `stats`).
 */
export interface NotificationOutput<T = FirestoreTimestamp> {
  status: NotificationStatus;
  stats?: NotificationStats;
  error?: NotificationError;
  attempts?: number;
  startedAt?: T;
  completedAt?: T;
}

/** A notification document as read back: the admin's fields plus whatever output the backend wrote. */
export type NotificationDocument<T = FirestoreTimestamp> = NotificationRequest & Partial<NotificationOutput<T>>;

/** `notifications/{id}/deliveries/{deviceId}`: one device's outcome, also the fan-out's idempotency record. */
export interface DeliveryDocument<T = FirestoreTimestamp> {
  userId: string;
  deviceId: string;
  status: DeliveryStatus;
  /** FCM's message id, on `sent`. */
  messageId?: string;
  /** FCM's error, on `failed` and `removed`. */
  error?: { code: string; message: string };
  attempts: number;
  updatedAt: T;
}
