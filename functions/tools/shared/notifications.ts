// Following a notification document to its outcome and reporting it; shared by `npm run send` and
// the demo.
import type { DocumentReference } from "firebase-admin/firestore";
import { DELIVERIES, TERMINAL_STATUSES } from "../../src/notifications/documents.js";
import type { DeliveryDocument, NotificationDocument, NotificationStatus } from "../../src/types.js";
import { formatTable, startProgress } from "./output.js";

/** Statuses after which an admin has nothing to fix; the others make the tools exit 1. */
const SUCCESSFUL: readonly NotificationStatus[] = ["sent", "partial", "no-devices"];

export function isSuccessful(status: NotificationStatus): boolean {
  return SUCCESSFUL.includes(status);
}

function isTerminal(status: unknown): status is NotificationStatus {
  return (TERMINAL_STATUSES as readonly unknown[]).includes(status);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Reads the document, or gives up at the deadline (resolving to undefined): a Firestore read
 * retries for minutes when the backend is unreachable, which would outlast --timeout.
 */
async function readBefore(ref: DocumentReference, deadline: number) {
  const read = ref.get();
  // A read abandoned at the deadline may still fail later; nobody waits for it any more.
  read.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const giveUp = new Promise<undefined>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, deadline - Date.now()), undefined);
  });
  try {
    return await Promise.race([read, giveUp]);
  } finally {
    clearTimeout(timer);
  }
}

export type Settled = NotificationDocument & { status: NotificationStatus };

/**
 * Polls the document until the fan-out gives it a terminal status, showing the current status on
 * stderr. Resolves to undefined when `timeoutMs` passes first (the fan-out may still finish later).
 * Polling rather than a listener: a read every half second costs nothing next to a send, and needs
 * no streaming connection (which proxies and some CI networks break).
 */
export async function waitForOutcome(
  ref: DocumentReference,
  { timeoutMs, pollMs = 500, label = "Waiting for the fan-out" }: { timeoutMs: number; pollMs?: number; label?: string },
): Promise<Settled | undefined> {
  const progress = startProgress(label);
  const deadline = Date.now() + timeoutMs;
  // No status yet means the trigger has not claimed the document.
  let last = "queued";
  try {
    for (;;) {
      const data = (await readBefore(ref, deadline))?.data() as NotificationDocument | undefined;
      const status = data?.status;
      if (data && isTerminal(status)) {
        progress.stop(status);
        return { ...data, status };
      }
      if (status) last = status;
      progress.update(last);
      if (Date.now() >= deadline) {
        progress.stop(`timed out, still ${last}`);
        return undefined;
      }
      await sleep(pollMs);
    }
  } catch (error) {
    progress.stop("error");
    throw error;
  }
}

export type DeliveryRow = DeliveryDocument & { id: string };

export async function readDeliveries(ref: DocumentReference): Promise<DeliveryRow[]> {
  const snapshot = await ref.collection(DELIVERIES).get();
  return snapshot.docs.map((doc) => ({ id: doc.id, ...(doc.data() as DeliveryDocument) }));
}

const STATUS_ORDER: Record<string, number> = { failed: 0, removed: 1, sent: 2 };

/**
 * The per-device table. Problems sort first, so they stay visible when a large send is cut to
 * `limit` rows.
 */
export function deliveriesTable(deliveries: DeliveryRow[], limit = 50): string {
  if (deliveries.length === 0) return "No deliveries recorded.";
  const sorted = [...deliveries].sort(
    (a, b) => (STATUS_ORDER[a.status] ?? 3) - (STATUS_ORDER[b.status] ?? 3) || a.userId.localeCompare(b.userId) || a.id.localeCompare(b.id),
  );
  const rows = sorted
    .slice(0, limit)
    .map((d) => [`${d.id.slice(0, 12)}…`, d.userId, d.status, d.error ? `${d.error.code}: ${d.error.message}` : ""]);
  const table = formatTable(["DEVICE", "USER", "STATUS", "ERROR"], rows);
  return deliveries.length > limit ? `${table}\n… and ${deliveries.length - limit} more` : table;
}

/** The outcome in a few lines: status and stats, then the error with every detail. */
export function describeOutcome(doc: NotificationDocument): string {
  const lines = [`Status: ${doc.status}`];
  // An invalid document was never sent: its zero stats would only distract from the details.
  if (doc.stats && doc.status !== "invalid") {
    const s = doc.stats;
    const attempts = doc.attempts === undefined ? "" : `, ${doc.attempts} attempt${doc.attempts === 1 ? "" : "s"}`;
    lines.push(
      `Stats: recipients ${s.recipients}, devices ${s.devices}, sent ${s.sent}, failed ${s.failed}, removed ${s.removed}${attempts}`,
    );
  }
  if (doc.error) {
    lines.push(`Error: ${doc.error.code}: ${doc.error.message}`);
    for (const detail of doc.error.details ?? []) lines.push(`  ${detail.path || "(document)"}: ${detail.message}`);
  }
  if (doc.status === "no-devices") lines.push("None of the recipients has an active device (check the uids, or register a device first).");
  return lines.join("\n");
}
