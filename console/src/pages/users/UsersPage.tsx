// Look up a user by uid and see their devices, live. Admins may read `users/{uid}/devices` under
// the rules; tokens and Installation IDs address pushes to a device, so only their kind and first
// characters show.
import { orderBy, query } from "firebase/firestore";
import { useMemo, useState } from "preact/hooks";
import { devicesOf, type DeviceDocument } from "../../data/documents";
import { useLiveQuery } from "../../data/live";
import { useServices } from "../../firebase";
import { navigate } from "../../router";
import { TextField } from "../../ui/fields";
import { PLATFORM_LABELS, plural, shorten } from "../../ui/format";
import { NotReady } from "../../ui/NotReady";
import { Page } from "../../ui/Page";
import { TableCard } from "../../ui/TableCard";
import { Time } from "../../ui/Time";

export function UsersPage({ uid }: { uid: string | null }) {
  const [text, setText] = useState(uid ?? "");
  function lookUp(event: Event) {
    event.preventDefault();
    navigate({ page: "users", uid: text.trim() || null });
  }
  return (
    <Page title="Users" subtitle="Look up a user by uid to see their registered devices.">
      <form class="card lookup" role="search" onSubmit={lookUp}>
        <TextField name="uid" label="User id (uid)" type="search" value={text} onValue={setText} class="lookup__field" />
        <button class="button button--primary" type="submit">
          Look up
        </button>
      </form>
      {uid && <Devices uid={uid} />}
    </Page>
  );
}

function Devices({ uid }: { uid: string }) {
  const { db } = useServices();
  const devices = useMemo(() => query(devicesOf(db, uid), orderBy("lastSeenAt", "desc")), [db, uid]);
  const live = useLiveQuery(devices);
  if (live.status !== "ready") return <NotReady live={live} error={`Could not load the devices of ${uid}`} loading="Loading devices…" />;
  if (live.value.length === 0) {
    return (
      <div class="card empty" role="status">
        <p>
          <strong>{uid}</strong> has no registered devices (or no such user exists).
        </p>
      </div>
    );
  }
  return (
    <section class="page-section" aria-labelledby="devices-title">
      <h2 id="devices-title">
        {plural(live.value.length, "device")} of <code>{uid}</code>
      </h2>
      <TableCard columns={DEVICE_COLUMNS}>
        {live.value.map((snapshot) => (
          <DeviceRow key={snapshot.id} device={snapshot.data()} />
        ))}
      </TableCard>
    </section>
  );
}

const DEVICE_COLUMNS = ["Type", "Name", "Status", "Last seen", "Topics", "App", "Identifier"];

function DeviceRow({ device: d }: { device: DeviceDocument }) {
  const app = [d.appVersion, d.locale, d.timezone].filter(Boolean).join(" · ");
  return (
    <tr>
      <td>
        <span class={`platform platform--${d.type}`}>{PLATFORM_LABELS[d.type] ?? d.type}</span>
      </td>
      <td>{d.name ?? <span class="muted">unnamed</span>}</td>
      <td>
        <span class={`badge badge--${d.active ? "success" : "neutral"}`}>{d.active ? "Active" : "Logged out"}</span>
      </td>
      <td class="table__time">
        <Time value={d.lastSeenAt} />
      </td>
      <td>
        {d.topics.length === 0 ? (
          <span class="muted">none</span>
        ) : (
          d.topics.map((topic) => (
            <span key={topic} class="tag">
              {topic}
            </span>
          ))
        )}
      </td>
      <td>{app || <span class="muted">—</span>}</td>
      <td>
        <span class="muted">{d.fid !== undefined ? "Installation ID" : "FCM token"}</span>{" "}
        <code title={`device ${d.deviceId}`}>{shorten(d.fid ?? d.token)}</code>
      </td>
    </tr>
  );
}
