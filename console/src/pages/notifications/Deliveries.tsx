// The per-device ledger of one notification, 50 rows a page in device-id order (a stable order
// Firestore can page with a cursor), live while the page is open.
import { documentId, limit, orderBy, query, startAfter } from "firebase/firestore";
import { useMemo, useState } from "preact/hooks";
import { type DeliveryDocument, deliveriesOf } from "../../data/documents";
import { useLiveQuery } from "../../data/live";
import { useServices } from "../../firebase";
import { shorten } from "../../ui/format";
import { NotReady } from "../../ui/NotReady";
import { TableCard } from "../../ui/TableCard";
import { Time } from "../../ui/Time";

export const DELIVERIES_PAGE_SIZE = 50;

const DELIVERY_TONES: Record<DeliveryDocument["status"], string> = {
  sent: "success",
  failed: "danger",
  removed: "warning",
  skipped: "neutral",
  held: "neutral",
};

/** `localized`: the notification has translations, so each row says which one the device got. */
export function Deliveries({ notificationId, localized = false }: { notificationId: string; localized?: boolean }) {
  const { db } = useServices();
  // The last device id of each page before the current one.
  const [cursors, setCursors] = useState<string[]>([]);
  const after = cursors.at(-1);
  const page = useMemo(() => {
    const from = after === undefined ? [] : [startAfter(after)];
    // One row more than shown tells whether a next page exists.
    return query(deliveriesOf(db, notificationId), orderBy(documentId()), ...from, limit(DELIVERIES_PAGE_SIZE + 1));
  }, [db, notificationId, after]);
  const live = useLiveQuery(page);

  if (live.status !== "ready") return <NotReady live={live} error="Could not load the deliveries" loading="Loading deliveries…" />;
  const rows = live.value.slice(0, DELIVERIES_PAGE_SIZE);
  const hasNext = live.value.length > DELIVERIES_PAGE_SIZE;
  if (rows.length === 0 && cursors.length === 0) return <p class="muted">No deliveries recorded yet.</p>;
  const first = cursors.length * DELIVERIES_PAGE_SIZE + 1;
  const last = first + rows.length - 1;

  const pager = (
    <nav class="pager" aria-label="Deliveries pages">
      <button class="button" type="button" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
        Previous
      </button>
      <span aria-live="polite">{rows.length === 0 ? "No more deliveries" : `Showing ${first}–${last}`}</span>
      <button class="button" type="button" disabled={!hasNext} onClick={() => setCursors([...cursors, rows[rows.length - 1].id])}>
        Next
      </button>
    </nav>
  );
  return (
    <TableCard caption={`Deliveries ${first} to ${last}`} columns={localized ? LOCALIZED_COLUMNS : DELIVERY_COLUMNS} footer={pager}>
      {rows.map((snapshot) => (
        <DeliveryRow key={snapshot.id} id={snapshot.id} delivery={snapshot.data()} localized={localized} />
      ))}
    </TableCard>
  );
}

const DELIVERY_COLUMNS = ["Device", "User", "Status", "Attempts", "Result", "Updated"];
const LOCALIZED_COLUMNS = ["Device", "User", "Status", "Language", "Attempts", "Result", "Updated"];

function DeliveryRow({ id, delivery: d, localized }: { id: string; delivery: DeliveryDocument; localized: boolean }) {
  return (
    <tr>
      <td>
        <code title={id}>{shorten(id, 12)}</code>
        {d.identifiedBy && <span class="muted"> {d.identifiedBy === "fid" ? "FID" : "token"}</span>}
      </td>
      <td>{d.userId}</td>
      <td>
        <span class={`badge badge--${DELIVERY_TONES[d.status] ?? "neutral"}`}>{d.status}</span>
      </td>
      {localized && (
        <td>
          {d.locale ?? (
            <span class="muted" title="The message itself: no translation matched the device's locale">
              —
            </span>
          )}
        </td>
      )}
      <td>{d.attempts}</td>
      <td class="table__result">
        <Result delivery={d} />
      </td>
      <td class="table__time">
        <Time value={d.updatedAt} relative={false} />
      </td>
    </tr>
  );
}

/** FCM's error, the user's choice that skipped it, the end of the quiet hours it waits for, or the message id. */
function Result({ delivery: d }: { delivery: DeliveryDocument }) {
  if (d.error) return <>{`${d.error.code}: ${d.error.message}`}</>;
  if (d.reason) return <>{SKIP_REASONS[d.reason]}</>;
  if (d.heldUntil)
    return (
      <>
        Quiet hours until <Time value={d.heldUntil} relative={false} />
      </>
    );
  return <MessageId id={d.messageId} />;
}

const SKIP_REASONS: Record<NonNullable<DeliveryDocument["reason"]>, string> = {
  "opted-out": "Opted out of this category",
  muted: "The user muted notifications",
  capped: "Daily cap reached",
};

/** FCM's `projects/<project>/messages/<id>`: the id says enough, the whole name is in the tooltip. */
function MessageId({ id }: { id: string | undefined }) {
  if (!id) return <span class="muted">—</span>;
  return <code title={id}>{id.slice(id.lastIndexOf("/") + 1)}</code>;
}
