// How many devices got each translation of a notification (the deliveries' `locale`), counted by
// Firestore's aggregation (no delivery is downloaded), refreshed when the notification's counts change.
import { getCountFromServer, query, where } from "firebase/firestore";
import { useEffect, useState } from "preact/hooks";
import { deliveriesOf, type NotificationDocument } from "../../data/documents";
import { useServices } from "../../firebase";
import { TableCard } from "../../ui/TableCard";

type Counts = { status: "loading" } | { status: "ready"; byTag: Array<[string, number]>; total: number } | { status: "error"; message: string };

export function DeliveriesPerLocale({ id, notification: n }: { id: string; notification: NotificationDocument }) {
  const { db } = useServices();
  const tags = Object.keys(n.translations ?? {});
  const [counts, setCounts] = useState<Counts>({ status: "loading" });
  // Recounted whenever the backend writes new counts (progress or stats), not on every delivery.
  const version = JSON.stringify([n.status, n.stats, n.progress?.devicesDone, tags]);
  useEffect(() => {
    let current = true;
    const ledger = deliveriesOf(db, id);
    const count = async (q: ReturnType<typeof query>) => (await getCountFromServer(q)).data().count;
    Promise.all([count(query(ledger)), ...tags.map((tag) => count(query(ledger, where("locale", "==", tag))))]).then(
      ([total, ...perTag]) => current && setCounts({ status: "ready", total: total!, byTag: tags.map((tag, i) => [tag, perTag[i]!]) }),
      (error: Error) => current && setCounts({ status: "error", message: error.message }),
    );
    return () => {
      current = false;
    };
  }, [db, id, version]);

  if (tags.length === 0) return null;
  if (counts.status === "loading") return <p class="muted">Counting deliveries per language…</p>;
  if (counts.status === "error") return <p class="inline-error">Could not count deliveries per language: {counts.message}</p>;
  const translated = counts.byTag.reduce((sum, [, c]) => sum + c, 0);
  const rows: Array<[string, number]> = [...counts.byTag, ["The message itself (no translation)", counts.total - translated]];
  return (
    <TableCard caption="Deliveries per language" columns={["Translation", "Devices", "Share"]}>
      {rows.map(([label, c]) => (
        <tr key={label}>
          <td>{label}</td>
          <td>{c.toLocaleString()}</td>
          <td>{counts.total === 0 ? "—" : `${Math.round((c / counts.total) * 100)}%`}</td>
        </tr>
      ))}
    </TableCard>
  );
}
