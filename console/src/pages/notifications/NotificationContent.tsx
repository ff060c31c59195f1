// What the notification says, as stored, with the same preview the composer shows.
import { useState } from "preact/hooks";
import { translated } from "../../../../functions/src/localization/match";
import type { NotificationDocument } from "../../data/documents";
import { SelectField } from "../../ui/fields";
import { Preview } from "../compose/Preview";
import { titleOf } from "./status";

export function NotificationContent({ notification: n }: { notification: NotificationDocument }) {
  const data = Object.entries(n.data ?? {});
  const translations = n.translations ?? {};
  const tags = Object.keys(translations);
  // The translation the preview shows ("" for the message itself).
  const [shown, setShown] = useState("");
  const base = { title: titleOf(n), body: n.body ?? "", imageUrl: n.imageUrl ?? "", link: n.link ?? "", androidColor: n.android?.color ?? "" };
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
          {tags.length > 0 && (
            <>
              <dt>Translations</dt>
              <dd>
                <ul class="plain-list">
                  {tags.map((tag) => (
                    <li key={tag}>
                      <code>{tag}</code>:{" "}
                      {Object.entries(translations[tag] ?? {})
                        .map(([field, value]) => `${field} “${value}”`)
                        .join(", ")}
                    </li>
                  ))}
                </ul>
              </dd>
            </>
          )}
        </dl>
      </div>
      <div>
        {tags.length > 0 && (
          <SelectField
            name="contentLanguage"
            label="Preview in"
            value={tags.includes(shown) ? shown : ""}
            onValue={setShown}
            options={[{ value: "", label: "The message (no translation)" }, ...tags.map((tag) => ({ value: tag, label: tag }))]}
          />
        )}
        <Preview compact content={tags.includes(shown) ? translated(base, translations[shown]) : base} />
      </div>
    </section>
  );
}
