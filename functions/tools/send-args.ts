// The flags of `npm run send`, turned into a notification document. Pure (no I/O), so every rule is
// unit-tested. Only the command line is checked here: what the document may contain is checked by
// the backend, which answers a bad document with status `invalid` and each problem's field path.
// One set of rules that way, and it is the deployed backend's, whatever version this tool is.
import type { NotificationRequest } from "../src/types.js";

export const DEFAULT_TIMEOUT_SECONDS = 120;
const MAX_TIMEOUT_SECONDS = 3600;

export const SEND_USAGE = `Usage: npm run send -- --user <uid> --title <text> [options]

Writes a notification document (notifications/{auto-id}), waits for pushfan to deliver it and
prints each device's outcome.

Recipients (at least one; --user and --users combine):
  --user <uid>             a recipient; repeat for more
  --users <uid,uid,...>    comma-separated recipients
Content:
  --title <text>           required
  --body <text>
  --image <https-url>      the notification image (Android, iOS, web; also sent as data.imageUrl)
  --data <key=value>       a data field, its value always a string; repeat for more
                           (only the first '=' separates: --data q=a=b sets q to "a=b")
  --link <https-url>       opened when the notification is clicked (web), sent as data.link
Target:
  --project <id>           a real Firebase project, reached with Application Default Credentials
                           (gcloud auth application-default login). Without it: the emulators
                           (FIRESTORE_EMULATOR_HOST, else 127.0.0.1:8080, project demo-pushfan).
  --timeout <seconds>      how long to wait for the outcome (default ${DEFAULT_TIMEOUT_SECONDS})
  -h, --help               this text

A flag's value is the next argument, or follows '=' (--title=--odd-title for a value starting
with --). The backend checks the values: e.g. --image http://... ends as status invalid with
"imageUrl: must be an https:// URL".

Exit status: 0 sent, partial or no-devices; 1 failed, invalid or an error; 2 bad flags;
3 timed out (the notification may still be delivered).`;

export interface SendOptions {
  notification: NotificationRequest;
  /** A real project id; undefined means the emulators. */
  project?: string;
  timeoutSeconds: number;
}

export type SendArgs = { help: true } | ({ help: false } & SendOptions);

export type ParseSendArgsResult = { ok: true; value: SendArgs } | { ok: false; error: string; usage: string };

const SINGLE = ["--title", "--body", "--image", "--link", "--project", "--timeout"] as const;
const REPEATABLE = ["--user", "--users", "--data"] as const;
type Flag = (typeof SINGLE)[number] | (typeof REPEATABLE)[number];
const FLAGS = new Set<string>([...SINGLE, ...REPEATABLE]);

class UsageError extends Error {}

/** Parses the arguments after `npm run send --`. Never throws; never exits. */
export function parseSendArgs(argv: readonly string[]): ParseSendArgsResult {
  try {
    return { ok: true, value: parse(argv) };
  } catch (error) {
    if (error instanceof UsageError) return { ok: false, error: error.message, usage: SEND_USAGE };
    throw error;
  }
}

function parse(argv: readonly string[]): SendArgs {
  const single = new Map<Flag, string>();
  const recipients: string[] = [];
  // A Map, then Object.fromEntries: a key such as "__proto__" stays an ordinary field.
  const data = new Map<string, string>();

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--help" || arg === "-h") return { help: true };
    if (!arg.startsWith("--")) {
      throw new UsageError(`unexpected argument ${JSON.stringify(arg)} (every value follows its flag, e.g. --title "Hello")`);
    }
    const eq = arg.indexOf("=");
    const name = eq === -1 ? arg : arg.slice(0, eq);
    if (!FLAGS.has(name)) throw new UsageError(`unknown flag ${name}`);
    const flag = name as Flag;

    let value: string | undefined;
    if (eq !== -1) {
      value = arg.slice(eq + 1);
    } else {
      // A following flag is not taken as the value: `--title --body x` forgot the title.
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith("--")) {
        value = next;
        i++;
      }
    }
    // An empty value is usually an unset shell variable (--user "$UID"): treated as missing.
    if (value === undefined || value === "") throw new UsageError(`${flag} needs a value`);

    switch (flag) {
      case "--user":
        recipients.push(value);
        break;
      case "--users": {
        const uids = value
          .split(",")
          .map((uid) => uid.trim())
          .filter((uid) => uid !== "");
        if (uids.length === 0) throw new UsageError("--users needs at least one uid (--users a,b)");
        recipients.push(...uids);
        break;
      }
      case "--data": {
        const sep = value.indexOf("=");
        if (sep === -1) throw new UsageError(`--data needs key=value, got ${JSON.stringify(value)}`);
        const key = value.slice(0, sep);
        if (key === "") throw new UsageError(`--data needs a key before '=', got ${JSON.stringify(value)}`);
        if (data.has(key)) throw new UsageError(`--data ${key} is given twice`);
        data.set(key, value.slice(sep + 1));
        break;
      }
      default:
        if (single.has(flag)) throw new UsageError(`${flag} is given twice`);
        single.set(flag, value);
    }
  }

  const title = single.get("--title");
  if (title === undefined) throw new UsageError("--title is required");
  // `--user a --users a,b` means a and b; the backend rejects duplicate uids, so they are merged here.
  const uids = [...new Set(recipients)];
  if (uids.length === 0) throw new UsageError("a recipient is required: --user <uid> or --users <uid,uid,...>");

  const notification: NotificationRequest = uids.length === 1 ? { userId: uids[0], title } : { userIds: uids, title };
  const body = single.get("--body");
  const image = single.get("--image");
  const link = single.get("--link");
  if (body !== undefined) notification.body = body;
  if (image !== undefined) notification.imageUrl = image;
  if (link !== undefined) notification.link = link;
  if (data.size > 0) notification.data = Object.fromEntries(data);

  return { help: false, notification, project: single.get("--project"), timeoutSeconds: timeoutOf(single.get("--timeout")) };
}

function timeoutOf(value: string | undefined): number {
  if (value === undefined) return DEFAULT_TIMEOUT_SECONDS;
  const seconds = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || seconds < 1 || seconds > MAX_TIMEOUT_SECONDS) {
    throw new UsageError(`--timeout must be a number of seconds from 1 to ${MAX_TIMEOUT_SECONDS}, got ${JSON.stringify(value)}`);
  }
  return seconds;
}
