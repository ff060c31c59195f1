// Turns a validated notification into the firebase-admin message sent to one device, by its token or
// its Firebase Installation ID, in the device's language when the notification has a translation for it.
import { createHash } from "node:crypto";
import type { FidMessage, TokenMessage } from "firebase-admin/messaging";
import { type Address, addressOf } from "../devices/address.js";
import { translated, translationPicker } from "../localization/match.js";
import { payloadParts } from "./payload.js";
import type { NotificationInput } from "./schema.js";

/** A message without its target: the same for every device that gets the same variant. */
export type MessageContent = Omit<TokenMessage, "token">;

/** The message of a device's variant, and the translation's tag (undefined: the document's own content). */
export interface LocalizedMessage {
  locale?: string;
  content: MessageContent;
}

/** APNs refuses an `apns-collapse-id` longer than 64 bytes. */
export const MAX_APNS_COLLAPSE_ID_BYTES = 64;

/**
 * The collapse identity of a notification on Apple devices.
 *
 * FCM has no idempotency key, so a crash after FCM accepted a batch and before the delivery ledger
 * recorded it makes the next run send that batch again. Every message therefore carries a collapse
 * identity (the document's `collapseKey`, else the notification id) as the Android notification
 * tag, the APNs `apns-collapse-id` and the web push notification tag: a resend replaces the
 * notification already shown on the device instead of adding a second one.
 *
 * Returns `key` itself when it fits APNs's 64 bytes, else its lowercase hex SHA-256 (64 ASCII
 * characters), which is just as stable across resends.
 */
export function collapseId(key: string): string {
  if (Buffer.byteLength(key, "utf8") <= MAX_APNS_COLLAPSE_ID_BYTES) return key;
  return createHash("sha256").update(key, "utf8").digest("hex");
}

/**
 * The message for one device, targeted at its `token` (TokenMessage) or its `fid` (FidMessage).
 * Absent options are left out entirely (never set to `undefined`,
 * which firebase-admin rejects).
 *
 * - `data` carries every `data` value as a string, plus `imageUrl` and `link` for apps that render
 *   notifications themselves (keys the document's `data` sets itself win over both), and always
 *   `notificationId`.
 * - The APNs aps keys are written in their wire form (`mutable-content`, `thread-id`), which
 *   firebase-admin passes through unchanged.
 * - `dryRun` is not part of a message: it is an argument of `sendEach`.
 */
export function buildMessage(notificationId: string, n: NotificationInput, address: Address, now: Date): TokenMessage | FidMessage {
  return addressed(messageContent(notificationId, n, now), address);
}

/** A message's content sent to one device: its token or its FID as the target. */
export function addressed(content: MessageContent, address: Address): TokenMessage | FidMessage {
  return { ...content, ...addressOf(address) };
}

/**
 * The messages of a batch, per device locale: each variant (translation, or the document's own
 * content) is picked and built once, the first time a device needs it, then shared by every device
 * with that variant (firebase-admin and the sandbox copy a message before using it).
 */
export function localizedMessages(notificationId: string, n: NotificationInput, now: Date): (locale: string | null) => LocalizedMessage {
  const pick = translationPicker(n.translations);
  const built = new Map<string | undefined, LocalizedMessage>();
  return (deviceLocale) => {
    const match = pick(deviceLocale);
    let message = built.get(match?.tag);
    if (!message) {
      message = { content: messageContent(notificationId, translated(n, match?.variant), now) };
      if (match) message.locale = match.tag;
      built.set(match?.tag, message);
    }
    return message;
  };
}

function messageContent(notificationId: string, n: NotificationInput, now: Date): MessageContent {
  const { title, body, imageUrl, link, collapseKey, ttlSeconds, priority } = n;
  const high = priority === "high";
  const { notification, data } = payloadParts(n, notificationId);

  const message: MessageContent = {
    notification,
    android: defined({
      priority,
      ttl: ttlSeconds === undefined ? undefined : ttlSeconds * 1000,
      collapseKey,
      notification: defined({
        imageUrl,
        tag: n.android?.tag ?? collapseKey ?? notificationId,
        channelId: n.android?.channelId,
        sound: n.android?.sound,
        color: n.android?.color,
        clickAction: n.android?.clickAction,
      }),
    }),
    apns: defined({
      headers: defined({
        "apns-priority": high ? "10" : "5",
        "apns-collapse-id": collapseId(collapseKey ?? notificationId),
        // APNs wants an absolute expiry; 0 means "deliver now or never".
        "apns-expiration": ttlSeconds === undefined ? undefined : String(ttlSeconds === 0 ? 0 : Math.floor(now.getTime() / 1000) + ttlSeconds),
      }),
      payload: {
        aps: defined({
          // Lets the app's notification service extension download and attach the image.
          "mutable-content": imageUrl === undefined ? undefined : 1,
          sound: n.apns?.sound,
          // "unread" is a count per user, set per device by the batch (inbox/badge.ts).
          badge: typeof n.apns?.badge === "number" ? n.apns.badge : undefined,
          category: n.apns?.category,
          "thread-id": n.apns?.threadId,
        }),
      },
      fcmOptions: imageUrl === undefined ? undefined : { imageUrl },
    }),
    webpush: defined({
      headers: defined({
        Urgency: high ? "high" : "normal",
        TTL: ttlSeconds === undefined ? undefined : String(ttlSeconds),
      }),
      notification: defined({ title, body, image: imageUrl, tag: collapseKey ?? notificationId }),
      fcmOptions: link === undefined ? undefined : { link },
    }),
  };
  if (data) message.data = data;
  if (n.analyticsLabel !== undefined) message.fcmOptions = { analyticsLabel: n.analyticsLabel };
  return message;
}

type Defined<T> = { [K in keyof T as undefined extends T[K] ? never : K]: T[K] } & {
  [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>;
};

/** `obj` without its `undefined` values (one level deep). */
function defined<T extends object>(obj: T): Defined<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, value]) => value !== undefined)) as Defined<T>;
}
