// The public shapes of pushfan in one module, for TypeScript clients, admin tools and the console:
// what the callables and the api take and return, the notification document, its delivery ledger
// and the device documents. Types only (no runtime code), re-exported from the schemas and the
// stored-shape definitions, so nothing is written twice. Timestamps are generic: `FirestoreTimestamp`
// fits both firebase-admin's and the client SDKs' Timestamp.
import type { z } from "zod";
import type { DeviceSummary } from "./devices/registry.js";
import type { InboxEntry as StoredInboxEntry } from "./inbox/documents.js";
import type { reportEventRequestSchema, updateInboxRequestSchema } from "./inbox/schema.js";
import type { DeliveryDocument as StoredDelivery, NotificationOutput as StoredOutput } from "./notifications/documents.js";
import type { notificationSchema } from "./notifications/schema.js";
import type { ErrorDetail } from "./shared/validation.js";

// --- Devices: `registerDevice`, `unregisterDevice` and `api` /v1/devices -------------------------

export type { IdentifierKind } from "./devices/address.js";
export type { DeviceDocument } from "./devices/documents.js";
export type { DeviceSummary } from "./devices/registry.js";
// registerDevice / POST /v1/devices: { token | fid, type, name?, active?, replaces?, appVersion?, locale?,
// timezone?, topics? } → { deviceId, created }. unregisterDevice: { token } | { fid } | { deviceId } → { removed }.
export type {
  DeviceType,
  RegisterDeviceRequest,
  RegisterDeviceResponse,
  UnregisterDeviceRequest,
  UnregisterDeviceResponse,
} from "./devices/schema.js";
// setNotificationPreferences / PUT /v1/preferences: SetPreferencesRequest → Preferences ({ preferences } from the api).
export type { Preferences, PreferencesDocument, QuietHours, SetPreferencesRequest } from "./recipients/schema.js";
export type { ErrorDetail } from "./shared/validation.js";
export type { LookupUserRequest, LookupUserResponse, UserSummary } from "./users/schema.js";

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

export type {
  DeliveryStatus,
  NotificationError,
  NotificationStatus,
  Progress as NotificationProgress,
  Stats as NotificationStats,
} from "./notifications/documents.js";
/** A notification request after validation: defaults applied (`priority` is always set). */
export type { Audience, NotificationInput } from "./notifications/schema.js";

/**
 * The fields only the backend writes (internal ones included). `status` appears when the trigger
 * accepts the document; `stats`, `attempts` and `completedAt` once it reaches a terminal status.
 */
export type NotificationOutput<T = FirestoreTimestamp> = StoredOutput<T>;

/** A notification document as read back: the admin's fields plus whatever output the backend wrote. */
export type NotificationDocument<T = FirestoreTimestamp> = NotificationRequest & Partial<NotificationOutput<T>>;

/** `notifications/{id}/deliveries/{deviceId}`: one device's outcome, also the fan-out's idempotency record. */
export type DeliveryDocument<T = FirestoreTimestamp> = StoredDelivery<T>;

// --- Inbox: `users/{uid}/inbox/{notificationId}`, `updateInbox`, `reportEvent`, /v1/inbox, /v1/events

/** An inbox entry as the owner reads it; the owner may change only seenAt, readAt, archivedAt. */
export type InboxEntry<T = FirestoreTimestamp> = StoredInboxEntry<T>;
// updateInbox / POST /v1/inbox: { ids | all: true, set } → { updated }.
// reportEvent / POST /v1/events: { notificationId, event, token | fid } → { recorded }.
export type { InboxChange, ReportEventResponse, UpdateInboxResponse } from "./inbox/schema.js";
export type UpdateInboxRequest = z.input<typeof updateInboxRequestSchema>;
export type ReportEventRequest = z.input<typeof reportEventRequestSchema>;
