// Following a notification document to its outcome and reporting it; shared by `npm run send` and
// the demo.
import type { DocumentReference } from "firebase-admin/firestore";
import { type DeliveryDocument, deliveriesOf, isTerminal, notificationConverter, type StoredNotification } from "../../src/notifications/documents.js";
import type { NotificationStatus } from "../../src/types.js";
import { formatTable, startProgress } from "./output.js";

/** Statuses after which an admin has nothing to fix; the others make the tools exit 1. */
const SUCCESSFUL: readonly NotificationStatus[] = ["sent", "partial", "no-devices", "scheduled", "cancelled"];

export function isSuccessful(status: NotificationStatus): boolean {
  return SUCCESSFUL.includes(status);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Reads the document, or gives up at the deadline (resolving to undefined): a Firestore read
 * retries for minutes when the backend is unreachable, which would outlast --timeout.
 */
async function readBefore(ref: DocumentReference<StoredNotification>, deadline: number) {
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

export type Settled = StoredNotification & { status: NotificationStatus };

const BAR_WIDTH = 24;

/** `processing ▕██████░░░░░░▏ 1,250/5,000 devices` while a large audience is sent. */
export function stateOf(n: StoredNotification, tty: boolean): string {
  const p = n.progress;
  if (n.status !== "processing" || !p || p.devicesPlanned === 0) return n.status ?? "queued";
  const share = Math.min(1, p.devicesDone / p.devicesPlanned);
  // In a log (not a terminal) a line per 10% is enough.
  const shown = tty ? share : Math.floor(share * 10) / 10;
  const filled = Math.round(shown * BAR_WIDTH);
  const bar = `▕${"█".repeat(filled)}${"░".repeat(BAR_WIDTH - filled)}▏`;
  const count = (n: number) => n.toLocaleString("en-US");
  return tty
    ? `processing ${bar} ${count(p.devicesDone)}/${count(p.devicesPlanned)} devices`
    : `processing ${Math.round(shown * 100)}% of ${count(p.devicesPlanned)} devices`;
}

/**
 * Polls the document until the fan-out gives it a terminal status (or, with `untilScheduled`, a
 * scheduled one), showing the status and progress on stderr. Resolves to undefined when `timeoutMs`
 * passes first (the fan-out may still finish later). Polling rather than a listener: a read every
 * half second costs nothing next to a send, and needs no streaming connection (which proxies and
 * some CI networks break).
 */
export async function waitForOutcome(
  notification: DocumentReference,
  options: { timeoutMs: number; pollMs?: number; label?: string; untilScheduled?: boolean },
): Promise<Settled | undefined> {
  const { timeoutMs, pollMs = 500, label = "Waiting for the fan-out", untilScheduled = false } = options;
  const ref = notification.withConverter(notificationConverter);
  const progress = startProgress(label);
  const deadline = Date.now() + timeoutMs;
  // No status yet means the trigger has not claimed the document.
  let last = "queued";
  try {
    for (;;) {
      const data = (await readBefore(ref, deadline))?.data();
      const status = data?.status;
      if (data && status && (isTerminal(status) || (untilScheduled && status === "scheduled"))) {
        progress.stop(status);
        return { ...data, status };
      }
      if (data) last = stateOf(data, process.stderr.isTTY === true);
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

/** The first `limit` deliveries (a broadcast has one per device). */
export async function readDeliveries(ref: DocumentReference, limit = 1000): Promise<DeliveryRow[]> {
  const snapshot = await deliveriesOf(ref.firestore, ref.id).limit(limit).get();
  return snapshot.docs.map((doc) => ({ id: doc.id, ...doc.data() }));
}

const STATUS_ORDER: Record<string, number> = { failed: 0, removed: 1, sent: 2 };

/** The IDENTIFIER column: what the device was sent to, never the token or FID itself. */
const IDENTIFIER_LABELS: Record<string, string> = { token: "token", fid: "FID" };

/**
 * The per-device table. Problems sort first, so they stay visible when a large send is cut to
 * `limit` rows.
 */
export function deliveriesTable(deliveries: DeliveryRow[], limit = 50): string {
  if (deliveries.length === 0) return "No deliveries recorded.";
  const sorted = [...deliveries].sort(
    (a, b) => (STATUS_ORDER[a.status] ?? 3) - (STATUS_ORDER[b.status] ?? 3) || a.userId.localeCompare(b.userId) || a.id.localeCompare(b.id),
  );
  // The translation each device got, when the notification had any ("-": the document's own content).
  const localized = deliveries.some((d) => d.locale !== undefined);
  const rows = sorted
    .slice(0, limit)
    .map((d) => [
      `${d.id.slice(0, 12)}…`,
      IDENTIFIER_LABELS[d.identifiedBy ?? ""] ?? "-",
      d.userId,
      d.status,
      ...(localized ? [d.locale ?? "-"] : []),
      d.error
        ? `${d.error.code}: ${d.error.message}`
        : d.reason
          ? `skipped: ${d.reason}`
          : d.heldUntil
            ? `quiet hours until ${d.heldUntil.toDate().toISOString()}`
            : "",
    ]);
  const table = formatTable(["DEVICE", "IDENTIFIER", "USER", "STATUS", ...(localized ? ["LOCALE"] : []), "ERROR"], rows);
  return deliveries.length > limit ? `${table}\n… and ${deliveries.length - limit} more` : table;
}

/** When a scheduled notification is due, for people: the instant and how far away it is. */
export function describeSchedule(doc: StoredNotification, now: number): string {
  const due = doc.dueAt?.toMillis();
  if (due === undefined) return "Status: scheduled";
  const minutes = Math.max(0, Math.floor((due - now) / 60_000));
  const away = minutes < 60 ? `${minutes} min` : minutes < 48 * 60 ? `${Math.floor(minutes / 60)} h ${minutes % 60} min` : `${Math.round(minutes / 1440)} days`;
  const local = typeof doc.localTime === "string" ? `; then at ${doc.localTime} on each device's own clock, within 24 hours` : "";
  return `Status: scheduled, due ${new Date(due).toISOString()} (in ${away})${local}`;
}

/** The outcome in a few lines: status and stats, then the error with every detail. */
export function describeOutcome(doc: StoredNotification): string {
  const lines = [`Status: ${doc.status}`];
  // An invalid document was never sent: its zero stats would only distract from the details.
  if (doc.stats && doc.status !== "invalid") {
    const s = doc.stats;
    const attempts = doc.attempts === undefined ? "" : `, ${doc.attempts} attempt${doc.attempts === 1 ? "" : "s"}`;
    const recipients = s.recipients === undefined ? "" : `recipients ${s.recipients}, `;
    const screened = s.skipped || s.held ? `, skipped ${s.skipped ?? 0} (their users' preferences or the daily cap), held ${s.held ?? 0}` : "";
    lines.push(`Stats: ${recipients}devices ${s.devices}, sent ${s.sent}, failed ${s.failed}, removed ${s.removed}${screened}${attempts}`);
  }
  if (doc.status === "cancelled") lines.push("Cancelled by an admin: the devices above received it; no other device will.");
  if (doc.error) {
    lines.push(`Error: ${doc.error.code}: ${doc.error.message}`);
    for (const detail of doc.error.details ?? []) lines.push(`  ${detail.path || "(document)"}: ${detail.message}`);
  }
  if (doc.status === "no-devices") lines.push("No active device in the audience (check the uids or the topic, or register a device first).");
  return lines.join("\n");
}
