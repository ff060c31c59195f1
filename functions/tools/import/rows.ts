// What `npm run import` reads, turned into registration requests: CSV (RFC 4180, with a BOM or
// not), fcm-django dumps of fcm_django_fcmdevice (JSON or CSV), FlutterFlow's fcm_tokens documents.
// Pure (no I/O). Each row keeps its number for the summary and the skipped-rows file; the request is
// checked later by the same schema registerDevice uses, so a row is accepted exactly when the
// callable would accept it.

export const FORMATS = ["csv", "fcm-django", "flutterflow"] as const;
export type Format = (typeof FORMATS)[number];

/** One source row: who owns the device and the registerDevice request it amounts to. */
export interface SourceRow {
  /** 1-based data row of a file, or a document path. */
  row: string;
  uid: unknown;
  request: Record<string, unknown>;
  /** When the source says the token was created (picks the holder of a token listed twice). */
  createdMillis?: number;
}

/** A problem with the whole source (not one row): the import stops before writing anything. */
export class SourceError extends Error {}

/** RFC 4180 CSV: quoted fields with `""`, commas and line breaks inside quotes, CRLF or LF, a BOM. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const endField = () => {
    row.push(field);
    field = "";
  };
  const endRow = () => {
    endField();
    rows.push(row);
    row = [];
  };
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (quoted && c === '"' && source[i + 1] === '"') {
      field += '"';
      i++;
    } else if (quoted) {
      if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === "") quoted = true;
    else if (c === ",") endField();
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && source[i + 1] === "\n") i++;
      endRow();
    } else field += c;
  }
  if (quoted) throw new SourceError("the CSV ends inside a quoted field (a quote is not closed)");
  if (field !== "" || row.length > 0) endRow();
  return rows.filter((r) => !(r.length === 1 && r[0] === ""));
}

/** Rows as objects keyed by the header row (header names trimmed; cells kept as written). */
export function csvRecords(text: string): Array<{ row: string; cells: Record<string, string> }> {
  const [header, ...rows] = parseCsv(text);
  if (!header) throw new SourceError("the CSV is empty (no header row)");
  const names = header.map((h) => h.trim());
  return rows.map((cells, i) => ({
    row: String(i + 1),
    cells: Object.fromEntries(names.map((name, j) => [name, cells[j] ?? ""])),
  }));
}

const TRUE = new Set(["true", "t", "1", "yes"]);
const FALSE = new Set(["false", "f", "0", "no"]);

/** A boolean cell; anything else is passed on as written, for the schema to report. */
function booleanOf(value: unknown): unknown {
  if (typeof value !== "string") return value;
  const lower = value.trim().toLowerCase();
  return TRUE.has(lower) ? true : FALSE.has(lower) ? false : value;
}

/** Device types as other systems spell them; an unknown one is passed on for the schema to report. */
function typeOf(value: unknown): unknown {
  return typeof value === "string" && ["ios", "android", "web"].includes(value.trim().toLowerCase()) ? value.trim().toLowerCase() : value;
}

const topicsOf = (cell: string) => cell.split(/[\s,;|]+/).filter(Boolean);

function millisOf(value: unknown): number | undefined {
  if (value && typeof value === "object" && "toMillis" in value && typeof value.toMillis === "function") return value.toMillis() as number;
  if (typeof value !== "string" && typeof value !== "number") return undefined;
  const millis = new Date(value).getTime();
  return Number.isNaN(millis) ? undefined : millis;
}

/** pushfan's CSV: `uid,token,type[,name,locale,timezone,topics]`; any other registerDevice field may be a column. */
export function fromCsv(text: string): SourceRow[] {
  const records = csvRecords(text);
  const header = Object.keys(records[0]?.cells ?? {});
  if (records.length > 0 && !header.includes("uid")) throw new SourceError(`the CSV has no "uid" column (its columns: ${header.join(", ")})`);
  return records.map(({ row, cells }) => {
    const request: Record<string, unknown> = {};
    for (const [name, cell] of Object.entries(cells)) {
      if (name === "uid" || cell === "") continue;
      request[name] = name === "topics" ? topicsOf(cell) : name === "active" ? booleanOf(cell) : name === "type" ? typeOf(cell) : cell;
    }
    return { row, uid: cells.uid, request };
  });
}

/** One fcm_django_fcmdevice record: `registration_id, type, user_id, active, date_created, name`. */
function fromDjangoRecord(row: string, r: Record<string, unknown>): SourceRow {
  const request: Record<string, unknown> = { token: r.registration_id, type: typeOf(r.type) };
  if (r.active !== undefined && r.active !== null && r.active !== "") request.active = booleanOf(r.active);
  if (typeof r.name === "string" && r.name.trim() !== "") request.name = r.name;
  const uid = typeof r.user_id === "number" ? String(r.user_id) : r.user_id;
  return { row, uid: uid === "" ? null : uid, request, createdMillis: millisOf(r.date_created) };
}

/** fcm-django: a JSON array (plain records, or `manage.py dumpdata` entries with `fields`), or a CSV. */
export function fromFcmDjango(text: string): SourceRow[] {
  const trimmed = text.replace(/^\uFEFF/, "").trimStart();
  if (!trimmed.startsWith("[")) return csvRecords(text).map(({ row, cells }) => fromDjangoRecord(row, cells));
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch (error) {
    throw new SourceError(`the JSON dump does not parse: ${(error as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw new SourceError("the JSON dump must be an array of devices");
  return parsed.map((entry, i) => {
    const record = entry && typeof entry === "object" ? (entry as Record<string, unknown>) : {};
    const fields = record.fields && typeof record.fields === "object" ? (record.fields as Record<string, unknown>) : record;
    return fromDjangoRecord(String(i + 1), fields);
  });
}

/**
 * A FlutterFlow `users/{uid}/fcm_tokens/{id}` document (`fcm_token`, `device_type` "Android" /
 * "iOS", `created_at`). A `fcm_tokens` document elsewhere has no user: its uid is left undefined.
 */
export function fromFlutterFlow(path: string, data: Record<string, unknown>): SourceRow {
  const parts = path.split("/");
  const uid = parts.length === 4 && parts[0] === "users" ? parts[1] : undefined;
  return { row: path, uid, request: { token: data.fcm_token, type: typeOf(data.device_type) }, createdMillis: millisOf(data.created_at) };
}
