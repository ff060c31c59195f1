// Recipient control's shapes: what a user may send to set their preferences, the stored
// `notificationPreferences/{uid}`, the compact copy kept on each of their devices, and the cap counter.
import type { Firestore, Timestamp } from "firebase-admin/firestore";
import { z } from "zod";
import { topicNameSchema } from "../devices/schema.js";
import { parseLocalTime } from "../notifications/local-time.js";
import { converterOf, timestampSchema } from "../shared/documents.js";

export const PREFERENCES = "notificationPreferences";
/** `recipientCounters/{uid}`: the daily cap's counter (backend only, no client access). */
export const COUNTERS = "recipientCounters";
export const MAX_CATEGORIES = 100;
/** Firestore timestamps end with year 9999. */
const MAX_TIME_MS = Date.UTC(9999, 11, 31, 23, 59, 59);
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

export interface QuietHours {
  start: string;
  end: string;
}

const hhmm = z
  .string({ error: (issue) => (issue.input === undefined ? "is required" : "must be a string") })
  .refine((s) => parseLocalTime(s) !== undefined, 'must be a 24-hour time "HH:MM", e.g. "22:00"');

const quietHoursSchema = z
  .strictObject({ start: hhmm, end: hhmm }, { error: (i) => (i.code === "invalid_type" ? "must be { start, end } or null" : undefined) })
  .refine((q) => q.start !== q.end, { message: "start and end must differ (a window may cross midnight: 22:00 to 07:00)", path: ["end"] });

const mutedUntilSchema = z
  .string({ error: "must be an ISO 8601 time (2026-12-24T08:00:00Z) or null" })
  .refine((s) => ISO_TIME.test(s) && Number.isFinite(Date.parse(s)), "must be an ISO 8601 time with a zone, e.g. 2026-12-24T08:00:00Z")
  .transform((s) => Date.parse(s))
  .refine((ms) => ms >= 0 && ms <= MAX_TIME_MS, "must be between 1970 and 9999");

/** Category names follow the topic rule; each problem is reported at its key. */
const categoriesSchema = z
  .record(z.string(), z.boolean({ error: "must be true, false or null (null removes the category)" }).nullable(), {
    error: "must be a map of category names to true, false or null",
  })
  .superRefine(
    (categories, ctx) => {
      const keys = Object.keys(categories);
      if (keys.length > MAX_CATEGORIES) ctx.addIssue({ code: "custom", message: `must name at most ${MAX_CATEGORIES} categories, has ${keys.length}` });
      for (const key of keys.slice(0, MAX_CATEGORIES + 1)) {
        const checked = topicNameSchema.safeParse(key);
        if (!checked.success) ctx.addIssue({ code: "custom", message: `category name ${checked.error.issues[0]!.message}`, path: key === "" ? [] : [key] });
      }
    },
    { when: (payload) => typeof payload.value === "object" && payload.value !== null && !Array.isArray(payload.value) },
  );

export const setPreferencesRequestSchema = z.strictObject(
  { categories: categoriesSchema.optional(), quietHours: quietHoursSchema.nullable().optional(), mutedUntil: mutedUntilSchema.nullable().optional() },
  { error: (issue) => (issue.code === "invalid_type" ? "request must be a JSON object" : undefined) },
);
export type SetPreferencesInput = z.output<typeof setPreferencesRequestSchema>;
/** What a client sends: `mutedUntil` as an ISO string. */
export type SetPreferencesRequest = z.input<typeof setPreferencesRequestSchema>;

/** getNotificationPreferences takes nothing (the SDKs send null when called without data). */
export const getPreferencesRequestSchema = z.preprocess(
  (v) => v ?? {},
  z.strictObject({}, { error: (issue) => (issue.code === "invalid_type" ? "request must be a JSON object or nothing" : undefined) }),
);

/** `notificationPreferences/{uid}`: CONTRACT.md §1 Preferences. */
export interface PreferencesDocument<T = Timestamp> {
  categories: Record<string, boolean>;
  quietHours: QuietHours | null;
  mutedUntil: T | null;
  updatedAt: T;
}

const preferencesSchema: z.ZodType<PreferencesDocument> = z.object({
  categories: z.record(z.string(), z.boolean()),
  quietHours: z.object({ start: z.string(), end: z.string() }).nullable(),
  mutedUntil: timestampSchema.nullable(),
  updatedAt: timestampSchema,
});

/** What the callables and the api answer: times as ISO strings. */
export interface Preferences {
  categories: Record<string, boolean>;
  quietHours: QuietHours | null;
  mutedUntil: string | null;
  updatedAt: string | null;
}

/**
 * The copy of a user's preferences on each of their devices (`preferences` of the device document),
 * which the shard already reads: enforcement then costs no read. Only what the fan-out needs.
 */
export interface DevicePreferences<T = Timestamp> {
  optedOut: string[];
  quietHours: QuietHours | null;
  mutedUntil: T | null;
}

export const devicePreferencesSchema: z.ZodType<DevicePreferences> = z.object({
  optedOut: z.array(z.string()),
  quietHours: z.object({ start: z.string(), end: z.string() }).nullable(),
  mutedUntil: timestampSchema.nullable(),
});

/** `recipientCounters/{uid}`: the non-critical notifications the user received in the last 24 h (id -> when). */
export interface CounterDocument<T = Timestamp> {
  received: Record<string, T>;
  expireAt: T;
}

const counterSchema: z.ZodType<CounterDocument> = z.object({ received: z.record(z.string(), timestampSchema), expireAt: timestampSchema });

export const preferencesConverter = converterOf(preferencesSchema);
export const counterConverter = converterOf(counterSchema);
export const preferencesRef = (db: Firestore, uid: string) => db.collection(PREFERENCES).doc(uid).withConverter(preferencesConverter);
export const counterRef = (db: Firestore, uid: string) => db.collection(COUNTERS).doc(uid).withConverter(counterConverter);
