// Validation with the backend's own schema module (shared code, not a copy): the console refuses
// exactly what the fan-out trigger would mark `invalid`, and reports it with the same field paths.
import { parseNotification } from "../../../../functions/src/notifications/schema";
import type { ErrorDetail, NotificationInput } from "../../../../functions/src/types";
import { type ComposeForm, toRequest } from "./form";

/** On success, the document as the backend will read it (defaults applied). */
export type Validation = { ok: true; value: NotificationInput } | { ok: false; details: ErrorDetail[] };

export function validate(form: ComposeForm, now = Date.now()): Validation {
  const { request, problems } = toRequest(form);
  const parsed = parseNotification(request, { now });
  if (parsed.ok && problems.length === 0) return { ok: true, value: parsed.value };
  return { ok: false, details: [...problems, ...(parsed.ok ? [] : parsed.details)] };
}

/** Problems grouped by the form field that shows them; `general` ones belong to no single field. */
export interface FieldErrors {
  byField: Record<string, string[]>;
  general: Array<{ path: string; message: string }>;
}

/** `userIds[3]` → "entry 4", `data.promo` → "promo". */
function describeRest(rest: string): string {
  const index = /^\[(\d+)\]/.exec(rest);
  if (index) return `Entry ${Number(index[1]) + 1}${rest.slice(index[0].length)}`;
  return rest.replace(/^\./, "");
}

/**
 * Puts each problem on the field its path names, or on the nearest enclosing field shown:
 * `userIds[2]` → `userIds`, `android.color` → `android.color`, `data.from` → `data`.
 * Paths no field shows (`""`, the whole document) are `general`.
 */
export function groupErrors(details: readonly ErrorDetail[], fields: ReadonlySet<string>): FieldErrors {
  const result: FieldErrors = { byField: {}, general: [] };
  for (const { path, message } of details) {
    let field = path;
    while (field !== "" && !fields.has(field)) field = field.replace(/(\[\d+\]|\.[^.[\]]*|^[^.[\]]*)$/, "");
    if (field === "") {
      result.general.push({ path, message });
      continue;
    }
    const rest = path.slice(field.length);
    (result.byField[field] ??= []).push(rest ? `${describeRest(rest)}: ${message}` : message);
  }
  return result;
}
