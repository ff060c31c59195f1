// The flags of `npm run send`, turned into a notification document (or a cancellation). Pure (no
// I/O), so every rule is unit-tested. Only the command line is checked here: what the document may
// contain is checked by the backend, which answers a bad document with status `invalid` and each
// problem's field path. One set of rules that way, and it is the deployed backend's.
import type { NotificationRequest } from "../src/types.js";

export const DEFAULT_TIMEOUT_SECONDS = 120;
const MAX_TIMEOUT_SECONDS = 3600;

export const SEND_USAGE = `Usage: npm run send -- --user <uid> --title <text> [options]
       npm run send -- --topic <name> | --broadcast --title <text> [options]
       npm run send -- --cancel <notificationId>

Writes a notification document (notifications/{auto-id}), waits for pushfan to deliver it (with a
progress bar for large audiences) and prints each device's outcome. A scheduled notification is
shown as scheduled, with when it is due; the tool then exits.

Audience (exactly one kind; --user and --users combine):
  --user <uid>             a recipient; repeat for more
  --users <uid,uid,...>    comma-separated recipients
  --topic <name>           every active device subscribed to the topic
  --broadcast              every active device of every user
  --platforms <p,p>        only devices of these platforms: ios, android, web
Content:
  --title <text>           required
  --body <text>
  --image <https-url>      the notification image (Android, iOS, web; also sent as data.imageUrl)
  --data <key=value>       a data field, its value always a string; repeat for more
                           (only the first '=' separates: --data q=a=b sets q to "a=b")
  --link <https-url>       opened when the notification is clicked (web), sent as data.link
  --translations <file>    a JSON file of translations: {"pt-BR": {"title": "Olá", "body": "..."},
                           "ja": {"body": "..."}}; each device gets the one of its locale
                           (title, body, imageUrl, link; what a translation leaves out falls back)
  --dry-run                FCM validates the messages without delivering them
Recipients' choices:
  --category <name>        the category users may turn off (their preferences skip it)
  --critical               ignore opt-outs, quiet hours, mute and the daily cap (use sparingly)
When:
  --at <time>              send at this ISO 8601 time with its offset, e.g. 2026-12-01T09:00:00Z
  --local-time <HH:MM>     send at this time of day on each device's own clock (from --at, or now)
Cancel:
  --cancel <id>            cancel notifications/<id> if it is scheduled or still sending
Target:
  --project <id>           a real Firebase project, reached with Application Default Credentials
                           (gcloud auth application-default login). Without it: the emulators
                           (FIRESTORE_EMULATOR_HOST, else 127.0.0.1:8080, project demo-pushfan).
  --timeout <seconds>      how long to wait for the outcome (default ${DEFAULT_TIMEOUT_SECONDS})
  -h, --help               this text

A flag's value is the next argument, or follows '=' (--title=--odd-title for a value starting
with --). The backend checks the values: e.g. --image http://... ends as status invalid with
"imageUrl: must be an https:// URL".

Exit status: 0 sent, partial, no-devices, scheduled (or cancelled, with --cancel); 1 failed,
invalid or an error; 2 bad flags; 3 timed out (the notification may still be delivered).`;

/** The document to write; `sendAt` apart, as a Date (the tool turns it into a Firestore Timestamp). */
export interface SendOptions {
  mode: "send";
  notification: Omit<NotificationRequest, "sendAt">;
  sendAt?: Date;
  /** A JSON file of translations, read by the tool (readTranslations) into `notification.translations`. */
  translationsFile?: string;
  /** A real project id; undefined means the emulators. */
  project?: string;
  timeoutSeconds: number;
}

export interface CancelOptions {
  mode: "cancel";
  notificationId: string;
  project?: string;
  timeoutSeconds: number;
}

export type SendArgs = { help: true } | ({ help: false } & (SendOptions | CancelOptions));

export type ParseSendArgsResult = { ok: true; value: SendArgs } | { ok: false; error: string; usage: string };

const SINGLE = [
  "--title",
  "--body",
  "--image",
  "--link",
  "--translations",
  "--project",
  "--timeout",
  "--topic",
  "--platforms",
  "--at",
  "--local-time",
  "--cancel",
  "--category",
] as const;
const REPEATABLE = ["--user", "--users", "--data"] as const;
const SWITCHES = ["--broadcast", "--dry-run", "--critical"] as const;
type Flag = (typeof SINGLE)[number] | (typeof REPEATABLE)[number];
type Switch = (typeof SWITCHES)[number];
const FLAGS = new Set<string>([...SINGLE, ...REPEATABLE]);
const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d{1,3})?)?(Z|[+-]\d\d:\d\d)$/;

class UsageError extends Error {}

interface Collected {
  single: Map<Flag, string>;
  recipients: string[];
  data: Map<string, string>;
  switches: Set<Switch>;
}

/** Parses the arguments after `npm run send --`. Never throws; never exits. */
export function parseSendArgs(argv: readonly string[]): ParseSendArgsResult {
  try {
    if (argv.includes("--help") || argv.includes("-h")) return { ok: true, value: { help: true } };
    return { ok: true, value: { help: false, ...build(collect(argv)) } };
  } catch (error) {
    if (error instanceof UsageError) return { ok: false, error: error.message, usage: SEND_USAGE };
    throw error;
  }
}

function collect(argv: readonly string[]): Collected {
  // A Map, then Object.fromEntries: a --data key such as "__proto__" stays an ordinary field.
  const c: Collected = { single: new Map(), recipients: [], data: new Map(), switches: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("--")) {
      throw new UsageError(`unexpected argument ${JSON.stringify(arg)} (every value follows its flag, e.g. --title "Hello")`);
    }
    const eq = arg.indexOf("=");
    const name = eq === -1 ? arg : arg.slice(0, eq);
    if ((SWITCHES as readonly string[]).includes(name)) {
      if (eq !== -1) throw new UsageError(`${name} takes no value`);
      c.switches.add(name as Switch);
      continue;
    }
    if (!FLAGS.has(name)) throw new UsageError(`unknown flag ${name}`);
    let value = eq === -1 ? undefined : arg.slice(eq + 1);
    // A following flag is not taken as the value: `--title --body x` forgot the title.
    if (eq === -1 && argv[i + 1] !== undefined && !argv[i + 1]!.startsWith("--")) value = argv[++i];
    // An empty value is usually an unset shell variable (--user "$UID"): treated as missing.
    if (value === undefined || value === "") throw new UsageError(`${name} needs a value`);
    take(c, name as Flag, value);
  }
  return c;
}

function take(c: Collected, flag: Flag, value: string): void {
  if (flag === "--user") c.recipients.push(value);
  else if (flag === "--users") {
    const uids = value
      .split(",")
      .map((uid) => uid.trim())
      .filter((uid) => uid !== "");
    if (uids.length === 0) throw new UsageError("--users needs at least one uid (--users a,b)");
    c.recipients.push(...uids);
  } else if (flag === "--data") {
    const sep = value.indexOf("=");
    if (sep === -1) throw new UsageError(`--data needs key=value, got ${JSON.stringify(value)}`);
    const key = value.slice(0, sep);
    if (key === "") throw new UsageError(`--data needs a key before '=', got ${JSON.stringify(value)}`);
    if (c.data.has(key)) throw new UsageError(`--data ${key} is given twice`);
    c.data.set(key, value.slice(sep + 1));
  } else {
    if (c.single.has(flag)) throw new UsageError(`${flag} is given twice`);
    c.single.set(flag, value);
  }
}

function build(c: Collected): SendOptions | CancelOptions {
  const project = c.single.get("--project");
  const timeoutSeconds = timeoutOf(c.single.get("--timeout"));
  const cancel = c.single.get("--cancel");
  if (cancel !== undefined) {
    const others = [...c.single.keys()].filter((f) => !["--cancel", "--project", "--timeout"].includes(f));
    if (others.length > 0 || c.recipients.length > 0 || c.data.size > 0 || c.switches.size > 0) {
      throw new UsageError("--cancel takes only --project and --timeout besides the notification id");
    }
    return { mode: "cancel", notificationId: cancel, project, timeoutSeconds };
  }
  const title = c.single.get("--title");
  if (title === undefined) throw new UsageError("--title is required");
  const notification: SendOptions["notification"] = { ...audienceOf(c), title };
  const optional: Array<[Flag, "body" | "imageUrl" | "link" | "localTime" | "category"]> = [
    ["--body", "body"],
    ["--image", "imageUrl"],
    ["--link", "link"],
    ["--local-time", "localTime"],
    ["--category", "category"],
  ];
  for (const [flag, field] of optional) {
    const value = c.single.get(flag);
    if (value !== undefined) notification[field] = value;
  }
  if (c.data.size > 0) notification.data = Object.fromEntries(c.data);
  if (c.switches.has("--dry-run")) notification.dryRun = true;
  if (c.switches.has("--critical")) notification.critical = true;
  const platforms = c.single.get("--platforms");
  // Passed on as written: the backend names an unknown platform in its answer.
  if (platforms !== undefined) notification.platforms = platforms.split(",").map((p) => p.trim()) as NonNullable<NotificationRequest["platforms"]>;
  const translationsFile = c.single.get("--translations");
  return { mode: "send", notification, sendAt: sendAtOf(c.single.get("--at")), ...(translationsFile ? { translationsFile } : {}), project, timeoutSeconds };
}

export type ReadTranslationsResult = { ok: true; value: NonNullable<NotificationRequest["translations"]> } | { ok: false; error: string };

/**
 * The `--translations` file: a JSON object, passed on as written (tags, fields and sizes are the
 * backend's to check, which names each problem's path). `read` returns the file's text or throws.
 */
export function readTranslations(path: string, read: (path: string) => string): ReadTranslationsResult {
  let text: string;
  try {
    text = read(path);
  } catch (error) {
    return { ok: false, error: `--translations: cannot read ${path}: ${(error as Error).message}` };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `--translations: ${path} is not JSON: ${(error as Error).message}` };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, error: `--translations: ${path} must hold a JSON object of language tags, e.g. {"pt-BR": {"title": "Olá"}}` };
  }
  return { ok: true, value: value as NonNullable<NotificationRequest["translations"]> };
}

/** Exactly one kind of audience. `--user a --users a,b` means a and b (the backend rejects duplicates). */
function audienceOf(c: Collected): Pick<NotificationRequest, "userId" | "userIds" | "topic" | "broadcast"> {
  const topic = c.single.get("--topic");
  const broadcast = c.switches.has("--broadcast");
  const uids = [...new Set(c.recipients)];
  const kinds = [uids.length > 0, topic !== undefined, broadcast].filter(Boolean).length;
  if (kinds === 0) throw new UsageError("an audience is required: --user <uid>, --users <uid,uid,...>, --topic <name> or --broadcast");
  if (kinds > 1) throw new UsageError("choose one audience: users (--user/--users), --topic or --broadcast");
  if (topic !== undefined) return { topic };
  if (broadcast) return { broadcast: true };
  return uids.length === 1 ? { userId: uids[0] } : { userIds: uids };
}

function sendAtOf(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const at = Date.parse(value);
  if (!ISO_TIME.test(value) || Number.isNaN(at)) {
    throw new UsageError(`--at needs an ISO 8601 time with its offset, e.g. 2026-12-01T09:00:00Z or 2026-12-01T10:00:00+01:00; got ${JSON.stringify(value)}`);
  }
  return new Date(at);
}

function timeoutOf(value: string | undefined): number {
  if (value === undefined) return DEFAULT_TIMEOUT_SECONDS;
  const seconds = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || seconds < 1 || seconds > MAX_TIMEOUT_SECONDS) {
    throw new UsageError(`--timeout must be a number of seconds from 1 to ${MAX_TIMEOUT_SECONDS}, got ${JSON.stringify(value)}`);
  }
  return seconds;
}
