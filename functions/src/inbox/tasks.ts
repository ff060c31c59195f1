// The engagement refresh's task queue: scheduling a refresh for the end of a minute (once per
// notification and minute, however many reports ask) and the task function's adapter.
import type { Request } from "firebase-functions/v2/tasks";
import { sleep } from "../messaging/backoff.js";
import { taskId } from "../notifications/pipeline.js";
import { db } from "../shared/firebase.js";
import { scheduledOnce } from "../shared/scheduled.js";
import { taskQueueOf } from "../shared/task-queue.js";
import { type EngagementTask, runEngagementTask, type ScheduleRefresh } from "./engagement.js";

export const ENGAGEMENT_QUEUE = "refreshEngagement";
export const ENGAGEMENT_TIMEOUT_SECONDS = 120;

/** Later reports of the same minute make no enqueue call at all (see scheduledOnce). */
const once = scheduledOnce();

export const scheduleRefresh: ScheduleRefresh = (notificationId, dueAtMs) =>
  once(notificationId, dueAtMs, async () => {
    const id = taskId(notificationId, 0, `engagement-${dueAtMs}`);
    await taskQueueOf<EngagementTask>(ENGAGEMENT_QUEUE, ENGAGEMENT_TIMEOUT_SECONDS)(
      { notificationId, dueAt: dueAtMs },
      { id, scheduleTime: new Date(dueAtMs) },
    );
  });

export async function onEngagementTask(request: Request<EngagementTask>): Promise<void> {
  await runEngagementTask(db(), request.data, { now: Date.now, sleep }, scheduleRefresh);
}
