// Enqueueing Cloud Tasks by id: an id that already exists is the task wanted (a retry, another
// instance, a task id the due time makes unique), not an error.
import { getFunctions } from "firebase-admin/functions";
import { app } from "./firebase.js";

/** Where every function of this codebase runs (index.ts passes it to setGlobalOptions). */
export const REGION = "us-central1";

export interface EnqueueById {
  id: string;
  scheduleTime?: Date;
  dispatchDeadlineSeconds: number;
}

function isTaskAlreadyExists(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.endsWith("task-already-exists");
}

/** Enqueues into a task function's queue; an id Cloud Tasks already holds counts as enqueued. */
export function taskQueueOf<T extends object>(functionName: string): (task: T, options: EnqueueById) => Promise<void> {
  const queue = getFunctions(app()).taskQueue<T>(`locations/${REGION}/functions/${functionName}`);
  return async (task, options) => {
    try {
      await queue.enqueue(task, options);
    } catch (error) {
      if (!isTaskAlreadyExists(error)) throw error;
    }
  };
}
