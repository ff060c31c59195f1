// A user's notification preferences on the Users page, live: categories turned off (and on),
// quiet hours, a mute. Admins read `notificationPreferences/{uid}` under the rules; nobody writes it here.
import { useMemo } from "preact/hooks";
import { type PreferencesDocument, preferencesOf } from "../../data/documents";
import { useLiveDocument } from "../../data/live";
import { useServices } from "../../firebase";
import { NotReady } from "../../ui/NotReady";
import { Time } from "../../ui/Time";

export function UserPreferences({ uid }: { uid: string }) {
  const { db } = useServices();
  const ref = useMemo(() => preferencesOf(db, uid), [db, uid]);
  const live = useLiveDocument(ref);
  if (live.status !== "ready") return <NotReady live={live} error={`Could not load the preferences of ${uid}`} loading="Loading preferences…" />;
  const p = live.value;
  return (
    <section class="card" aria-labelledby="preferences-title">
      <h2 id="preferences-title">Notification preferences</h2>
      {p ? <Facts prefs={p} /> : <p class="muted">None set: every category on, no quiet hours, not muted.</p>}
    </section>
  );
}

function Facts({ prefs: p }: { prefs: PreferencesDocument }) {
  const off = Object.keys(p.categories).filter((c) => p.categories[c] === false);
  const on = Object.keys(p.categories).filter((c) => p.categories[c] === true);
  const muted = p.mutedUntil && p.mutedUntil.toMillis() > Date.now();
  return (
    <dl class="facts">
      <dt>Categories off</dt>
      <dd>{off.length === 0 ? <span class="muted">none</span> : off.map((c) => <Tag key={c} name={c} />)}</dd>
      {on.length > 0 && (
        <>
          <dt>Categories on (explicitly)</dt>
          <dd>
            {on.map((c) => (
              <Tag key={c} name={c} />
            ))}
          </dd>
        </>
      )}
      <dt>Quiet hours</dt>
      <dd>{p.quietHours ? `${p.quietHours.start} to ${p.quietHours.end}, on each device's clock` : <span class="muted">none</span>}</dd>
      <dt>Muted</dt>
      <dd>
        {muted ? (
          <>
            until <Time value={p.mutedUntil} relative={false} />
          </>
        ) : (
          <span class="muted">no</span>
        )}
      </dd>
      <dt>Updated</dt>
      <dd>
        <Time value={p.updatedAt} />
      </dd>
    </dl>
  );
}

const Tag = ({ name }: { name: string }) => <span class="tag">{name}</span>;
