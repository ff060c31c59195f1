// Adapters from Firestore events and Cloud Tasks to the fan-out: they gather the collaborators and
// settings, and turn a bad setting into a failed notification instead of an endless retry.
import { randomUUID } from "node:crypto";
import { getFunctions } from "firebase-admin/functions";
import type { FirestoreEvent, QueryDocumentSnapshot, Change } from "firebase-functions/v2/firestore";
import type { Request } from "firebase-functions/v2/tasks";
import { config, ConfigError } from "../config.js";
import { sleep } from "../messaging/backoff.js";
import { createMessenger, type Messenger } from "../messaging/index.js";
import { logEvent } from "../shared/events.js";
import { app, db, messaging } from "../shared/firebase.js";
import { acceptNotification, cancelNotification, deleteNotificationRecords, failForConfiguration, runPlanTask } from "./lifecycle.js";
import {
  leaseMsFor,
  PLAN_TIMEOUT_SECONDS,
  SEND_TIMEOUT_SECONDS,
  shardSizeFor,
  type EnqueueOptions,
  type FanoutDeps,
  type FanoutSettings,
  type PlanTask,
  type ShardTask,
  type TaskQueues,
} from "./pipeline.js";
import { abandonShard, runShardTask } from "./shard.js";

export const REGION = "us-central1";
export const PLAN_QUEUE = "planNotification";
export const SEND_QUEUE = "sendNotificationShard";
/** Task attempts in each queue's retryConfig (see index.ts); the last one never throws. */
export const TASK_MAX_ATTEMPTS = 10;

export function projectId(): string {
  return process.env.GCLOUD_PROJECT ?? process.env.GOOGLE_CLOUD_PROJECT ?? "demo-pushfan";
}

/** The fan-out's settings, each checked (a bad one throws ConfigError naming it). */
export function fanoutSettings(): FanoutSettings {
  return {
    shardSize: shardSizeFor(config.fcmMessagesPerMinute()),
    maxAttempts: config.sendMaxAttempts(),
    backoff: { baseMs: config.backoffBaseMs(), maxMs: config.backoffMaxMs() },
    retentionDays: config.deliveryRetentionDays(),
    defaultTimeZone: config.defaultTimeZone(),
    maxEventAgeMs: config.maxEventAgeSeconds() * 1000,
  };
}

function isTaskAlreadyExists(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.endsWith("task-already-exists");
}

/** firebase-admin's task queues (the tasks emulator locally, through CLOUD_TASKS_EMULATOR_HOST). */
function taskQueues(): TaskQueues {
  const functions = getFunctions(app());
  const queue = <T extends object>(name: string, timeoutSeconds: number) => {
    const q = functions.taskQueue<T>(`locations/${REGION}/functions/${name}`);
    return async (task: T, options: EnqueueOptions) => {
      try {
        await q.enqueue(task, { id: options.id, scheduleTime: options.scheduleTime, dispatchDeadlineSeconds: timeoutSeconds });
      } catch (error) {
        if (!isTaskAlreadyExists(error)) throw error;
      }
    };
  };
  return { plan: queue<PlanTask>(PLAN_QUEUE, PLAN_TIMEOUT_SECONDS), send: queue<ShardTask>(SEND_QUEUE, SEND_TIMEOUT_SECONDS) };
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
 * `error.code: "configuration"` naming the param, and the event or task is not retried.
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

export async function onPlanTask(request: Request<PlanTask>): Promise<void> {
  const task = request.data;
  await withSettings(task.notificationId, (d, s) => runPlanTask(d, s, task, runIdOf(request)));
}

export async function onSendTask(request: Request<ShardTask>): Promise<void> {
  const task = request.data;
  // The tasks emulator runs a task maxAttempts + 1 times, production maxAttempts: from this attempt
  // on, a failure records the shard's devices as failed instead of asking for another attempt.
  const final = request.retryCount >= TASK_MAX_ATTEMPTS - 1;
  await withSettings(task.notificationId, async (d, s) => {
    try {
      await runShardTask(d, s, task, { runId: runIdOf(request), leaseMs: leaseMsFor(SEND_TIMEOUT_SECONDS) });
    } catch (error) {
      if (!final) throw error;
      await abandonShard(d, s, task.notificationId, task.shard, error);
    }
  });
}
