// The notification's translations as editable rows (a language tag and the fields it replaces), and
// the choice of language the preview shows.

import { translated } from "../../../../functions/src/localization/match";
import { MAX_TRANSLATIONS } from "../../../../functions/src/notifications/schema";
import { FieldSet, SelectField, TextArea, TextField } from "../../ui/fields";
import { type ComposeForm, type TranslationRow, variantOf } from "./form";
import type { SectionProps } from "./sections";

let nextRowId = 1;

/** The validation path of a row's field: `translations.pt-BR.title` (the row's tag as typed, trimmed). */
export const translationPath = (row: TranslationRow, field?: string) => `translations.${row.tag.trim()}${field ? `.${field}` : ""}`;

/** Every path a translation problem may be shown at, for the current rows. */
export function translationFields(rows: readonly TranslationRow[]): string[] {
  return ["translations", ...rows.flatMap((row) => ["", "title", "body", "imageUrl", "link"].map((field) => translationPath(row, field)))];
}

export function TranslationsSection({ form, change, errors }: SectionProps) {
  const rows = form.translations;
  const update = (id: number, patch: Partial<TranslationRow>) => change({ translations: rows.map((row) => (row.id === id ? { ...row, ...patch } : row)) });
  const add = () => change({ translations: [...rows, { id: nextRowId++, tag: "", title: "", body: "", imageUrl: "", link: "" }] });
  return (
    <FieldSet
      name="translations"
      label="Translations"
      hint={`Each device gets the translation of its locale (pt-BR, else pt, else another pt-…), or the message above. Empty fields fall back to the message's. At most ${MAX_TRANSLATIONS}.`}
      errors={errors.translations}
    >
      {rows.length > 0 && (
        <ul class="translation-rows">
          {rows.map((row, index) => {
            const field = (name: keyof Omit<TranslationRow, "id" | "tag">) => ({
              name: translationPath(row, name),
              value: row[name],
              onValue: (value: string) => update(row.id, { [name]: value }),
              errors: errors[translationPath(row, name)],
            });
            return (
              <li key={row.id} class="translation-row" aria-label={`Translation ${index + 1}`}>
                <div class="translation-row__head">
                  <TextField
                    label={`Language tag ${index + 1}`}
                    placeholder="pt-BR"
                    name={translationPath(row)}
                    value={row.tag}
                    onValue={(tag) => update(row.id, { tag })}
                    errors={errors[translationPath(row)]}
                  />
                  <button
                    class="button button--small"
                    type="button"
                    aria-label={`Remove translation ${index + 1}`}
                    onClick={() => change({ translations: rows.filter((r) => r.id !== row.id) })}
                  >
                    Remove
                  </button>
                </div>
                <div class="field-grid">
                  <TextField label="Title" placeholder="(the message's title)" {...field("title")} />
                  <TextArea label="Body" placeholder="(the message's body)" {...field("body")} />
                  <TextField label="Image URL" type="url" placeholder="(the message's image)" {...field("imageUrl")} />
                  <TextField label="Link" type="url" placeholder="(the message's link)" {...field("link")} />
                </div>
              </li>
            );
          })}
        </ul>
      )}
      <button class="button button--small" type="button" onClick={add} disabled={rows.length >= MAX_TRANSLATIONS}>
        Add translation
      </button>
    </FieldSet>
  );
}

/** Which version the preview shows: the message itself ("") or one translation (by row id). */
export function PreviewLanguage({ form, value, onValue }: { form: ComposeForm; value: string; onValue: (value: string) => void }) {
  const tagged = form.translations.filter((row) => row.tag.trim() !== "");
  if (tagged.length === 0) return null;
  const options = [{ value: "", label: "The message (no translation)" }, ...tagged.map((row) => ({ value: String(row.id), label: row.tag.trim() }))];
  return (
    <SelectField name="previewLanguage" label="Preview in" value={options.some((o) => o.value === value) ? value : ""} onValue={onValue} options={options} />
  );
}

/** The content a device with that translation sees: its fields, the message's where it has none. */
export function previewContent<C extends { title: string; body: string; imageUrl: string; link: string }>(content: C, form: ComposeForm, rowId: string): C {
  const row = form.translations.find((r) => String(r.id) === rowId && r.tag.trim() !== "");
  return row ? translated(content, variantOf(row)) : content;
}
