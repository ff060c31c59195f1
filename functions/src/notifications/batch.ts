// One send round of one batch of devices (at most one sendEach call): build each message, send,
// classify every answer and delete dead devices (tokens or FIDs); the shard records the settled devices in the
// delivery ledger. Every audience goes through this one code path.
import { FieldValue, Timestamp, type WithFieldValue } from "firebase-admin/firestore";
import { type Address, kindOf } from "../devices/address.js";
import { deleteDeviceIf } from "../devices/registry.js";
import type { DeviceType } from "../devices/schema.js";
import { unreadBadges, withBadge } from "../inbox/badge.js";
import { classifyError } from "../messaging/errors.js";
import { FCM_BATCH_LIMIT, type SendError, type SendResult } from "../messaging/transport.js";
import type { DevicePreferences } from "../recipients/schema.js";
import { logEvent } from "../shared/events.js";
import type { DeliveryDocument } from "./documents.js";
import { addressed, localizedMessages } from "./message.js";
import type { FanoutDeps } from "./pipeline.js";
import type { NotificationInput } from "./schema.js";

/** A device to send to, as read at send time; one batch may mix tokens and FIDs. */
export interface Target {
  userId: string;
  deviceId: string;
  address: Address;
  /** The device's registered locale, which picks its translation. */
  locale: string | null;
  /** The device's platform (an iOS device gets the unread badge). */
  type?: DeviceType;
  /** Its time zone and its user's preferences (the copy on the device): what recipient control reads. */
  timezone?: string | null;
  preferences?: DevicePreferences;
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

/**
 * Sends `targets` (at most FCM's 500) once and deletes the devices whose tokens FCM called dead. On
 * the last attempt a transient failure is settled as failed instead of retried. Bad credentials can
 * make FCM's answers about tokens unreliable, so a batch with a configuration error deletes no
 * device. The caller records `settled` in the ledger right away (see shard.ts, fenced by its lease).
 */
export async function deliverBatch(deps: FanoutDeps, ctx: BatchContext, targets: Target[], attempt: { n: number; last: boolean }): Promise<BatchResult> {
  if (targets.length > FCM_BATCH_LIMIT) throw new Error(`A batch holds at most ${FCM_BATCH_LIMIT} devices, got ${targets.length}.`);
  const messageFor = localizedMessages(ctx.notificationId, ctx.notification, new Date(deps.now()));
  const localized = targets.map((t) => messageFor(t.locale));
  const badges = await unreadBadges(deps.db, ctx.notification, targets);
  const results = await deps.messenger.send(
    targets.map((t, i) => ({
      notificationId: ctx.notificationId,
      userId: t.userId,
      deviceId: t.deviceId,
      address: t.address,
      message: withBadge(addressed(localized[i]!.content, t.address), t.type === "ios" ? badges.get(t.userId) : undefined),
      attempt: attempt.n,
    })),
    { dryRun: ctx.notification.dryRun === true },
  );
  const out = classify(
    targets,
    results,
    attempt,
    localized.map((l) => l.locale),
  );
  await removeDeadDevices(deps, out.settled);
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

/** Each answer as a settled device or one to retry; `locales[i]`: the translation the i-th device was sent. */
function classify(targets: Target[], results: SendResult[], attempt: { n: number; last: boolean }, locales: Array<string | undefined>): BatchResult {
  const out: BatchResult = { settled: [], retry: [] };
  const credentialsFailed = results.some((r) => !r.ok && classifyError(r.error) === "configuration");
  results.forEach((result, i) => {
    const target = targets[i]!;
    const locale = locales[i];
    const base = {
      userId: target.userId,
      deviceId: target.deviceId,
      identifiedBy: kindOf(target.address),
      attempts: attempt.n,
      ...(locale === undefined ? {} : { locale }),
    };
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
  return out;
}

/** Deletes each `removed` device (with its records), unless it is already gone or was re-registered meanwhile. */
async function removeDeadDevices(deps: FanoutDeps, settled: Settled[]): Promise<void> {
  await Promise.all(settled.filter((s) => s.status === "removed").map((s) => deleteDeviceIf(deps.db, s.userId, s.deviceId, { exists: true })));
}

/** The ledger record of a settled device, as written (in the caller's transaction or batch). */
export function ledgerEntry(deps: FanoutDeps, retentionDays: number, s: Settled): WithFieldValue<DeliveryDocument> {
  return { ...s, updatedAt: FieldValue.serverTimestamp(), expireAt: Timestamp.fromMillis(deps.now() + retentionDays * DAY_MS) };
}
