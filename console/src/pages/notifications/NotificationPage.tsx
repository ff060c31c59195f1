// One notification, live: status, counts, the backend's validation problems by field, when it is
// due, its content, the per-device deliveries, and Cancel while there is something to stop.
import { useMemo, useState } from "preact/hooks";
import { cancelNotification, type NotificationDocument, notificationOf } from "../../data/documents";
import { useLiveDocument } from "../../data/live";
import { useServices } from "../../firebase";
import { href } from "../../router";
import { Alert, ErrorAlert, type ShownError } from "../../ui/Alert";
import { NotReady } from "../../ui/NotReady";
import { Page } from "../../ui/Page";
import { StatusBadge } from "../../ui/StatusBadge";
import { Time } from "../../ui/Time";
import { ScreenedDeliveries } from "../recipients/Screened";
import { Deliveries } from "./Deliveries";
import { DeliveriesPerLocale } from "./Locales";
import { NotificationContent } from "./NotificationContent";
import { Outcome } from "./Outcome";
import { audienceLabel, isCancellable, statusOf, titleOf } from "./status";

export function NotificationPage({ id }: { id: string }) {
  const { db } = useServices();
  const ref = useMemo(() => notificationOf(db, id), [db, id]);
  const live = useLiveDocument(ref);

  if (live.status !== "ready") return <NotReady live={live} error="Could not load this notification" />;
  if (!live.value) {
    return (
      <Page title="Notification not found">
        <p>
          There is no notification <code>{id}</code>; it may have been deleted. <a href={href({ page: "notifications" })}>Back to the list</a>
        </p>
      </Page>
    );
  }
  const n = live.value;
  return (
    <Page title={titleOf(n)} subtitle={<code>{id}</code>} actions={isCancellable(n) && <CancelButton id={id} />}>
      <section class="card status-card" aria-label="Status">
        <StatusBadge status={statusOf(n)} />
        <Outcome notification={n} />
      </section>
      {n.error && <BackendError error={n.error} />}
      <div class="detail-grid">
        <Facts notification={n} id={id} />
        <Stats notification={n} />
      </div>
      <section class="page-section" aria-labelledby="deliveries-title">
        <h2 id="deliveries-title">Deliveries</h2>
        <DeliveriesPerLocale id={id} notification={n} />
        <ScreenedDeliveries id={id} notification={n} />
        <Deliveries notificationId={id} localized={n.translations !== undefined} />
      </section>
      <NotificationContent notification={n} />
    </Page>
  );
}

function CancelButton({ id }: { id: string }) {
  const { db } = useServices();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ShownError | null>(null);
  async function cancel() {
    setBusy(true);
    setError(null);
    try {
      await cancelNotification(db, id);
    } catch (caught) {
      setError(caught as ShownError);
    } finally {
      setBusy(false);
    }
  }
  return (
    <div class="cancel">
      <button class="button button--danger" type="button" disabled={busy} onClick={cancel}>
        {busy ? "Cancelling…" : "Cancel notification"}
      </button>
      {error && <ErrorAlert title="Firestore refused the cancellation" error={error} />}
    </div>
  );
}

/** `error` on `invalid` and `failed`; `details` name each problem's field. */
function BackendError({ error }: { error: NonNullable<NotificationDocument["error"]> }) {
  return (
    <Alert tone="error" title={`The backend reported: ${error.code}`}>
      <p>{error.message}</p>
      {error.details && error.details.length > 0 && (
        <table class="table table--compact">
          <caption>Problems by field</caption>
          <thead>
            <tr>
              <th scope="col">Field</th>
              <th scope="col">Problem</th>
            </tr>
          </thead>
          <tbody>
            {error.details.map((detail) => (
              <tr key={`${detail.path}:${detail.message}`}>
                <th scope="row">
                  <code>{detail.path || "(document)"}</code>
                </th>
                <td>{detail.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Alert>
  );
}

function Facts({ notification: n, id }: { notification: NotificationDocument; id: string }) {
  return (
    <section class="card" aria-labelledby="facts-title">
      <h2 id="facts-title">Details</h2>
      <dl class="facts">
        <dt>Audience</dt>
        <dd>{audienceLabel(n)}</dd>
        <dt>Created</dt>
        <dd>
          <Time value={n.createdAt} />
        </dd>
        {n.dueAt && (
          <>
            <dt>Due</dt>
            <dd>
              <Time value={n.dueAt} />
              {n.localTime && <span class="muted"> · at {n.localTime} in each device's time zone</span>}
            </dd>
          </>
        )}
        <dt>Started</dt>
        <dd>
          <Time value={n.startedAt} />
        </dd>
        <dt>Completed</dt>
        <dd>
          <Time value={n.completedAt} />
        </dd>
        <dt>Attempts</dt>
        <dd>{n.attempts ?? "—"}</dd>
        <dt>Options</dt>
        <dd>{optionsOf(n, id)}</dd>
      </dl>
    </section>
  );
}

function optionsOf(n: NotificationDocument, id: string): string {
  const options = [
    n.dryRun ? "dry run" : "",
    `priority ${n.priority ?? "high"}`,
    n.ttlSeconds !== undefined ? `TTL ${n.ttlSeconds} s` : "",
    `collapse key ${n.collapseKey ?? id}`,
    n.analyticsLabel ? `analytics label ${n.analyticsLabel}` : "",
  ];
  return options.filter(Boolean).join(" · ");
}

function Stats({ notification: n }: { notification: NotificationDocument }) {
  const stats = n.stats;
  const { received, opened } = n.engagement ?? {};
  const sent = stats?.sent;
  const items: Array<[string, number | string | undefined, string]> = [
    ["Recipients", stats?.recipients, ""],
    ["Devices", stats?.devices ?? n.progress?.devicesPlanned, ""],
    ["Sent", stats?.sent ?? n.progress?.devicesDone, "success"],
    ["Failed", stats?.failed, "danger"],
    ["Removed", stats?.removed, "warning"],
    ["Skipped", stats?.skipped || undefined, ""],
    ["Held", stats?.held || undefined, ""],
    ["Received", received, ""],
    ["Opened", opened, ""],
    ["Open rate", opened !== undefined && sent ? `${Math.round((opened / sent) * 1000) / 10}%` : undefined, ""],
  ];
  return (
    <section class="card" aria-labelledby="stats-title">
      <h2 id="stats-title">Counts</h2>
      <dl class="stats">
        {items
          .filter(([, value]) => value !== undefined)
          .map(([label, value, tone]) => (
            <div key={label} class={`stat ${tone && value ? `stat--${tone}` : ""}`}>
              <dt>{label}</dt>
              <dd>{value}</dd>
            </div>
          ))}
      </dl>
      {!stats && !n.progress && <p class="muted">Counts appear once sending starts.</p>}
    </section>
  );
}
