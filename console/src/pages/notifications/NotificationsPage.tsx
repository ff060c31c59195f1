// Newest notifications first, live: statuses and progress change on screen as the backend works.
// Sorted by `createdAt`, which the backend writes when it accepts a document (within a second of
// its creation), so a document appears here once the backend has seen it.
import { limit, orderBy, query } from "firebase/firestore";
import { useMemo, useState } from "preact/hooks";
import { type NotificationDocument, notificationsOf } from "../../data/documents";
import { useLiveQuery } from "../../data/live";
import { useServices } from "../../firebase";
import { href } from "../../router";
import { NotReady } from "../../ui/NotReady";
import { Page } from "../../ui/Page";
import { StatusBadge } from "../../ui/StatusBadge";
import { TableCard } from "../../ui/TableCard";
import { Time } from "../../ui/Time";
import { Outcome } from "./Outcome";
import { audienceLabel, statusOf, titleOf } from "./status";

const PAGE_SIZE = 25;

export function NotificationsPage() {
  return (
    <Page
      title="Notifications"
      subtitle="Newest first. Statuses and progress update live."
      actions={
        <a class="button button--primary" href={href({ page: "compose" })}>
          New notification
        </a>
      }
    >
      <Newest />
    </Page>
  );
}

function Newest() {
  const { db } = useServices();
  const [shown, setShown] = useState(PAGE_SIZE);
  const newest = useMemo(() => query(notificationsOf(db), orderBy("createdAt", "desc"), limit(shown)), [db, shown]);
  const live = useLiveQuery(newest);

  if (live.status !== "ready") return <NotReady live={live} error="Could not load the notifications" />;
  if (live.value.length === 0) {
    return (
      <div class="card empty">
        <p>No notifications yet.</p>
        <a href={href({ page: "compose" })}>Compose the first one</a>
      </div>
    );
  }
  const more = live.value.length === shown && (
    <div class="table-footer">
      <button class="button" type="button" onClick={() => setShown(shown + PAGE_SIZE)}>
        Show {PAGE_SIZE} more
      </button>
    </div>
  );
  return (
    <TableCard caption="Notifications, newest first" columns={NOTIFICATION_COLUMNS} footer={more}>
      {live.value.map((snapshot) => (
        <NotificationRow key={snapshot.id} id={snapshot.id} notification={snapshot.data()} />
      ))}
    </TableCard>
  );
}

const NOTIFICATION_COLUMNS = ["Title", "Audience", "Status", "Delivery", "Created"];

function NotificationRow({ id, notification: n }: { id: string; notification: NotificationDocument }) {
  return (
    <tr>
      <td class="table__title">
        <a href={href({ page: "notification", id })}>{titleOf(n)}</a>
        {n.dryRun && <span class="tag">dry run</span>}
      </td>
      <td>{audienceLabel(n)}</td>
      <td>
        <StatusBadge status={statusOf(n)} />
      </td>
      <td class="table__outcome">
        <Outcome notification={n} />
      </td>
      <td class="table__time">
        <Time value={n.createdAt} relative={false} />
      </td>
    </tr>
  );
}
