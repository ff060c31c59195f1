// The parts of a notification's FCM message that FCM counts against its 4096-byte limit (the
// cross-platform `notification` and the `data` map). No Node or Firebase imports: the admin
// console runs this module in the browser to check a notification before writing it.
import type { NotificationContent } from "./schema.js";

export interface PayloadParts {
  notification: { title: string; body?: string; imageUrl?: string };
  /** Every `data` value as a string, plus `imageUrl` and `link` unless `data` sets them itself, and `notificationId`. */
  data?: Record<string, string>;
}

/** The size of a Firestore auto-id: a payload's size is checked with at least this much room for `data.notificationId`. */
export const ID_RESERVE = 20;

export function payloadParts(n: NotificationContent, notificationId?: string): PayloadParts {
  const data: Record<string, string> = {};
  if (n.imageUrl !== undefined) data.imageUrl = n.imageUrl;
  if (n.link !== undefined) data.link = n.link;
  for (const [key, value] of Object.entries(n.data ?? {})) data[key] = String(value);
  // A reserved key (schema.ts): apps report opens and mark inbox entries read with it.
  if (notificationId !== undefined) data.notificationId = notificationId;
  const notification: PayloadParts["notification"] = { title: n.title };
  if (n.body !== undefined) notification.body = n.body;
  if (n.imageUrl !== undefined) notification.imageUrl = n.imageUrl;
  return Object.keys(data).length > 0 ? { notification, data } : { notification };
}

/**
 * The bytes FCM counts: the UTF-8 JSON of the notification and data parts, `data.notificationId`
 * counted as the id, or as ID_RESERVE characters when the id is shorter or unknown (so a check
 * made later without the id never finds more bytes than the one made with it).
 */
export function payloadBytes(n: NotificationContent, notificationId = ""): number {
  return new TextEncoder().encode(JSON.stringify(payloadParts(n, notificationId.padEnd(ID_RESERVE, "x")))).length;
}
