// The notification's `data` map as editable key/value rows.
import { FieldSet } from "../../ui/fields";
import type { DataRow } from "./form";

let nextRowId = 1;

export function DataRows({ rows, onRows, errors }: { rows: DataRow[]; onRows: (rows: DataRow[]) => void; errors?: string[] }) {
  const update = (id: number, patch: Partial<DataRow>) => onRows(rows.map((row) => (row.id === id ? { ...row, ...patch } : row)));
  return (
    <FieldSet name="data" label="Data" hint="Key/value pairs delivered to the app (sent as strings)." errors={errors}>
      {rows.length > 0 && (
        <ul class="data-rows">
          {rows.map((row, index) => (
            <li key={row.id} class="data-row">
              <input
                aria-label={`Key ${index + 1}`}
                placeholder="key"
                value={row.key}
                onInput={(event) => update(row.id, { key: event.currentTarget.value })}
              />
              <input
                aria-label={`Value ${index + 1}`}
                placeholder="value"
                value={row.value}
                onInput={(event) => update(row.id, { value: event.currentTarget.value })}
              />
              <button
                class="button button--small"
                type="button"
                aria-label={`Remove data row ${index + 1}`}
                onClick={() => onRows(rows.filter((other) => other.id !== row.id))}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      <button class="button button--small" type="button" onClick={() => onRows([...rows, { id: nextRowId++, key: "", value: "" }])}>
        Add data field
      </button>
    </FieldSet>
  );
}
