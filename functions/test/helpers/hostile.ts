// Generated hostile input for test/integration/hostile-inputs.test.ts: fast-check arbitraries for
// registerDevice requests and notification documents, the exact JSON text a client sends, what each
// transport hands pushfan after decoding it, and two small oracles that say which fields a case
// breaks. The oracles restate CONTRACT.md and the README; they never call the production schemas.
import fc from "fast-check";
import { Timestamp } from "firebase-admin/firestore";

/** Values kept whole by the copying helpers below: timestamps are leaves, not maps. */
const isLeafObject = (value: unknown) => value instanceof Timestamp || value instanceof Date;

/** The seed when HOSTILE_SEED is not set; any 32-bit integer reproduces its own run. */
export const DEFAULT_HOSTILE_SEED = 20261124;

export function hostileSeed(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.HOSTILE_SEED?.trim();
  if (!raw) return DEFAULT_HOSTILE_SEED;
  const seed = Number(raw);
  if (!Number.isSafeInteger(seed) || seed < -(2 ** 31) || seed >= 2 ** 31) {
    throw new Error(`HOSTILE_SEED must be a 32-bit integer, got "${raw}"`);
  }
  return seed;
}

// ---------------------------------------------------------------------------------------------
// JSON text with fragments JSON.stringify cannot produce

/** A piece of JSON text sent as is: numbers beyond double range, duplicate keys, deep nesting. */
export class RawJson {
  constructor(readonly text: string) {}
  toString() {
    return this.text.length > 80 ? `${this.text.slice(0, 80)}…(${this.text.length} chars)` : this.text;
  }
}

/** The JSON text a client sends for `value` (own keys, `__proto__` included; RawJson as is). */
export function toJsonText(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.keys(value).map((key) => `${JSON.stringify(key)}:${toJsonText(ownValue(value, key))}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** `obj[key]` without the `__proto__` accessor: the own property's value. */
export function ownValue(obj: object, key: string): unknown {
  return Object.getOwnPropertyDescriptor(obj, key)?.value;
}

/** Sets `key` as an own, enumerable property, even when it is `__proto__`. */
export function setOwn<T extends object>(obj: T, key: string, value: unknown): T {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  return obj;
}

/**
 * What a decoder that builds objects by assignment makes of parsed JSON (firebase-functions'
 * callable `decode`, the Firestore SDKs' map decoding): `obj[key] = value`, so a `__proto__` key
 * holding an object, an array or null becomes the prototype and one holding anything else vanishes.
 */
export function assignDecoded(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(assignDecoded);
  if (isLeafObject(value)) return value;
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) out[key] = assignDecoded(ownValue(value, key));
    return out;
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// The rules, restated from CONTRACT.md §1-2 and the README (Limits)

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const hasSmuggledPrototype = (v: object) => Object.getPrototypeOf(v) !== Object.prototype;
const own = (obj: Record<string, unknown>, key: string) => (Object.hasOwn(obj, key) ? ownValue(obj, key) : undefined);
const wellFormed = (s: string) => s.isWellFormed();

export const DEVICE_TYPES = ["ios", "android", "web"];
const DEVICE_FIELDS = ["token", "fid", "type", "name", "active", "replaces", "appVersion", "locale", "timezone", "topics"];
export const LABEL_LIMITS: Record<string, number> = { name: 200, appVersion: 64 };
const MAX_LOCALE = 35;
/** A topic name (FCM's rule): 1-64 of a-z A-Z 0-9 - _ . ~ % */
const TOPIC = /^[a-zA-Z0-9\-_.~%]{1,64}$/;
export const MAX_TOPICS = 100;
export const MAX_TOKEN = 4096;
export const MAX_FID = 256;

/** An identifier FCM issued: 1-`max` characters, no whitespace, no control characters, valid Unicode. */
function identifierOk(v: unknown, max: number): v is string {
  return typeof v === "string" && v.length >= 1 && v.length <= max && wellFormed(v) && !/[\s\p{Cc}]/u.test(v);
}

/** Token: 1-4096 characters, and never "fid:…" (it would share an FID device's id, README). */
export function tokenOk(v: unknown): v is string {
  return identifierOk(v, MAX_TOKEN) && !v.startsWith("fid:");
}

/** FID (Firebase Installation ID): 1-256 characters (CONTRACT.md §2). */
export function fidOk(v: unknown): v is string {
  return identifierOk(v, MAX_FID);
}

/**
 * The paths `token` and `fid` break: exactly one of them (a missing pair is reported at `token`,
 * a pair sent together at `fid`), each valid. Returns the address a valid request registers.
 */
function addressProblems(seen: Record<string, unknown>, paths: Set<string>): Record<string, unknown> {
  const token = own(seen, "token");
  const fid = own(seen, "fid");
  if (token === undefined && fid === undefined) paths.add("token");
  if (token !== undefined && fid !== undefined) paths.add("fid");
  if (token !== undefined && !tokenOk(token)) paths.add("token");
  if (fid !== undefined && !fidOk(fid)) paths.add("fid");
  // The absent one is checked too: it must not be stored.
  return fid !== undefined ? { fid, token: undefined } : { token, fid: undefined };
}

/** Labels: trimmed, then at most `max` characters and no control character; valid Unicode. */
function labelOk(v: unknown, max: number): v is string {
  if (typeof v !== "string" || !wellFormed(v)) return false;
  const trimmed = v.trim();
  return trimmed.length <= max && !/\p{Cc}/u.test(trimmed);
}

/**
 * A device locale: a BCP 47 tag (underscores taken as hyphens), trimmed, at most 35 characters; the
 * canonical form Intl gives it is what is stored. Undefined when refused.
 */
function storedLocale(v: unknown): string | undefined {
  if (typeof v !== "string" || !wellFormed(v)) return undefined;
  const tag = v.trim();
  if (tag === "" || tag.length > MAX_LOCALE) return undefined;
  try {
    return Intl.getCanonicalLocales(tag.replaceAll("_", "-"))[0];
  } catch {
    return undefined;
  }
}

/** An IANA time zone name (README: validated; UTC offsets such as +01:00 are not zones). */
function timezoneOk(v: unknown): v is string {
  if (typeof v !== "string") return false;
  const name = v.trim();
  if (name.length > 64 || !/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(name)) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/**
 * The paths a `topics` list breaks (README: at most 100 distinct topic names). A list over 100 is
 * refused as a whole, without a report on each of its (possibly thousands of) entries.
 */
function topicsProblems(topics: unknown): string[] {
  if (!Array.isArray(topics) || topics.length > MAX_TOPICS) return ["topics"];
  const paths: string[] = [];
  const seen = new Set<unknown>();
  topics.forEach((topic, i) => {
    if (typeof topic !== "string" || !TOPIC.test(topic) || seen.has(topic)) paths.push(`topics[${i}]`);
    seen.add(topic);
  });
  return paths;
}

export type DeviceVerdict = { valid: true; stored: Record<string, unknown> } | { valid: false; paths: string[] };

/** What registerDevice must answer for `seen`, the request data as pushfan's handler receives it. */
export function expectedDeviceOutcome(seen: unknown): DeviceVerdict {
  if (!isPlainObject(seen)) return { valid: false, paths: [""] };
  const paths = new Set<string>();
  if (hasSmuggledPrototype(seen)) paths.add("__proto__");
  for (const key of Object.keys(seen)) if (!DEVICE_FIELDS.includes(key)) paths.add(key);
  const address = addressProblems(seen, paths);
  const type = own(seen, "type");
  if (typeof type !== "string" || !DEVICE_TYPES.includes(type)) paths.add("type");
  const active = own(seen, "active");
  if (active !== undefined && typeof active !== "boolean") paths.add("active");
  const replaces = own(seen, "replaces");
  if (replaces !== undefined && !tokenOk(replaces)) paths.add("replaces");
  const stored: Record<string, unknown> = { ...address, type, active: active ?? true };
  for (const [field, max] of Object.entries(LABEL_LIMITS)) {
    const value = own(seen, field);
    if (value === undefined || value === null) stored[field] = null;
    else if (labelOk(value, max)) stored[field] = value.trim();
    else paths.add(field);
  }
  const locale = own(seen, "locale");
  if (locale === undefined || locale === null) stored.locale = null;
  else if (storedLocale(locale) !== undefined) stored.locale = storedLocale(locale);
  else paths.add("locale");
  const timezone = own(seen, "timezone");
  if (timezone === undefined || timezone === null) stored.timezone = null;
  else if (timezoneOk(timezone)) stored.timezone = timezone.trim();
  else paths.add("timezone");
  const topics = own(seen, "topics");
  if (topics === undefined) stored.topics = [];
  else {
    topicsProblems(topics).forEach((p) => paths.add(p));
    stored.topics = topics;
  }
  return paths.size > 0 ? { valid: false, paths: [...paths].sort() } : { valid: true, stored };
}

const NOTIFICATION_FIELDS = [
  "userId",
  "userIds",
  "title",
  "body",
  "imageUrl",
  "data",
  "link",
  "collapseKey",
  "ttlSeconds",
  "priority",
  "android",
  "apns",
  "analyticsLabel",
  "dryRun",
  "topic",
  "broadcast",
  "platforms",
  "sendAt",
  "localTime",
  "cancelled",
  "translations",
  "inbox",
];
const AUDIENCE_FIELDS = ["userId", "userIds", "topic", "broadcast"];
const SCHEDULE_LIMIT_MS = 365 * 24 * 60 * 60 * 1000;
export const MAX_RECIPIENTS = 500;
export const MAX_TTL = 2_419_200;
const MAX_OPTION = 256;
const RESERVED_DATA_KEYS = ["from", "notification", "message_type", "collapse_key", "notificationid"];

/** Valid and invalid URLs with no doubt about their verdict; generated strings never start with https:. */
export const URL_VERDICTS = new Map<string, boolean>([
  ["https://cdn.example.com/i.png", true],
  ["https://example.com/", true],
  ["https://img.example.co.uk/a/b-c_d.png?w=64&h=64#x", true],
  ["https://cdn.example.com/%E2%82%AC/sale.png", true],
  ["http://cdn.example.com/i.png", false],
  ["javascript:alert(1)", false],
  ["data:image/png;base64,iVBORw0KGgo=", false],
  ["//cdn.example.com/i.png", false],
  ["https://", false],
  ["https://exa mple.com/i.png", false],
  ["ftp://cdn.example.com/i.png", false],
  [`https://cdn.example.com/${"a".repeat(2030)}.png`, false],
]);

function urlOk(v: unknown): boolean {
  if (typeof v !== "string") return false;
  const known = URL_VERDICTS.get(v);
  if (known !== undefined) return known;
  if (!v.toLowerCase().startsWith("https:")) return false;
  throw new Error(`oracle: no verdict for the URL ${JSON.stringify(v)}; add it to URL_VERDICTS`);
}

const uidOk = (v: unknown): v is string =>
  typeof v === "string" && wellFormed(v) && v.length >= 1 && v.length <= 128 && !v.includes("/") && v !== "." && v !== ".." && !/^__.*__$/.test(v);
const textOk = (v: unknown): v is string => typeof v === "string" && wellFormed(v);
const optionOk = (v: unknown) => textOk(v) && v.length >= 1 && v.length <= MAX_OPTION;
const safeIntIn = (v: unknown, min: number, max: number) => typeof v === "number" && Number.isSafeInteger(v) && v >= min && v <= max;

/** Who a valid notification reaches: listed users, or the devices subscribed to a topic. */
export type Reach = { recipients: string[]; topic?: undefined; platforms?: string[] } | { recipients?: undefined; topic: string; platforms?: string[] };

export type NotificationVerdict =
  | { kind: "valid"; reach: Reach }
  /** Valid and created with `cancelled: true`: it ends cancelled without sending. */
  | { kind: "cancelled"; reach: Reach }
  | {
      kind: "invalid";
      /** Every one of these paths must be reported... */
      paths: string[];
      /** ...these may be (a report may stop early, see userIds)... */
      optional: string[];
      /** ...and any other path reported must start with one of these. */
      tolerated: string[];
    }
  /** Valid fields whose FCM payload (the document's, or a translation's) is too close to 4096 bytes
   * to call: sent, or invalid with some of `uncertain` ("" for the document, `translations.<tag>`). */
  | { kind: "size-uncertain"; reach: Reach; uncertain: string[] };

export interface NotificationExpectation {
  verdict: NotificationVerdict;
  /** Firestore may refuse to store it (lone surrogates, arrays in arrays, nesting deeper than 20). */
  mayBeRefused: boolean;
}

/**
 * What Firestore may refuse to store: lone surrogates in strings or keys, empty keys, reserved
 * field names (`__name__`-like, `__proto__` included), arrays in arrays; and the depth.
 */
function storability(value: unknown, depth = 0): { refusable: boolean; depth: number } {
  if (typeof value === "string") return { refusable: !wellFormed(value), depth };
  if (value === null || typeof value !== "object" || isLeafObject(value)) return { refusable: false, depth };
  let refusable = false;
  let max = depth;
  const children = Array.isArray(value) ? value : Object.keys(value).map((key) => ownValue(value, key));
  if (Array.isArray(value)) refusable = value.some(Array.isArray);
  else refusable = Object.keys(value).some((key) => key === "" || !wellFormed(key) || /^__.*__$/.test(key));
  for (const child of children) {
    const inner = storability(child, depth + 1);
    refusable ||= inner.refusable;
    max = Math.max(max, inner.depth);
  }
  return { refusable, depth: max };
}

function mapProblems(paths: Set<string>, field: string, value: unknown, fields: Record<string, (v: unknown) => boolean>) {
  if (!isPlainObject(value)) {
    paths.add(field);
    return;
  }
  if (hasSmuggledPrototype(value)) paths.add(`${field}.__proto__`);
  for (const key of Object.keys(value)) {
    const check = fields[key];
    if (!check || !check(ownValue(value, key))) paths.add(`${field}.${key}`);
  }
}

const MAX_TRANSLATIONS = 50;
const TRANSLATED = ["title", "body", "imageUrl", "link"];
const titleOk = (v: unknown) => textOk(v) && v.trim() !== "";

/**
 * The paths a `translations` map breaks (CONTRACT.md §1): 1-50 BCP 47 tags (well-formed as Intl
 * sees them, at most 35 characters), distinct once canonical; each variant a map of title, body,
 * imageUrl, link under the document's rules, setting at least one.
 */
function translationsProblems(paths: Set<string>, translations: unknown): void {
  if (!isPlainObject(translations)) return void paths.add("translations");
  if (hasSmuggledPrototype(translations)) paths.add("translations.__proto__");
  const tags = Object.keys(translations);
  if (tags.length === 0 || tags.length > MAX_TRANSLATIONS) paths.add("translations");
  const seen = new Set<string>();
  for (const tag of tags) {
    const canonical = storedLocale(tag);
    // An empty tag is reported on the map itself (no dotted path can name it).
    if (canonical === undefined || tag.trim() !== tag || seen.has(canonical.toLowerCase())) paths.add(tag === "" ? "translations" : `translations.${tag}`);
    if (canonical !== undefined && tag.trim() === tag) seen.add(canonical.toLowerCase());
    const variant = ownValue(translations, tag);
    if (isPlainObject(variant) && Object.keys(variant).length === 0 && !hasSmuggledPrototype(variant)) paths.add(`translations.${tag}`);
    mapProblems(paths, `translations.${tag}`, variant, {
      title: titleOk,
      body: textOk,
      imageUrl: (v) => textOk(v) && urlOk(v),
      link: (v) => textOk(v) && urlOk(v),
    });
  }
}

/** The least and the most bytes FCM may count for content (the document's, or a variant over it). */
function payloadBounds(content: Record<string, unknown>, dataPart: string[][]): { least: number; most: number } {
  const bytes = (s: string) => Buffer.byteLength(s, "utf8");
  const { title, body, imageUrl, link } = content;
  // data.notificationId is counted as at least 20 characters (an auto-id's length).
  const id = "x".repeat(20);
  const least =
    bytes(title as string) + bytes((body as string) ?? "") + dataPart.reduce((sum, [k, v]) => sum + bytes(k!) + bytes(v!), 0) + bytes(`notificationId${id}`);
  const most =
    bytes(JSON.stringify({ notification: { title, body, imageUrl }, data: { imageUrl, link, ...Object.fromEntries(dataPart), notificationId: id } })) + 200;
  return { least, most };
}

/** What the Node.js Admin SDK stores for `value`: it leaves out every key named `__proto__`. */
export function withoutProtoKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutProtoKeys);
  if (isLeafObject(value)) return value;
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) if (key !== "__proto__") out[key] = withoutProtoKeys(ownValue(value, key));
    return out;
  }
  return value;
}

/**
 * What the fan-out must make of `doc`, a notification document as an admin writes it: with the
 * Node.js Admin SDK (which leaves `__proto__` keys out) or through Firestore's REST API (which
 * refuses them as reserved names). Were one stored, the trigger would see it through the SDK's
 * decoding (see assignDecoded), which the verdict models.
 */
export function expectedNotificationOutcome(doc: Record<string, unknown>, via: "admin-sdk" | "rest" = "admin-sdk"): NotificationExpectation {
  const written = via === "admin-sdk" ? withoutProtoKeys(doc) : doc;
  const stored = storability(written);
  const mayBeRefused = stored.refusable || stored.depth > 20;
  const seen = assignDecoded(written) as Record<string, unknown>;
  const paths = new Set<string>();
  const optional = new Set<string>();
  const tolerated: string[] = [];
  const field = (name: string) => own(seen, name);

  if (hasSmuggledPrototype(seen)) paths.add("__proto__");
  for (const key of Object.keys(seen)) if (!NOTIFICATION_FIELDS.includes(key)) paths.add(key);

  const userId = field("userId");
  const userIds = field("userIds");
  // Exactly one audience: none is a document-level problem, several are one on each of them.
  const audiences = AUDIENCE_FIELDS.filter((name) => field(name) !== undefined);
  const audiencePaths = audiences.length === 0 ? [""] : audiences.length > 1 ? audiences : [];
  if (userId !== undefined && !uidOk(userId)) paths.add("userId");
  if (userIds !== undefined) {
    if (!Array.isArray(userIds)) paths.add("userIds");
    else if (userIds.length < 1 || userIds.length > MAX_RECIPIENTS) {
      paths.add("userIds");
      // An over-long list ends its own check at once (no per-element work on thousands of uids), and
      // the report may then also leave out the document-level audience problem.
      tolerated.push("userIds[");
      if (userIds.length > MAX_RECIPIENTS) audiencePaths.splice(0).forEach((p) => (p === "userIds" ? paths.add(p) : optional.add(p)));
    } else {
      const seenIds = new Set<unknown>();
      userIds.forEach((uid, i) => {
        if (!uidOk(uid) || seenIds.has(uid)) paths.add(`userIds[${i}]`);
        seenIds.add(uid);
      });
    }
  }

  audiencePaths.forEach((p) => paths.add(p));
  const topic = field("topic");
  if (topic !== undefined && !(typeof topic === "string" && TOPIC.test(topic))) paths.add("topic");
  const broadcast = field("broadcast");
  if (broadcast !== undefined && broadcast !== true) paths.add("broadcast");
  const platforms = field("platforms");
  if (platforms !== undefined) {
    if (!Array.isArray(platforms) || platforms.length === 0) paths.add("platforms");
    else
      platforms.forEach((p, i) => {
        if (typeof p !== "string" || !DEVICE_TYPES.includes(p) || platforms.indexOf(p) !== i) paths.add(`platforms[${i}]`);
      });
  }
  const sendAt = field("sendAt");
  if (sendAt !== undefined && !(sendAt instanceof Timestamp)) paths.add("sendAt");
  const localTime = field("localTime");
  if (localTime !== undefined && !(typeof localTime === "string" && /^([01]\d|2[0-3]):[0-5]\d$/.test(localTime))) paths.add("localTime");
  const cancelled = field("cancelled");
  if (cancelled !== undefined && cancelled !== true) paths.add("cancelled");
  const translations = field("translations");
  if (translations !== undefined) translationsProblems(paths, translations);

  const title = field("title");
  if (!textOk(title) || title.trim() === "") paths.add("title");
  const body = field("body");
  if (body !== undefined && !textOk(body)) paths.add("body");
  for (const name of ["imageUrl", "link"]) {
    const url = field(name);
    if (url !== undefined && (!textOk(url) || !urlOk(url))) paths.add(name);
  }
  const collapseKey = field("collapseKey");
  if (collapseKey !== undefined && !(textOk(collapseKey) && collapseKey.length >= 1 && collapseKey.length <= 64)) paths.add("collapseKey");
  const ttl = field("ttlSeconds");
  if (ttl !== undefined && !safeIntIn(ttl, 0, MAX_TTL)) paths.add("ttlSeconds");
  const priority = field("priority");
  if (priority !== undefined && priority !== "high" && priority !== "normal") paths.add("priority");
  const label = field("analyticsLabel");
  if (label !== undefined && !(typeof label === "string" && /^[a-zA-Z0-9\-_.~%]{1,50}$/.test(label))) paths.add("analyticsLabel");
  const dryRun = field("dryRun");
  if (dryRun !== undefined && typeof dryRun !== "boolean") paths.add("dryRun");
  const inbox = field("inbox");
  if (inbox !== undefined && typeof inbox !== "boolean") paths.add("inbox");

  const android = field("android");
  if (android !== undefined) {
    mapProblems(paths, "android", android, {
      channelId: optionOk,
      sound: optionOk,
      tag: optionOk,
      clickAction: optionOk,
      color: (v) => typeof v === "string" && /^#[0-9a-fA-F]{6}$/.test(v),
    });
  }
  const apns = field("apns");
  if (apns !== undefined) {
    mapProblems(paths, "apns", apns, {
      sound: optionOk,
      category: optionOk,
      threadId: optionOk,
      // "unread" counts inbox entries, so it needs inbox: true.
      badge: (v) => safeIntIn(v, 0, Number.MAX_SAFE_INTEGER) || (v === "unread" && inbox === true),
    });
  }
  const data = field("data");
  if (data !== undefined) {
    if (!isPlainObject(data)) paths.add("data");
    else {
      if (hasSmuggledPrototype(data)) paths.add("data.__proto__");
      for (const key of Object.keys(data)) {
        const value = ownValue(data, key);
        const lower = key.toLowerCase();
        const keyOk = key !== "" && wellFormed(key) && !RESERVED_DATA_KEYS.includes(lower) && !lower.startsWith("google") && !lower.startsWith("gcm");
        const valueOk = textOk(value) || typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value));
        if (!keyOk || !valueOk) paths.add(`data.${key}`);
      }
    }
  }

  if (paths.size > 0) return { verdict: { kind: "invalid", paths: [...paths].sort(), optional: [...optional], tolerated }, mayBeRefused };
  // Checked once every field is valid: how far ahead sendAt is.
  if (sendAt instanceof Timestamp && sendAt.toMillis() - Date.now() > SCHEDULE_LIMIT_MS) {
    return { verdict: { kind: "invalid", paths: ["sendAt"], optional: [], tolerated: [] }, mayBeRefused };
  }

  // FCM's 4096-byte limit counts the notification (title, body, image) and the data part of the
  // message: the document's, and each translation's over the document's fields it leaves out.
  const filter = platforms === undefined ? {} : { platforms: platforms as string[] };
  const reach: Reach =
    topic !== undefined ? { topic: topic as string, ...filter } : { recipients: userId !== undefined ? [userId as string] : (userIds as string[]), ...filter };
  const dataPart = Object.keys((data as Record<string, unknown>) ?? {}).map((key) => [key, String(ownValue(data as object, key))]);
  const content = { title, body, imageUrl: field("imageUrl"), link: field("link") };
  const variants: Array<[string, Record<string, unknown>]> = [["", content]];
  for (const tag of Object.keys((translations as Record<string, unknown>) ?? {})) {
    const variant = ownValue(translations as object, tag) as Record<string, unknown>;
    variants.push([
      `translations.${tag}`,
      { ...content, ...Object.fromEntries(TRANSLATED.filter((f) => Object.hasOwn(variant, f)).map((f) => [f, variant[f]])) },
    ]);
  }
  const bounds = variants.map(([path, c]) => ({ path, ...payloadBounds(c, dataPart) }));
  const over = bounds.filter((b) => b.least > 4096).map((b) => b.path);
  const uncertain = bounds.filter((b) => b.least <= 4096 && b.most > 4096).map((b) => b.path);
  if (over.length > 0) return { verdict: { kind: "invalid", paths: over, optional: uncertain, tolerated: [] }, mayBeRefused };
  if (cancelled === true) return { verdict: { kind: "cancelled", reach }, mayBeRefused };
  if (uncertain.length > 0) return { verdict: { kind: "size-uncertain", reach, uncertain }, mayBeRefused };
  return { verdict: { kind: "valid", reach }, mayBeRefused };
}

// ---------------------------------------------------------------------------------------------
// Arbitraries

const C0_C1_CONTROLS = ["\u0000", "\u0001", "\u0007", "\b", "\t", "\n", "\u000b", "\f", "\r", "\u001b", "\u001f", "\u007f", "\u0080", "\u0085", "\u009f"];
const LONE_SURROGATES = ["\ud800", "\udbff", "\udc00", "\udfff", "a\ud83d", "\ude00b"];
// Whitespace by every definition (Unicode White_Space and JavaScript's \s alike).
const SPACES = [" ", "\u00a0", "\u2003", "\u2028", "\u3000"];
const TRICKY = [
  "__proto__",
  "constructor",
  "prototype",
  "../../",
  "users/x/devices/y",
  "<script>alert(1)</script>",
  "%00",
  "${x}",
  "\\",
  '"',
  "'; --",
  "😀",
  "\u200b",
  "\u202e",
];

const piece = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: "grapheme-ascii", maxLength: 8 }) },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom(...C0_C1_CONTROLS) },
  { weight: 1, arbitrary: fc.constantFrom(...LONE_SURROGATES) },
  { weight: 1, arbitrary: fc.constantFrom(...SPACES) },
  { weight: 1, arbitrary: fc.constantFrom(...TRICKY) },
);

/** Short strings mixing plain text, unicode, control characters, lone surrogates, spaces and tricks. */
export const hostileString = fc.array(piece, { maxLength: 5 }).map((parts) => parts.join(""));

/** Strings at and beyond the length limits (labels 35/64/200, tokens 4096), some padded or dirty. */
export const longString = fc
  .record({
    length: fc.constantFrom(35, 36, 64, 65, 200, 201, 4096, 4097, 12_000),
    char: fc.constantFrom("x", "é", "漢"),
    pad: fc.constantFrom("", "  ", "\u0001", "\ud800"),
  })
  .map(({ length, char, pad }) => (pad === "  " ? `  ${char.repeat(length)}  ` : `${char.repeat(length)}${pad}`));

/** Numbers at and beyond every limit, some only expressible as JSON text. */
export const edgeNumber = fc.constantFrom<unknown>(
  0,
  -0,
  1,
  -1,
  0.5,
  2 ** 31,
  2 ** 53 - 1,
  2 ** 53,
  -(2 ** 53),
  1e308,
  5e-324,
  new RawJson("1e400"),
  new RawJson("-1e400"),
  new RawJson("123456789012345678901234567890"),
);

/** Nesting as JSON text: arrays or objects `depth` levels deep. */
export const deepJson = (depths: number[]) =>
  fc
    .record({ depth: fc.constantFrom(...depths), arrays: fc.boolean() })
    .map(({ depth, arrays }) => new RawJson(arrays ? `${"[".repeat(depth)}${"]".repeat(depth)}` : `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`));

const bigArray = fc.constantFrom(1000, 10_000).map((n) => Array.from({ length: n }, (_, i) => `x${i % 7}`));

/** Keys a client should never get away with. `@type` is left out on purpose: see the explicit test. */
export const hostileKey = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      "__proto__",
      "constructor",
      "prototype",
      "toString",
      "hasOwnProperty",
      "userId",
      "uid",
      "deviceId",
      "createdAt",
      "imageURL",
      "Token",
      "token ",
      " type",
      "",
      "a.b",
      "$where",
      "__name__",
    ),
  },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 8 }) },
);

/** An object with one own key (possibly `__proto__`) holding `value`. */
const objectWith = (key: string, value: unknown) => setOwn({}, key, value);

/** Any JSON value, hostile leaves included, a few levels deep. */
export function anyJson(depths: number[]) {
  const leaf = fc.oneof(fc.constant(null), fc.boolean(), edgeNumber, hostileString);
  return fc.oneof(
    { weight: 4, arbitrary: leaf },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
    { weight: 1, arbitrary: longString },
    { weight: 1, arbitrary: deepJson(depths) },
    { weight: 1, arbitrary: bigArray },
    { weight: 1, arbitrary: fc.tuple(hostileKey, leaf).map(([key, value]) => objectWith(key, value)) },
  );
}

export interface DeviceCaseContext {
  /** Strings that belong to the victim (its token, uid and deviceId); never used as `token` or `fid`. */
  victimStrings: string[];
  /** Nesting depths to generate (the callable must stay below the framework limit, see the explicit test). */
  depths: number[];
}

const tokenChar = fc.constantFrom(..."abcdefXYZ0123456789:-_.~", "é", "漢", "😀", "\u200b");
export const validToken = fc.array(tokenChar, { minLength: 1, maxLength: 60 }).map((chars) => chars.join(""));

/** registerDevice request data: a valid request, then up to three hostile changes, or a hostile whole. */
export function deviceRequest(ctx: DeviceCaseContext): fc.Arbitrary<unknown> {
  const labelValue = fc.oneof(fc.constant(null), hostileString, fc.string({ maxLength: 30 }), longString);
  const fields = fc.record(
    {
      token: validToken,
      type: fc.constantFrom(...DEVICE_TYPES),
      name: labelValue,
      active: fc.boolean(),
      replaces: validToken,
      appVersion: labelValue,
      // Mostly tags (canonicalised on the way in), sometimes labels that are not, so that with the
      // other fields' hostile values enough requests stay valid for both outcomes to be reached.
      locale: fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom<unknown>(null, "pt-br", " en_GB ", "zh-hant-tw", "sr-Latn", "ja", "iw") },
        { weight: 1, arbitrary: labelValue },
        { weight: 1, arbitrary: fc.constantFrom("en-", "x-private", "en.UTF-8", "i-klingon") },
      ),
      timezone: fc.oneof(
        labelValue,
        fc.constantFrom("Europe/Paris", " Asia/Kolkata ", "america/new_york", "UTC", "Etc/GMT+5", "+01:00", "Mars/Olympus", "Europe/Paris/", "Factory"),
      ),
      topics: fc.oneof(
        fc.uniqueArray(fc.stringMatching(/^[a-zA-Z0-9\-_.~%]{1,64}$/), { maxLength: 4 }),
        fc.array(fc.oneof(fc.constantFrom("sports", "news", "", "has space", "t".repeat(65), "ü"), fc.integer()), { maxLength: 4 }),
        fc.constantFrom<unknown>(
          "sports",
          Array.from({ length: 101 }, (_, i) => `t${i}`),
          Array.from({ length: 100 }, (_, i) => `t${i}`),
        ),
      ),
    },
    { requiredKeys: ["token", "type"] },
  );
  // Registered by token, by FID (validToken's strings are short enough for one), or, rarely, both.
  const base = fc
    .tuple(fields, fc.constantFrom("token", "token", "fid", "fid", "both"))
    .map(([{ token, ...rest }, by]) => (by === "token" ? { token, ...rest } : by === "fid" ? { fid: token, ...rest } : { token, fid: token, ...rest }));
  const value = fc.oneof(
    { weight: 4, arbitrary: anyJson(ctx.depths) },
    { weight: 2, arbitrary: validToken },
    { weight: 1, arbitrary: fc.constantFrom<unknown>("ios", "android", "web", "IOS", " ios", "", true, false, "true") },
  );
  // The victim's strings go anywhere but `token` and `fid`: registering someone's token (or FID)
  // moves it to the caller by contract (shared devices), so only its secrecy protects it.
  const victimString = fc.constantFrom(...ctx.victimStrings);
  const change = fc.oneof(
    { weight: 3, arbitrary: fc.record({ set: fc.constantFrom(...DEVICE_FIELDS), value }) },
    { weight: 1, arbitrary: fc.record({ remove: fc.constantFrom(...DEVICE_FIELDS) }) },
    { weight: 2, arbitrary: fc.record({ set: hostileKey, value }) },
    { weight: 1, arbitrary: fc.record({ set: fc.constantFrom(...DEVICE_FIELDS.filter((f) => f !== "token" && f !== "fid")), value: victimString }) },
  );
  const whole = fc.oneof(
    fc.constantFrom<unknown>(null, [], "registerDevice", 42, true, {}),
    base.map((request) => [request]),
    deepJson(ctx.depths),
  );
  return fc.oneof(
    {
      weight: 12,
      arbitrary: fc.tuple(base, fc.array(change, { maxLength: 3 })).map(([request, changes]) => {
        const out: Record<string, unknown> = { ...request };
        for (const c of changes) {
          if ("remove" in c) delete out[c.remove];
          else setOwn(out, c.set, c.value);
        }
        return out;
      }),
    },
    { weight: 1, arbitrary: whole },
  );
}

export interface NotificationCaseContext {
  /** A user with one active sandbox device: a notification to them ends `sent`. */
  recipientUid: string;
  /** Also has one active device; a notification may target it, but nothing may change its device. */
  victimUid: string;
  /** Prefix of every generated uid, so that no other suite's user is hit by accident. */
  uidPrefix: string;
  /** A topic only the recipient's device follows. */
  topic: string;
}

/** Notification documents: a valid one, then up to three hostile changes. */
export function notificationDocument(ctx: NotificationCaseContext): fc.Arbitrary<Record<string, unknown>> {
  const p = ctx.uidPrefix;
  const uid = fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom(ctx.recipientUid, ctx.victimUid) },
    { weight: 3, arbitrary: fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 12 }).map((s) => `${p}${s.replace(/\//g, "")}`) },
  );
  const url = fc.constantFrom(...[...URL_VERDICTS].filter(([, ok]) => ok).map(([u]) => u));
  const dataKey = fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 12 }).map((s) => `k${s}`);
  const option = fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 20 });
  const base = fc.record(
    {
      title: fc.string({ unit: "grapheme", maxLength: 30 }).map((s) => `T${s}`),
      body: fc.string({ unit: "grapheme", maxLength: 120 }),
      imageUrl: url,
      link: url,
      data: fc.dictionary(dataKey, fc.oneof(fc.string({ maxLength: 30 }), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean()), {
        maxKeys: 4,
        noNullPrototype: true,
      }),
      collapseKey: fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 64 }),
      ttlSeconds: fc.integer({ min: 0, max: MAX_TTL }),
      priority: fc.constantFrom("high", "normal"),
      android: fc.record(
        { channelId: option, sound: option, tag: option, clickAction: option, color: fc.constantFrom("#000000", "#Ff8800") },
        { requiredKeys: [], noNullPrototype: true },
      ),
      apns: fc.record({ sound: option, badge: fc.nat(), category: option, threadId: option }, { requiredKeys: [], noNullPrototype: true }),
      analyticsLabel: fc.stringMatching(/^[a-zA-Z0-9\-_.~%]{1,50}$/),
      dryRun: fc.boolean(),
    },
    { requiredKeys: ["title"], noNullPrototype: true },
  );
  const recipients = fc.oneof(
    { weight: 3, arbitrary: uid.map((u): Record<string, unknown> => ({ userId: u })) },
    { weight: 3, arbitrary: fc.uniqueArray(uid, { minLength: 1, maxLength: 5 }).map((u): Record<string, unknown> => ({ userIds: u })) },
    { weight: 1, arbitrary: fc.constantFrom(ctx.topic, `${p}nobody`).map((topic): Record<string, unknown> => ({ topic })) },
  );
  const DAY = 24 * 60 * 60 * 1000;

  const huge = (n: number, dup: boolean) => {
    const ids = Array.from({ length: n }, (_, i) => `${p}many-${i}`);
    if (dup) ids[n - 1] = ids[0]!;
    return ids;
  };
  const fieldEdges: Record<string, fc.Arbitrary<unknown>> = {
    userId: fc.constantFrom<unknown>("", `${p}${"a".repeat(128 - p.length)}`, "a".repeat(129), "a/b", ".", "..", "__x__", "__proto__", `${p}\ud800`, ["u"], {}),
    userIds: fc.oneof(
      fc.constantFrom<unknown>([], "not-a-list", { 0: "a" }),
      fc.constantFrom<[number, boolean]>([500, false], [500, true], [501, false], [5000, false], [5000, true]).map(([n, dup]) => huge(n, dup)),
      fc.array(fc.oneof(uid, fc.constantFrom<unknown>("", 5, null, "a/b", "__y__")), { minLength: 1, maxLength: 6 }),
      uid.map((u) => [u, u]),
    ),
    title: fc.constantFrom<unknown>("", "   ", "\n\t", "\u0000", "T".repeat(5000), "\ud800"),
    body: fc.constantFrom<unknown>("", "b".repeat(5000), "\udfff"),
    imageUrl: fc.constantFrom(...URL_VERDICTS.keys()),
    link: fc.constantFrom(...URL_VERDICTS.keys()),
    data: fc.constantFrom<unknown>(
      {},
      [],
      "k=v",
      { k: { n: 1 } },
      { k: [1] },
      { k: null },
      { k: Number.NaN },
      { k: Number.POSITIVE_INFINITY },
      { k: 1e308, z: -0, t: true },
      { From: "x" },
      { gcm_x: "1" },
      { googleX: "1" },
      { message_type: "x" },
      { collapse_key: 1 },
      { notification: "x" },
      { "a.b": "1", constructor: "c", prototype: "p" },
      objectWith("__proto__", "dropped"),
      objectWith("__proto__", { evil: "1" }),
      { big: "v".repeat(5000) },
    ),
    collapseKey: fc.constantFrom<unknown>("", "c".repeat(64), "c".repeat(65)),
    ttlSeconds: fc.constantFrom<unknown>(0, MAX_TTL, MAX_TTL + 1, -1, 1.5, 2 ** 53, Number.NaN, Number.POSITIVE_INFINITY, -0, "3600"),
    priority: fc.constantFrom<unknown>("HIGH", "", "low", 1),
    android: fc.constantFrom<unknown>(
      "x",
      [],
      {},
      { color: "#FFF" },
      { color: "#ff8800" },
      { channelId: "" },
      { channelId: "c".repeat(256) },
      { channelId: "c".repeat(257) },
      { unknown: 1 },
      { tag: 5 },
      objectWith("__proto__", { channelId: "smuggled" }),
      objectWith("__proto__", "dropped"),
    ),
    apns: fc.constantFrom<unknown>(
      { badge: -1 },
      { badge: 0 },
      { badge: 1.5 },
      { badge: 2 ** 53 - 1 },
      { badge: 2 ** 53 },
      { badge: "1" },
      { sound: "" },
      { category: null },
      "x",
    ),
    analyticsLabel: fc.constantFrom<unknown>("l".repeat(50), "l".repeat(51), "has space", "ü", "ok_label-1.~%"),
    dryRun: fc.constantFrom<unknown>("true", 1, null),
    topic: fc.constantFrom<unknown>(ctx.topic, `${p}nobody`, "", "has space", "/topics/x", "t".repeat(65), ["x"], 5),
    // Never `true` alone: a generated broadcast would reach every device in the shared emulator.
    broadcast: fc.constantFrom<unknown>(false, "true", 1, null, true),
    platforms: fc.constantFrom<unknown>(["ios"], ["android"], ["web", "ios"], [], ["ios", "ios"], ["windows"], "ios", [1]),
    // Only past or invalid times: a valid future one would wait for its time.
    sendAt: fc.constantFrom<unknown>(
      Timestamp.fromMillis(Date.now() - 60_000),
      Timestamp.fromMillis(Date.now() + 400 * DAY),
      "2026-12-01T09:00:00Z",
      1764579600000,
      { seconds: 1, nanoseconds: 0 },
    ),
    localTime: fc.constantFrom<unknown>("25:00", "9:00", "", 900, "24:00", "09:00:00"),
    cancelled: fc.constantFrom<unknown>(true, false, "yes", 1),
    translations: fc.constantFrom<unknown>(
      { "pt-BR": { title: "Olá", body: "Tudo bem?" }, ja: { body: "こんにちは" }, "zh-hant-tw": { imageUrl: "https://cdn.example.com/i.png" } },
      { "sr-Latn": { link: "https://example.com/" } },
      Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`en-${100 + i}`, { body: "b" }])),
      Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`en-${100 + i}`, { body: "b" }])),
      {},
      [],
      "pt-BR",
      { "pt-BR": { body: "a" }, "PT-br": { body: "b" } },
      { "pt-BR": { body: "a" }, pt_BR: { body: "b" } },
      { "en-": { body: "x" }, "x-private": { body: "y" }, " en": { body: "z" }, ["e".repeat(36)]: { body: "w" } },
      { ja: {} },
      { ja: null },
      { ja: "こんにちは" },
      { ja: { title: "" } },
      { ja: { title: "  " } },
      { ja: { imageURL: "https://cdn.example.com/i.png" } },
      { ja: { data: { k: "v" } } },
      { ja: { link: "http://cdn.example.com/i.png" } },
      { ja: { body: "\udfff" } },
      { ja: { body: "b".repeat(4100) } },
      { ja: { body: "€".repeat(1300) }, fr: { body: "ok" } },
      objectWith("__proto__", { ja: { title: "smuggled" } }),
    ),
  };
  const anyValue = fc.oneof(
    fc.constant(null),
    fc.boolean(),
    hostileString,
    fc.jsonValue({ maxDepth: 2 }),
    edgeNumber.filter((n) => !(n instanceof RawJson)),
  );
  const fieldNames = Object.keys(fieldEdges);
  const change = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...fieldNames).chain((name) => fieldEdges[name]!.map((value) => ({ set: name, value }))) },
    { weight: 2, arbitrary: fc.record({ set: fc.constantFrom(...fieldNames), value: anyValue }) },
    { weight: 1, arbitrary: fc.record({ remove: fc.constantFrom("title", "userId", "userIds", "topic") }) },
    {
      weight: 1,
      arbitrary: fc.record({
        set: fc.constantFrom("imageURL", "Title", "user_id", "constructor", "prototype", "toString", "a.b", "__proto__"),
        value: fc.oneof(fc.constant("x"), fc.constant({ title: "smuggled" }), uid),
      }),
    },
  );
  return fc.tuple(recipients, base, fc.array(change, { maxLength: 3 })).map(([to, fields, changes]) => {
    const doc: Record<string, unknown> = { ...to, ...fields };
    for (const c of changes) {
      if ("remove" in c) delete doc[c.remove];
      else setOwn(doc, c.set, c.value);
    }
    // A broadcast left alone would be valid and reach every device: give it a second audience.
    if (ownValue(doc, "broadcast") === true && !["userId", "userIds", "topic"].some((k) => Object.hasOwn(doc, k))) doc.topic = ctx.topic;
    return plainCopy(doc) as Record<string, unknown>;
  });
}

/** A deep copy made only of ordinary objects and arrays (own `__proto__` keys kept as keys). */
export function plainCopy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plainCopy);
  if (isLeafObject(value)) return value;
  if (value !== null && typeof value === "object") {
    const out = {};
    for (const key of Object.keys(value)) setOwn(out, key, plainCopy(ownValue(value, key)));
    return out;
  }
  return value;
}

/** A short, printable description of a case for failure messages (NaN and infinities by name). */
export function describeCase(value: unknown, max = 400): string {
  const show = (v: unknown): unknown => {
    if (typeof v === "number" && !Number.isFinite(v)) return new RawJson(String(v));
    if (v instanceof Timestamp) return new RawJson(`Timestamp(${v.toDate().toISOString()})`);
    if (Array.isArray(v)) return v.map(show);
    if (v !== null && typeof v === "object" && !(v instanceof RawJson)) {
      const out = {};
      for (const key of Object.keys(v)) setOwn(out, key, show(ownValue(v, key)));
      return out;
    }
    return v;
  };
  const text = toJsonText(show(value));
  return text.length > max ? `${text.slice(0, max)}…(${text.length} chars)` : text;
}
