// Fan-out of one notification document: claim it with a lease, send to every active device of its
// recipients that the delivery ledger does not already settle, retry transient failures, remove dead
// tokens, and write the outcome back. Duplicated, concurrent and crashed runs send each device once.
import {
  FieldValue,
  Timestamp,
  type DocumentReference,
  type Firestore,
  type WriteBatch,
} from "firebase-admin/firestore";
import { logger } from "firebase-functions";
import { deleteDeviceIf, DEVICES, ownerOf } from "../devices/registry.js";
import { backoffDelayMs, sleep as realSleep } from "../messaging/backoff.js";
import { classifyError } from "../messaging/errors.js";
import { chunk, FCM_BATCH_LIMIT, type Messenger, type SendError } from "../messaging/transport.js";
import { buildMessage } from "./message.js";
import { summarizeDetails } from "../shared/validation.js";
import { parseNotification, recipientsOf, type NotificationInput } from "./schema.js";

export const NOTIFICATIONS = "notifications";
export const DELIVERIES = "deliveries";
export const TERMINAL_STATUSES = ["sent", "partial", "failed", "no-devices", "invalid"] as const;
export type NotificationStatus = "processing" | (typeof TERMINAL_STATUSES)[number];
export type DeliveryStatus = "sent" | "failed" | "removed";

/** Firestore's limit on `in` filters: recipients are looked up this many at a time. */
const IN_FILTER_LIMIT = 30;
const WRITE_BATCH_LIMIT = 500;

export interface FanoutDeps {
  db: Firestore;
  messenger: Messenger;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** The collection holding notification documents (tests use another one, away from the trigger). */
  collection?: string;
}

export interface FanoutOptions {
  maxAttempts: number;
  backoff: { baseMs: number; maxMs: number };
  /** Events older than this are closed as `failed` instead of processed. */
  maxEventAgeMs: number;
  /** How long a claim excludes other runs; longer than the function's timeout. */
  leaseMs: number;
  /** Devices per send call and ledger flush (FCM allows 500). */
  batchSize?: number;
}

export interface Stats {
  recipients: number;
  devices: number;
  sent: number;
  failed: number;
  removed: number;
}

export type FanoutOutcome =
  | { kind: "completed"; status: NotificationStatus; stats: Stats; attempts: number }
  | { kind: "skipped"; reason: "missing" | "already-done" | "expired" };

/** Another run holds a live lease on the notification; thrown so the event is redelivered later. */
export class LeaseBusyError extends Error {
  constructor(notificationId: string, expiresAt: number) {
    super(`Notification ${notificationId} is being delivered by another run (lease until ${new Date(expiresAt).toISOString()}).`);
    this.name = "LeaseBusyError";
  }
}

interface Target {
  userId: string;
  deviceId: string;
  token: string;
}

interface Delivery {
  status: DeliveryStatus;
  userId: string;
  deviceId: string;
  attempts: number;
  messageId?: string;
  error?: { code: string; message: string };
}

type Claim =
  | { kind: "run"; notification: NotificationInput; resumed: boolean; attemptsSoFar: number }
  | { kind: "done"; outcome: FanoutOutcome };

function isTerminal(status: unknown): boolean {
  return (TERMINAL_STATUSES as readonly unknown[]).includes(status);
}

/** Claims the notification for this run in a transaction: validates it and takes the lease. */
async function claim(
  db: Firestore,
  ref: DocumentReference,
  runId: string,
  now: number,
  options: FanoutOptions,
  eventTime: Date | undefined,
): Promise<Claim> {
  return db.runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    if (!snap.exists) return { kind: "done", outcome: { kind: "skipped", reason: "missing" } };
    const data = snap.data()!;
    if (isTerminal(data.status)) return { kind: "done", outcome: { kind: "skipped", reason: "already-done" } };

    const lease = data.lease as { runId?: string; expiresAt?: Timestamp } | undefined;
    const leaseEnd = lease?.expiresAt instanceof Timestamp ? lease.expiresAt.toMillis() : 0;
    if (data.status === "processing" && lease?.runId !== runId && leaseEnd > now) {
      throw new LeaseBusyError(ref.id, leaseEnd);
    }

    if (eventTime && now - eventTime.getTime() > options.maxEventAgeMs) {
      tx.update(ref, {
        status: "failed",
        error: {
          code: "event-expired",
          message: `The fan-out event is ${Math.round((now - eventTime.getTime()) / 1000)} s old, beyond NOTIFICATION_MAX_EVENT_AGE_SECONDS; delivery was abandoned.`,
        },
        completedAt: FieldValue.serverTimestamp(),
        lease: FieldValue.delete(),
      });
      return { kind: "done", outcome: { kind: "skipped", reason: "expired" } };
    }

    const parsed = parseNotification(data, ref.id);
    if (!parsed.ok) {
      tx.update(ref, {
        status: "invalid",
        error: { code: "invalid-argument", message: `Invalid notification: ${summarizeDetails(parsed.details)}`, details: parsed.details },
        stats: emptyStats(0),
        attempts: 0,
        startedAt: data.startedAt ?? FieldValue.serverTimestamp(),
        completedAt: FieldValue.serverTimestamp(),
      });
      return { kind: "done", outcome: { kind: "completed", status: "invalid", stats: emptyStats(0), attempts: 0 } };
    }

    tx.update(ref, {
      status: "processing",
      lease: { runId, expiresAt: Timestamp.fromMillis(now + options.leaseMs) },
      startedAt: data.startedAt ?? FieldValue.serverTimestamp(),
    });
    return {
      kind: "run",
      notification: parsed.value,
      resumed: data.status === "processing",
      attemptsSoFar: typeof data.attempts === "number" ? data.attempts : 0,
    };
  });
}

function emptyStats(recipients: number): Stats {
  return { recipients, devices: 0, sent: 0, failed: 0, removed: 0 };
}

/** Active devices of up to 30 users (composite collection-group index userId + active). */
export function activeDevicesQuery(db: Firestore, users: string[]) {
  return db.collectionGroup(DEVICES).where("userId", "in", users).where("active", "==", true);
}

/** The active devices of the recipients, looked up 30 users per query, all queries at once. */
async function activeDevices(db: Firestore, recipients: string[]): Promise<Target[]> {
  const snapshots = await Promise.all(
    chunk(recipients, IN_FILTER_LIMIT).map((users) => activeDevicesQuery(db, users).get()),
  );
  const targets: Target[] = [];
  for (const doc of snapshots.flatMap((s) => s.docs)) {
    const userId = ownerOf(doc);
    const token = doc.get("token");
    if (userId === undefined || userId !== doc.get("userId") || typeof token !== "string" || token === "") continue;
    targets.push({ userId, deviceId: doc.id, token });
  }
  return targets;
}

async function readLedger(ref: DocumentReference): Promise<Map<string, Delivery>> {
  const snapshot = await ref.collection(DELIVERIES).get();
  return new Map(snapshot.docs.map((doc) => [doc.id, doc.data() as Delivery]));
}

/**
 * Writes settled deliveries in batches of at most 500. A `removed` delivery goes in a batch of its
 * own with the device's deletion, which fails whole if the device is already gone (unregistered,
 * purged, or taken by another user); the delivery is then recorded alone.
 */
async function recordDeliveries(db: Firestore, ref: DocumentReference, settled: Array<{ delivery: Delivery; target: Target }>) {
  const record = (batch: WriteBatch, delivery: Delivery) =>
    batch.set(ref.collection(DELIVERIES).doc(delivery.deviceId), { ...delivery, updatedAt: FieldValue.serverTimestamp() });
  const kept = settled.filter((s) => s.delivery.status !== "removed");
  const removals = settled.filter((s) => s.delivery.status === "removed");
  await Promise.all([
    ...chunk(kept, WRITE_BATCH_LIMIT).map((part) => {
      const batch = db.batch();
      for (const { delivery } of part) record(batch, delivery);
      return batch.commit();
    }),
    ...removals.map(async ({ delivery, target }) => {
      if (await deleteDeviceIf(db, target.userId, target.deviceId, { exists: true }, (batch) => record(batch, delivery))) return;
      const alone = db.batch();
      record(alone, delivery);
      await alone.commit();
    }),
  ]);
}

function statusOf(stats: Stats, configurationError: SendError | undefined): NotificationStatus {
  if (stats.devices === 0) return "no-devices";
  if (configurationError) return "failed";
  if (stats.sent === stats.devices) return "sent";
  return stats.sent === 0 ? "failed" : "partial";
}

/**
 * Delivers one notification. Safe to call any number of times, concurrently, and after a crash:
 * the lease keeps runs apart and the `deliveries` ledger keeps each device to one accepted send.
 */
export async function fanOutNotification(
  deps: FanoutDeps,
  options: FanoutOptions,
  notificationId: string,
  run: { runId: string; eventTime?: Date },
): Promise<FanoutOutcome> {
  const { db, messenger } = deps;
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? realSleep;
  const ref = db.collection(deps.collection ?? NOTIFICATIONS).doc(notificationId);
  const startedMs = now();

  const claimed = await claim(db, ref, run.runId, startedMs, options, run.eventTime);
  if (claimed.kind === "done") {
    logger.info("fanout.skipped", { notificationId, ...claimed.outcome });
    return claimed.outcome;
  }
  const { notification, resumed } = claimed;
  const recipients = recipientsOf(notification);

  // A first run knows the ledger is empty; only a resumed run pays to read it.
  const [targets, ledger] = await Promise.all([
    activeDevices(db, recipients),
    resumed ? readLedger(ref) : Promise.resolve(new Map<string, Delivery>()),
  ]);
  let pending = targets.filter((t) => !ledger.has(t.deviceId));
  logger.info("fanout.started", {
    notificationId,
    recipients: recipients.length,
    devices: targets.length,
    pending: pending.length,
    resumed,
    transport: messenger.name,
  });

  const settledNow = new Map<string, Delivery>();
  let configurationError: SendError | undefined;
  let rounds = 0;
  let retryAfterOf = new Map<string, number>();
  const batchSize = Math.min(options.batchSize ?? FCM_BATCH_LIMIT, FCM_BATCH_LIMIT);

  for (let attempt = 1; attempt <= options.maxAttempts && pending.length > 0 && !configurationError; attempt++) {
    if (attempt > 1) {
      const retryAfter = Math.max(0, ...retryAfterOf.values());
      await sleep(backoffDelayMs(attempt - 1, options.backoff, retryAfter || undefined, deps.random));
    }
    rounds = attempt;
    retryAfterOf = new Map();
    const retry: Target[] = [];
    for (const batch of chunk(pending, batchSize)) {
      const sentAt = new Date(now());
      const results = await messenger.send(
        batch.map((t) => ({
          notificationId,
          userId: t.userId,
          deviceId: t.deviceId,
          token: t.token,
          message: buildMessage(notificationId, notification, t.token, sentAt),
          attempt,
        })),
        { dryRun: notification.dryRun === true },
      );
      const settled: Array<{ delivery: Delivery; target: Target }> = [];
      // Bad credentials can make FCM's answers about tokens unreliable: then no device is deleted.
      const credentialsFailed = results.some((r) => !r.ok && classifyError(r.error) === "configuration");
      results.forEach((result, i) => {
        const target = batch[i]!;
        const base = { userId: target.userId, deviceId: target.deviceId, attempts: attempt };
        if (result.ok) {
          settled.push({ target, delivery: { ...base, status: "sent", messageId: result.messageId } });
          return;
        }
        const error = { code: result.error.code, message: result.error.message };
        const kind = classifyError(result.error);
        if (kind === "token" && !credentialsFailed) {
          settled.push({ target, delivery: { ...base, status: "removed", error } });
        } else if (kind === "transient" && attempt < options.maxAttempts) {
          retry.push(target);
          if (result.error.retryAfterMs !== undefined) retryAfterOf.set(target.deviceId, result.error.retryAfterMs);
        } else {
          if (kind === "configuration") configurationError ??= result.error;
          settled.push({ target, delivery: { ...base, status: "failed", error } });
        }
      });
      // The ledger is written batch by batch, so a crash loses at most the batch in flight.
      await recordDeliveries(db, ref, settled);
      for (const { delivery } of settled) settledNow.set(delivery.deviceId, delivery);
      logger.info("fanout.batch", {
        notificationId,
        attempt,
        size: batch.length,
        sent: settled.filter((s) => s.delivery.status === "sent").length,
        removed: settled.filter((s) => s.delivery.status === "removed").length,
        failed: settled.filter((s) => s.delivery.status === "failed").length,
        retrying: batch.length - settled.length,
      });
      if (configurationError) break;
    }
    pending = retry;
  }

  const all = new Map([...ledger, ...settledNow]);
  const count = (status: DeliveryStatus) => [...all.values()].filter((d) => d.status === status).length;
  const stats: Stats = {
    recipients: recipients.length,
    devices: new Set([...targets.map((t) => t.deviceId), ...all.keys()]).size,
    sent: count("sent"),
    failed: count("failed"),
    removed: count("removed"),
  };
  const status = statusOf(stats, configurationError);
  const attempts = claimed.attemptsSoFar + rounds;
  const update: Record<string, unknown> = {
    status,
    stats,
    attempts,
    completedAt: FieldValue.serverTimestamp(),
    lease: FieldValue.delete(),
  };
  if (status === "failed") update.error = failureOf(configurationError, all);
  await ref.update(update);
  logger.info("fanout.completed", { notificationId, status, attempts, durationMs: now() - startedMs, ...stats });
  return { kind: "completed", status, stats, attempts };
}

function failureOf(configurationError: SendError | undefined, deliveries: Map<string, Delivery>) {
  if (configurationError) {
    return {
      code: configurationError.code,
      message: `FCM rejected the project's credentials or configuration; nothing more was sent and no device was deleted: ${configurationError.message}`,
    };
  }
  const errors = [...deliveries.values()].flatMap((d) => (d.error ? [d.error] : []));
  const first = errors[0] ?? { code: "unknown", message: "no delivery result" };
  return {
    code: first.code,
    message: `No device accepted the notification (${errors.length} device(s) failed or were removed); first error: ${first.message}`,
  };
}
