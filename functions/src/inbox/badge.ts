// The unread badge (`apns.badge: "unread"`): each iOS device's badge is its user's unread, unarchived
// entries, counted with one aggregation per user with an iOS device in the batch (docs/PERFORMANCE.md).
import type { Firestore } from "firebase-admin/firestore";
import type { FidMessage, TokenMessage } from "firebase-admin/messaging";
import type { NotificationInput } from "../notifications/schema.js";
import { inboxQueries } from "./documents.js";

/** The badge of each user with an iOS device among `targets`; empty unless the notification asks for "unread". */
export async function unreadBadges(db: Firestore, n: NotificationInput, targets: Array<{ userId: string; type?: string }>): Promise<Map<string, number>> {
  if (n.apns?.badge !== "unread") return new Map();
  const users = [...new Set(targets.filter((t) => t.type === "ios").map((t) => t.userId))];
  const counts = await Promise.all(users.map(async (uid) => (await inboxQueries(db, uid, "").unread.count().get()).data().count));
  return new Map(users.map((uid, i) => [uid, counts[i]!]));
}

/** The message with its APNs badge set, when the user has one. */
export function withBadge<M extends TokenMessage | FidMessage>(message: M, badge: number | undefined): M {
  if (badge === undefined) return message;
  const apns = message.apns ?? {};
  return { ...message, apns: { ...apns, payload: { ...apns.payload, aps: { ...apns.payload?.aps, badge } } } };
}
