// A notification's life outside the send itself: accepted (or refused) when created, scheduled and
// woken at its time, cancelled by an admin, failed for a bad setting or a task out of attempts,
// its records deleted with it. Every entry point here ends with `settle`.
import { FieldValue, type Firestore, Timestamp, type UpdateData } from "firebase-admin/firestore";
import { deleteEntriesOf } from "../inbox/delete.js";
import { readOrProblem } from "../shared/documents.js";
import { logEvent } from "../shared/events.js";
import { summarizeDetails } from "../shared/validation.js";
import { isTerminal, notificationRef, type Stats, type StoredNotification, shardsOf } from "./documents.js";
import { settle, thenSettle } from "./outcome.js";
import {
  checkAtFrom,
  type FanoutDeps,
  type FanoutSettings,
  generationOf,
  leaseMsFor,
  PLAN_BUDGET_MS,
  PLAN_TIMEOUT_SECONDS,
  type PlanTask,
  type SettleTask,
  scheduleFor,
  stopReasonOf,
  TRIGGER_TIMEOUT_SECONDS,
  taskId,
  WAKE_PLAN_BUDGET_MS,
  WAKE_TIMEOUT_SECONDS,
  waitUntil,
} from "./pipeline.js";
import { runPlanner } from "./plan.js";
import { type NotificationInput, parseNotification, recipientCountOf } from "./schema.js";
import { runShard, stopNotification } from "./shard.js";

export interface CreatedEvent {
  /** Unique per invocation: only a lease may let two runs proceed, never a shared id. */
  runId: string;
  /** When the document was created (its createTime). */
  createdAt: number;
  /** When the event was emitted. */
  eventTime: number;
}

type Decision =
  | { kind: "start" }
  | { kind: "scheduled"; dueAt: number; generation: number }
  | { kind: "skip"; reason: string }
  | { kind: "closed"; status: "invalid" | "cancelled" | "failed" };

/**
 * The creation trigger's work: validate, then schedule the notification, or plan it and (for an
 * audience that fits one shard) send it right here, without any task.
 */
export async function acceptNotification(deps: FanoutDeps, settings: FanoutSettings, notificationId: string, event: CreatedEvent): Promise<Decision> {
  return thenSettle(deps, notificationId, async () => {
    const decision = await decide(deps, settings, notificationId, event);
    if (decision.kind === "skip") logEvent("notification.skipped", { notificationId, reason: decision.reason, task: "trigger" });
    if (decision.kind === "scheduled") await scheduleWake(deps, { notificationId, generation: decision.generation }, decision.dueAt, 0);
    if (decision.kind === "start") await startInline(deps, settings, notificationId, event.runId);
    return decision;
  });
}

async function decide(deps: FanoutDeps, settings: FanoutSettings, notificationId: string, event: CreatedEvent): Promise<Decision> {
  const ref = notificationRef(deps.db, notificationId);
  return deps.db.runTransaction(async (tx): Promise<Decision> => {
    const { value: n, problem } = readOrProblem(await tx.get(ref));
    if (problem) return close(tx, ref, "invalid", { code: "invalid-argument", message: problem.message, details: problem.details });
    if (!n) return { kind: "skip", reason: "missing" };
    if (isTerminal(n.status)) return { kind: "skip", reason: "already-done" };
    // A redelivered event: the first run got this far (and the wake task or planner take it on).
    if (n.status === "scheduled") return { kind: "scheduled", dueAt: n.dueAt?.toMillis() ?? deps.now(), generation: generationOf(n) };
    if (n.status === "processing") return { kind: "start" };

    const ageMs = deps.now() - event.eventTime;
    if (ageMs > settings.maxEventAgeMs) {
      logEvent("notification.expired", { notificationId, ageSeconds: Math.round(ageMs / 1000) });
      return close(tx, ref, "failed", {
        code: "event-expired",
        message: `The fan-out event is ${Math.round(ageMs / 1000)} s old, beyond NOTIFICATION_MAX_EVENT_AGE_SECONDS; delivery was abandoned.`,
      });
    }
    const parsed = parseNotification(n, { now: event.createdAt, notificationId });
    const createdAt = Timestamp.fromMillis(event.createdAt);
    if (!parsed.ok) {
      logEvent("notification.invalid", { notificationId, details: parsed.details });
      const message = `Invalid notification: ${summarizeDetails(parsed.details)}`;
      return close(tx, ref, "invalid", { code: "invalid-argument", message, details: parsed.details }, createdAt);
    }
    if (parsed.value.cancelled) return close(tx, ref, "cancelled", undefined, createdAt, parsed.value);
    const dueAt = dueAtOf(parsed.value, event.createdAt);
    if (dueAt !== undefined) {
      tx.update(ref, { status: "scheduled", dueAt: Timestamp.fromMillis(dueAt), createdAt, checkAt: checkAtFrom(dueAt) });
      logEvent("notification.scheduled", { notificationId, dueAt: new Date(dueAt).toISOString(), localTime: parsed.value.localTime });
      return { kind: "scheduled", dueAt, generation: event.createdAt };
    }
    tx.update(ref, { status: "processing", createdAt, startedAt: FieldValue.serverTimestamp(), checkAt: checkAtFrom(deps.now()) });
    return { kind: "start" };
  });
}

/**
 * When a scheduled notification starts, or undefined for "now". A localTime notification starts at
 * `sendAt` (or creation): that is where its 24-hour window of local times begins.
 */
function dueAtOf(n: NotificationInput, createdAt: number): number | undefined {
  const sendAt = n.sendAt?.toMillis();
  if (n.localTime !== undefined) return Math.max(sendAt ?? createdAt, createdAt);
  return sendAt !== undefined && sendAt > createdAt ? sendAt : undefined;
}

/** Nothing sent. `recipients` counts listed users; an invalid document's audience is unknown: 0. */
function zeroStats(n?: NotificationInput): Stats {
  const recipients = n ? recipientCountOf(n) : 0;
  const nothing = { devices: 0, sent: 0, failed: 0, removed: 0, skipped: 0, held: 0 };
  return recipients === undefined ? nothing : { recipients, ...nothing };
}

/** Ends a notification that never started sending. */
function close(
  tx: FirebaseFirestore.Transaction,
  ref: ReturnType<typeof notificationRef>,
  status: "invalid" | "cancelled" | "failed",
  error?: { code: string; message: string; details?: Array<{ path: string; message: string }> },
  createdAt?: Timestamp,
  n?: NotificationInput,
): Decision {
  const update: UpdateData<StoredNotification> = {
    status,
    stats: zeroStats(n),
    attempts: 0,
    completedAt: FieldValue.serverTimestamp(),
    lease: FieldValue.delete(),
    checkAt: FieldValue.delete(),
  };
  if (error) update.error = error;
  if (createdAt) update.createdAt = createdAt;
  tx.update(ref, update);
  return { kind: "closed", status };
}

/** Plans the first window here; a whole audience in one shard is sent here too, a larger one continues on the plan queue. */
async function startInline(deps: FanoutDeps, settings: FanoutSettings, notificationId: string, runId: string): Promise<void> {
  const leaseMs = leaseMsFor(TRIGGER_TIMEOUT_SECONDS);
  const planned = await runPlanner(deps, settings, notificationId, { runId, leaseMs, budgetMs: PLAN_BUDGET_MS, firstWindowOnly: true });
  if (planned.kind === "complete" && !planned.enqueued && planned.shards === 1) {
    await runShard(deps, settings, notificationId, 0, { runId, leaseMs });
  }
}

async function scheduleWake(
  deps: FanoutDeps,
  target: { notificationId: string; generation: number },
  dueAt: number,
  hop: number,
  name = `wake-${hop}`,
): Promise<void> {
  const { notificationId, generation } = target;
  const { notBefore, scheduleTime } = scheduleFor(deps.now(), dueAt);
  await deps.tasks.wake({ notificationId, generation, kind: "wake", n: hop, notBefore }, { id: taskId(notificationId, generation, name), scheduleTime });
  logEvent("tasks.enqueued", { notificationId, queue: "wake", count: 1, scheduleTime: scheduleTime?.toISOString() });
}

/**
 * A wake task (wake queue): starts a scheduled notification when its time has come (a task that
 * runs early sends nothing; it waits, or leaves the wait to its next hop) and plans for up to
 * WAKE_PLAN_BUDGET_MS before handing over to the plan queue: its first shards go out at once,
 * however many long plans hold the plan queue.
 */
export async function runWakeTask(deps: FanoutDeps, settings: FanoutSettings, task: PlanTask, runId: string): Promise<void> {
  await thenSettle(deps, task.notificationId, async () => {
    const n = await currentFor(deps, task);
    if (!n) return;
    if (n.status === "scheduled") {
      const dueAt = n.dueAt?.toMillis() ?? deps.now();
      if (!(await waitUntil(deps, dueAt, task.notBefore))) return scheduleWake(deps, task, dueAt, task.n + 1);
      if (!(await startScheduled(deps, task.notificationId))) return;
    }
    await runPlanner(deps, settings, task.notificationId, {
      runId,
      leaseMs: leaseMsFor(WAKE_TIMEOUT_SECONDS),
      budgetMs: WAKE_PLAN_BUDGET_MS,
      firstWindowOnly: false,
    });
  });
}

/**
 * A settle task (settle queue): checks a large plan's outcome once the second its shards ended in
 * is over (outcome.ts, `deferred`). Not paced itself, so the check after the last shard always runs.
 */
export async function runSettleTask(deps: FanoutDeps, task: SettleTask): Promise<void> {
  await waitUntil(deps, task.notBefore, undefined);
  await settle(deps, task.notificationId);
}

/** A plan task (plan queue): plans the rest of a notification's audience, within the run's budget. */
export async function runPlanTask(deps: FanoutDeps, settings: FanoutSettings, task: PlanTask, runId: string): Promise<void> {
  await thenSettle(deps, task.notificationId, async () => {
    if (!(await currentFor(deps, task))) return;
    await runPlanner(deps, settings, task.notificationId, {
      runId,
      leaseMs: leaseMsFor(PLAN_TIMEOUT_SECONDS),
      budgetMs: PLAN_BUDGET_MS,
      firstWindowOnly: false,
    });
  });
}

/** The task's notification, unless it is gone, finished, or another incarnation of the id. */
async function currentFor(deps: FanoutDeps, task: PlanTask): Promise<StoredNotification | undefined> {
  const n = readOrProblem(await notificationRef(deps.db, task.notificationId).get()).value;
  if (n && !isTerminal(n.status) && generationOf(n) === task.generation) return n;
  logEvent("notification.skipped", { notificationId: task.notificationId, reason: n ? "already-done" : "missing", task: task.kind });
  return undefined;
}

/** scheduled → processing, unless it was cancelled meanwhile. */
async function startScheduled(deps: FanoutDeps, notificationId: string): Promise<boolean> {
  const ref = notificationRef(deps.db, notificationId);
  return deps.db.runTransaction(async (tx) => {
    const n = readOrProblem(await tx.get(ref)).value;
    if (!n || n.status !== "scheduled" || stopReasonOf(n)) return n?.status === "processing";
    tx.update(ref, { status: "processing", startedAt: FieldValue.serverTimestamp(), checkAt: checkAtFrom(deps.now()) });
    return true;
  });
}

/**
 * An admin set `cancelled: true`. A notification not sending yet ends `cancelled` at once; a
 * sending one ends as soon as its shards in flight have finished (the others skip).
 */
export async function cancelNotification(deps: FanoutDeps, notificationId: string): Promise<void> {
  const ref = notificationRef(deps.db, notificationId);
  const result = await deps.db.runTransaction(async (tx) => {
    const n = readOrProblem(await tx.get(ref)).value;
    if (!n || isTerminal(n.status) || n.cancelled !== true) return "none";
    if (n.status === "processing") return "running";
    const parsed = parseNotification(n);
    close(tx, ref, "cancelled", undefined, undefined, parsed.ok ? parsed.value : undefined);
    return "cancelled";
  });
  if (result !== "none") logEvent("fanout.cancelled", { notificationId, status: result });
  await settle(deps, notificationId);
}

/**
 * A setting the fan-out needs is invalid (`reported`: ConfigError.report's words): the notification
 * fails (or stops) with a clear error.
 */
export async function failForConfiguration(deps: FanoutDeps, notificationId: string, reported: string): Promise<void> {
  const error = { code: "configuration", message: `${reported} Nothing was sent; fix the setting and create the notification again.` };
  await failNotification(deps, notificationId, error);
}

/**
 * Ends a notification as `failed` with `error`: one not sending yet at once; one sending stops
 * (`halt`: its shards send nothing more) and finishes with what was sent once no shard is sending.
 * `runId`: the run that gives up, whose planner lease goes with it.
 */
export async function failNotification(deps: FanoutDeps, notificationId: string, error: { code: string; message: string }, runId?: string): Promise<void> {
  const ref = notificationRef(deps.db, notificationId);
  const processing = await deps.db.runTransaction(async (tx) => {
    const n = readOrProblem(await tx.get(ref)).value;
    if (!n || isTerminal(n.status)) return false;
    if (n.status === "processing") return true;
    close(tx, ref, "failed", error);
    return false;
  });
  if (processing) await stopNotification(deps, notificationId, error, runId);
  await settle(deps, notificationId);
}

/**
 * A notification document was deleted: that stops it (its planner's commits and its shards' claims
 * find it gone), and its records are deleted too, leaving none. The shards go first: every record a
 * running shard or planner writes is written in a transaction that reads its shard (or the
 * notification), so once the shards are gone nothing more is written, and the next passes remove
 * what was: the users' inbox entries (written under the same guards), then the notification's records. BulkWriter's default ramp (500 ops/s, +50% every 5 minutes) would need 33 minutes for
 * a million deliveries; deletes of existing documents need no ramp, so it starts at 5,000 ops/s
 * (1,000,000 deliveries in about 3.5 minutes; the trigger retries, resuming, if it times out).
 */
export async function deleteNotificationRecords(db: Firestore, notificationId: string): Promise<void> {
  const writer = () => db.bulkWriter({ throttling: { initialOpsPerSecond: DELETE_OPS_PER_SECOND, maxOpsPerSecond: DELETE_OPS_PER_SECOND * 2 } });
  await db.recursiveDelete(shardsOf(db, notificationId), writer());
  await deleteEntriesOf(db, notificationId, writer());
  await db.recursiveDelete(notificationRef(db, notificationId), writer());
}

const DELETE_OPS_PER_SECOND = 5000;
