// The inbox entry `users/{uid}/inbox/{notificationId}` (CONTRACT.md §1 Inbox): its stored shape and
// converter, and how an entry is made from a notification.
import { type Firestore, Timestamp } from "firebase-admin/firestore";
import { z } from "zod";
import { converterOf, timestampSchema } from "../shared/documents.js";

export const USERS = "users";
export const INBOX = "inbox";
/** INBOX_RETENTION_DAYS' default: an entry is TTL-deleted this long after it was created. */
export const DEFAULT_INBOX_RETENTION_DAYS = 90;
/** The fields a user changes (rules and updateInbox); everything else is the backend's. */
export const READ_STATE_FIELDS = ["seenAt", "readAt", "archivedAt"] as const;

type DataValue = string | number | boolean;
type Translation = { title?: string; body?: string; imageUrl?: string; link?: string };

export interface InboxEntry<T = Timestamp> {
  notificationId: string;
  title: string;
  body?: string;
  imageUrl?: string;
  link?: string;
  data?: Record<string, DataValue>;
  category?: string;
  translations?: Record<string, Translation>;
  createdAt: T;
  seenAt: T | null;
  readAt: T | null;
  archivedAt: T | null;
  /** createdAt + INBOX_RETENTION_DAYS: the TTL policy deletes the entry after it. */
  expireAt: T;
}

const translationShape = z.object({ title: z.string().optional(), body: z.string().optional(), imageUrl: z.string().optional(), link: z.string().optional() });

const entrySchema: z.ZodType<InboxEntry> = z.object({
  notificationId: z.string(),
  title: z.string(),
  body: z.string().optional(),
  imageUrl: z.string().optional(),
  link: z.string().optional(),
  data: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  category: z.string().optional(),
  translations: z.record(z.string(), translationShape).optional(),
  createdAt: timestampSchema,
  seenAt: timestampSchema.nullable(),
  readAt: timestampSchema.nullable(),
  archivedAt: timestampSchema.nullable(),
  expireAt: timestampSchema,
});

export const inboxConverter = converterOf(entrySchema);

export const inboxOf = (db: Firestore, uid: string) => db.collection(USERS).doc(uid).collection(INBOX).withConverter(inboxConverter);
export const inboxEntryRef = (db: Firestore, uid: string, notificationId: string) => inboxOf(db, uid).doc(notificationId);

/** What an entry copies from its notification (only the fields it sets). */
export interface EntrySource {
  title: string;
  body?: string;
  imageUrl?: string;
  link?: string;
  data?: Record<string, DataValue>;
  category?: string;
  translations?: Record<string, Translation>;
}

const COPIED = ["title", "body", "imageUrl", "link", "data", "category", "translations"] as const;

const DAY_MS = 24 * 60 * 60 * 1000;

/** A new, unread entry, created `nowMs` (the pipeline's clock, so `expireAt` follows from it). */
export function newEntry(notificationId: string, n: EntrySource, nowMs: number, retentionDays: number): InboxEntry {
  const createdAt = Timestamp.fromMillis(nowMs);
  const expireAt = Timestamp.fromMillis(nowMs + retentionDays * DAY_MS);
  const entry: InboxEntry = { notificationId, title: n.title, createdAt, seenAt: null, readAt: null, archivedAt: null, expireAt };
  for (const field of COPIED) if (n[field] !== undefined) Object.assign(entry, { [field]: n[field] });
  return entry;
}

/** Every query the backend makes of inboxes (the index test checks each). */
export function inboxQueries(db: Firestore, uid: string, notificationId: string) {
  const inbox = inboxOf(db, uid);
  return {
    /** Every user's entry of one notification: deleted with it. */
    ofNotification: db.collectionGroup(INBOX).withConverter(inboxConverter).where("notificationId", "==", notificationId),
    /** The badge: unread and not archived. */
    unread: inbox.where("readAt", "==", null).where("archivedAt", "==", null),
    /** What `updateInbox` with `all: true` changes, per `set`. */
    unseen: inbox.where("seenAt", "==", null),
    notRead: inbox.where("readAt", "==", null),
    notArchived: inbox.where("archivedAt", "==", null),
    read: inbox.where("readAt", "!=", null),
  };
}
