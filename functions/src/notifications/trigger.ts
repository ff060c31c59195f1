// Adapters from Firestore events and Cloud Tasks to the fan-out: they gather the collaborators and
// settings, and turn a bad setting into a failed notification instead of an endless retry.
import { randomUUID } from "node:crypto";
import type { Change, FirestoreEvent, QueryDocumentSnapshot } from "firebase-functions/v2/firestore";
import type { Request } from "firebase-functions/v2/tasks";
import { ConfigError, config } from "../config.js";
import { sleep } from "../messaging/backoff.js";
import { createMessenger, type Messenger } from "../messaging/index.js";
import { logEvent } from "../shared/events.js";
import { db, messaging } from "../shared/firebase.js";
import { taskQueueOf } from "../shared/task-queue.js";
import {
  acceptNotification,
  cancelNotification,
  deleteNotificationRecords,
  failForConfiguration,
  failNotification,
  runPlanTask,
  runSettleTask,
  runWakeTask,
} from "./lifecycle.js";
import {
  type FanoutDeps,
  type FanoutSettings,
  LeaseBusyError,
  LeaseLostError,
  leaseMsFor,
  PLAN_TIMEOUT_SECONDS,
  type PlanTask,
  SEND_TIMEOUT_SECONDS,
  SETTLE_TIMEOUT_SECONDS,
  type SettleTask,
  type ShardTask,
  shardSizeFor,
  type TaskQueues,
  WAKE_TIMEOUT_SECONDS,
  windowDevicesFor,
} from "./pipeline.js";
import { giveUpShard, RoundDeadlineError, runShardTask } from "./shard.js";
import { sweepNotifications } from "./sweep.js";

export const PLAN_QUEUE = "planNotification";
export const WAKE_QUEUE = "wakeNotification";
export const SEND_QUEUE = "sendNotificationShard";
export const SETTLE_QUEUE = "settleNotification";
/** Task attempts in each queue's retryConfig (see index.ts); the last one never throws. */
export const TASK_MAX_ATTEMPTS = 10;

export function projectId(): string {
  return process.env.GCLOUD_PROJECT ?? process.env.GOOGLE_CLOUD_PROJECT ?? "demo-pushfan";
}

/** The fan-out's settings, each checked (a bad one throws ConfigError naming it). */
export function fanoutSettings(): FanoutSettings {
  const shardSize = shardSizeFor(config.fcmMessagesPerMinute());
  return {
    shardSize,
    windowDevices: windowDevicesFor(shardSize),
    maxAttempts: config.sendMaxAttempts(),
    backoff: { baseMs: config.backoffBaseMs(), maxMs: config.backoffMaxMs() },
    retentionDays: config.deliveryRetentionDays(),
    inboxRetentionDays: config.inboxRetentionDays(),
    defaultTimeZone: config.defaultTimeZone(),
    maxEventAgeMs: config.maxEventAgeSeconds() * 1000,
    dailyCap: config.maxNotificationsPerUserPerDay(),
  };
}

/** firebase-admin's task queues (the tasks emulator locally, through CLOUD_TASKS_EMULATOR_HOST). */
function taskQueues(): TaskQueues {
  return {
    plan: taskQueueOf<PlanTask>(PLAN_QUEUE, PLAN_TIMEOUT_SECONDS),
    wake: taskQueueOf<PlanTask>(WAKE_QUEUE, WAKE_TIMEOUT_SECONDS),
    send: taskQueueOf<ShardTask>(SEND_QUEUE, SEND_TIMEOUT_SECONDS),
    settle: taskQueueOf<SettleTask>(SETTLE_QUEUE, SETTLE_TIMEOUT_SECONDS),
  };
}

/** A configuration failure sends nothing; this messenger makes sure of it. */
const refusingMessenger: Messenger = {
  name: "sandbox",
  send: () => Promise.reject(new Error("Nothing may be sent while a setting is invalid.")),
};

function baseDeps(messenger: Messenger = refusingMessenger): FanoutDeps {
  return { db: db(), messenger, tasks: taskQueues(), now: Date.now, sleep, random: Math.random };
}

/**
 * Runs `work` with the collaborators and settings; a bad setting fails the notification with
 * `error.code: "configuration"` naming the param, and the event or task is not retried. Each piece
 * of work ends with `settle` (the domain functions do it), and so does the configuration failure.
 */
async function withSettings(notificationId: string, work: (d: FanoutDeps, s: FanoutSettings) => Promise<unknown>): Promise<void> {
  let messenger: Messenger;
  let settings: FanoutSettings;
  try {
    messenger = createMessenger(config.transport(), { db, messaging, projectId: projectId() });
    settings = fanoutSettings();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    await failForConfiguration(baseDeps(), notificationId, error.report({ notificationId }));
    return;
  }
  await work(baseDeps(messenger), settings);
}

export async function onNotificationCreated(event: FirestoreEvent<QueryDocumentSnapshot | undefined, { notificationId: string }>): Promise<void> {
  const { notificationId } = event.params;
  const createdAt = event.data?.createTime?.toMillis() ?? Date.parse(event.time);
  await withSettings(notificationId, (d, s) =>
    acceptNotification(d, s, notificationId, { runId: `${event.id}/${randomUUID()}`, createdAt, eventTime: Date.parse(event.time) }),
  );
}

/** Every update of a notification fires this; only `cancelled` turning true matters. */
export async function onNotificationUpdated(event: FirestoreEvent<Change<QueryDocumentSnapshot> | undefined, { notificationId: string }>): Promise<void> {
  const before = event.data?.before.get("cancelled");
  const after = event.data?.after.get("cancelled");
  if (before === true || after !== true) return;
  // Cancelling needs no setting: it works even when one is bad.
  await cancelNotification(baseDeps(), event.params.notificationId);
}

export async function onNotificationDeleted(event: FirestoreEvent<QueryDocumentSnapshot | undefined, { notificationId: string }>): Promise<void> {
  await deleteNotificationRecords(db(), event.params.notificationId);
  logEvent("notification.deleted", { notificationId: event.params.notificationId });
}

const runIdOf = (request: Request) => `${request.id}/${request.retryCount}/${randomUUID()}`;

/**
 * The tasks emulator runs a task maxAttempts + 1 times, production maxAttempts: from this attempt
 * on, a failure ends the task's part instead of asking for another attempt.
 */
const isLastAttempt = (request: Request) => request.retryCount >= TASK_MAX_ATTEMPTS - 1;

/** A plan or wake task out of attempts: the notification ends failed with the error (what was sent stays counted). */
async function giveUpTask(d: FanoutDeps, task: PlanTask, queue: string, runId: string, error: unknown): Promise<void> {
  const message = error instanceof Error ? error.message : String(error);
  logEvent("task.exhausted", { notificationId: task.notificationId, queue, error: message });
  await failNotification(d, task.notificationId, { code: "pushfan/task-failed", message: `The ${queue} task failed on every attempt: ${message}` }, runId);
}

/** Runs a plan or wake task; on its last attempt a failure ends the notification instead of a retry. */
function planLike(queue: string, run: typeof runPlanTask) {
  return async (request: Request<PlanTask>): Promise<void> => {
    const task = request.data;
    const runId = runIdOf(request);
    await withSettings(task.notificationId, async (d, s) => {
      try {
        await run(d, s, task, runId);
      } catch (error) {
        // A busy planner is no failure: the live run plans (and its own last attempt decides).
        if (!isLastAttempt(request) || error instanceof LeaseBusyError) throw error;
        await giveUpTask(d, task, queue, runId, error);
      }
    });
  };
}

export const onPlanTask = planLike(PLAN_QUEUE, runPlanTask);
export const onWakeTask = planLike(WAKE_QUEUE, runWakeTask);

export async function onSendTask(request: Request<ShardTask>): Promise<void> {
  const task = request.data;
  const runId = runIdOf(request);
  await withSettings(task.notificationId, async (d, s) => {
    try {
      await runShardTask(d, s, task, { runId, leaseMs: leaseMsFor(SEND_TIMEOUT_SECONDS) });
    } catch (error) {
      if (error instanceof RoundDeadlineError || error instanceof LeaseLostError) {
        logEvent("shard.stopped", { notificationId: task.notificationId, shard: task.shard, reason: error.name, message: error.message });
      }
      if (!isLastAttempt(request)) throw error;
      await giveUpShard(d, s, task.notificationId, task.shard, error, runId);
    }
  });
}

/** A large plan's check (outcome.ts): needs no setting, sends nothing; a failure is retried, then left to the sweeper. */
export async function onSettleTask(request: Request<SettleTask>): Promise<void> {
  await runSettleTask(baseDeps(), request.data);
}

/** The sweeper's schedule: finds and finishes or resumes stalled notifications (see sweep.ts). */
export async function onSweep(): Promise<void> {
  await sweepNotifications(baseDeps());
}
