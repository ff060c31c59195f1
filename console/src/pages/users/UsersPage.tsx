// Look up a user by uid and see their devices, live. Admins may read `users/{uid}/devices` under
// the rules; tokens are credentials for pushing to a device, so only their first characters show.
import { orderBy, query } from "firebase/firestore";
import { useMemo, useState } from "preact/hooks";
import { devicesOf, type DeviceDocument } from "../../data/documents";
import { useLiveQuery } from "../../data/live";
import { useServices } from "../../firebase";
import { navigate } from "../../router";
import { ErrorAlert } from "../../ui/Alert";
import { TextField } from "../../ui/fields";
import { plural, shorten } from "../../ui/format";
import { Page } from "../../ui/Page";
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

const TYPE_LABELS: Record<DeviceDocument["type"], string> = { ios: "iOS", android: "Android", web: "Web" };

function Devices({ uid }: { uid: string }) {
  const { db } = useServices();
  const devices = useMemo(() => query(devicesOf(db, uid), orderBy("lastSeenAt", "desc")), [db, uid]);
  const live = useLiveQuery(devices);
  if (live.status === "error") return <ErrorAlert title={`Could not load the devices of ${uid}`} error={live.error} />;
  if (live.status === "loading") return <p class="muted">Loading devices…</p>;
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
      <div class="card table-card">
        <table class="table">
          <thead>
            <tr>
              <th scope="col">Type</th>
              <th scope="col">Name</th>
              <th scope="col">Status</th>
              <th scope="col">Last seen</th>
              <th scope="col">Topics</th>
              <th scope="col">App</th>
              <th scope="col">Token</th>
            </tr>
          </thead>
          <tbody>
            {live.value.map((snapshot) => (
              <DeviceRow key={snapshot.id} device={snapshot.data()} />
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function DeviceRow({ device: d }: { device: DeviceDocument }) {
  const app = [d.appVersion, d.locale, d.timezone].filter(Boolean).join(" · ");
  return (
    <tr>
      <td>
        <span class={`platform platform--${d.type}`}>{TYPE_LABELS[d.type] ?? d.type}</span>
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
        <code title={`device ${d.deviceId}`}>{shorten(d.token)}</code>
      </td>
    </tr>
  );
}
