// One send round of one batch of devices (at most one sendEach call): build each message, send,
// classify every answer, record the settled devices in the delivery ledger and delete dead tokens.
// Every audience goes through this one code path.
import { FieldValue, Timestamp, type WriteBatch } from "firebase-admin/firestore";
import { deleteDeviceIf } from "../devices/registry.js";
import { classifyError } from "../messaging/errors.js";
import { chunk, FCM_BATCH_LIMIT, type SendError } from "../messaging/transport.js";
import { logEvent } from "../shared/events.js";
import { deliveriesOf, type DeliveryDocument } from "./documents.js";
import { localizedMessages } from "./message.js";
import type { FanoutDeps } from "./pipeline.js";
import type { NotificationInput } from "./schema.js";

/** A device to send to, as read at send time. */
export interface Target {
  userId: string;
  deviceId: string;
  token: string;
  /** The device's registered locale, which picks its translation. */
  locale: string | null;
}

/** A settled device: what the ledger records (without its timestamps). */
export type Settled = Omit<DeliveryDocument, "updatedAt" | "expireAt">;

export interface BatchContext {
  notificationId: string;
  notification: NotificationInput;
  /** For logs: the shard this batch belongs to. */
  shard: number;
  retentionDays: number;
}

export interface BatchResult {
  settled: Settled[];
  /** Devices that failed transiently and may be sent again in a later round. */
  retry: Target[];
  /** The largest Retry-After FCM asked for, in ms. */
  retryAfterMs?: number;
  /** Bad credentials or configuration: nothing more should be sent. */
  configurationError?: SendError;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const WRITE_BATCH_LIMIT = 500;

/**
 * Sends `targets` (at most FCM's 500) once. On the last attempt a transient failure is settled as
 * failed instead of retried. Bad credentials can make FCM's answers about tokens unreliable, so a
 * batch with a configuration error deletes no device.
 */
export async function deliverBatch(deps: FanoutDeps, ctx: BatchContext, targets: Target[], attempt: { n: number; last: boolean }): Promise<BatchResult> {
  if (targets.length > FCM_BATCH_LIMIT) throw new Error(`A batch holds at most ${FCM_BATCH_LIMIT} devices, got ${targets.length}.`);
  const messageFor = localizedMessages(ctx.notificationId, ctx.notification, new Date(deps.now()));
  const localized = targets.map((t) => messageFor(t.locale));
  const results = await deps.messenger.send(
    targets.map((t, i) => ({
      notificationId: ctx.notificationId,
      userId: t.userId,
      deviceId: t.deviceId,
      token: t.token,
      message: { ...localized[i]!.content, token: t.token },
      attempt: attempt.n,
    })),
    { dryRun: ctx.notification.dryRun === true },
  );
  const out: BatchResult = { settled: [], retry: [] };
  const credentialsFailed = results.some((r) => !r.ok && classifyError(r.error) === "configuration");
  results.forEach((result, i) => {
    const target = targets[i]!;
    const { locale } = localized[i]!;
    const base = { userId: target.userId, deviceId: target.deviceId, attempts: attempt.n, ...(locale === undefined ? {} : { locale }) };
    if (result.ok) return void out.settled.push({ ...base, status: "sent", messageId: result.messageId });
    const error = { code: result.error.code, message: result.error.message };
    const kind = classifyError(result.error);
    if (kind === "token" && !credentialsFailed) return void out.settled.push({ ...base, status: "removed", error });
    if (kind === "transient" && !attempt.last) {
      out.retry.push(target);
      if (result.error.retryAfterMs !== undefined) out.retryAfterMs = Math.max(out.retryAfterMs ?? 0, result.error.retryAfterMs);
      return;
    }
    if (kind === "configuration") out.configurationError ??= result.error;
    out.settled.push({ ...base, status: "failed", error });
  });
  // Recorded before anything else happens, so a crash loses at most the batch in flight.
  await recordDeliveries(deps, ctx.notificationId, ctx.retentionDays, out.settled);
  logEvent("shard.sent", {
    notificationId: ctx.notificationId,
    shard: ctx.shard,
    attempt: attempt.n,
    size: targets.length,
    sent: out.settled.filter((s) => s.status === "sent").length,
    failed: out.settled.filter((s) => s.status === "failed").length,
    removed: out.settled.filter((s) => s.status === "removed").length,
    retrying: out.retry.length,
  });
  return out;
}

/**
 * Writes settled devices to the ledger, at most 500 a batch. A `removed` device goes in a batch of
 * its own with the device's deletion, which fails whole if the device is already gone
 * (unregistered, purged, or taken by another user); the delivery is then recorded alone.
 */
export async function recordDeliveries(deps: FanoutDeps, notificationId: string, retentionDays: number, settled: Settled[]): Promise<void> {
  const ledger = deliveriesOf(deps.db, notificationId);
  const expireAt = Timestamp.fromMillis(deps.now() + retentionDays * DAY_MS);
  const record = (batch: WriteBatch, s: Settled) => batch.set(ledger.doc(s.deviceId), { ...s, updatedAt: FieldValue.serverTimestamp(), expireAt });
  const kept = settled.filter((s) => s.status !== "removed");
  const removals = settled.filter((s) => s.status === "removed");
  await Promise.all([
    ...chunk(kept, WRITE_BATCH_LIMIT).map((part) => {
      const batch = deps.db.batch();
      for (const s of part) record(batch, s);
      return batch.commit();
    }),
    ...removals.map(async (s) => {
      if (await deleteDeviceIf(deps.db, s.userId, s.deviceId, { exists: true }, (batch) => record(batch, s))) return;
      const alone = deps.db.batch();
      record(alone, s);
      await alone.commit();
    }),
  ]);
}
