// The planner: one streaming pass over the audience's devices that hands them out in shards of at
// most `shardSize` device keys, one send task per shard. It never holds more than one window of
// keys (WINDOW_SHARDS shards), and each window's shards are created together with a checkpoint (in
// the window's last shard), in a transaction that proves the planner still holds its lease: a
// crashed or timed-out planner resumes right after the last device it handed out, and a stale one
// can neither overwrite a shard (create-only) nor write after its notification was deleted. Every
// device lands in exactly one shard. A window's send tasks are enqueued, ENQUEUE_CONCURRENCY at a
// time, while the next window is read, and confirmed before the next window is committed.
import { type DocumentSnapshot, FieldValue, type Query, QueryDocumentSnapshot, Timestamp } from "firebase-admin/firestore";
import { ownerOf } from "../devices/registry.js";
import { writeListedEntries } from "../inbox/write.js";
import { getAllOf, readOrProblem } from "../shared/documents.js";
import { logEvent } from "../shared/events.js";
import { audienceSegments } from "./audience.js";
import { type Checkpoint, deviceKey, fanoutQueries, isTerminal, notificationRef, type ShardDocument, shardRef } from "./documents.js";
import { createLocalTimePlanner, type LocalTimePlanner, parseLocalTime } from "./local-time.js";
import { maybeWriteProgress } from "./outcome.js";
import {
  checkAtFrom,
  ENQUEUE_CONCURRENCY,
  type FanoutDeps,
  type FanoutSettings,
  generationOf,
  holdsLease,
  LeaseBusyError,
  LeaseLostError,
  leaseLive,
  PROGRESS_INTERVAL_MS,
  scheduleFor,
  sendsNothingMore,
  stopReasonOf,
  taskId,
} from "./pipeline.js";
import { audienceOf, type NotificationInput, parseNotification } from "./schema.js";
import { CHANGED, shardExpiry, stopNotification } from "./shard.js";

export interface PlanRun {
  runId: string;
  leaseMs: number;
  /** Hand over to a continuation task after this long. */
  budgetMs: number;
  /** The trigger plans one window itself: a small audience then needs no task at all. */
  firstWindowOnly: boolean;
}

export type PlanResult =
  | { kind: "complete"; shards: number; devices: number; enqueued: boolean }
  | { kind: "handedOver"; nextIndex: number }
  | { kind: "stopped" | "gone" | "notStarted" };

type Claim =
  | { kind: "plan"; notification: NotificationInput; windowStart: number; generation: number; expiresAt: number }
  | { kind: "busy"; until: number }
  | { kind: "changed" }
  | PlanResult;

/** Plans (the rest of) a notification's audience, within the run's budget. */
export async function runPlanner(deps: FanoutDeps, settings: FanoutSettings, notificationId: string, run: PlanRun): Promise<PlanResult> {
  const claim = await claimPlanner(deps, notificationId, run);
  // Thrown only now, the transaction closed: a run that dies right after must not leave it open.
  if (claim.kind === "busy") throw new LeaseBusyError(`The planner of ${notificationId}`, claim.until);
  if (claim.kind === "changed") {
    await stopNotification(deps, notificationId, CHANGED);
    return { kind: "stopped" };
  }
  if (claim.kind !== "plan") return claim;
  const resume = await resumePoint(deps, notificationId);
  if (!resume) {
    await stopNotification(deps, notificationId, CORRUPT_PLAN, run.runId);
    logEvent("plan.corrupt", { notificationId });
    return { kind: "stopped" };
  }
  // The listed users' inbox entries come before the first shard (only a fresh plan writes them).
  const guard = { ref: notificationRef(deps.db, notificationId), holds: (s: DocumentSnapshot) => s.get("lease.runId") === run.runId };
  if (resume.checkpoint.nextIndex === 0 && !(await writeListedEntries(deps, settings, notificationId, claim.notification, guard))) return { kind: "gone" };
  const target = { notificationId, generation: claim.generation };
  const walker = new AudienceWalker(deps, settings, target, claim.notification, claim.windowStart, { ...run, expiresAt: claim.expiresAt }, resume);
  const outcome = await walker.walk();
  return closePlan(deps, target, run, outcome, walker);
}

/** Takes the planner's lease in a transaction, unless there is nothing (left) to plan. */
async function claimPlanner(deps: FanoutDeps, notificationId: string, run: PlanRun): Promise<Claim> {
  const ref = notificationRef(deps.db, notificationId);
  return deps.db.runTransaction(async (tx) => {
    const n = readOrProblem(await tx.get(ref)).value;
    if (!n || isTerminal(n.status)) return { kind: "gone" };
    if (n.status !== "processing") return { kind: "notStarted" };
    if (n.plan?.complete) return { kind: "complete", shards: n.plan.shards, devices: n.plan.devices, enqueued: n.plan.inline !== true };
    if (leaseLive(n.lease, deps.now(), run.runId)) return { kind: "busy", until: n.lease!.expiresAt.toMillis() };
    if (stopReasonOf(n)) {
      if (n.lease) tx.update(ref, { lease: FieldValue.delete() });
      return { kind: "stopped" };
    }
    const parsed = parseNotification(n);
    if (!parsed.ok) return { kind: "changed" };
    const expiresAt = deps.now() + run.leaseMs;
    tx.update(ref, { lease: { runId: run.runId, expiresAt: Timestamp.fromMillis(expiresAt) }, checkAt: checkAtFrom(deps.now()) });
    const windowStart = parsed.value.sendAt?.toMillis() ?? n.createdAt?.toMillis() ?? deps.now();
    return { kind: "plan", notification: parsed.value, windowStart: Math.max(windowStart, generationOf(n)), generation: generationOf(n), expiresAt };
  });
}

interface ResumePoint {
  checkpoint: Checkpoint;
  /** Shards of the last committed window, whose tasks may not have been enqueued. */
  unconfirmed: Array<{ index: number; dueAt: number | null }>;
}

const START: Checkpoint = { segment: 0, after: "", windowStart: 0, nextIndex: 0, devices: 0 };

/** The highest shard has no readable checkpoint: planning again from the start would send twice. */
export const CORRUPT_PLAN = {
  code: "pushfan/corrupt-plan",
  message: "The planner's last shard record is malformed, so it cannot resume; nothing more was sent (planning again from the start would send twice).",
};

/**
 * The checkpoint of the last committed window, read from the highest shard; undefined when that
 * shard exists but its checkpoint cannot be read (every window's last shard carries one).
 */
async function resumePoint(deps: FanoutDeps, notificationId: string): Promise<ResumePoint | undefined> {
  const last = await fanoutQueries(deps.db, notificationId).lastShard.get();
  if (!last.docs[0]) return { checkpoint: START, unconfirmed: [] };
  const checkpoint = readOrProblem(last.docs[0]).value?.checkpoint;
  if (!checkpoint) return undefined;
  const refs = range(checkpoint.windowStart, checkpoint.nextIndex).map((i) => shardRef(deps.db, notificationId, i));
  const shards = await getAllOf(deps.db, refs);
  const unconfirmed = shards.flatMap((snap) => {
    const shard = readOrProblem(snap).value;
    return shard && shard.status === "planned" ? [{ index: shard.index, dueAt: shard.dueAt?.toMillis() ?? null }] : [];
  });
  return { checkpoint, unconfirmed };
}

const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);

type WalkOutcome = { kind: "complete" } | { kind: "budget" } | { kind: "stopped" };

/** Device keys waiting to become shards, grouped by due time (one group unless localTime). */
class Window {
  private groups = new Map<number, string[]>();
  size = 0;

  add(key: string, dueAt: number): void {
    const group = this.groups.get(dueAt) ?? [];
    group.push(key);
    this.groups.set(dueAt, group);
    this.size++;
  }

  /** The shards of the window, at most `shardSize` keys each, earliest group first. */
  drain(shardSize: number): Array<{ dueAt: number; devices: string[] }> {
    const shards = [...this.groups.entries()]
      .sort(([a], [b]) => a - b)
      .flatMap(([dueAt, keys]) =>
        Array.from({ length: Math.ceil(keys.length / shardSize) }, (_, i) => ({ dueAt, devices: keys.slice(i * shardSize, (i + 1) * shardSize) })),
      );
    this.groups.clear();
    this.size = 0;
    return shards;
  }
}

/** The documents of a query, streamed: one query, however many devices (see docs/PIPELINE.md). */
async function* streamOf(query: Query): AsyncGenerator<QueryDocumentSnapshot> {
  for await (const doc of query.stream()) {
    if (doc instanceof QueryDocumentSnapshot) yield doc;
  }
}

/** A window's commit, settled: written, its notification gone (not written), or the error it threw. */
type Written = { ok: boolean; error?: unknown };
const outcomeOf = (commit: Promise<boolean>): Promise<Written> =>
  commit.then(
    (ok) => ({ ok }),
    (error: unknown) => ({ ok: false, error }),
  );

/** Whether a window was written; rethrows its commit's error (awaited here, never an unhandled rejection). */
function written(result: Written): boolean {
  if (result.error !== undefined) throw result.error;
  return result.ok;
}

class AudienceWalker {
  private window = new Window();
  private readonly localTime?: LocalTimePlanner;
  private readonly windowSize: number;
  private checkpoint: Checkpoint;
  private deferred: Array<{ index: number; dueAt: number | null }> = [];
  /** The last window's enqueue calls; a failure is kept here (never an unhandled rejection) and thrown by `confirmed`. */
  private enqueuing: Promise<void> = Promise.resolve();
  private enqueueError: unknown;
  readonly startedAt: number;
  private lastCheck: number;
  private readonly reportedZones = new Set<string>();
  /** Whether any shard task was handed to the queue by this run. */
  enqueuedAny = false;

  constructor(
    private readonly deps: FanoutDeps,
    private readonly settings: FanoutSettings,
    private readonly target: ShardTarget,
    private readonly notification: NotificationInput,
    windowStart: number,
    private readonly run: PlanRun & { expiresAt: number },
    private readonly resume: ResumePoint,
  ) {
    const time = notification.localTime === undefined ? undefined : parseLocalTime(notification.localTime);
    this.localTime = time && createLocalTimePlanner(windowStart, time, settings.defaultTimeZone);
    // The trigger's first window is one shard: an audience that fits in it is sent right there.
    this.windowSize = run.firstWindowOnly ? settings.shardSize : settings.windowDevices;
    this.checkpoint = resume.checkpoint;
    this.startedAt = deps.now();
    this.lastCheck = this.startedAt;
  }

  private get notificationId(): string {
    return this.target.notificationId;
  }

  get planned(): Checkpoint {
    return this.checkpoint;
  }

  /** The shards enqueue was held back for (the trigger's first window). */
  get deferredShards() {
    return this.deferred;
  }

  /**
   * Streams the audience into windows. A window is written while the next one is read (its commit
   * is awaited only before the next commit), which keeps the planner reading the whole time.
   */
  async walk(): Promise<WalkOutcome> {
    this.enqueue(this.resume.unconfirmed);
    const segments = audienceSegments(this.deps.db, audienceOf(this.notification), this.notification.platforms);
    const { segment: first, after } = this.checkpoint;
    let last = { segment: first, after };
    let writing: Promise<Written> = Promise.resolve({ ok: true });
    // Only what the walk needs of a device: its key (its owner is in its path) and, for localTime,
    // its time zone. Keys alone stream 1.7x faster from the emulator (24,000 a second against 14,000
    // with two fields); the shard checks everything else when it reads the device.
    const fields = this.localTime ? ["timezone"] : [];
    for (let s = first; s < segments.length; s++) {
      const query = s === first && after ? segments[s]!.startAfter(after) : segments[s]!;
      for await (const doc of streamOf(query.select(...fields))) {
        if (this.window.size >= this.windowSize) {
          if (!written(await writing)) return { kind: "stopped" };
          writing = outcomeOf(this.commit(last));
          const stop = await this.shouldStop();
          if (stop) return written(await writing) ? stop : { kind: "stopped" };
        }
        const userId = ownerOf(doc);
        if (userId === undefined) continue;
        this.window.add(deviceKey(userId, doc.id), this.dueAtOf(doc));
        last = { segment: s, after: doc.ref.path };
      }
    }
    if (!written(await writing)) return { kind: "stopped" };
    if (this.window.size > 0 && !(await this.commit(last))) return { kind: "stopped" };
    await this.confirmed();
    return { kind: "complete" };
  }

  /** Waits for the last window's tasks to be in the queue; a failed enqueue fails the run, which resumes from the checkpoint. */
  private async confirmed(): Promise<void> {
    await this.enqueuing;
    if (this.enqueueError !== undefined) throw this.enqueueError;
  }

  private dueAtOf(doc: QueryDocumentSnapshot): number {
    if (!this.localTime) return 0;
    const zone: unknown = doc.get("timezone");
    const planned = this.localTime.instantFor(typeof zone === "string" ? zone : null);
    if (planned.unknown && typeof zone === "string" && !this.reportedZones.has(zone)) {
      this.reportedZones.add(zone);
      logEvent("plan.unknownTimeZone", { notificationId: this.notificationId, timezone: zone.slice(0, 64), deviceId: doc.id });
    }
    return planned.instantMs;
  }

  /**
   * Creates the window's shards and the checkpoint in one transaction that proves this run still
   * holds the planner's lease, then hands their tasks to the queue. False when the notification is
   * gone (deleted, or another incarnation of its id): nothing is written.
   */
  private async commit(last: { segment: number; after: string }): Promise<boolean> {
    const shards = this.window.drain(this.settings.shardSize);
    const start = this.checkpoint.nextIndex;
    const checkpoint: Checkpoint = {
      segment: last.segment,
      after: last.after,
      windowStart: start,
      nextIndex: start + shards.length,
      devices: this.checkpoint.devices + shards.reduce((sum, s) => sum + s.devices.length, 0),
    };
    const now = this.deps.now();
    const docs = shards.map((shard, i): ShardDocument => this.shardDocument(now, start + i, shard, i === shards.length - 1 ? checkpoint : undefined));
    // A window's tasks must be in the queue before the next checkpoint, which is all a resumed planner re-enqueues.
    await this.confirmed();
    if (!holdsLease(this.run.expiresAt, this.deps.now())) throw new LeaseLostError(`The planner of ${this.notificationId}`);
    const ref = notificationRef(this.deps.db, this.notificationId);
    const written = await this.deps.db.runTransaction(async (tx) => {
      const n = readOrProblem(await tx.get(ref)).value;
      if (!n || generationOf(n) !== this.target.generation) return false;
      if (n.lease?.runId !== this.run.runId) throw new LeaseLostError(`The planner of ${this.notificationId}`);
      for (const doc of docs) tx.create(shardRef(this.deps.db, this.notificationId, doc.index), doc);
      return true;
    });
    if (!written) return false;
    this.checkpoint = checkpoint;
    this.enqueue(shards.map((s, i) => ({ index: start + i, dueAt: s.dueAt || null })));
    return true;
  }

  /** A shard of the window committed at `nowMs` (the window's shards share their creation time). */
  private shardDocument(nowMs: number, index: number, shard: { dueAt: number; devices: string[] }, checkpoint: Checkpoint | undefined): ShardDocument {
    const now = Timestamp.fromMillis(nowMs);
    const doc: ShardDocument = {
      index,
      devices: shard.devices,
      size: shard.devices.length,
      dueAt: shard.dueAt ? Timestamp.fromMillis(shard.dueAt) : null,
      status: "planned",
      attempts: 0,
      rounds: 0,
      createdAt: now,
      updatedAt: now,
      // Counted from the shard's due time: a localTime group due tomorrow outlives a short retention.
      expireAt: shardExpiry(nowMs, shard.dueAt || null, this.settings.retentionDays),
    };
    if (checkpoint) doc.checkpoint = checkpoint;
    return doc;
  }

  private enqueue(shards: Array<{ index: number; dueAt: number | null }>): void {
    if (shards.length === 0) return;
    // The trigger's first window of a fresh plan waits: if it turns out to be the whole audience in
    // one shard, the trigger sends it itself.
    if (this.run.firstWindowOnly && this.resume.checkpoint.nextIndex === 0 && this.deferred.length === 0 && !this.enqueuedAny) {
      this.deferred = shards;
      return;
    }
    this.enqueuedAny = true;
    this.enqueuing = enqueueShards(this.deps, this.target, shards).catch((error: unknown) => void (this.enqueueError ??= error));
  }

  /** After each window: the budget, a stop (cancelled, halted, deleted) and progress, once a second. */
  private async shouldStop(): Promise<WalkOutcome | undefined> {
    if (this.run.firstWindowOnly || this.deps.now() - this.startedAt > this.run.budgetMs) return { kind: "budget" };
    if (this.deps.now() - this.lastCheck < PROGRESS_INTERVAL_MS) return undefined;
    this.lastCheck = this.deps.now();
    const snap = await notificationRef(this.deps.db, this.notificationId).get();
    if (sendsNothingMore(readOrProblem(snap).value)) return { kind: "stopped" };
    await maybeWriteProgress(this.deps, this.notificationId, snap);
    logEvent("plan.progress", { notificationId: this.notificationId, shards: this.checkpoint.nextIndex, devices: this.checkpoint.devices });
    return undefined;
  }
}

/** Which notification (and which incarnation of its id) tasks are for. */
export interface ShardTarget {
  notificationId: string;
  generation: number;
}

/**
 * Hands shards to the send queue, ENQUEUE_CONCURRENCY requests in flight; a shard due later is
 * scheduled for then. Rejects with the first failure once every request has ended.
 */
export async function enqueueShards(deps: FanoutDeps, target: ShardTarget, shards: Array<{ index: number; dueAt: number | null }>): Promise<void> {
  const { notificationId, generation } = target;
  const now = deps.now();
  let next = 0;
  const worker = async () => {
    while (next < shards.length) {
      const { index, dueAt } = shards[next++]!;
      const { notBefore, scheduleTime } = scheduleFor(now, dueAt);
      await deps.tasks.send(
        { notificationId, generation, shard: index, notBefore },
        { id: taskId(notificationId, generation, `shard-${index}`), scheduleTime },
      );
    }
  };
  const results = await Promise.allSettled(Array.from({ length: Math.min(ENQUEUE_CONCURRENCY, shards.length) }, worker));
  const failure = results.find((r) => r.status === "rejected");
  if (failure) throw failure.reason;
  logEvent("tasks.enqueued", { notificationId, queue: "send", count: shards.length });
}

/** Records how the run ended: the plan summary, a continuation task, or a stop. */
async function closePlan(deps: FanoutDeps, target: ShardTarget, run: PlanRun, outcome: WalkOutcome, walker: AudienceWalker): Promise<PlanResult> {
  const { notificationId, generation } = target;
  const ref = notificationRef(deps.db, notificationId);
  const { nextIndex, devices } = walker.planned;
  const inline = outcome.kind === "complete" && walker.deferredShards.length === 1 && !walker.enqueuedAny;
  const released = await deps.db.runTransaction(async (tx) => {
    const n = readOrProblem(await tx.get(ref)).value;
    if (!n || isTerminal(n.status) || n.lease?.runId !== run.runId) return false;
    if (outcome.kind === "complete") tx.update(ref, { plan: { complete: true, shards: nextIndex, devices, inline }, lease: FieldValue.delete() });
    else tx.update(ref, { lease: FieldValue.delete() });
    return true;
  });
  if (!released) return { kind: "gone" };
  if (!inline) await enqueueShards(deps, target, walker.deferredShards);
  if (outcome.kind === "budget") {
    await deps.tasks.plan({ notificationId, generation, kind: "plan", n: nextIndex }, { id: taskId(notificationId, generation, `plan-${nextIndex}`) });
    logEvent("plan.continued", { notificationId, shards: nextIndex, devices, part: nextIndex });
    return { kind: "handedOver", nextIndex };
  }
  if (outcome.kind === "complete") logEvent("plan.completed", { notificationId, shards: nextIndex, devices, durationMs: deps.now() - walker.startedAt });
  return outcome.kind === "complete" ? { kind: "complete", shards: nextIndex, devices, enqueued: !inline } : { kind: "stopped" };
}
