// The end of a fan-out: `settle`, the one step every task, every retry and the sweeper end with.
// Whoever runs it once every shard is settled (or the notification stopped) writes the stats and
// terminal status, once; before that it refreshes `progress` from the shards' own counters, at most
// once a second. Nothing writes the notification per device or per shard faster than that, and a
// large plan is checked once a second, by a settle task its shards leave (PACED_SETTLE_SHARDS).
import { AggregateField, type DocumentSnapshot, FieldValue, type QuerySnapshot, type UpdateData } from "firebase-admin/firestore";
import { codeOf, FAILED_PRECONDITION, readOrProblem } from "../shared/documents.js";
import { logEvent } from "../shared/events.js";
import { scheduledOnce } from "../shared/scheduled.js";
import { fanoutQueries, isTerminal, type NotificationStatus, notificationRef, type Stats, type StoredNotification } from "./documents.js";
import { checkAtFrom, type FanoutDeps, generationOf, leaseLive, PROGRESS_INTERVAL_MS, type StopReason, stopReasonOf, taskId } from "./pipeline.js";
import { parseNotification, recipientCountOf } from "./schema.js";

/** The first document of a query's result, parsed; undefined when there is none (or it is malformed). */
function firstOf<T>(snapshot: QuerySnapshot<T>): T | undefined {
  const doc = snapshot.docs[0];
  return doc ? readOrProblem(doc).value : undefined;
}

/**
 * A plan of more shards than this is checked once per PROGRESS_INTERVAL_MS, by a settle task, not at
 * the end of every shard. A check counts the unsettled shards and refreshes progress (aggregation
 * queries: a billed read each in production, but a scan of the whole database in the Firestore
 * emulator, where they took 71% of its CPU in a 100,000-device broadcast while every shard ran
 * them; docs/PERFORMANCE.md). A 1,000,000-device broadcast (4,000 shards, 20 a second) is then
 * checked once a second instead of 20 times, by one run instead of racing ones; a plan of at most 20
 * shards (most notifications) is still checked at the end of each shard, and finishes at once.
 */
export const PACED_SETTLE_SHARDS = 20;

/**
 * Writes the outcome if the notification is ready for it: planned in full with every shard
 * settled, or stopped (cancelled, halted) with no shard sending and no planner running. Returns
 * whether this call wrote it. A no-op for a notification that is not processing; safe to call from
 * anywhere, any number of times, and called at the end of every task and retry.
 * `paced` (the end of a task): what `deferred` leaves to others is not checked here.
 */
export async function settle(deps: FanoutDeps, notificationId: string, paced = false): Promise<boolean> {
  const snap = await notificationRef(deps.db, notificationId).get();
  const n = readOrProblem(snap).value;
  if (!n || isTerminal(n.status) || n.status !== "processing") return false;
  if (paced && (await deferred(deps, notificationId, n))) return false;
  if (!(await readyToFinalize(deps, notificationId, n))) {
    await maybeWriteProgress(deps, notificationId, snap);
    return false;
  }
  return finalize(deps, notificationId);
}

/** How long after its interval a settle task checks; instances' clocks agree far more closely. */
const SETTLE_MARGIN_MS = 200;

/** Runs ending in one interval on this instance enqueue its settle task once (see scheduledOnce). */
const once = scheduledOnce();

/**
 * Whether the end of a task leaves the check to others. While planning goes on, nothing can be
 * ready: the planner refreshes progress and settles when it completes. A large plan is checked by a
 * settle task at the next whole interval, which every run ending within the interval names alike
 * (one task, one check, at most a second after the last shard). A stopped notification, and a
 * small plan, are checked at once.
 */
async function deferred(deps: FanoutDeps, notificationId: string, n: StoredNotification): Promise<boolean> {
  if (stopReasonOf(n)) return false;
  if (!n.plan?.complete) return true;
  if (n.plan.shards <= PACED_SETTLE_SHARDS) return false;
  const due = (Math.floor(deps.now() / PROGRESS_INTERVAL_MS) + 1) * PROGRESS_INTERVAL_MS;
  const id = taskId(notificationId, generationOf(n), `settle-${due}`);
  // Checked a little after the interval, so that a run ending just before `due` by a clock slightly
  // behind the settle task's is still seen as done.
  const notBefore = due + SETTLE_MARGIN_MS;
  await once(notificationId, due, () => deps.tasks.settle({ notificationId, notBefore }, { id, scheduleTime: new Date(notBefore) }));
  return true;
}

async function readyToFinalize(deps: FanoutDeps, notificationId: string, n: StoredNotification): Promise<boolean> {
  const queries = fanoutQueries(deps.db, notificationId);
  if (stopReasonOf(n)) {
    // A shard that starts after the stop sees it and skips; one already sending finishes its batch.
    if (leaseLive(n.lease, deps.now())) return false;
    return (await queries.sending.count().get()).data().count === 0;
  }
  if (!n.plan?.complete) return false;
  // Every planned shard exists once the plan is complete; release shards (quiet hours) come on top.
  const unsettled = await queries.unsettled.count().get();
  return unsettled.data().count === 0;
}

/** Sums the done shards' counters and writes stats and the terminal status, in one transaction. */
async function finalize(deps: FanoutDeps, notificationId: string): Promise<boolean> {
  const ref = notificationRef(deps.db, notificationId);
  const { done, slowest: slowestQuery } = fanoutQueries(deps.db, notificationId);
  const outcome = await deps.db.runTransaction(async (tx) => {
    const n = readOrProblem(await tx.get(ref)).value;
    if (!n || isTerminal(n.status)) return undefined;
    const [sums, screened, sizes, slowest] = await Promise.all([
      tx.get(
        done.aggregate({
          devices: AggregateField.sum("stats.devices"),
          sent: AggregateField.sum("stats.sent"),
          failed: AggregateField.sum("stats.failed"),
          removed: AggregateField.sum("stats.removed"),
        }),
      ),
      // A query of its own: several sums in one query count only the documents holding every field,
      // and shards without skipped devices may lack it. (`held` is 0 once terminal.)
      tx.get(done.aggregate({ skipped: AggregateField.sum("stats.skipped") })),
      tx.get(done.aggregate({ shards: AggregateField.count(), planned: AggregateField.sum("size") })),
      tx.get(slowestQuery),
    ]);
    const counts = sums.data();
    const parsed = parseNotification(n);
    // held: 0, as nothing waits once terminal (a cancelled notification's held devices are simply not sent).
    const stats: Stats = {
      devices: counts.devices,
      sent: counts.sent,
      failed: counts.failed,
      removed: counts.removed,
      skipped: screened.data().skipped,
      held: 0,
    };
    const recipients = parsed.ok ? recipientCountOf(parsed.value) : undefined;
    if (recipients !== undefined) stats.recipients = recipients;
    const stop = stopReasonOf(n);
    const status = statusOf(stats, stop);
    const attempts = firstOf(slowest)?.stats?.rounds ?? 0;
    const update: UpdateData<StoredNotification> = {
      status,
      stats,
      attempts,
      completedAt: FieldValue.serverTimestamp(),
      lease: FieldValue.delete(),
      checkAt: FieldValue.delete(),
    };
    const progress = finalProgress(n, stop, sizes.data());
    if (progress) update.progress = progress;
    if (status === "failed") update.error = await failureOf(deps, notificationId, stop);
    tx.update(ref, update);
    return { status, stats, attempts, started: n.startedAt?.toMillis() };
  });
  if (!outcome) return false;
  logEvent("fanout.completed", {
    notificationId,
    status: outcome.status,
    attempts: outcome.attempts,
    durationMs: outcome.started === undefined ? undefined : deps.now() - outcome.started,
    ...outcome.stats,
  });
  return true;
}

/**
 * A notification sent in shards ends with its final progress, even one that ended before any check
 * refreshed it (a large plan is checked once a second). Once every shard is done, the done shards
 * are all of them; a stopped notification keeps what was planned. None for one sent inline.
 */
function finalProgress(n: StoredNotification, stop: StopReason | undefined, done: { shards: number; planned: number }) {
  if (!n.progress && n.plan?.inline !== false) return undefined;
  const { shards: shardsDone, planned } = done;
  const total = stop
    ? (n.progress ?? { devicesPlanned: n.plan?.devices ?? planned, shards: n.plan?.shards ?? shardsDone })
    : { devicesPlanned: planned, shards: shardsDone };
  return { ...total, devicesDone: planned, shardsDone, updatedAt: FieldValue.serverTimestamp() };
}

function statusOf(stats: Stats, stop: StopReason | undefined): NotificationStatus {
  if (stop?.kind === "cancelled") return "cancelled";
  if (stop?.kind === "halted") return "failed";
  // Devices skipped by their users' choices were never to be sent: with none left there was nobody to send to.
  const reachable = stats.devices - (stats.skipped ?? 0);
  if (reachable <= 0) return "no-devices";
  if (stats.sent === reachable) return "sent";
  return stats.sent === 0 ? "failed" : "partial";
}

async function failureOf(deps: FanoutDeps, notificationId: string, stop: StopReason | undefined) {
  if (stop?.kind === "halted") return { code: stop.code, message: stop.message };
  const { failures } = fanoutQueries(deps.db, notificationId);
  const [first, count] = await Promise.all([failures.limit(1).get(), failures.count().get()]);
  const error = firstOf(first)?.error ?? { code: "unknown", message: "no delivery result" };
  return {
    code: error.code,
    message: `No device accepted the notification (${count.data().count} device(s) failed or were removed); first error: ${error.message}`,
  };
}

/** Runs a task's work, then `settle` (paced): the way every task and retry ends (a throw is retried, and ends so then). */
export async function thenSettle<T>(deps: FanoutDeps, notificationId: string, work: () => Promise<T>): Promise<T> {
  const result = await work();
  await settle(deps, notificationId, true);
  return result;
}

/**
 * Refreshes `progress` (and moves `checkAt` on) from the shards' counters when the document was last written at least a
 * second ago. The write is conditioned on that last write, so concurrent shards cannot both write
 * in one second: the loser's precondition fails and it simply skips.
 */
export async function maybeWriteProgress(deps: FanoutDeps, notificationId: string, snap: DocumentSnapshot<StoredNotification>): Promise<void> {
  const updated = snap.updateTime?.toMillis();
  if (updated === undefined || deps.now() - updated < PROGRESS_INTERVAL_MS) return;
  const { allShards, done: doneShards } = fanoutQueries(deps.db, notificationId);
  const [all, done] = await Promise.all([
    allShards.aggregate({ shards: AggregateField.count(), devices: AggregateField.sum("size") }).get(),
    doneShards.aggregate({ shards: AggregateField.count(), devices: AggregateField.sum("size") }).get(),
  ]);
  const progress = {
    devicesPlanned: all.data().devices,
    devicesDone: done.data().devices,
    shards: all.data().shards,
    shardsDone: done.data().shards,
    updatedAt: FieldValue.serverTimestamp(),
  };
  const running = await runningStats(deps, notificationId);
  try {
    await snap.ref.update({ progress, checkAt: checkAtFrom(deps.now()), ...running }, { lastUpdateTime: snap.updateTime! });
  } catch (error) {
    if (codeOf(error) !== FAILED_PRECONDITION) throw error;
  }
}

/**
 * While devices are held for their quiet hours, `stats` shows the counts so far with `held`
 * (CONTRACT: devices waiting; 0 once terminal); nothing otherwise, as before recipient control.
 */
async function runningStats(deps: FanoutDeps, notificationId: string): Promise<{ stats?: Stats }> {
  const { done } = fanoutQueries(deps.db, notificationId);
  // One sum a query (several count only the documents holding every field).
  const held = (await done.aggregate({ held: AggregateField.sum("stats.held") }).get()).data().held;
  if (held <= 0) return {};
  const skipped = (await done.aggregate({ skipped: AggregateField.sum("stats.skipped") }).get()).data().skipped;
  const sums = await done
    .aggregate({
      devices: AggregateField.sum("stats.devices"),
      sent: AggregateField.sum("stats.sent"),
      failed: AggregateField.sum("stats.failed"),
      removed: AggregateField.sum("stats.removed"),
    })
    .get();
  return { stats: { ...sums.data(), skipped, held } };
}
