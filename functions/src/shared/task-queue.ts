// Enqueueing Cloud Tasks by id: an id that already exists is the task wanted (a retry, another
// instance, a task id the due time makes unique), not an error.
import { getFunctions } from "firebase-admin/functions";
import { app } from "./firebase.js";

/** Where every function of this codebase runs (index.ts passes it to setGlobalOptions). */
export const REGION = "us-central1";

/** How a task is enqueued: its id (Cloud Tasks keeps one task per id) and when it is due. */
export interface EnqueueOptions {
  id: string;
  scheduleTime?: Date;
}

function isTaskAlreadyExists(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.endsWith("task-already-exists");
}

/**
 * Enqueues into a task function's queue, each task given the function's timeout to run in; an id
 * Cloud Tasks already holds counts as enqueued.
 */
export function taskQueueOf<T extends object>(functionName: string, timeoutSeconds: number): (task: T, options: EnqueueOptions) => Promise<void> {
  const queue = getFunctions(app()).taskQueue<T>(`locations/${REGION}/functions/${functionName}`);
  return async (task, { id, scheduleTime }) => {
    try {
      await queue.enqueue(task, { id, scheduleTime, dispatchDeadlineSeconds: timeoutSeconds });
    } catch (error) {
      if (!isTaskAlreadyExists(error)) throw error;
    }
  };
}
