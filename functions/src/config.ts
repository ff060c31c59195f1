// Every setting of pushfan, as firebase-functions params with production defaults. Values are read
// only inside handlers (params resolve at run time, not at module load), and each one is checked
// where it is read: a bad value fails only what uses it, with a message naming the param.
import { defineBoolean, defineInt, defineString } from "firebase-functions/params";
import { canonicalTimeZone } from "./notifications/local-time.js";
import { logEvent } from "./shared/events.js";

export const MAX_DEVICES_PER_USER = defineInt("MAX_DEVICES_PER_USER", {
  default: 20,
  description: "Devices a user may have; registering one more evicts the least recently seen (1-500).",
});

export const MESSAGING_TRANSPORT = defineString("MESSAGING_TRANSPORT", {
  default: "auto",
  description: "auto (sandbox in the Functions emulator, FCM elsewhere) | fcm | sandbox.",
});

export const SEND_MAX_ATTEMPTS = defineInt("SEND_MAX_ATTEMPTS", {
  default: 5,
  description: "Delivery attempts per device for transient FCM errors (1-20).",
});

export const SEND_BACKOFF_BASE_MS = defineInt("SEND_BACKOFF_BASE_MS", {
  default: 1000,
  description: "First retry delay in ms; doubles each attempt, with full jitter (0-60000).",
});

export const SEND_BACKOFF_MAX_MS = defineInt("SEND_BACKOFF_MAX_MS", {
  default: 30000,
  description: "Upper bound of one retry delay in ms, also for Retry-After (0-300000).",
});

export const NOTIFICATION_MAX_EVENT_AGE_SECONDS = defineInt("NOTIFICATION_MAX_EVENT_AGE_SECONDS", {
  default: 3600,
  description: "A fan-out event older than this is closed as failed instead of retried (60-86400).",
});

export const FCM_MESSAGES_PER_MINUTE = defineInt("FCM_MESSAGES_PER_MINUTE", {
  default: 300000,
  description:
    "Messages per minute large audiences may send (FCM's default project quota is 600000); sets the shard size, see docs/REFERENCE.md (1200-600000).",
});

export const SEND_MAX_CONCURRENT_SHARDS = defineInt("SEND_MAX_CONCURRENT_SHARDS", {
  default: 100,
  description: "Shards of large audiences being sent at once (the send queue's maxConcurrentDispatches, 1-5000).",
});

export const DELIVERY_RETENTION_DAYS = defineInt("DELIVERY_RETENTION_DAYS", {
  default: 30,
  description: "Delivery records and shard records are deleted by a Firestore TTL policy this many days after their last update (1-3650).",
});

export const INBOX_RETENTION_DAYS = defineInt("INBOX_RETENTION_DAYS", {
  default: 90,
  description: "Inbox entries are deleted by a Firestore TTL policy this many days after they were created (1-3650).",
});

export const DEFAULT_TIME_ZONE = defineString("DEFAULT_TIME_ZONE", {
  default: "Etc/UTC",
  description: "IANA time zone for localTime delivery to devices that did not register a valid timezone.",
});

export const MAX_NOTIFICATIONS_PER_USER_PER_DAY = defineInt("MAX_NOTIFICATIONS_PER_USER_PER_DAY", {
  default: 0,
  description: "Daily cap: a user who received this many non-critical notifications in the last 24 h is skipped (capped); 0 = no cap (0-1000).",
});

export const INACTIVE_RETENTION_DAYS = defineInt("INACTIVE_RETENTION_DAYS", {
  default: 30,
  description: "Logged-out devices (active == false) are purged this many days after their last update (1-3650).",
});

export const STALE_DEVICE_DAYS = defineInt("STALE_DEVICE_DAYS", {
  default: 60,
  description: "Devices not seen for this many days are purged (1-3650).",
});

export const PURGE_TIME_BUDGET_SECONDS = defineInt("PURGE_TIME_BUDGET_SECONDS", {
  default: 420,
  description: "A purge run stops cleanly after this long and leaves the rest to the next run (10-3000).",
});

export const PURGE_SCHEDULE = defineString("PURGE_SCHEDULE", {
  default: "0 3 * * *",
  description: "When purgeInactiveDevices runs: unix-cron or App Engine syntax, in PURGE_TIME_ZONE.",
});

export const PURGE_TIME_ZONE = defineString("PURGE_TIME_ZONE", {
  default: "Etc/UTC",
  description: "Time zone of PURGE_SCHEDULE (IANA name).",
});

export const ENFORCE_APP_CHECK = defineBoolean("ENFORCE_APP_CHECK", {
  default: false,
  description: "Reject callable requests without a valid App Check token.",
});

export const CORS_ORIGINS = defineString("CORS_ORIGINS", {
  default: "*",
  description: "Comma-separated origins allowed to call the api from a browser; * allows any (auth is a bearer token, not a cookie).",
});

/** Thrown for a setting outside its allowed range; the message names the param and what is allowed. */
export class ConfigError extends Error {
  constructor(
    readonly param: string,
    message: string,
  ) {
    super(message);
    this.name = "ConfigError";
  }

  /**
   * Logs the bad setting for the operator (config.invalid, an alert) where it was caught, and
   * returns what the caller is told: `pushfan is misconfigured: <what is wrong>`.
   */
  report(context: { notificationId?: string } = {}): string {
    logEvent("config.invalid", { param: this.param, message: this.message, ...context });
    return `pushfan is misconfigured: ${this.message}`;
  }
}

/** What a request handler answers for a bad setting: only the operator can fix it. */
export const forOperator = (reported: string) => `${reported} The operator must fix this setting.`;

function intIn(param: { name: string; value(): number }, min: number, max: number): number {
  const value = param.value();
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(param.name, `${param.name} is ${value}; it must be a whole number from ${min} to ${max}.`);
  }
  return value;
}

export type Transport = "fcm" | "sandbox";

/** `auto` means the sandbox inside the Functions emulator, real FCM everywhere else. */
export function resolveTransport(setting: string, env: NodeJS.ProcessEnv = process.env): Transport {
  if (setting === "fcm" || setting === "sandbox") return setting;
  if (setting === "auto") return env.FUNCTIONS_EMULATOR === "true" ? "sandbox" : "fcm";
  throw new ConfigError("MESSAGING_TRANSPORT", `MESSAGING_TRANSPORT is "${setting}"; it must be one of auto, fcm, sandbox.`);
}

function timeZone(param: { name: string; value(): string }): string {
  const zone = param.value();
  if (canonicalTimeZone(zone) === undefined) {
    throw new ConfigError(param.name, `${param.name} is "${zone}"; it must be an IANA time zone such as Etc/UTC or Europe/Paris.`);
  }
  return zone;
}

/**
 * One accessor per setting: each reads and checks only its own param, so a bad value of one
 * setting cannot break a function that does not use it. Call them inside handlers.
 */
export const config = {
  maxDevicesPerUser: () => intIn(MAX_DEVICES_PER_USER, 1, 500),
  transport: () => resolveTransport(MESSAGING_TRANSPORT.value()),
  sendMaxAttempts: () => intIn(SEND_MAX_ATTEMPTS, 1, 20),
  backoffBaseMs: () => intIn(SEND_BACKOFF_BASE_MS, 0, 60_000),
  backoffMaxMs: () => intIn(SEND_BACKOFF_MAX_MS, 0, 300_000),
  maxEventAgeSeconds: () => intIn(NOTIFICATION_MAX_EVENT_AGE_SECONDS, 60, 86_400),
  fcmMessagesPerMinute: () => intIn(FCM_MESSAGES_PER_MINUTE, 1200, 600_000),
  deliveryRetentionDays: () => intIn(DELIVERY_RETENTION_DAYS, 1, 3650),
  inboxRetentionDays: () => intIn(INBOX_RETENTION_DAYS, 1, 3650),
  defaultTimeZone: () => timeZone(DEFAULT_TIME_ZONE),
  maxNotificationsPerUserPerDay: () => intIn(MAX_NOTIFICATIONS_PER_USER_PER_DAY, 0, 1000),
  inactiveRetentionDays: () => intIn(INACTIVE_RETENTION_DAYS, 1, 3650),
  staleDeviceDays: () => intIn(STALE_DEVICE_DAYS, 1, 3650),
  purgeTimeBudgetSeconds: () => intIn(PURGE_TIME_BUDGET_SECONDS, 10, 3000),
  enforceAppCheck: () => ENFORCE_APP_CHECK.value(),
  /** `"https://a.example, https://b.example"` → the list of allowed origins. */
  corsOrigins: () =>
    CORS_ORIGINS.value()
      .split(",")
      .map((origin) => origin.trim())
      .filter(Boolean),
};
