// Look up a user by email or uid and see who they are, their devices and latest inbox entries, live. The email goes
// through the admin-only lookupUser callable (Auth has the emails; devices live under uids). Admins
// may read `users/{uid}/devices` under the rules; tokens and Installation IDs address pushes to a
// device, so only their kind and first characters show.
import { orderBy, query } from "firebase/firestore";
import { httpsCallable } from "firebase/functions";
import { useEffect, useMemo, useState } from "preact/hooks";
import type { LookupUserRequest, LookupUserResponse, UserSummary } from "../../../../functions/src/types";
import { type DeviceDocument, devicesOf } from "../../data/documents";
import { useLiveQuery } from "../../data/live";
import { type Services, useServices } from "../../firebase";
import { navigate } from "../../router";
import { ErrorAlert, type ShownError } from "../../ui/Alert";
import { TextField } from "../../ui/fields";
import { PLATFORM_LABELS, plural, shorten } from "../../ui/format";
import { NotReady } from "../../ui/NotReady";
import { Page } from "../../ui/Page";
import { TableCard } from "../../ui/TableCard";
import { Time } from "../../ui/Time";
import { UserPreferences } from "../recipients/UserPreferences";
import { InboxEntries } from "./Inbox";

/** The lookupUser callable: the user with this email or uid, or null. */
async function lookUpUser(services: Services, request: LookupUserRequest): Promise<UserSummary | null> {
  const call = httpsCallable<LookupUserRequest, LookupUserResponse>(services.functions, "lookupUser");
  return (await call(request)).data.user;
}

export function UsersPage({ uid }: { uid: string | null }) {
  const services = useServices();
  const [text, setText] = useState(uid ?? "");
  const [problem, setProblem] = useState<ShownError | null>(null);
  async function lookUp(event: Event) {
    event.preventDefault();
    setProblem(null);
    const wanted = text.trim();
    if (!wanted.includes("@")) return navigate({ page: "users", uid: wanted || null });
    try {
      const user = await lookUpUser(services, { email: wanted });
      if (user) navigate({ page: "users", uid: user.uid });
      else setProblem({ message: `No user has the email ${wanted}.` });
    } catch (error) {
      setProblem(error as ShownError);
    }
  }
  return (
    <Page title="Users" subtitle="Look up a user by email or uid to see who they are and their registered devices.">
      <form class="card lookup" role="search" onSubmit={lookUp}>
        <TextField name="uid" label="Email or user id (uid)" type="search" value={text} onValue={setText} class="lookup__field" />
        <button class="button button--primary" type="submit">
          Look up
        </button>
      </form>
      {problem && <ErrorAlert title="Could not look the user up" error={problem} />}
      {uid && <Account uid={uid} />}
      {uid && <UserPreferences uid={uid} />}
      {uid && <Devices uid={uid} />}
      {uid && <InboxEntries uid={uid} />}
    </Page>
  );
}

/** Who the uid is in Firebase Auth: email, name, admin, disabled, sign-in times. */
function Account({ uid }: { uid: string }) {
  const services = useServices();
  const [state, setState] = useState<{ user?: UserSummary | null; error?: ShownError }>({});
  useEffect(() => {
    let current = true;
    setState({});
    lookUpUser(services, { uid }).then(
      (user) => current && setState({ user }),
      (error: ShownError) => current && setState({ error }),
    );
    return () => {
      current = false;
    };
  }, [services, uid]);
  if (state.error) return <ErrorAlert title={`Could not look up ${uid}`} error={state.error} />;
  if (state.user === undefined)
    return (
      <p class="muted" role="status">
        Looking up {uid}…
      </p>
    );
  if (state.user === null) {
    return (
      <div class="card" role="status">
        <p>
          No Firebase Auth user has the uid <code>{uid}</code> (its devices, if any, are listed below).
        </p>
      </div>
    );
  }
  const u = state.user;
  return (
    <section class="card account" aria-label="Account">
      <p>
        <strong>{u.displayName ?? u.email ?? u.uid}</strong> {u.email && <span>{u.email}</span>} · uid <code>{u.uid}</code>
        {u.admin && <span class="badge badge--success"> Admin</span>}
        {u.disabled && <span class="badge badge--neutral"> Disabled</span>}
      </p>
      <p class="muted">
        Created {u.createdAt ? new Date(u.createdAt).toLocaleString() : "—"} · last sign-in{" "}
        {u.lastSignInAt ? new Date(u.lastSignInAt).toLocaleString() : "never"}
      </p>
    </section>
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
