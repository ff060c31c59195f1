// The fan-out pipeline run in this process, with Cloud Tasks replaced by an in-memory queue that
// runs its tasks here: for the benchmark's operation counts and for tests that decide exactly which
// runs happen (duplicates, crashes, a clock of their own). It calls the same domain functions the
// deployed trigger and task functions call.
import { randomUUID } from "node:crypto";
import type { Firestore } from "firebase-admin/firestore";
import { createSandboxMessenger } from "../../src/messaging/sandbox.js";
import type { Messenger } from "../../src/messaging/transport.js";
import { acceptNotification, runPlanTask, runSettleTask, runWakeTask } from "../../src/notifications/lifecycle.js";
import {
  type EnqueueOptions,
  type FanoutDeps,
  type FanoutSettings,
  leaseMsFor,
  type PlanTask,
  SEND_TIMEOUT_SECONDS,
  type SettleTask,
  type ShardTask,
  type TaskQueues,
  windowDevicesFor,
} from "../../src/notifications/pipeline.js";
import { runShardTask } from "../../src/notifications/shard.js";

export type QueuedTask =
  | { queue: "plan"; task: PlanTask; options: EnqueueOptions }
  | { queue: "wake"; task: PlanTask; options: EnqueueOptions }
  | { queue: "send"; task: ShardTask; options: EnqueueOptions }
  | { queue: "settle"; task: SettleTask; options: EnqueueOptions };

/** Cloud Tasks in memory: deduplicates task ids like the real queues, runs nothing by itself. */
export class MemoryQueues implements TaskQueues {
  readonly pending: QueuedTask[] = [];
  /** Every task ever accepted, in order (with its options, e.g. scheduleTime). */
  readonly accepted: QueuedTask[] = [];
  private readonly ids = new Set<string>();

  async plan(task: PlanTask, options: EnqueueOptions): Promise<void> {
    this.add({ queue: "plan", task, options });
  }

  async wake(task: PlanTask, options: EnqueueOptions): Promise<void> {
    this.add({ queue: "wake", task, options });
  }

  async send(task: ShardTask, options: EnqueueOptions): Promise<void> {
    this.add({ queue: "send", task, options });
  }

  async settle(task: SettleTask, options: EnqueueOptions): Promise<void> {
    this.add({ queue: "settle", task, options });
  }

  private add(entry: QueuedTask): void {
    if (this.ids.has(entry.options.id)) return;
    this.ids.add(entry.options.id);
    this.pending.push(entry);
    this.accepted.push(entry);
  }

  /** Runs queued tasks (and the tasks they enqueue) one at a time until none is left. */
  async drain(deps: FanoutDeps, settings: FanoutSettings, limit = 100_000): Promise<number> {
    let ran = 0;
    while (this.pending.length > 0) {
      if (++ran > limit) throw new Error(`more than ${limit} tasks: a task keeps enqueueing itself`);
      await runTask(deps, settings, this.pending.shift()!);
    }
    return ran;
  }
}

/** Runs one task as its task function would (without the function's retry on error). */
export function runTask(deps: FanoutDeps, settings: FanoutSettings, entry: QueuedTask): Promise<unknown> {
  const runId = `${entry.options.id}/${randomUUID()}`;
  if (entry.queue === "plan") return runPlanTask(deps, settings, entry.task, runId);
  if (entry.queue === "wake") return runWakeTask(deps, settings, entry.task, runId);
  if (entry.queue === "settle") return runSettleTask(deps, entry.task);
  return runShardTask(deps, settings, entry.task, { runId, leaseMs: leaseMsFor(SEND_TIMEOUT_SECONDS) });
}

export const DEFAULT_SETTINGS: FanoutSettings = {
  shardSize: 250,
  windowDevices: windowDevicesFor(250),
  maxAttempts: 5,
  backoff: { baseMs: 1, maxMs: 5 },
  retentionDays: 30,
  inboxRetentionDays: 90,
  defaultTimeZone: "Etc/UTC",
  maxEventAgeMs: 3_600_000,
};

export interface InProcess {
  deps: FanoutDeps;
  queues: MemoryQueues;
  settings: FanoutSettings;
}

/** Collaborators for an in-process run: the sandbox on `db`, memory queues, real clock unless given. */
export function inProcess(db: Firestore, overrides: Partial<FanoutDeps> = {}, settings: Partial<FanoutSettings> = {}): InProcess {
  const queues = new MemoryQueues();
  const messenger: Messenger = overrides.messenger ?? createSandboxMessenger(db, "demo-pushfan");
  const deps: FanoutDeps = {
    db,
    messenger,
    tasks: queues,
    now: Date.now,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 50))),
    random: Math.random,
    ...overrides,
  };
  const shardSize = settings.shardSize ?? DEFAULT_SETTINGS.shardSize;
  return { deps, queues, settings: { ...DEFAULT_SETTINGS, windowDevices: windowDevicesFor(shardSize), ...settings } };
}

/** Does what the creation trigger does for `notifications/{id}`, then runs every task it leads to. */
export async function fanOutInProcess(run: InProcess, notificationId: string): Promise<void> {
  const now = run.deps.now();
  await acceptNotification(run.deps, run.settings, notificationId, { runId: randomUUID(), createdAt: now, eventTime: now });
  await run.queues.drain(run.deps, run.settings);
}
