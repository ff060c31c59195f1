// A user's latest inbox entries, live, with their read state (admins may read any user's inbox).
import { limit, orderBy, query } from "firebase/firestore";
import { useMemo } from "preact/hooks";
import { type InboxEntry, inboxOf } from "../../data/documents";
import { useLiveQuery } from "../../data/live";
import { useServices } from "../../firebase";
import { href } from "../../router";
import { NotReady } from "../../ui/NotReady";
import { TableCard } from "../../ui/TableCard";
import { Time } from "../../ui/Time";

const LATEST = 20;
const COLUMNS = ["Title", "Received", "State", "Notification"];

export function InboxEntries({ uid }: { uid: string }) {
  const { db } = useServices();
  const latest = useMemo(() => query(inboxOf(db, uid), orderBy("createdAt", "desc"), limit(LATEST)), [db, uid]);
  const live = useLiveQuery(latest);
  if (live.status !== "ready") return <NotReady live={live} error={`Could not load the inbox of ${uid}`} loading="Loading the inbox…" />;
  return (
    <section class="page-section" aria-labelledby="inbox-title">
      <h2 id="inbox-title">Latest inbox entries</h2>
      {live.value.length === 0 ? (
        <p class="muted" role="status">
          No inbox entries.
        </p>
      ) : (
        <TableCard columns={COLUMNS}>
          {live.value.map((snapshot) => (
            <EntryRow key={snapshot.id} id={snapshot.id} entry={snapshot.data()} />
          ))}
        </TableCard>
      )}
    </section>
  );
}

function EntryRow({ id, entry: e }: { id: string; entry: InboxEntry }) {
  const [state, tone] = e.archivedAt ? ["Archived", "neutral"] : e.readAt ? ["Read", "success"] : e.seenAt ? ["Seen", "warning"] : ["Unread", "info"];
  return (
    <tr>
      <td>{e.title}</td>
      <td class="table__time">
        <Time value={e.createdAt} />
      </td>
      <td>
        <span class={`badge badge--${tone}`}>{state}</span>
        {e.readAt && !e.archivedAt && (
          <span class="muted">
            {" "}
            <Time value={e.readAt} />
          </span>
        )}
      </td>
      <td>
        <a href={href({ page: "notification", id })}>
          <code>{id}</code>
        </a>
      </td>
    </tr>
  );
}
