// pushfan's Cloud Functions. This file only declares them; each handler lives in its domain folder.
import * as functionsV1 from "firebase-functions/v1";
import { setGlobalOptions } from "firebase-functions/v2";
import { onDocumentCreated, onDocumentDeleted, onDocumentUpdated } from "firebase-functions/v2/firestore";
import { onCall, onRequest } from "firebase-functions/v2/https";
import { onSchedule } from "firebase-functions/v2/scheduler";
import { onTaskDispatched } from "firebase-functions/v2/tasks";
import { config, PURGE_SCHEDULE, PURGE_TIME_ZONE, SEND_MAX_CONCURRENT_SHARDS } from "./config.js";
import { registerDeviceHandler, unregisterDeviceHandler } from "./devices/callables.js";
import { onUserDeleted } from "./devices/user-deleted.js";
import { createApiHandler } from "./http/api.js";
import { reportEventHandler } from "./inbox/events.js";
import { updateInboxHandler } from "./inbox/read-state.js";
import { ENGAGEMENT_TIMEOUT_SECONDS, onEngagementTask } from "./inbox/tasks.js";
import {
  PLAN_TIMEOUT_SECONDS,
  SEND_DISPATCHES_PER_SECOND,
  SEND_TIMEOUT_SECONDS,
  SETTLE_TIMEOUT_SECONDS,
  TRIGGER_TIMEOUT_SECONDS,
  WAKE_TIMEOUT_SECONDS,
} from "./notifications/pipeline.js";
import {
  onNotificationCreated,
  onNotificationDeleted,
  onNotificationUpdated,
  onPlanTask,
  onSendTask,
  onSettleTask,
  onSweep,
  onWakeTask,
  TASK_MAX_ATTEMPTS,
} from "./notifications/trigger.js";
import { PURGE_TIMEOUT_SECONDS, runScheduledPurge } from "./purge/scheduled.js";
import { getNotificationPreferencesHandler, setNotificationPreferencesHandler } from "./recipients/callables.js";
import { guardCallable } from "./shared/callable-guard.js";
import { auth, db } from "./shared/firebase.js";
import { REGION } from "./shared/task-queue.js";
import { lookupUserHandler } from "./users/lookup.js";

setGlobalOptions({ region: REGION, maxInstances: 20 });

// guardCallable: payloads the SDK's decoder cannot handle get invalid-argument, not internal.
// App Check (ENFORCE_APP_CHECK) is enforced inside the handlers, where the param may be read.
export const registerDevice = guardCallable(onCall(registerDeviceHandler));

export const unregisterDevice = guardCallable(onCall(unregisterDeviceHandler));

// The caller's inbox: mark entries seen, read, archived or unread; report a notification received or opened.
export const updateInbox = guardCallable(onCall(updateInboxHandler));

export const reportEvent = guardCallable(onCall(reportEventHandler));

// A report within a minute of the last engagement refresh schedules one for the minute's end.
export const refreshEngagement = onTaskDispatched(
  {
    retryConfig: { maxAttempts: 3, minBackoffSeconds: 10, maxBackoffSeconds: 60 },
    rateLimits: { maxConcurrentDispatches: 20, maxDispatchesPerSecond: 20 },
    timeoutSeconds: ENGAGEMENT_TIMEOUT_SECONDS,
  },
  onEngagementTask,
);

export const setNotificationPreferences = guardCallable(onCall(setNotificationPreferencesHandler));

export const getNotificationPreferences = guardCallable(onCall(getNotificationPreferencesHandler));

// Admin-only: the console's Users page finds a user by email or uid.
export const lookupUser = guardCallable(onCall(lookupUserHandler));

const apiHandler = createApiHandler({ db, auth, maxDevices: config.maxDevicesPerUser, corsOrigins: config.corsOrigins });

export const api = onRequest(apiHandler);

// retry: the handlers are idempotent (leases, deterministic task ids, the delivery ledger), and
// events older than NOTIFICATION_MAX_EVENT_AGE_SECONDS are closed instead of retried.
export const fanOutNotification = onDocumentCreated(
  { document: "notifications/{notificationId}", retry: true, timeoutSeconds: TRIGGER_TIMEOUT_SECONDS, memory: "512MiB" },
  onNotificationCreated,
);

export const cancelNotification = onDocumentUpdated({ document: "notifications/{notificationId}", retry: true, timeoutSeconds: 60 }, onNotificationUpdated);

export const deleteNotificationRecords = onDocumentDeleted(
  { document: "notifications/{notificationId}", retry: true, timeoutSeconds: 540 },
  onNotificationDeleted,
);

// Retries back off to well beyond the leases (timeout + 60 s), so a retry after a crash finds the
// crashed run's lease expired rather than spinning on it.
export const planNotification = onTaskDispatched(
  {
    retryConfig: { maxAttempts: TASK_MAX_ATTEMPTS, minBackoffSeconds: 5, maxBackoffSeconds: 900, maxDoublings: 8 },
    rateLimits: { maxConcurrentDispatches: 10, maxDispatchesPerSecond: 50 },
    timeoutSeconds: PLAN_TIMEOUT_SECONDS,
    memory: "1GiB",
  },
  onPlanTask,
);

// Scheduled notifications wake on a queue of their own, whose tasks plan for at most a minute: ten
// long plans holding the plan queue cannot delay a due notification's first shards.
export const wakeNotification = onTaskDispatched(
  {
    retryConfig: { maxAttempts: TASK_MAX_ATTEMPTS, minBackoffSeconds: 5, maxBackoffSeconds: 300, maxDoublings: 6 },
    rateLimits: { maxConcurrentDispatches: 100, maxDispatchesPerSecond: 50 },
    timeoutSeconds: WAKE_TIMEOUT_SECONDS,
    memory: "512MiB",
  },
  onWakeTask,
);

// maxDispatchesPerSecond × shard size paces large audiences under FCM's quota (see pipeline.ts).
export const sendNotificationShard = onTaskDispatched(
  {
    retryConfig: { maxAttempts: TASK_MAX_ATTEMPTS, minBackoffSeconds: 5, maxBackoffSeconds: 600, maxDoublings: 7 },
    rateLimits: { maxConcurrentDispatches: SEND_MAX_CONCURRENT_SHARDS, maxDispatchesPerSecond: SEND_DISPATCHES_PER_SECOND },
    timeoutSeconds: SEND_TIMEOUT_SECONDS,
    memory: "512MiB",
  },
  onSendTask,
);

// A large notification's shards leave its outcome check to one task a second (outcome.ts). A check
// takes a fraction of a second, so 3 at once serve 10-30 large notifications sending side by side;
// beyond that checks wait their turn (progress and outcome come later, nothing is lost). The
// Functions emulator starts a worker per concurrent task: 10 started a dozen mid-broadcast.
export const settleNotification = onTaskDispatched(
  {
    retryConfig: { maxAttempts: 3, minBackoffSeconds: 1, maxBackoffSeconds: 30 },
    rateLimits: { maxConcurrentDispatches: 3, maxDispatchesPerSecond: 50 },
    timeoutSeconds: SETTLE_TIMEOUT_SECONDS,
  },
  onSettleTask,
);

export const purgeInactiveDevices = onSchedule(
  {
    // firebase-tools resolves the schedule as a param expression, though the SDK's type says string.
    schedule: PURGE_SCHEDULE as unknown as string,
    timeZone: PURGE_TIME_ZONE,
    timeoutSeconds: PURGE_TIMEOUT_SECONDS,
    retryCount: 1,
  },
  async () => {
    await runScheduledPurge();
  },
);

// Finishes notifications whose outcome was never written and resumes those whose tasks were lost
// (see notifications/sweep.ts): every 5 minutes, so within 15 of the last write (STALL_MS + 5).
export const sweepNotifications = onSchedule({ schedule: "every 5 minutes", timeZone: "Etc/UTC", timeoutSeconds: 300, retryCount: 0 }, onSweep);

// Auth user deletion has no v2 trigger (blocking functions fire before, not after); the Auth
// emulator fires this one too. Retried until it succeeds (it is idempotent).
export const deleteUserDevices = functionsV1.region(REGION).runWith({ failurePolicy: true }).auth.user().onDelete(onUserDeleted);
