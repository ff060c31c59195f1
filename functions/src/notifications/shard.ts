// Sending one shard: claim it with a lease, read its devices by key, send them in rounds (transient
// failures retried with backoff, a stop honoured between rounds), keep its counters, and let the
// outcome check run. The lease and the delivery ledger keep every device to one accepted send,
// however often the task runs, concurrently or after a crash.
import { FieldValue, Timestamp } from "firebase-admin/firestore";
import { deviceRef } from "../devices/documents.js";
import { backoffDelayMs } from "../messaging/backoff.js";
import type { SendError } from "../messaging/transport.js";
import { logEvent } from "../shared/events.js";
import { getAllOf, readOrProblem } from "../shared/documents.js";
import { deliverBatch, recordDeliveries, type BatchContext, type Settled, type Target } from "./batch.js";
import {
  deliveriesOf,
  isTerminal,
  notificationRef,
  parseDeviceKey,
  shardRef,
  type ShardDocument,
  type ShardStats,
} from "./documents.js";
import { tryFinalize } from "./outcome.js";
import {
  generationOf,
  LeaseBusyError,
  leaseLive,
  scheduleFor,
  sendsNothingMore,
  stopReasonOf,
  taskId,
  waitUntil,
  type FanoutDeps,
  type FanoutSettings,
  type ShardTask,
} from "./pipeline.js";
import { parseNotification, type NotificationInput } from "./schema.js";

export interface ShardRun {
  runId: string;
  leaseMs: number;
  /** The generation the task was made for; a task of an earlier incarnation of the id does nothing. */
  generation?: number;
}

export type ShardResult =
  | { kind: "done"; stats: ShardStats }
  | { kind: "early"; dueAt: number }
  | { kind: "skipped" | "settled" | "gone" };

type Claim =
  | { kind: "send"; shard: ShardDocument; notification?: NotificationInput; resumed: boolean }
  | { kind: "busy"; until: number }
  | { kind: "changed" }
  | Exclude<ShardResult, { kind: "done" }>;

/** A notification whose document an Admin SDK user changed into an invalid one after it was accepted. */
export const CHANGED = {
  code: "invalid-argument",
  message: "The notification document was changed after it was accepted and no longer follows the rules; nothing more was sent.",
};

/** Sends one shard, if it is due and not settled yet. */
export async function runShard(deps: FanoutDeps, settings: FanoutSettings, notificationId: string, index: number, run: ShardRun): Promise<ShardResult> {
  const claim = await claimShard(deps, notificationId, index, run);
  // Thrown only now, the transaction closed: a run that dies right after must not leave it open.
  if (claim.kind === "busy") throw new LeaseBusyError(`Shard ${index} of ${notificationId}`, claim.until);
  if (claim.kind === "changed") {
    await stopNotification(deps, notificationId, CHANGED);
    return runShard(deps, settings, notificationId, index, run);
  }
  if (claim.kind !== "send") {
    if (claim.kind === "skipped") await tryFinalize(deps, notificationId);
    return claim;
  }
  const { shard, notification, resumed } = claim;
  const keys = shard.devices.map(parseDeviceKey);
  const ledger = resumed ? await readLedger(deps, notificationId, keys.map((k) => k.deviceId)) : new Map<string, Settled>();
  let stats: ShardStats;
  if (notification) {
    const targets = await loadTargets(deps, notificationId, notification, keys);
    const ctx: BatchContext = { notificationId, notification, shard: index, retentionDays: settings.retentionDays };
    // Attempts count on across runs of the shard: a resumed run's first round is not a device's first attempt.
    stats = await sendRounds(deps, settings, ctx, targets, ledger, shard.attempts);
  } else {
    // The notification stopped while a crashed run of this shard was sending: only count.
    stats = countOf(ledger, [], 0);
  }
  await completeShard(deps, notificationId, index, run.runId, stats);
  logEvent("shard.completed", { notificationId, shard: index, ...stats, resumed });
  await tryFinalize(deps, notificationId);
  return { kind: "done", stats };
}

/**
 * Claims the shard in a transaction that also reads the notification: a stop (cancel, halt,
 * deletion) committed before the claim is seen by it, so a shard that starts after a stop skips.
 */
async function claimShard(deps: FanoutDeps, notificationId: string, index: number, run: ShardRun): Promise<Claim> {
  const ref = shardRef(deps.db, notificationId, index);
  return deps.db.runTransaction(async (tx) => {
    const [nSnap, sSnap] = await getAllOf(tx, [notificationRef(deps.db, notificationId), ref]);
    const n = readOrProblem(nSnap).value;
    const shard = readOrProblem(sSnap).value;
    if (!shard || !n || (run.generation !== undefined && run.generation !== generationOf(n))) return { kind: "gone" };
    if (shard.status === "done" || shard.status === "skipped") return { kind: "settled" };
    const now = deps.now();
    if (shard.status === "sending" && leaseLive(shard.lease, now, run.runId)) return { kind: "busy", until: shard.lease!.expiresAt.toMillis() };
    const lease = { runId: run.runId, expiresAt: Timestamp.fromMillis(now + run.leaseMs) };
    const stopped = sendsNothingMore(n);
    if (stopped && shard.status === "planned") {
      tx.update(ref, { status: "skipped", updatedAt: FieldValue.serverTimestamp() });
      return { kind: "skipped" };
    }
    if (stopped) {
      tx.update(ref, { lease, updatedAt: FieldValue.serverTimestamp() });
      return { kind: "send", shard, resumed: true };
    }
    if (shard.dueAt && shard.dueAt.toMillis() > now) return { kind: "early", dueAt: shard.dueAt.toMillis() };
    const parsed = parseNotification(n);
    if (!parsed.ok) return { kind: "changed" };
    tx.update(ref, { status: "sending", lease, attempts: shard.attempts + 1, updatedAt: FieldValue.serverTimestamp() });
    return { kind: "send", shard, notification: parsed.value, resumed: shard.status === "sending" };
  });
}

/** The shard's devices as they are now: existing, active, still the key's user's and in the audience. */
async function loadTargets(
  deps: FanoutDeps,
  notificationId: string,
  n: NotificationInput,
  keys: Array<{ userId: string; deviceId: string }>,
): Promise<Target[]> {
  const snaps = await getAllOf(deps.db, keys.map((k) => deviceRef(deps.db, k.userId, k.deviceId)));
  return snaps.flatMap((snap, i): Target[] => {
    if (!snap.exists) return [];
    const { value: device, problem } = readOrProblem(snap);
    if (!device) {
      logEvent("shard.malformedDevice", { notificationId, path: snap.ref.path, problem: problem?.message });
      return [];
    }
    const key = keys[i]!;
    if (!device.active || device.userId !== key.userId) return [];
    if (n.topic !== undefined && !device.topics.includes(n.topic)) return [];
    if (n.platforms && !n.platforms.includes(device.type)) return [];
    return [{ userId: key.userId, deviceId: key.deviceId, token: device.token, locale: device.locale }];
  });
}

/** The ledger entries of these devices (a resumed shard sends only to devices without one). */
async function readLedger(deps: FanoutDeps, notificationId: string, deviceIds: string[]): Promise<Map<string, Settled>> {
  const ledger = deliveriesOf(deps.db, notificationId);
  const snaps = await getAllOf(deps.db, deviceIds.map((id) => ledger.doc(id)));
  const entries = snaps.flatMap((snap): Array<[string, Settled]> => {
    const d = readOrProblem(snap).value;
    return d ? [[snap.id, d]] : [];
  });
  return new Map(entries);
}

/** Send rounds until every device is settled, the attempts run out, or the notification stops. */
async function sendRounds(
  deps: FanoutDeps,
  settings: FanoutSettings,
  ctx: BatchContext,
  targets: Target[],
  ledger: Map<string, Settled>,
  earlierRuns: number,
): Promise<ShardStats> {
  const settled = new Map(ledger);
  let pending = targets.filter((t) => !settled.has(t.deviceId));
  let rounds = 0;
  let retryAfterMs: number | undefined;
  let stopped = false;
  for (let attempt = 1; attempt <= settings.maxAttempts && pending.length > 0; attempt++) {
    if (attempt > 1) {
      await deps.sleep(backoffDelayMs(attempt - 1, settings.backoff, retryAfterMs, deps.random));
      if ((stopped = await isStopped(deps, ctx.notificationId))) break;
    }
    rounds = attempt;
    const result = await deliverBatch(deps, ctx, pending, { n: earlierRuns + attempt, last: attempt === settings.maxAttempts });
    for (const s of result.settled) settled.set(s.deviceId, s);
    pending = result.retry;
    retryAfterMs = result.retryAfterMs;
    if (result.configurationError) {
      await halt(deps, ctx.notificationId, result.configurationError);
      stopped = true;
      break;
    }
  }
  // Devices a stop left unsent were never sent to: they count nowhere.
  return countOf(settled, stopped ? [] : targets, rounds);
}

function countOf(settled: Map<string, Settled>, targets: Target[], rounds: number): ShardStats {
  const devices = new Set([...settled.keys(), ...targets.map((t) => t.deviceId)]).size;
  const count = (status: Settled["status"]) => [...settled.values()].filter((s) => s.status === status).length;
  return { devices, sent: count("sent"), failed: count("failed"), removed: count("removed"), rounds };
}

async function isStopped(deps: FanoutDeps, notificationId: string): Promise<boolean> {
  return sendsNothingMore(readOrProblem(await notificationRef(deps.db, notificationId).get()).value);
}

/** Stops the whole notification: the other shards see `halt` and send nothing more. */
async function halt(deps: FanoutDeps, notificationId: string, error: SendError): Promise<void> {
  const message = `FCM rejected the project's credentials or configuration; nothing more was sent and no device was deleted: ${error.message}`;
  await stopNotification(deps, notificationId, { code: error.code, message });
  logEvent("fanout.halted", { notificationId, code: error.code, message: error.message });
}

/** Sets `halt` unless the notification is already finished or stopped. */
export async function stopNotification(deps: FanoutDeps, notificationId: string, reason: { code: string; message: string }): Promise<void> {
  const ref = notificationRef(deps.db, notificationId);
  await deps.db.runTransaction(async (tx) => {
    const n = readOrProblem(await tx.get(ref)).value;
    if (n && !isTerminal(n.status) && !stopReasonOf(n)) tx.update(ref, { halt: reason });
  });
}

async function completeShard(deps: FanoutDeps, notificationId: string, index: number, runId: string | undefined, stats: ShardStats): Promise<void> {
  const ref = shardRef(deps.db, notificationId, index);
  await deps.db.runTransaction(async (tx) => {
    const shard = readOrProblem(await tx.get(ref)).value;
    if (!shard || shard.status === "done" || (runId !== undefined && shard.lease?.runId !== runId)) return;
    tx.update(ref, { status: "done", stats, lease: FieldValue.delete(), updatedAt: FieldValue.serverTimestamp() });
  });
}

/**
 * The last task attempt of a shard failed: record its unsettled devices as failed, so the
 * notification can still finish instead of staying `processing` forever.
 */
export async function abandonShard(deps: FanoutDeps, settings: FanoutSettings, notificationId: string, index: number, error: unknown): Promise<void> {
  const shard = readOrProblem(await shardRef(deps.db, notificationId, index).get()).value;
  if (!shard || shard.status === "done" || shard.status === "skipped") return;
  const keys = shard.devices.map(parseDeviceKey);
  const ledger = await readLedger(deps, notificationId, keys.map((k) => k.deviceId));
  const reason = { code: "pushfan/shard-failed", message: `The shard failed on every task attempt: ${error instanceof Error ? error.message : String(error)}` };
  const failed: Settled[] = keys.filter((k) => !ledger.has(k.deviceId)).map((k) => ({ ...k, status: "failed", error: reason, attempts: 0 }));
  await recordDeliveries(deps, notificationId, settings.retentionDays, failed);
  for (const f of failed) ledger.set(f.deviceId, f);
  await completeShard(deps, notificationId, index, undefined, countOf(ledger, [], shard.attempts));
  logEvent("shard.exhausted", { notificationId, shard: index, error: reason.message });
  await tryFinalize(deps, notificationId);
}

/**
 * A send task: runs the shard, waiting first when it came early (a localTime group not due yet):
 * in place when the wait is short, else by enqueueing the next hop of the wait.
 */
export async function runShardTask(deps: FanoutDeps, settings: FanoutSettings, task: ShardTask, run: ShardRun): Promise<ShardResult> {
  const ofTask = { ...run, generation: task.generation };
  const result = await runShard(deps, settings, task.notificationId, task.shard, ofTask);
  if (result.kind !== "early") return result;
  if (await waitUntil(deps, result.dueAt, task.notBefore)) return runShard(deps, settings, task.notificationId, task.shard, ofTask);
  const hop = (task.hop ?? 0) + 1;
  const { notBefore, scheduleTime } = scheduleFor(deps.now(), result.dueAt);
  const id = taskId(task.notificationId, task.generation, `shard-${task.shard}-h${hop}`);
  await deps.tasks.send({ ...task, hop, notBefore }, { id, scheduleTime });
  return result;
}
