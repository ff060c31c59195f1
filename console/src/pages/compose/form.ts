// The composer's form state and the notification document it stands for. Empty optional fields
// are left out of the document (the backend refuses empty platform options, and an absent field
// reads better in Firestore than an empty one). Whether the document is valid is decided by the
// backend's own schema (see validate.ts), not here.
import { Timestamp } from "firebase/firestore";
import type { DeviceType, ErrorDetail } from "../../../../functions/src/types";
import type { NotificationRequest } from "../../data/documents";

export type AudienceKind = "user" | "users" | "topic" | "broadcast";

export interface DataRow {
  /** Stable across edits, for list keys and focus. */
  id: number;
  key: string;
  value: string;
}

/** One language's version of the content; empty fields fall back to the document's. */
export interface TranslationRow {
  id: number;
  /** A BCP 47 tag as typed, e.g. pt-BR */
  tag: string;
  title: string;
  body: string;
  imageUrl: string;
  link: string;
}

export interface ComposeForm {
  audience: AudienceKind;
  userId: string;
  /** uids separated by new lines, commas or spaces */
  userIds: string;
  topic: string;
  platforms: DeviceType[];
  title: string;
  body: string;
  imageUrl: string;
  link: string;
  data: DataRow[];
  translations: TranslationRow[];
  when: "now" | "later";
  /** an `<input type="datetime-local">` value, in the admin's time zone */
  sendAt: string;
  /** "HH:MM" or "" */
  localTime: string;
  android: { channelId: string; sound: string; color: string; tag: string; clickAction: string };
  apns: { sound: string; badge: string; category: string; threadId: string };
  priority: "high" | "normal";
  collapseKey: string;
  ttlSeconds: string;
  analyticsLabel: string;
  dryRun: boolean;
  /** Also an entry in each recipient's inbox. */
  inbox: boolean;
  /** The iOS badge: the user's unread inbox count (instead of apns.badge's number). */
  unreadBadge: boolean;
  /** Recipient control: the category users may turn off, and whether it bypasses their choices. */
  category: string;
  critical: boolean;
}

export function emptyForm(): ComposeForm {
  return {
    audience: "user",
    userId: "",
    userIds: "",
    topic: "",
    platforms: [],
    title: "",
    body: "",
    imageUrl: "",
    link: "",
    data: [],
    translations: [],
    when: "now",
    sendAt: "",
    localTime: "",
    android: { channelId: "", sound: "", color: "", tag: "", clickAction: "" },
    apns: { sound: "", badge: "", category: "", threadId: "" },
    priority: "high",
    collapseKey: "",
    ttlSeconds: "",
    analyticsLabel: "",
    dryRun: false,
    inbox: false,
    unreadBadge: false,
    category: "",
    critical: false,
  };
}

/** The fields with a non-empty (trimmed) value; undefined when none has one. */
function nonEmpty<T extends Record<string, string>>(fields: T): Partial<T> | undefined {
  const entries = Object.entries(fields)
    .map(([key, value]) => [key, value.trim()] as const)
    .filter(([, value]) => value !== "");
  return entries.length > 0 ? (Object.fromEntries(entries) as Partial<T>) : undefined;
}

/** A number input's text as a number, kept as text when it is not one, so the schema names the field. */
function numberOrText(text: string): number | string | undefined {
  const trimmed = text.trim();
  if (trimmed === "") return undefined;
  return Number.isFinite(Number(trimmed)) ? Number(trimmed) : trimmed;
}

export const splitUids = (text: string) => text.split(/[\s,]+/).filter(Boolean);

function audienceOf(form: ComposeForm): Partial<NotificationRequest> {
  switch (form.audience) {
    case "user":
      return { userId: form.userId.trim() };
    case "users":
      return { userIds: splitUids(form.userIds) };
    case "topic":
      return { topic: form.topic.trim() };
    case "broadcast":
      return { broadcast: true };
  }
}

/** The data rows as a map; a key written twice is a problem the schema cannot see in a map. */
function dataOf(rows: readonly DataRow[]): { data?: Record<string, string>; problems: ErrorDetail[] } {
  const data: Record<string, string> = {};
  const problems: ErrorDetail[] = [];
  for (const row of rows) {
    const key = row.key.trim();
    if (key === "" && row.value === "") continue;
    if (key in data) problems.push({ path: `data.${key}`, message: `the key "${key}" is used twice` });
    data[key] = row.value;
  }
  return { data: Object.keys(data).length > 0 ? data : undefined, problems };
}

/** A row's variant: only the fields it sets (as the document, title and body as typed, URLs trimmed). */
export function variantOf(row: TranslationRow): Record<string, string> {
  const fields: Array<[string, string]> = [
    ["title", row.title],
    ["body", row.body],
    ["imageUrl", row.imageUrl.trim()],
    ["link", row.link.trim()],
  ];
  return Object.fromEntries(fields.filter(([, value]) => value !== ""));
}

/** The rows as the `translations` map (a tag typed twice is a problem the schema cannot see in a map). */
function translationsOf(rows: readonly TranslationRow[]): { translations?: Record<string, Record<string, string>>; problems: ErrorDetail[] } {
  // A Map, then Object.fromEntries: a tag typed as "__proto__" stays an ordinary key for the schema to refuse.
  const translations = new Map<string, Record<string, string>>();
  const problems: ErrorDetail[] = [];
  for (const row of rows) {
    const tag = row.tag.trim();
    const variant = variantOf(row);
    if (tag === "" && Object.keys(variant).length === 0) continue;
    if (translations.has(tag)) problems.push({ path: `translations.${tag}`, message: `the language tag "${tag}" is used twice` });
    translations.set(tag, variant);
  }
  return { translations: translations.size > 0 ? Object.fromEntries(translations) : undefined, problems };
}

function scheduleOf(form: ComposeForm): { sendAt?: Timestamp; problems: ErrorDetail[] } {
  if (form.when === "now") return { problems: [] };
  const date = new Date(form.sendAt);
  if (form.sendAt === "" || Number.isNaN(date.getTime())) {
    return { problems: [{ path: "sendAt", message: "choose the date and time to send it" }] };
  }
  return { sendAt: Timestamp.fromDate(date), problems: [] };
}

/** The document to write, and the problems found while building it (before schema validation). */
export function toRequest(form: ComposeForm): { request: Record<string, unknown>; problems: ErrorDetail[] } {
  const { data, problems: dataProblems } = dataOf(form.data);
  const { sendAt, problems: scheduleProblems } = scheduleOf(form);
  const { translations, problems: translationProblems } = translationsOf(form.translations);
  const optional: Record<string, unknown> = {
    platforms: form.platforms.length > 0 ? form.platforms : undefined,
    body: form.body === "" ? undefined : form.body,
    imageUrl: form.imageUrl.trim() || undefined,
    link: form.link.trim() || undefined,
    data,
    sendAt,
    localTime: form.localTime || undefined,
    android: nonEmpty(form.android),
    apns: withBadge(nonEmpty({ ...form.apns, badge: "" }), form.unreadBadge ? "unread" : form.apns.badge),
    priority: form.priority === "high" ? undefined : form.priority,
    collapseKey: form.collapseKey.trim() || undefined,
    ttlSeconds: numberOrText(form.ttlSeconds),
    analyticsLabel: form.analyticsLabel.trim() || undefined,
    dryRun: form.dryRun || undefined,
    inbox: form.inbox || undefined,
    translations,
    category: form.category.trim() || undefined,
    critical: form.critical || undefined,
  };
  const request: Record<string, unknown> = { ...audienceOf(form), title: form.title };
  for (const [key, value] of Object.entries(optional)) if (value !== undefined) request[key] = value;
  return { request, problems: [...dataProblems, ...scheduleProblems, ...translationProblems] };
}

function withBadge(apns: Record<string, string> | undefined, badge: string): Record<string, unknown> | undefined {
  const value = numberOrText(badge);
  if (value === undefined) return apns;
  return { ...apns, badge: value };
}
