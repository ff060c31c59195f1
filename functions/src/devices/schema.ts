// What clients may send to register or unregister a device (the callable and the api share it).
import { z } from "zod";
import { canonicalLocale, localeProblem } from "../localization/locale.js";
import { canonicalTimeZone } from "../notifications/local-time.js";
import { label, reportDuplicates, WHEN_LIST } from "../shared/validation.js";

export const DEVICE_TYPES = ["ios", "android", "web"] as const;
export type DeviceType = (typeof DEVICE_TYPES)[number];

export const MAX_TOKEN_LENGTH = 4096;
export const MAX_TOPICS = 100;
export const MAX_TOPIC_LENGTH = 64;
/** FCM's own rule for topic names, which pushfan's topics follow so they can also be FCM topics. */
export const TOPIC_PATTERN = /^[a-zA-Z0-9\-_.~%]+$/;

export const tokenSchema = z
  .string({ error: (issue) => (issue.input === undefined ? "is required" : "must be a string") })
  .min(1, { error: "must not be empty", abort: true })
  .max(MAX_TOKEN_LENGTH, `must be at most ${MAX_TOKEN_LENGTH} characters`)
  .regex(/^[^\s\p{Cc}]+$/u, "must not contain whitespace or control characters")
  .refine((s) => s.isWellFormed(), "must be valid Unicode (no lone surrogates)");

/**
 * A topic name, shared with the notification schema's `topic`. One check with one message per
 * name (an `abort` would also silence the notification's document-level checks).
 */
export const topicNameSchema = z
  .string({ error: (issue) => (issue.input === undefined ? "is required" : "must be a string") })
  .superRefine((s, ctx) => {
    const problem =
      s === ""
        ? "must not be empty"
        : s.length > MAX_TOPIC_LENGTH
          ? `must be at most ${MAX_TOPIC_LENGTH} characters`
          : TOPIC_PATTERN.test(s)
            ? undefined
            : "must contain only a-z A-Z 0-9 - _ . ~ %";
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

// The length first: a list over the limit is refused whole, before any work on its entries.
const topicsSchema = z
  .array(z.unknown(), { error: "must be a list of topic names" })
  .max(MAX_TOPICS, `must list at most ${MAX_TOPICS} topics`)
  .pipe(z.array(topicNameSchema))
  .superRefine(reportDuplicates("topic"), WHEN_LIST);

/**
 * An IANA time zone name, stored as sent (trimmed): ICU would "canonicalise" Asia/Kolkata into the
 * older Asia/Calcutta, which would surprise the app that sent it.
 */
const timezoneSchema = z
  .string({ error: "must be a string" })
  .transform((s) => s.trim())
  .refine((s) => canonicalTimeZone(s) !== undefined, "must be an IANA time zone name such as Europe/Paris or America/New_York");

/**
 * The device's language as a BCP 47 tag, trimmed and stored canonical (`pt-br` and `pt_BR` -> `pt-BR`),
 * so that the fan-out matches it against a notification's translations without work per device.
 */
const localeSchema = z
  .string({ error: "must be a string" })
  .transform((s) => s.trim())
  .superRefine((s, ctx) => {
    const problem = localeProblem(s);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  })
  .transform((s) => canonicalLocale(s) ?? s);

const optionalLabel = (max: number) => label(max).nullable().optional();

export const registerDeviceRequestSchema = z.strictObject(
  {
    token: tokenSchema,
    type: z.enum(DEVICE_TYPES, { error: `must be one of ${DEVICE_TYPES.join(", ")}` }),
    name: optionalLabel(200),
    active: z.boolean({ error: "must be true or false" }).default(true),
    replaces: tokenSchema.optional(),
    appVersion: optionalLabel(64),
    locale: localeSchema.nullable().optional(),
    timezone: timezoneSchema.nullable().optional(),
    topics: topicsSchema.optional(),
  },
  { error: (issue) => (issue.code === "invalid_type" ? "request must be a JSON object" : undefined) },
);

export type RegisterDeviceRequest = z.input<typeof registerDeviceRequestSchema>;
export type RegisterDeviceInput = z.output<typeof registerDeviceRequestSchema>;

export interface RegisterDeviceResponse {
  deviceId: string;
  created: boolean;
}

export const deviceIdSchema = z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hex characters (SHA-256 of the token)");

export const unregisterDeviceRequestSchema = z
  .strictObject(
    { token: tokenSchema.optional(), deviceId: deviceIdSchema.optional() },
    { error: (issue) => (issue.code === "invalid_type" ? "request must be a JSON object" : undefined) },
  )
  .refine((v) => (v.token === undefined) !== (v.deviceId === undefined), "exactly one of token or deviceId is required");

export type UnregisterDeviceRequest = z.input<typeof unregisterDeviceRequestSchema>;

export interface UnregisterDeviceResponse {
  removed: boolean;
}
