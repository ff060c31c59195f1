// What clients send to updateInbox and reportEvent (and their api routes): zod schemas with the
// contract's rules, and the response types.
import { z } from "zod";
import { fidSchema, tokenSchema } from "../devices/schema.js";

/** How many entries one updateInbox call may name (all: true has no limit). */
export const MAX_INBOX_IDS = 500;
/** Firestore's limit on a document id, in UTF-8 bytes. */
const MAX_ID_BYTES = 1500;

export const INBOX_CHANGES = ["seen", "read", "archived", "unread"] as const;
export type InboxChange = (typeof INBOX_CHANGES)[number];
export const ENGAGEMENT_EVENTS = ["received", "opened"] as const;

/** A notification id, which is also the inbox entry's document id. */
export const notificationIdSchema = z
  .string({ error: (issue) => (issue.input === undefined ? "is required" : "must be a string") })
  .min(1, "must not be empty")
  .refine((s) => s.isWellFormed(), "must be valid Unicode")
  .refine((s) => Buffer.byteLength(s, "utf8") <= MAX_ID_BYTES, `must be at most ${MAX_ID_BYTES} bytes`)
  .refine((s) => !s.includes("/") && s !== "." && s !== ".." && !/^__.*__$/.test(s), "is not a document id");

export const updateInboxRequestSchema = z
  .strictObject(
    {
      ids: z
        .array(notificationIdSchema, { error: "must be a list of notification ids" })
        .min(1, "must list at least 1 id")
        .max(MAX_INBOX_IDS, `must list at most ${MAX_INBOX_IDS} ids (use all: true for every entry)`)
        .optional(),
      all: z.literal(true, { error: "must be true (or left out, with ids)" }).optional(),
      set: z.enum(INBOX_CHANGES, { error: `must be one of ${INBOX_CHANGES.join(", ")}` }),
    },
    { error: (issue) => (issue.code === "invalid_type" ? "the request must be a map" : undefined) },
  )
  .refine((r) => (r.ids === undefined) !== (r.all === undefined), { message: "set exactly one of ids and all", path: ["ids"] });

export type UpdateInboxRequest = z.output<typeof updateInboxRequestSchema>;
export interface UpdateInboxResponse {
  updated: number;
}

export const reportEventRequestSchema = z
  .strictObject(
    {
      notificationId: notificationIdSchema,
      event: z.enum(ENGAGEMENT_EVENTS, { error: `must be one of ${ENGAGEMENT_EVENTS.join(", ")}` }),
      // The device's own identifier: its FCM registration token, or its FID for an FID device.
      token: tokenSchema.optional(),
      fid: fidSchema.optional(),
    },
    { error: (issue) => (issue.code === "invalid_type" ? "the request must be a map" : undefined) },
  )
  .refine((r) => (r.token === undefined) !== (r.fid === undefined), { message: "set exactly one of token and fid", path: ["token"] });

export type ReportEventRequest = z.output<typeof reportEventRequestSchema>;
export interface ReportEventResponse {
  recorded: boolean;
}
