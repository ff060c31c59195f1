// The production Messenger: firebase-admin's sendEach in chunks FCM accepts, one SendResult per message.
import type { BatchResponse, Messaging } from "firebase-admin/messaging";
import { toSendError } from "./errors.js";
import { chunk, FCM_BATCH_LIMIT, type Messenger, type OutgoingMessage, type SendResult } from "./transport.js";

export interface FcmMessengerOptions {
  /**
   * `sendEach` calls in flight at once. Each already runs its messages as up to 100 concurrent
   * HTTP/2 streams, so a small number is enough to keep large fan-outs inside the function timeout
   * without tripping FCM's rate limits.
   */
  concurrency?: number;
}

export function createFcmMessenger(messaging: Pick<Messaging, "sendEach">, options: FcmMessengerOptions = {}): Messenger {
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 2));

  async function sendChunk(messages: OutgoingMessage[], dryRun: boolean): Promise<SendResult[]> {
    let batch: BatchResponse;
    try {
      // Awaited inside the try: sendEach validates its arguments synchronously and can throw before
      // returning a promise.
      batch = await messaging.sendEach(
        messages.map((m) => m.message),
        dryRun,
      );
    } catch (err) {
      const error = toSendError(err);
      return messages.map(() => ({ ok: false, error }));
    }
    return messages.map((_, i): SendResult => {
      const response = batch.responses[i];
      if (response?.success && typeof response.messageId === "string") {
        return { ok: true, messageId: response.messageId };
      }
      if (response === undefined) {
        const message = "FCM returned no response for this message.";
        return { ok: false, error: { code: "messaging/unknown-error", message } };
      }
      return { ok: false, error: toSendError(response.error) };
    });
  }

  return {
    name: "fcm",
    async send(messages, { dryRun }) {
      const chunks = chunk(messages, FCM_BATCH_LIMIT);
      const results: SendResult[][] = new Array(chunks.length);
      let next = 0;
      // A fixed pool of workers takes chunks in index order, so at most `concurrency` calls overlap
      // and results land in their chunk's slot whatever order the calls finish in.
      const worker = async () => {
        while (next < chunks.length) {
          const index = next++;
          results[index] = await sendChunk(chunks[index], dryRun);
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, chunks.length) }, worker));
      return results.flat();
    },
  };
}
