// The catalogue of every structured log event pushfan writes: its level, what it means, whether an
// operator should alert on it, and its fields. docs/OPERATIONS.md documents each one (a test keeps
// the two in step); nothing logs an event that is not listed here.
import { logger } from "firebase-functions";

type Level = "info" | "warn" | "error";

interface EventSpec {
  level: Level;
  meaning: string;
  /** Page someone (or open a ticket) when this appears. */
  alert: boolean;
  fields: readonly string[];
}

export const EVENTS = {
  "devices.registered": {
    level: "info",
    meaning: "A device was registered or refreshed (callable or api).",
    alert: false,
    fields: ["uid", "via", "identifiedBy", "deviceId", "created", "removed", "transferredFrom"],
  },
  "devices.unregistered": {
    level: "info",
    meaning: "A client removed one of its devices.",
    alert: false,
    fields: ["uid", "deviceId", "removed", "via"],
  },
  "devices.userDeleted": {
    level: "info",
    meaning: "An Auth user was deleted; their devices and records, their preferences and their inbox were deleted (retried until done).",
    alert: false,
    fields: ["uid", "deleted"],
  },
  "inbox.updated": {
    level: "info",
    meaning: "A user marked inbox entries seen, read, archived or unread (updateInbox or POST /v1/inbox).",
    alert: false,
    fields: ["uid", "set", "all", "updated", "via"],
  },
  "inbox.event": {
    level: "info",
    meaning: "A device reported a notification received or opened (reportEvent or POST /v1/events); recorded false: a repeat, or not the caller's.",
    alert: false,
    fields: ["uid", "notificationId", "event", "recorded", "via"],
  },
  "inbox.engagementFailed": {
    level: "warn",
    meaning: "Refreshing a notification's engagement counts failed; the event itself was recorded, and the next report retries.",
    alert: false,
    fields: ["notificationId", "error"],
  },
  "preferences.updated": {
    level: "info",
    meaning: "A user changed their notification preferences (callable or api); the copies on their devices were refreshed.",
    alert: false,
    fields: ["uid", "via", "categories", "quietHours"],
  },
  "shard.screened": {
    level: "info",
    meaning: "A shard applied its recipients' preferences before sending: devices skipped (opted-out, muted, capped) and held for quiet hours.",
    alert: false,
    fields: ["notificationId", "shard", "optedOut", "muted", "capped", "held", "releaseShards"],
  },
  "config.invalid": {
    level: "error",
    meaning: "A setting (param) is out of range; the function that read it refused to work. Fix the param and redeploy.",
    alert: true,
    fields: ["param", "message", "notificationId"],
  },
  "api.failed": {
    level: "error",
    meaning: "The api answered 500 for an unexpected error (the stack is in the entry).",
    alert: true,
    fields: ["method", "path", "error"],
  },
  "notification.invalid": {
    level: "warn",
    meaning: "A notification document broke the input rules; it ended `invalid` and nothing was sent.",
    alert: false,
    fields: ["notificationId", "details"],
  },
  "notification.scheduled": {
    level: "info",
    meaning: "A notification waits for its sendAt / localTime window.",
    alert: false,
    fields: ["notificationId", "dueAt", "localTime"],
  },
  "notification.skipped": {
    level: "info",
    meaning: "A trigger or task found nothing to do (already done, deleted, not yet due, or an expired event).",
    alert: false,
    fields: ["notificationId", "reason", "task"],
  },
  "notification.deleted": {
    level: "info",
    meaning: "An admin deleted a notification; it stopped, and its deliveries and shards were deleted.",
    alert: false,
    fields: ["notificationId"],
  },
  "notification.expired": {
    level: "warn",
    meaning: "A creation event older than NOTIFICATION_MAX_EVENT_AGE_SECONDS was closed as failed instead of sent.",
    alert: true,
    fields: ["notificationId", "ageSeconds"],
  },
  "plan.progress": {
    level: "info",
    meaning: "The planner wrote a window of shards (at most one entry a second).",
    alert: false,
    fields: ["notificationId", "shards", "devices"],
  },
  "plan.completed": {
    level: "info",
    meaning: "The planner has handed out the whole audience in shards.",
    alert: false,
    fields: ["notificationId", "shards", "devices", "durationMs"],
  },
  "plan.continued": {
    level: "info",
    meaning: "The planner reached its time budget and handed the rest to a continuation task.",
    alert: false,
    fields: ["notificationId", "shards", "devices", "part"],
  },
  "plan.unknownTimeZone": {
    level: "warn",
    meaning: "A device's timezone is not an IANA zone; localTime used DEFAULT_TIME_ZONE for it.",
    alert: false,
    fields: ["notificationId", "timezone", "deviceId"],
  },
  "shard.sent": {
    level: "info",
    meaning: "One send round of a shard (at most 500 messages, one sendEach call).",
    alert: false,
    fields: ["notificationId", "shard", "attempt", "size", "sent", "failed", "removed", "retrying"],
  },
  "shard.completed": {
    level: "info",
    meaning: "A shard has settled every one of its devices.",
    alert: false,
    fields: ["notificationId", "shard", "devices", "sent", "failed", "removed", "rounds", "resumed"],
  },
  "shard.exhausted": {
    level: "error",
    meaning: "A shard failed on its last task attempt; its unsettled devices still in the audience were recorded as failed.",
    alert: true,
    fields: ["notificationId", "shard", "failed", "error"],
  },
  "shard.stopped": {
    level: "warn",
    meaning:
      "A shard run stopped sending before it finished: its round budget ran out (the task is retried and resumes) or it no longer held its lease (fencing: another run finishes the shard). Alert if frequent: FCM is slow.",
    alert: false,
    fields: ["notificationId", "shard", "reason", "message"],
  },
  "task.exhausted": {
    level: "error",
    meaning: "A plan or wake task failed on its last attempt; the notification ended failed with the error (what was sent stays counted).",
    alert: true,
    fields: ["notificationId", "queue", "error"],
  },
  "plan.corrupt": {
    level: "error",
    meaning: "The planner's last shard record is malformed; the notification stopped as failed instead of planning again from the start.",
    alert: true,
    fields: ["notificationId"],
  },
  "sweep.finished": {
    level: "warn",
    meaning: "The sweeper wrote the outcome of a notification whose work was done but whose outcome was missing (a crash or a failed final write).",
    alert: false,
    fields: ["notificationId", "status"],
  },
  "sweep.resumed": {
    level: "warn",
    meaning:
      "The sweeper re-enqueued the tasks of a notification that had not moved for 10 minutes (its tasks were lost). Alert if it repeats for one notification.",
    alert: false,
    fields: ["notificationId", "status", "wake", "plan", "shards"],
  },
  "sweep.completed": {
    level: "info",
    meaning: "A sweeper run: how many stalled notifications it found, finished and resumed.",
    alert: false,
    fields: ["found", "finished", "resumed", "waiting", "durationMs", "backlog"],
  },
  "shard.malformedDevice": {
    level: "warn",
    meaning: "A device document does not have the device shape (written by hand?); it was not sent.",
    alert: false,
    fields: ["notificationId", "path", "problem"],
  },
  "fanout.halted": {
    level: "error",
    meaning: "FCM rejected the project's credentials or configuration; the notification stops as failed and no device is deleted.",
    alert: true,
    fields: ["notificationId", "code", "message"],
  },
  "fanout.cancelled": {
    level: "info",
    meaning: "An admin cancelled a notification; nothing more is sent.",
    alert: false,
    fields: ["notificationId", "status"],
  },
  "fanout.completed": {
    level: "info",
    meaning: "A notification reached its terminal status; stats are written.",
    alert: false,
    fields: ["notificationId", "status", "attempts", "durationMs", "recipients", "devices", "sent", "failed", "removed", "skipped", "held"],
  },
  "tasks.enqueued": {
    level: "info",
    meaning: "Tasks were handed to Cloud Tasks (shards, planner continuations, scheduled wake-ups).",
    alert: false,
    fields: ["notificationId", "queue", "count", "scheduleTime"],
  },
  "purge.completed": {
    level: "info",
    meaning: "A purge run deleted every candidate within its time budget.",
    alert: false,
    fields: ["scanned", "deleted", "inactive", "stale", "skipped", "durationMs", "complete"],
  },
  "purge.incomplete": {
    level: "warn",
    meaning: "A purge run reached PURGE_TIME_BUDGET_SECONDS; the next run continues. Alert if it repeats daily.",
    alert: false,
    fields: ["scanned", "deleted", "inactive", "stale", "skipped", "durationMs", "complete", "remaining", "note"],
  },
} as const satisfies Record<string, EventSpec>;

export type EventName = keyof typeof EVENTS;

/**
 * Writes one catalogued event as a structured log entry: `message` and `event` are its name. Query
 * by `jsonPayload.event`: at error level the SDK turns `message` into an error with a stack trace
 * (for Error Reporting), which a match on the message alone would miss.
 */
export function logEvent(name: EventName, fields: Record<string, unknown>): void {
  logger[EVENTS[name].level](name, { event: name, ...fields });
}
