// pushfan's Cloud Functions. This file only declares them; each handler lives in its domain folder.
import { setGlobalOptions } from "firebase-functions/v2";
import { onDocumentCreated } from "firebase-functions/v2/firestore";
import { onCall, onRequest } from "firebase-functions/v2/https";
import { onSchedule } from "firebase-functions/v2/scheduler";
import { corsOrigins, ENFORCE_APP_CHECK, PURGE_SCHEDULE, PURGE_TIME_ZONE, settings } from "./config.js";
import { registerDeviceHandler, unregisterDeviceHandler } from "./devices/callables.js";
import { createApiHandler, type ApiRequest, type ApiResponse } from "./http/api.js";
import { FANOUT_TIMEOUT_SECONDS, onNotificationCreated } from "./notifications/trigger.js";
import { PURGE_TIMEOUT_SECONDS, runScheduledPurge } from "./purge/scheduled.js";
import { guardCallable } from "./shared/callable-guard.js";
import { auth, db } from "./shared/firebase.js";

setGlobalOptions({ region: "us-central1", maxInstances: 20 });

// guardCallable: payloads the SDK's decoder cannot handle get invalid-argument, not internal.
export const registerDevice = guardCallable(onCall({ enforceAppCheck: ENFORCE_APP_CHECK }, registerDeviceHandler));

export const unregisterDevice = guardCallable(onCall({ enforceAppCheck: ENFORCE_APP_CHECK }, unregisterDeviceHandler));

const apiHandler = createApiHandler({
  db,
  auth,
  maxDevices: () => settings().maxDevicesPerUser,
  corsOrigins,
});

export const api = onRequest((req, res) => apiHandler(req as ApiRequest, res as unknown as ApiResponse));

// retry: the handler is idempotent (lease + delivery ledger), and events older than
// NOTIFICATION_MAX_EVENT_AGE_SECONDS are closed instead of retried.
export const fanOutNotification = onDocumentCreated(
  { document: "notifications/{notificationId}", retry: true, timeoutSeconds: FANOUT_TIMEOUT_SECONDS, memory: "512MiB" },
  onNotificationCreated,
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

// Emulator only: `npm run bench`'s one-write baseline callable. Loaded only when the Functions
// emulator discovers the functions, so a deploy never sees it.
if (process.env.FUNCTIONS_EMULATOR === "true") Object.assign(exports, require("./bench/baseline.js"));
