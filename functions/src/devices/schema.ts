// What clients may send to register or unregister a device (the callable and the api share it).
import { z } from "zod";
import { canonicalLocale, localeProblem } from "../localization/locale.js";
import { canonicalTimeZone } from "../notifications/local-time.js";
import { label, reportDuplicates, WHEN_LIST } from "../shared/validation.js";
import type { Address } from "./address.js";

export const DEVICE_TYPES = ["ios", "android", "web"] as const;
export type DeviceType = (typeof DEVICE_TYPES)[number];

export const MAX_TOKEN_LENGTH = 4096;
export const MAX_FID_LENGTH = 256;
export const MAX_TOPICS = 100;
export const MAX_TOPIC_LENGTH = 64;
/** FCM's own rule for topic names, which pushfan's topics follow so they can also be FCM topics. */
export const TOPIC_PATTERN = /^[a-zA-Z0-9\-_.~%]+$/;

/** An opaque identifier FCM issued: non-empty, at most `max` characters, no whitespace. */
const identifierSchema = (max: number) =>
  z
    .string({ error: (issue) => (issue.input === undefined ? "is required" : "must be a string") })
    .min(1, { error: "must not be empty", abort: true })
    .max(max, `must be at most ${max} characters`)
    .regex(/^[^\s\p{Cc}]+$/u, "must not contain whitespace or control characters")
    .refine((s) => s.isWellFormed(), "must be valid Unicode (no lone surrogates)");

/**
 * An FCM registration token. Never `fid:…` (no FCM token is): an FID device's id is the hash of
 * "fid:" + its FID, so such a token would share that device's id.
 */
export const tokenSchema = identifierSchema(MAX_TOKEN_LENGTH).refine(
  (s) => !s.startsWith("fid:"),
  'must not start with "fid:" (send a Firebase Installation ID as fid)',
);
/** A Firebase Installation ID (22 characters today; the contract allows up to 256). */
export const fidSchema = identifierSchema(MAX_FID_LENGTH);

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Exactly one of `token` and `fid`, each problem reported at the field it concerns. False when
 * there is a problem.
 */
function exactlyOneAddress(value: Record<string, unknown>, ctx: z.RefinementCtx): boolean {
  if (value.token === undefined && value.fid === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["token"],
      message: "is required: send exactly one of token (FCM registration token) and fid (Firebase Installation ID)",
    });
    return false;
  }
  if (value.token !== undefined && value.fid !== undefined) {
    ctx.addIssue({ code: "custom", path: ["fid"], message: "must not be sent together with token: send exactly one of token and fid" });
    return false;
  }
  return true;
}

/** The request with its address typed as one of the two (exactlyOneAddress has checked it). */
function withAddress<T extends { token?: string; fid?: string }>({ token, fid, ...rest }: T, ctx: z.RefinementCtx) {
  const address: Address | undefined = fid !== undefined ? { fid } : token !== undefined ? { token } : undefined;
  if (address === undefined) {
    ctx.addIssue({ code: "custom", path: ["token"], message: "is required" });
    return z.NEVER;
  }
  return { ...rest, ...address };
}

/**
 * A topic name, shared with the notification schema's `topic`. One check with one message per
 * name (an `abort` would also silence the notification's document-level checks).
 */
export const topicNameSchema = z.string({ error: (issue) => (issue.input === undefined ? "is required" : "must be a string") }).superRefine((s, ctx) => {
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

const registerDeviceFields = z.strictObject(
  {
    token: tokenSchema.optional(),
    fid: fidSchema.optional(),
    type: z.enum(DEVICE_TYPES, { error: `must be one of ${DEVICE_TYPES.join(", ")}` }),
    name: optionalLabel(200),
    active: z.boolean({ error: "must be true or false" }).default(true),
    // The app instance's previous identifier, a token or an FID: FID rules are a subset of tokens'.
    replaces: tokenSchema.optional(),
    appVersion: optionalLabel(64),
    locale: localeSchema.nullable().optional(),
    timezone: timezoneSchema.nullable().optional(),
    topics: topicsSchema.optional(),
  },
  { error: (issue) => (issue.code === "invalid_type" ? "request must be a JSON object" : undefined) },
);

/**
 * registerDevice's request, with its address typed. The one-address rule is checked on the input
 * itself, next to the fields' own checks rather than after them: zod skips an object's refinements
 * once a field has aborted (a topic list over 100, say), and a missing or doubled address must be
 * reported with every other problem.
 */
export const registerDeviceRequestSchema = z.unknown().transform((input, ctx) => {
  const addressOk = !isObject(input) || exactlyOneAddress(input, ctx);
  const fields = registerDeviceFields.safeParse(input);
  if (!fields.success) {
    for (const issue of fields.error.issues) ctx.addIssue({ ...issue });
    return z.NEVER;
  }
  return addressOk ? withAddress(fields.data, ctx) : z.NEVER;
});

export type RegisterDeviceRequest = z.input<typeof registerDeviceFields>;
export type RegisterDeviceInput = z.output<typeof registerDeviceRequestSchema>;

export interface RegisterDeviceResponse {
  deviceId: string;
  created: boolean;
}

export const deviceIdSchema = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex characters (SHA-256 of the token or of "fid:" + FID)');

export const unregisterDeviceRequestSchema = z
  .strictObject(
    { token: tokenSchema.optional(), fid: fidSchema.optional(), deviceId: deviceIdSchema.optional() },
    { error: (issue) => (issue.code === "invalid_type" ? "request must be a JSON object" : undefined) },
  )
  .refine((v) => [v.token, v.fid, v.deviceId].filter((x) => x !== undefined).length === 1, "exactly one of token, fid or deviceId is required");

export type UnregisterDeviceRequest = z.input<typeof unregisterDeviceRequestSchema>;

export interface UnregisterDeviceResponse {
  removed: boolean;
}
