// What every stage of the fan-out shares: its collaborators (Firestore, the messenger, the task
// queues, the clock), its settings, the task payloads and ids, and the rules for leases and stops.
//
//   notifications/{id} created ─► accept (trigger) ─► plan ─► shards/{n} ─► send (one task each)
//                                     │ scheduled          ▲                   │ deliveries ledger
//                                     └─► wake task ───────┘                   ▼
//                                                                    outcome: stats + status
//
// Every task, every retry and the sweeper end with the same idempotent `settle` (outcome.ts), so
// no path can leave a notification whose work is done without its outcome.
import { createHash } from "node:crypto";
import { type Firestore, Timestamp } from "firebase-admin/firestore";
import type { Messenger } from "../messaging/transport.js";
import type { EnqueueOptions } from "../shared/task-queue.js";
import { isTerminal, type StoredNotification } from "./documents.js";

/**
 * A plan task: wakes a scheduled notification (`wake`, on the wake queue, whose tasks are short so
 * that no long planner delays a due notification), or continues planning (`plan`).
 */
export interface PlanTask {
  notificationId: string;
  /** The notification's creation time (ms): a document deleted and created again is a new one. */
  generation: number;
  kind: "wake" | "plan";
  /** wake: which hop of the wait; plan: the shard index the planner continues from. */
  n: number;
  /** The instant the task was scheduled for; one that runs earlier (the tasks emulator) waits. */
  notBefore?: number;
}

/** A send task: one shard. */
export interface ShardTask {
  notificationId: string;
  generation: number;
  shard: number;
  /** > 0 when the shard had to wait for its due time again (see EARLY_WAIT_MS). */
  hop?: number;
  notBefore?: number;
}

/** A settle task: checks a large plan's outcome once a second of shard ends is over (outcome.ts). */
export interface SettleTask {
  notificationId: string;
  /** When to check; a task that runs earlier (the tasks emulator) waits until then. */
  notBefore: number;
}

export type { EnqueueOptions };

/** The task queues. Enqueueing a task id that exists already is a success (deduplication). */
export interface TaskQueues {
  plan(task: PlanTask, options: EnqueueOptions): Promise<void>;
  wake(task: PlanTask, options: EnqueueOptions): Promise<void>;
  send(task: ShardTask, options: EnqueueOptions): Promise<void>;
  settle(task: SettleTask, options: EnqueueOptions): Promise<void>;
}

export interface FanoutDeps {
  db: Firestore;
  messenger: Messenger;
  tasks: TaskQueues;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

export interface FanoutSettings {
  /** Devices per shard (one sendEach call); see shardSizeFor. */
  shardSize: number;
  /** Devices the planner hands out per window (one transaction of shards); see windowDevicesFor. */
  windowDevices: number;
  maxAttempts: number;
  backoff: { baseMs: number; maxMs: number };
  retentionDays: number;
  /** INBOX_RETENTION_DAYS: how long an inbox entry lives. */
  inboxRetentionDays: number;
  defaultTimeZone: string;
  /** A creation event older than this is closed as failed instead of sent. */
  maxEventAgeMs: number;
  /** MAX_NOTIFICATIONS_PER_USER_PER_DAY (recipients/cap.ts); 0 or absent: no cap. */
  dailyCap?: number;
}

/**
 * Cloud Tasks meters dispatches and FCM meters messages, and deploy-time params cannot be divided,
 * so the send queue dispatches at most this many shards a second (a literal in its rateLimits) and
 * the shard size carries FCM_MESSAGES_PER_MINUTE: size = messages/min ÷ 60 ÷ 20. The default
 * 300,000/min gives 250-device shards, 20 × 250 = 5,000 messages/s; 600,000/min (FCM's default
 * project quota) gives FCM's 500 per sendEach. Cloud Tasks allows 500 dispatches/s per queue.
 */
export const SEND_DISPATCHES_PER_SECOND = 20;
/** FCM's cap on messages per sendEach call, and so on devices per shard. */
export const MAX_SHARD_SIZE = 500;

export function shardSizeFor(messagesPerMinute: number): number {
  return Math.max(1, Math.min(MAX_SHARD_SIZE, Math.floor(messagesPerMinute / 60 / SEND_DISPATCHES_PER_SECOND)));
}

/** WINDOW_SHARDS shards a window, and never fewer devices than a localTime window groups. */
export const windowDevicesFor = (shardSize: number) => Math.max(LOCAL_TIME_WINDOW, shardSize * WINDOW_SHARDS);

// Function timeouts, and the leases renewed inside them. A lease is not a lock: Cloud Run answers
// 504 at the timeout and keeps running the code, so a run also proves, before each side effect,
// that it still holds its lease (fencing), and stops at a deadline well inside the timeout.
export const TRIGGER_TIMEOUT_SECONDS = 300;
export const PLAN_TIMEOUT_SECONDS = 540;
export const SEND_TIMEOUT_SECONDS = 300;
export const WAKE_TIMEOUT_SECONDS = 120;
export const SETTLE_TIMEOUT_SECONDS = 60;
/**
 * A lease lasts the function's timeout plus a minute from its last renewal. A send round starts only
 * with at least FENCE_MARGIN_MS of lease left, and firebase-admin's sendEach (its own retries honour
 * Retry-After up to 60 s each) ends well inside that, so a round never outlives its lease.
 */
export const leaseMsFor = (timeoutSeconds: number) => (timeoutSeconds + 60) * 1000;
/** Lease that must be left, by this run's own clock, before it sends or commits anything. */
export const FENCE_MARGIN_MS = 120_000;
/** The planner hands over to a continuation task after this long, well inside its timeout. */
export const PLAN_BUDGET_MS = 420_000;
/** A wake task plans this long itself (inside WAKE_TIMEOUT_SECONDS), then hands over to the plan queue. */
export const WAKE_PLAN_BUDGET_MS = 60_000;
/**
 * A shard run starts no send round after this long (60 s inside SEND_TIMEOUT_SECONDS, and inside
 * the trigger's): what is left goes back to the queue, and a retry resumes it.
 */
export const ROUND_BUDGET_MS = 240_000;

/** Cloud Tasks schedules at most 30 days ahead; a longer wait is a chain of tasks this far apart. */
export const SCHEDULE_HORIZON_MS = 29 * 24 * 60 * 60 * 1000;
/**
 * A task that runs before its time waits in place when its time is this close, else it goes back
 * to the queue. In production Cloud Tasks is on time (this covers clock skew); the tasks emulator
 * runs every task at once, so there a wait is a chain of tasks that each sleep this long.
 */
export const EARLY_WAIT_MS = 30_000;
/** Devices the local-time planner groups at once (one window), across all its groups. */
export const LOCAL_TIME_WINDOW = 5000;
/** At most one progress write a second, Firestore's sustained rate for one document. */
export const PROGRESS_INTERVAL_MS = 1000;
/**
 * A notification that is processing (or due) but has not been written for this long is looked at by
 * the sweeper (`checkAt`): it finishes one whose work is done and re-enqueues one whose tasks are
 * gone. Every progress write and lease renewal moves `checkAt` on. The sweeper runs every 5
 * minutes, so a stuck notification is found within 10 + 5 = 15 minutes.
 */
export const STALL_MS = 10 * 60_000;
/** Shards the planner writes per window (one transaction): 40 × 250 devices, ~0.8 MB of keys. */
export const WINDOW_SHARDS = 40;
/** Enqueue calls the planner keeps in flight (Cloud Tasks takes 500 dispatches/s per queue). */
export const ENQUEUE_CONCURRENCY = 20;

/**
 * A task id for Cloud Tasks' deduplication: deterministic, so a task enqueued twice runs once, and
 * starting with a hash, as Cloud Tasks asks (sequential prefixes slow every task command down). The
 * generation keeps a notification created again under a deleted one's id clear of its used ids
 * (Cloud Tasks refuses a used id for about an hour).
 */
export function taskId(notificationId: string, generation: number, name: string): string {
  const hash = createHash("sha256").update(`${notificationId}@${generation}/${name}`).digest("hex").slice(0, 16);
  return `${hash}-${name}`;
}

/** A notification's generation: its creation time in ms (0 for one accepted before this existed). */
export const generationOf = (n: { createdAt?: { toMillis(): number } }) => n.createdAt?.toMillis() ?? 0;

/** A notification's `checkAt` from `now`: when the sweeper should look at it if nothing moves. */
export const checkAtFrom = (now: number) => Timestamp.fromMillis(now + STALL_MS);

/** Another run holds a live lease; thrown so the task or event is delivered again later. */
export class LeaseBusyError extends Error {
  constructor(what: string, expiresAt: number) {
    super(`${what} is being worked on by another run (lease until ${new Date(expiresAt).toISOString()}).`);
    this.name = "LeaseBusyError";
  }
}

export type StopReason = { kind: "cancelled" } | { kind: "halted"; code: string; message: string };

/** Why a notification must send nothing more, if it must. */
export function stopReasonOf(n: StoredNotification): StopReason | undefined {
  if (n.cancelled === true) return { kind: "cancelled" };
  if (n.halt) return { kind: "halted", ...n.halt };
  return undefined;
}

/** Whether a notification must send nothing more: deleted, finished, cancelled or halted. */
export function sendsNothingMore(n: StoredNotification | undefined): boolean {
  return !n || isTerminal(n.status) || stopReasonOf(n) !== undefined;
}

export function leaseLive(lease: { runId: string; expiresAt: { toMillis(): number } } | undefined, now: number, runId?: string): boolean {
  return lease !== undefined && lease.runId !== runId && lease.expiresAt.toMillis() > now;
}

/** Whether this run may still act under a lease it holds until `expiresAt` (see FENCE_MARGIN_MS). */
export const holdsLease = (expiresAt: number, now: number) => now + FENCE_MARGIN_MS < expiresAt;

/** This run's lease ran out (or was taken over) before it could act: it stops, sending nothing more. */
export class LeaseLostError extends Error {
  constructor(what: string) {
    super(`${what}: this run no longer holds its lease; it stops and sends nothing more.`);
    this.name = "LeaseLostError";
  }
}

/**
 * Waits for a due time. Returns true when it has come (after sleeping in place if it is within
 * EARLY_WAIT_MS); false when the caller must hand the wait back to the queue: a task that ran
 * before its own schedule (the tasks emulator) sleeps EARLY_WAIT_MS first, so the chain of tasks
 * that then waits does not spin.
 */
export async function waitUntil(deps: FanoutDeps, dueAt: number, notBefore: number | undefined): Promise<boolean> {
  let sleptEarly = false;
  for (;;) {
    const remaining = dueAt - deps.now();
    if (remaining <= 0) return true;
    if (remaining <= EARLY_WAIT_MS) {
      await deps.sleep(remaining);
      return true;
    }
    if (sleptEarly || notBefore === undefined || deps.now() >= notBefore) return false;
    await deps.sleep(EARLY_WAIT_MS);
    sleptEarly = true;
  }
}

/**
 * How to enqueue a task for `dueAt` (null or past: at once): at the due time, or at the horizon on
 * the way there; the same instant goes in the payload as `notBefore`, by which a task that runs
 * early knows it did.
 */
export function scheduleFor(now: number, dueAt: number | null): { notBefore?: number; scheduleTime?: Date } {
  if (dueAt === null || dueAt <= now) return {};
  const at = Math.min(dueAt, now + SCHEDULE_HORIZON_MS);
  return { notBefore: at, scheduleTime: new Date(at) };
}
