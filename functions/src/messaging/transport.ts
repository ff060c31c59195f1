// The one send interface, so real FCM and the emulator sandbox are interchangeable for the fan-out.
import type { Message } from "firebase-admin/messaging";
import type { Address } from "../devices/address.js";

export interface OutgoingMessage {
  notificationId: string;
  userId: string;
  deviceId: string;
  /** The device's token or FID, which `message` targets. */
  address: Address;
  message: Message;
  /** 1-based attempt number for this device and notification. */
  attempt: number;
}

export interface SendError {
  code: string;
  message: string;
  /** Server-requested wait before retrying, when the response carried a usable Retry-After. */
  retryAfterMs?: number;
}

export type SendResult = { ok: true; messageId: string } | { ok: false; error: SendError };

export interface Messenger {
  readonly name: "fcm" | "sandbox";
  /**
   * Sends messages; results are in the same order. Must never throw for a per-message failure; a
   * whole-call failure (e.g. network, credentials) is reported as the same error for every message
   * of that call.
   */
  send(messages: OutgoingMessage[], options: { dryRun: boolean }): Promise<SendResult[]>;
}

/** FCM's own cap on `sendEach`: a longer list is rejected before anything is sent. */
export const FCM_BATCH_LIMIT = 500;

/** Splits a list into runs of at most `size` items, in order. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}
