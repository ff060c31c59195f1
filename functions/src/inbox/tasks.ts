// The engagement refresh's task queue: scheduling a refresh for the end of a minute (once per
// notification and minute, however many reports ask) and the task function's adapter.
import { getFunctions } from "firebase-admin/functions";
import type { Request } from "firebase-functions/v2/tasks";
import { sleep } from "../messaging/backoff.js";
import { taskId } from "../notifications/pipeline.js";
import { app, db } from "../shared/firebase.js";
import { scheduledOnce } from "../shared/scheduled.js";
import { type EngagementTask, runEngagementTask, type ScheduleRefresh } from "./engagement.js";

export const ENGAGEMENT_QUEUE = "refreshEngagement";
export const ENGAGEMENT_TIMEOUT_SECONDS = 120;
const REGION = "us-central1";

/** Later reports of the same minute make no enqueue call at all (see scheduledOnce). */
const once = scheduledOnce();

function isTaskAlreadyExists(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.endsWith("task-already-exists");
}

export const scheduleRefresh: ScheduleRefresh = (notificationId, dueAtMs) =>
  once(notificationId, dueAtMs, async () => {
    const queue = getFunctions(app()).taskQueue<EngagementTask>(`locations/${REGION}/functions/${ENGAGEMENT_QUEUE}`);
    const id = taskId(notificationId, 0, `engagement-${dueAtMs}`);
    try {
      await queue.enqueue({ notificationId, dueAt: dueAtMs }, { id, scheduleTime: new Date(dueAtMs), dispatchDeadlineSeconds: ENGAGEMENT_TIMEOUT_SECONDS });
    } catch (error) {
      if (!isTaskAlreadyExists(error)) throw error;
    }
  });

export async function onEngagementTask(request: Request<EngagementTask>): Promise<void> {
  await runEngagementTask(db(), request.data, { now: Date.now, sleep }, scheduleRefresh);
}
