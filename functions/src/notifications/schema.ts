// What an admin may write into `notifications/{id}`: the contract's input rules, checked all at once.
// No Node or Firebase imports: the admin console validates with this same module in the browser.
import { z } from "zod";
import { DEVICE_TYPES, topicNameSchema } from "../devices/schema.js";
import { canonicalLocale, localeProblem } from "../localization/locale.js";
import { translated } from "../localization/match.js";
import { type ErrorDetail, formatZodError, reportDuplicates, WHEN_LIST } from "../shared/validation.js";
import { parseLocalTime } from "./local-time.js";
import { payloadBytes } from "./payload.js";

export const MAX_RECIPIENTS = 500;
export const MAX_URL_LENGTH = 2048;
export const MAX_COLLAPSE_KEY_LENGTH = 64;
export const MAX_TTL_SECONDS = 2_419_200; // 28 days, FCM's maximum
export const MAX_ANALYTICS_LABEL_LENGTH = 50;
export const MAX_PAYLOAD_BYTES = 4096;
/** Platform options (channel ids, sound names, tags...) have no documented limit; this keeps them sane. */
export const MAX_OPTION_LENGTH = 256;

/** How many languages one notification may carry in `translations`. */
export const MAX_TRANSLATIONS = 50;
export const TRANSLATED_FIELDS = ["title", "body", "imageUrl", "link"] as const;

/** How far ahead `sendAt` may be. */
export const MAX_SCHEDULE_DAYS = 365;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Fields only the backend writes: the contract's outputs, then internal ones (`createdAt`, the
 * planner's `lease` and `plan`, the scheduled `dueAt`, and `halt`, the error that stopped a send).
 * They are dropped before validation because the trigger may re-read a document it already
 * updated (a retried or resumed run); firestore.rules refuses them in an admin's create.
 */
export const OUTPUT_FIELDS = [
  "status",
  "stats",
  "progress",
  "error",
  "attempts",
  "startedAt",
  "completedAt",
  "createdAt",
  "lease",
  "plan",
  "dueAt",
  "halt",
  "checkAt",
  "engagement",
] as const;

/** The audience fields; a notification sets exactly one. */
export const AUDIENCE_FIELDS = ["userId", "userIds", "topic", "broadcast"] as const;

const isWellFormed = (s: string) => s.isWellFormed();
const NOT_WELL_FORMED = "must be valid Unicode (no lone surrogates)";

/** A string field: readable type errors, and only well-formed Unicode (Firestore and FCM need it). */
function text() {
  return z.string({ error: (issue) => (issue.input === undefined ? "is required" : "must be a string") }).refine(isWellFormed, NOT_WELL_FORMED);
}

/** An optional platform option: omit it rather than sending an empty value. */
const option = () =>
  text().min(1, "must not be empty (omit the field instead)").max(MAX_OPTION_LENGTH, `must be at most ${MAX_OPTION_LENGTH} characters`).optional();

/** A uid that can name a Firestore document (`users/{uid}`) and a Firebase Auth user. */
const uidSchema = text()
  .min(1, "must not be empty")
  .max(128, "must be at most 128 characters")
  .refine((s) => !s.includes("/"), "must not contain '/'")
  .refine((s) => s !== "." && s !== "..", "must not be '.' or '..'")
  .refine((s) => !/^__.*__$/.test(s), "must not look like '__name__' (reserved by Firestore)");

// firebase-admin checks image URLs with these rules before sending (utils/validator isURL) and fails
// every message that breaks them, so a URL it would refuse is rejected here, where the admin gets a
// field path instead of a failed notification.
const URL_CHARACTERS = /^[a-z0-9:/?#[\]@!$&'()*+,;=.\-_~%]*$/i;
const URL_HOST = /^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)*$/;
const URL_IPV6_HOST = /^\[[a-fA-F0-9:.]+\]$/;
const URL_PATH = /^(\/[\w\-.~!$'()*+,;=:@%]+)*\/?$/;

function httpsUrlProblem(s: string): string | undefined {
  if (s.length > MAX_URL_LENGTH) return `must be at most ${MAX_URL_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    return "must be an https:// URL";
  }
  if (url.protocol !== "https:") return "must be an https:// URL";
  if (!url.hostname) return "must name a host";
  if (!URL_CHARACTERS.test(s)) return "must contain only URL characters (percent-encode spaces and non-ASCII)";
  if (!URL_HOST.test(url.hostname) && !URL_IPV6_HOST.test(url.hostname)) return "must have a valid host name";
  if (url.pathname !== "/" && !URL_PATH.test(url.pathname)) return "has a path FCM does not accept";
  return undefined;
}

/** One problem per URL: the first rule it breaks. */
const httpsUrl = () =>
  text().superRefine((s, ctx) => {
    const problem = httpsUrlProblem(s);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

// Keys FCM keeps for itself, and `notificationId`, which pushfan adds to every message. Compared case-insensitively (FCM documents the words, not their case;
// rejecting `From` costs the admin a clear error, accepting it would fail the whole send).
const RESERVED_DATA_KEYS = new Set(["from", "notification", "message_type", "collapse_key", "notificationid"]);
const RESERVED_DATA_PREFIXES = ["google", "gcm"];

function dataKeyProblem(key: string): string | undefined {
  if (key === "") return "keys must not be empty";
  if (!key.isWellFormed()) return `key ${JSON.stringify(key)} ${NOT_WELL_FORMED}`;
  const lower = key.toLowerCase();
  if (RESERVED_DATA_KEYS.has(lower)) return `"${key}" is a reserved key`;
  const prefix = RESERVED_DATA_PREFIXES.find((p) => lower.startsWith(p));
  if (prefix) return `keys starting with "${prefix}" are reserved`;
  return undefined;
}

const dataValueSchema = z.union([text(), z.number(), z.boolean()], {
  error: "must be a string, a finite number or a boolean (nested maps, arrays and null are not allowed)",
});

const dataSchema = z.record(z.string(), dataValueSchema, { error: "must be a map" }).superRefine(
  (data, ctx) => {
    for (const key of Object.keys(data)) {
      const problem = dataKeyProblem(key);
      // An empty key cannot be named in a dotted path, so it is reported on `data` itself.
      if (problem) ctx.addIssue({ code: "custom", message: problem, path: key === "" ? [] : [key] });
    }
  },
  // Report bad keys even when some values are bad too.
  { when: (payload) => isPlainObject(payload.value) },
);

const recipientsSchema = z
  .array(uidSchema, { error: "must be a list of uids" })
  .min(1, "must list at least 1 uid")
  .max(MAX_RECIPIENTS, `must list at most ${MAX_RECIPIENTS} uids`)
  .superRefine(reportDuplicates("uid"), WHEN_LIST);

// A refine rather than `.int()`: zod's int check aborts the parse, which would hide the
// document-level problems (such as a missing userId) from the same report.
const integer = () => z.number({ error: "must be a number" }).refine(Number.isSafeInteger, "must be an integer");

const objectError = (what: string) => ({
  error: (issue: { code: string }) => (issue.code === "invalid_type" ? `${what} must be a map` : undefined),
});

const platformsSchema = z
  .array(z.enum(DEVICE_TYPES, { error: `must be one of ${DEVICE_TYPES.join(", ")}` }), { error: "must be a list of platforms" })
  .min(1, "must list at least one platform (leave it out for all)")
  .superRefine(
    (platforms, ctx) => {
      platforms.forEach((p, i) => {
        if (platforms.indexOf(p) !== i) ctx.addIssue({ code: "custom", message: `duplicate platform "${p}"`, path: [i] });
      });
    },
    { when: (payload) => Array.isArray(payload.value) },
  );

/** What both firebase-admin's and the web SDK's Timestamp offer; a stored timestamp has both. */
export interface TimestampLike {
  seconds: number;
  nanoseconds: number;
  toMillis(): number;
}

function isTimestampLike(value: unknown): value is TimestampLike {
  if (typeof value !== "object" || value === null) return false;
  const t = value as Partial<Record<keyof TimestampLike, unknown>>;
  return typeof t.toMillis === "function" && typeof t.seconds === "number" && typeof t.nanoseconds === "number";
}

const timestampSchema = z.custom<TimestampLike>(isTimestampLike, {
  error: (issue) =>
    typeof issue.input === "string"
      ? `must be a Firestore timestamp, not a string: write Timestamp.fromDate(new Date(${JSON.stringify(issue.input)})) (a Date in the client SDKs)`
      : "must be a Firestore timestamp",
});

const androidSchema = z.strictObject(
  {
    channelId: option(),
    sound: option(),
    color: text()
      .regex(/^#[0-9a-fA-F]{6}$/, "must be a #rrggbb hex color")
      .optional(),
    tag: option(),
    clickAction: option(),
  },
  objectError("android"),
);

const apnsSchema = z.strictObject(
  {
    sound: option(),
    // "unread": each iOS device gets its user's unread inbox count (see inbox/badge.ts).
    badge: z.union([integer().min(0, "must be 0 or more"), z.literal("unread")], { error: 'must be an integer of 0 or more, or "unread"' }).optional(),
    category: option(),
    threadId: option(),
  },
  objectError("apns"),
);

/** A title: the document's, and any translation's. */
const titleSchema = () =>
  text()
    .min(1, "must not be empty")
    // A blank title shows as an empty notification, which is never what the admin meant.
    .refine((s) => s === "" || s.trim() !== "", "must not be blank");

/** One language's content, under the document's own rules for each field. */
const translationSchema = z
  .strictObject(
    { title: titleSchema().optional(), body: text().optional(), imageUrl: httpsUrl().optional(), link: httpsUrl().optional() },
    { error: (issue) => (issue.code === "invalid_type" ? `must be a map of ${TRANSLATED_FIELDS.join(", ")}` : undefined) },
  )
  // Only a variant with no other problem can be empty: `{ imageURL }` is reported as the typo alone.
  .refine((t) => TRANSLATED_FIELDS.some((f) => t[f] !== undefined), {
    message: `must set at least one of ${TRANSLATED_FIELDS.join(", ")}`,
    when: (payload) => payload.issues.length === 0,
  });

/** Each tag well-formed, and distinct from the others once canonical (which also ignores case). */
function reportBadTags(translations: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const tags = Object.keys(translations);
  if (tags.length === 0) ctx.addIssue({ code: "custom", message: "must have at least 1 language tag (leave it out for none)" });
  if (tags.length > MAX_TRANSLATIONS) ctx.addIssue({ code: "custom", message: `must have at most ${MAX_TRANSLATIONS} language tags, has ${tags.length}` });
  const seen = new Map<string, string>();
  for (const tag of tags) {
    // An empty key cannot be named in a dotted path, so it is reported on `translations` itself.
    const path = tag === "" ? [] : [tag];
    const problem = localeProblem(tag);
    if (problem) {
      ctx.addIssue({ code: "custom", message: `language tag ${JSON.stringify(tag)} ${problem}`, path });
      continue;
    }
    const canonical = canonicalLocale(tag)!.toLowerCase();
    const same = seen.get(canonical);
    if (same !== undefined) ctx.addIssue({ code: "custom", message: `is the same language tag as "${same}"`, path });
    seen.set(canonical, tag);
  }
}

const translationsSchema = z
  .record(z.string(), translationSchema, { error: "must be a map of language tags (such as pt-BR) to translations" })
  .superRefine(reportBadTags, { when: (payload) => isPlainObject(payload.value) });

export const notificationSchema = z
  .strictObject(
    {
      userId: uidSchema.optional(),
      userIds: recipientsSchema.optional(),
      title: titleSchema(),
      body: text().optional(),
      imageUrl: httpsUrl().optional(),
      data: dataSchema.optional(),
      link: httpsUrl().optional(),
      collapseKey: text().min(1, "must not be empty").max(MAX_COLLAPSE_KEY_LENGTH, `must be at most ${MAX_COLLAPSE_KEY_LENGTH} characters`).optional(),
      ttlSeconds: integer().min(0, `must be between 0 and ${MAX_TTL_SECONDS}`).max(MAX_TTL_SECONDS, `must be between 0 and ${MAX_TTL_SECONDS}`).optional(),
      priority: z.enum(["high", "normal"], { error: 'must be "high" or "normal"' }).default("high"),
      android: androidSchema.optional(),
      apns: apnsSchema.optional(),
      analyticsLabel: text()
        .regex(
          new RegExp(`^[a-zA-Z0-9\\-_.~%]{1,${MAX_ANALYTICS_LABEL_LENGTH}}$`),
          `must be 1 to ${MAX_ANALYTICS_LABEL_LENGTH} characters of a-z A-Z 0-9 - _ . ~ %`,
        )
        .optional(),
      dryRun: z.boolean({ error: "must be true or false" }).optional(),
      topic: topicNameSchema.optional(),
      broadcast: z.literal(true, { error: "must be true (leave it out for other audiences)" }).optional(),
      platforms: platformsSchema.optional(),
      sendAt: timestampSchema.optional(),
      localTime: text()
        .refine((s) => parseLocalTime(s) !== undefined, 'must be a 24-hour time "HH:MM" with two digits each, e.g. "09:00"')
        .optional(),
      cancelled: z.literal(true, { error: "can only be true (set it to cancel the notification)" }).optional(),
      translations: translationsSchema.optional(),
      inbox: z.boolean({ error: "must be true or false" }).optional(),
      // Recipient control (see recipients/): the user's per-category opt-out, and what bypasses every choice.
      category: topicNameSchema.optional(),
      critical: z.literal(true, { error: "can only be true (leave it out for a notification that respects the user's choices)" }).optional(),
    },
    objectError("notification"),
  )
  .superRefine(
    (n, ctx) => {
      const set = AUDIENCE_FIELDS.filter((field) => n[field] !== undefined);
      if (set.length === 0) {
        ctx.addIssue({ code: "custom", message: "an audience is required: set exactly one of userId, userIds, topic or broadcast" });
      } else if (set.length > 1) {
        // Reported on each audience field, so a form can show the problem next to every one of them.
        for (const field of set) {
          const others = set.filter((f) => f !== field).join(" and ");
          ctx.addIssue({ code: "custom", message: `set exactly one audience; ${others} is set too`, path: [field] });
        }
      }
      if (n.apns?.badge === "unread" && n.inbox !== true) {
        ctx.addIssue({ code: "custom", message: 'badge "unread" counts inbox entries: set inbox: true', path: ["apns", "badge"] });
      }
    },
    // Run even when other fields failed, so every problem is reported at once.
    { when: (payload) => isPlainObject(payload.value) },
  );

export type NotificationInput = z.output<typeof notificationSchema>;

/** What a message is built from: the content fields of a notification. */
export type NotificationContent = Pick<NotificationInput, "title" | "body" | "imageUrl" | "link" | "data">;

/** Who a notification goes to, in the form the planner walks. */
export type Audience = { kind: "users"; userIds: string[] } | { kind: "topic"; topic: string } | { kind: "broadcast" };

export function audienceOf(n: NotificationInput): Audience {
  if (n.topic !== undefined) return { kind: "topic", topic: n.topic };
  if (n.broadcast === true) return { kind: "broadcast" };
  return { kind: "users", userIds: recipientsOf(n) };
}

/** `stats.recipients`: how many users the notification lists; undefined for a topic or everyone. */
export function recipientCountOf(n: NotificationInput): number | undefined {
  const audience = audienceOf(n);
  return audience.kind === "users" ? audience.userIds.length : undefined;
}

export type ParseNotificationResult = { ok: true; value: NotificationInput } | { ok: false; details: ErrorDetail[] };

/** The uids a notification targets. */
export function recipientsOf(n: NotificationInput): string[] {
  return n.userIds ?? (n.userId === undefined ? [] : [n.userId]);
}

/**
 * Validates a notification document (as read from Firestore) and checks that its FCM payload fits
 * FCM's 4096-byte limit. Output fields are ignored. The size is checked only once the fields are
 * valid, since a payload cannot be built from invalid ones.
 */
export function parseNotification(data: unknown, options: { now?: number; notificationId?: string } = {}): ParseNotificationResult {
  const input = isPlainObject(data) ? withoutOutputFields(data) : data;
  const result = notificationSchema.safeParse(input);
  if (!result.success) return { ok: false, details: formatZodError(result.error) };

  const now = options.now ?? Date.now();
  const sendAt = result.data.sendAt?.toMillis();
  if (sendAt !== undefined && sendAt - now > MAX_SCHEDULE_DAYS * DAY_MS) {
    return { ok: false, details: [{ path: "sendAt", message: `must be at most ${MAX_SCHEDULE_DAYS} days ahead` }] };
  }
  const oversized = oversizedPayloads(result.data, options.notificationId);
  return oversized.length > 0 ? { ok: false, details: oversized } : { ok: true, value: result.data };
}

/** The document's payload, and each translation's (with the fields it takes from the document), over 4096 bytes. */
function oversizedPayloads(n: NotificationInput, notificationId?: string): ErrorDetail[] {
  const limit = `FCM's limit is ${MAX_PAYLOAD_BYTES} bytes`;
  const details: ErrorDetail[] = [];
  const size = payloadBytes(n, notificationId);
  if (size > MAX_PAYLOAD_BYTES)
    details.push({ path: "", message: `the FCM payload (title, body, imageUrl, link, data with notificationId) is ${size} bytes; ${limit}` });
  for (const [tag, variant] of Object.entries(n.translations ?? {})) {
    const bytes = payloadBytes(translated(n, variant), notificationId);
    if (bytes > MAX_PAYLOAD_BYTES)
      details.push({
        path: `translations.${tag}`,
        message: `the FCM payload of the "${tag}" translation (with the document's data) is ${bytes} bytes; ${limit}`,
      });
  }
  return details;
}

function withoutOutputFields(data: Record<string, unknown>): Record<string, unknown> {
  const copy = { ...data };
  for (const field of OUTPUT_FIELDS) delete copy[field];
  return copy;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
