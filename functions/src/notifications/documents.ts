// The stored shapes of the notifications domain: the notification's output fields, its delivery
// ledger and its shards. Defined once here; everything reads and writes them through these
// converters. (The admin's input fields are checked by schema.ts, with readable errors.)
import type { Firestore, Timestamp } from "firebase-admin/firestore";
import { z } from "zod";
import { IDENTIFIER_KINDS, type IdentifierKind } from "../devices/address.js";
import { converterOf, timestampSchema } from "../shared/documents.js";
import type { ErrorDetail } from "../shared/validation.js";

export const NOTIFICATIONS = "notifications";
export const DELIVERIES = "deliveries";
export const SHARDS = "shards";

export const TERMINAL_STATUSES = ["sent", "partial", "failed", "no-devices", "invalid", "cancelled"] as const;
export const NOTIFICATION_STATUSES = ["scheduled", "processing", ...TERMINAL_STATUSES] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];

export const DELIVERY_STATUSES = ["sent", "failed", "removed", "skipped", "held"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export const SKIP_REASONS = ["opted-out", "muted", "capped"] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

export function isTerminal(status: unknown): status is TerminalStatus {
  return (TERMINAL_STATUSES as readonly unknown[]).includes(status);
}

/** `stats`: `recipients` is the number of listed users, absent for `topic` and `broadcast`. */
export interface Stats {
  recipients?: number;
  devices: number;
  sent: number;
  failed: number;
  removed: number;
  /** Not sent because of the user's preferences or the daily cap (recipients/). */
  skipped?: number;
  /** Waiting for their quiet hours to end; 0 once terminal. */
  held?: number;
}

/** `progress`, while a large audience is sent (written at most once a second). */
export interface Progress<T = Timestamp> {
  devicesPlanned: number;
  devicesDone: number;
  shards: number;
  shardsDone: number;
  updatedAt: T;
}

export interface NotificationError {
  code: string;
  message: string;
  details?: ErrorDetail[];
}

/** Who may run the planner now: one run at a time, until `expiresAt`. */
export interface Lease<T = Timestamp> {
  runId: string;
  expiresAt: T;
}

/** Written once the planner has handed out the whole audience. */
export interface PlanSummary {
  complete: true;
  shards: number;
  devices: number;
  /** The trigger kept its single shard to send itself (no send task exists for it). */
  inline?: boolean;
}

/**
 * The fields only the backend writes. Contract outputs first; then `createdAt` (the document's
 * creation time, for sorting), `dueAt` (when a scheduled notification starts), `lease` and `plan`
 * (the planner's), and `halt` (an error that stopped the send, such as bad FCM credentials).
 */
export interface NotificationOutput<T = Timestamp> {
  status?: NotificationStatus;
  stats?: Stats;
  progress?: Progress<T>;
  error?: NotificationError;
  attempts?: number;
  startedAt?: T;
  completedAt?: T;
  createdAt?: T;
  dueAt?: T;
  lease?: Lease<T>;
  plan?: PlanSummary;
  halt?: { code: string; message: string };
  /** When the sweeper looks at it if nothing moves (see STALL_MS); deleted once terminal. */
  checkAt?: T;
  /** Devices that reported it received / opened, counted from the ledger at most once a minute (inbox/engagement.ts). */
  engagement?: { received: number; opened: number; updatedAt: T };
}

/** A stored notification: the admin's fields (checked by schema.ts) and the backend's outputs. */
export type StoredNotification = NotificationOutput & { [field: string]: unknown };

const statsSchema = z.object({
  recipients: z.number().optional(),
  devices: z.number(),
  sent: z.number(),
  failed: z.number(),
  removed: z.number(),
  skipped: z.number().optional(),
  held: z.number().optional(),
});

const codeMessage = z.object({ code: z.string(), message: z.string() });

const notificationSchema: z.ZodType<StoredNotification> = z.looseObject({
  status: z.enum(NOTIFICATION_STATUSES).optional(),
  stats: statsSchema.optional(),
  progress: z
    .object({ devicesPlanned: z.number(), devicesDone: z.number(), shards: z.number(), shardsDone: z.number(), updatedAt: timestampSchema })
    .optional(),
  error: codeMessage.extend({ details: z.array(z.object({ path: z.string(), message: z.string() })).optional() }).optional(),
  attempts: z.number().optional(),
  startedAt: timestampSchema.optional(),
  completedAt: timestampSchema.optional(),
  createdAt: timestampSchema.optional(),
  dueAt: timestampSchema.optional(),
  lease: z.object({ runId: z.string(), expiresAt: timestampSchema }).optional(),
  plan: z.object({ complete: z.literal(true), shards: z.number(), devices: z.number(), inline: z.boolean().optional() }).optional(),
  halt: codeMessage.optional(),
  checkAt: timestampSchema.optional(),
  engagement: z.object({ received: z.number(), opened: z.number(), updatedAt: timestampSchema }).optional(),
});

/** `notifications/{id}/deliveries/{deviceId}`: one device's outcome, and the idempotency record. */
export interface DeliveryDocument<T = Timestamp> {
  userId: string;
  deviceId: string;
  /** The kind of identifier the device was sent to (never the identifier); absent on older records. */
  identifiedBy?: IdentifierKind;
  status: DeliveryStatus;
  /** The tag of the translation the device was sent (as the notification's `translations` spells it); absent: the document's own content. */
  locale?: string;
  /** Why it was `skipped`: opted-out, muted, capped (recipients/). */
  reason?: SkipReason;
  /** When a `held` device's quiet hours end and it is sent. */
  heldUntil?: T;
  /** FCM's message id, on `sent`. */
  messageId?: string;
  /** FCM's error, on `failed` and `removed`. */
  error?: { code: string; message: string };
  attempts: number;
  updatedAt: T;
  /** When the TTL policy deletes the record: `updatedAt` + DELIVERY_RETENTION_DAYS. */
  expireAt: T;
  /** Set once, by reportEvent from the device itself (inbox/events.ts). */
  receivedAt?: T;
  openedAt?: T;
}

const deliverySchema: z.ZodType<DeliveryDocument> = z.object({
  userId: z.string(),
  deviceId: z.string(),
  identifiedBy: z.enum(IDENTIFIER_KINDS).optional(),
  status: z.enum(DELIVERY_STATUSES),
  locale: z.string().optional(),
  reason: z.enum(SKIP_REASONS).optional(),
  heldUntil: timestampSchema.optional(),
  messageId: z.string().optional(),
  error: codeMessage.optional(),
  attempts: z.number(),
  updatedAt: timestampSchema,
  expireAt: timestampSchema,
  receivedAt: timestampSchema.optional(),
  openedAt: timestampSchema.optional(),
});

export const SHARD_STATUSES = ["planned", "sending", "done", "skipped"] as const;
export type ShardStatus = (typeof SHARD_STATUSES)[number];

/** What a finished shard counts: its devices' outcomes and the send rounds it needed. */
export interface ShardStats {
  devices: number;
  sent: number;
  failed: number;
  removed: number;
  rounds: number;
  skipped?: number;
  /**
   * Devices this shard handed to a release shard (quiet hours). A release shard counts its own
   * devices negatively here and in `devices` (its shard already counted them), so the sums over done
   * shards are the devices still held and the distinct devices.
   */
  held?: number;
}

/** Where a resumed planner continues: after `after` (a device path) in segment `segment`. */
export interface Checkpoint {
  segment: number;
  after: string;
  /** The first shard of the window this checkpoint closes; its tasks may not be enqueued yet. */
  windowStart: number;
  nextIndex: number;
  /** Devices handed out so far, this window included. */
  devices: number;
}

/**
 * `notifications/{id}/shards/{index}`: up to one sendEach's worth of device keys (`uid/deviceId`),
 * sent by one task. `planned` → `sending` (leased) → `done`, or `skipped` when the notification
 * was cancelled, halted or deleted before the shard started.
 */
export interface ShardDocument<T = Timestamp> {
  index: number;
  devices: string[];
  size: number;
  /** Not sent before this instant (a localTime group); null = at once. */
  dueAt: T | null;
  status: ShardStatus;
  /** Runs that claimed the shard. */
  attempts: number;
  /** Send rounds made across all runs: a device's attempts carry on when a run resumes the shard. */
  rounds?: number;
  lease?: Lease<T>;
  stats?: ShardStats;
  checkpoint?: Checkpoint;
  /**
   * A release shard (recipients/hold.ts): devices another shard held for their quiet hours, sent at
   * `dueAt`. Its index is negative (never the planner's last shard) and its `size` 0 (they were
   * planned once already).
   */
  release?: boolean;
  createdAt: T;
  updatedAt: T;
  expireAt: T;
}

const shardSchema: z.ZodType<ShardDocument> = z.object({
  index: z.number(),
  devices: z.array(z.string()),
  size: z.number(),
  dueAt: timestampSchema.nullable(),
  status: z.enum(SHARD_STATUSES),
  attempts: z.number(),
  rounds: z.number().optional(),
  lease: z.object({ runId: z.string(), expiresAt: timestampSchema }).optional(),
  stats: z
    .object({
      devices: z.number(),
      sent: z.number(),
      failed: z.number(),
      removed: z.number(),
      rounds: z.number(),
      skipped: z.number().optional(),
      held: z.number().optional(),
    })
    .optional(),
  checkpoint: z.object({ segment: z.number(), after: z.string(), windowStart: z.number(), nextIndex: z.number(), devices: z.number() }).optional(),
  release: z.boolean().optional(),
  createdAt: timestampSchema,
  updatedAt: timestampSchema,
  expireAt: timestampSchema,
});

export const notificationConverter = converterOf(notificationSchema);
export const deliveryConverter = converterOf(deliverySchema);
export const shardConverter = converterOf(shardSchema);

export const notificationRef = (db: Firestore, id: string) => db.collection(NOTIFICATIONS).doc(id).withConverter(notificationConverter);
export const deliveriesOf = (db: Firestore, id: string) => db.collection(NOTIFICATIONS).doc(id).collection(DELIVERIES).withConverter(deliveryConverter);
export const shardsOf = (db: Firestore, id: string) => db.collection(NOTIFICATIONS).doc(id).collection(SHARDS).withConverter(shardConverter);
/** Shard ids sort in index order. */
export const shardRef = (db: Firestore, id: string, index: number) => shardsOf(db, id).doc(String(index).padStart(6, "0"));

/**
 * Notifications the sweeper should look at: not terminal, and not written for STALL_MS. An
 * equality-free range on one field, served by Firestore's automatic single-field index; finished
 * notifications drop `checkAt`, so the query's cost follows what it finds, not what exists.
 */
export const stalledNotifications = (db: Firestore, now: Timestamp, limit: number) =>
  db.collection(NOTIFICATIONS).withConverter(notificationConverter).where("checkAt", "<=", now).orderBy("checkAt").limit(limit);

/** Every query the fan-out makes of a notification's shards and ledger (the index test checks each). */
export function fanoutQueries(db: Firestore, id: string) {
  const shards = shardsOf(db, id);
  const done = shards.where("status", "==", "done");
  return {
    /** The highest shard: it carries the planner's latest checkpoint. */
    lastShard: shards.orderBy("index", "desc").limit(1),
    sending: shards.where("status", "==", "sending"),
    /** Shards not settled yet: what the sweeper re-enqueues when their tasks are gone. */
    unsettled: shards.where("status", "in", ["planned", "sending"]),
    settled: shards.where("status", "in", ["done", "skipped"]),
    done,
    /** The done shard that needed the most send rounds: the notification's `attempts`. */
    slowest: done.orderBy("stats.rounds", "desc").limit(1),
    allShards: shards,
    failures: deliveriesOf(db, id).where("status", "in", ["failed", "removed"]),
  };
}

/** A device key in a shard: `uid/deviceId` (a uid never contains '/'). */
export const deviceKey = (uid: string, deviceId: string) => `${uid}/${deviceId}`;
export function parseDeviceKey(key: string): { userId: string; deviceId: string } {
  const slash = key.indexOf("/");
  return { userId: key.slice(0, slash), deviceId: key.slice(slash + 1) };
}
