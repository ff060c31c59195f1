// What the notification says, as stored, with the same preview the composer shows.
import type { NotificationDocument } from "../../data/documents";
import { Preview } from "../compose/Preview";
import { titleOf } from "./status";

export function NotificationContent({ notification: n }: { notification: NotificationDocument }) {
  const data = Object.entries(n.data ?? {});
  return (
    <section class="card content-card" aria-labelledby="content-title">
      <div>
        <h2 id="content-title">Content</h2>
        <dl class="facts">
          <dt>Body</dt>
          <dd>{n.body || <span class="muted">—</span>}</dd>
          <dt>Image</dt>
          <dd class="break">{n.imageUrl || <span class="muted">—</span>}</dd>
          <dt>Link</dt>
          <dd class="break">{n.link || <span class="muted">—</span>}</dd>
          <dt>Data</dt>
          <dd>
            {data.length === 0 ? (
              <span class="muted">—</span>
            ) : (
              <ul class="plain-list">
                {data.map(([key, value]) => (
                  <li key={key}>
                    <code>{key}</code> = {String(value)}
                  </li>
                ))}
              </ul>
            )}
          </dd>
        </dl>
      </div>
      <Preview
        compact
        content={{
          title: titleOf(n),
          body: n.body ?? "",
          imageUrl: n.imageUrl ?? "",
          link: n.link ?? "",
          androidColor: n.android?.color ?? "",
        }}
      />
    </section>
  );
}
