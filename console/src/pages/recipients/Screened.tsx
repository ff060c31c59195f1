// On a notification's page: the devices its users' choices skipped, by reason, and those held for
// their quiet hours, counted by Firestore's aggregation (no delivery is downloaded), recounted when
// the notification's counts change.
import { getCountFromServer, query, where } from "firebase/firestore";
import { useEffect, useState } from "preact/hooks";
import { deliveriesOf, type NotificationDocument } from "../../data/documents";
import { useServices } from "../../firebase";
import { TableCard } from "../../ui/TableCard";

const ROWS: Array<[label: string, field: "reason" | "status", value: string]> = [
  ["Opted out of the category", "reason", "opted-out"],
  ["Muted", "reason", "muted"],
  ["Daily cap reached", "reason", "capped"],
  ["Held for quiet hours (sent when they end)", "status", "held"],
];

type Counts = { status: "loading" } | { status: "ready"; counts: number[] } | { status: "error"; message: string };

export function ScreenedDeliveries({ id, notification: n }: { id: string; notification: NotificationDocument }) {
  const { db } = useServices();
  const [state, setState] = useState<Counts>({ status: "loading" });
  const version = JSON.stringify([n.status, n.stats, n.progress?.devicesDone]);
  useEffect(() => {
    let current = true;
    const ledger = deliveriesOf(db, id);
    Promise.all(ROWS.map(async ([, field, value]) => (await getCountFromServer(query(ledger, where(field, "==", value)))).data().count)).then(
      (counts) => current && setState({ status: "ready", counts }),
      (error: Error) => current && setState({ status: "error", message: error.message }),
    );
    return () => {
      current = false;
    };
  }, [db, id, version]);
  if (state.status === "loading") return null;
  if (state.status === "error") return <p class="inline-error">Could not count skipped and held deliveries: {state.message}</p>;
  if (state.counts.every((c) => c === 0)) return null;
  return (
    <TableCard caption="Skipped and held by the users' choices" columns={["Reason", "Devices"]}>
      {ROWS.map(([label], i) => (
        <tr key={label}>
          <td>{label}</td>
          <td>{state.counts[i]!.toLocaleString()}</td>
        </tr>
      ))}
    </TableCard>
  );
}
