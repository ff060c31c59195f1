// Adapter from the Firestore "notification created" event to the fan-out.
import { randomUUID } from "node:crypto";
import type { FirestoreEvent, QueryDocumentSnapshot } from "firebase-functions/v2/firestore";
import { settings, type Settings } from "../config.js";
import { createMessenger } from "../messaging/index.js";
import { db, messaging } from "../shared/firebase.js";
import { fanOutNotification, type FanoutOptions } from "./fanout.js";

/** The trigger's timeout; the lease outlives it so a crashed run's claim expires only after it is surely dead. */
export const FANOUT_TIMEOUT_SECONDS = 300;

export function fanoutOptions(s: Settings = settings()): FanoutOptions {
  return {
    maxAttempts: s.sendMaxAttempts,
    backoff: { baseMs: s.backoffBaseMs, maxMs: s.backoffMaxMs },
    maxEventAgeMs: s.maxEventAgeSeconds * 1000,
    leaseMs: (FANOUT_TIMEOUT_SECONDS + 60) * 1000,
  };
}

export function projectId(): string {
  return process.env.GCLOUD_PROJECT ?? process.env.GOOGLE_CLOUD_PROJECT ?? "demo-pushfan";
}

export async function onNotificationCreated(
  event: FirestoreEvent<QueryDocumentSnapshot | undefined, { notificationId: string }>,
): Promise<void> {
  const s = settings();
  const messenger = createMessenger(s.transport, { db, messaging, projectId: projectId() });
  await fanOutNotification({ db: db(), messenger }, fanoutOptions(s), event.params.notificationId, {
    // Every invocation is its own run, even a redelivery of the same event: only the lease may let
    // two runs of one notification proceed, never a shared id.
    runId: `${event.id}/${randomUUID()}`,
    eventTime: new Date(event.time),
  });
}
