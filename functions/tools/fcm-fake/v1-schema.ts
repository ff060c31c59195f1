// What FCM's HTTP v1 `messages:send` accepts: the request body checked against the v1 Message
// resource (proto3 JSON: snake_case or lowerCamelCase names, unknown fields rejected) plus the rules
// FCM applies on top (one target, string maps, Duration format, colors, reserved data keys, 4 KB).

/** One problem, as FCM reports it in `google.rpc.BadRequest.fieldViolations`. */
export interface FieldViolation {
  field: string;
  description: string;
}

type Scalar = "string" | "bool" | "int" | "duration" | "timestamp" | "stringMap" | "struct" | "strings" | "durations";
type Enum = { enum: readonly string[] };
type Field = Scalar | Enum | Fields;
interface Fields {
  [name: string]: Field;
}

const FCM_OPTIONS: Fields = { analytics_label: "string" };
const ANDROID_NOTIFICATION: Fields = {
  title: "string",
  body: "string",
  icon: "string",
  color: "string",
  sound: "string",
  tag: "string",
  click_action: "string",
  body_loc_key: "string",
  body_loc_args: "strings",
  title_loc_key: "string",
  title_loc_args: "strings",
  channel_id: "string",
  ticker: "string",
  sticky: "bool",
  event_time: "timestamp",
  local_only: "bool",
  notification_priority: { enum: ["PRIORITY_UNSPECIFIED", "PRIORITY_MIN", "PRIORITY_LOW", "PRIORITY_DEFAULT", "PRIORITY_HIGH", "PRIORITY_MAX"] },
  default_sound: "bool",
  default_vibrate_timings: "bool",
  default_light_settings: "bool",
  vibrate_timings: "durations",
  visibility: { enum: ["VISIBILITY_UNSPECIFIED", "PRIVATE", "PUBLIC", "SECRET"] },
  notification_count: "int",
  light_settings: { color: { red: "int", green: "int", blue: "int", alpha: "int" }, light_on_duration: "duration", light_off_duration: "duration" },
  image: "string",
  bypass_proxy_notification: "bool",
  proxy: { enum: ["PROXY_UNSPECIFIED", "ALLOW", "DENY", "IF_PRIORITY_LOWERED"] },
};
const MESSAGE: Fields = {
  name: "string",
  data: "stringMap",
  notification: { title: "string", body: "string", image: "string" },
  android: {
    collapse_key: "string",
    priority: { enum: ["NORMAL", "HIGH"] },
    ttl: "duration",
    restricted_package_name: "string",
    data: "stringMap",
    notification: ANDROID_NOTIFICATION,
    fcm_options: FCM_OPTIONS,
    direct_boot_ok: "bool",
    bandwidth_constrained_ok: "bool",
    restricted_satellite_ok: "bool",
  },
  webpush: { headers: "stringMap", data: "stringMap", notification: "struct", fcm_options: { link: "string", analytics_label: "string" } },
  apns: { headers: "stringMap", payload: "struct", fcm_options: { analytics_label: "string", image: "string" }, live_activity_token: "string" },
  fcm_options: FCM_OPTIONS,
  token: "string",
  topic: "string",
  condition: "string",
  // Firebase Installation IDs, as firebase-admin's FidMessage sends them.
  fid: "string",
};

/** FCM's limit on a message's notification and data payload. */
export const MAX_PAYLOAD_BYTES = 4096;
const MAX_TTL_SECONDS = 2_419_200;
const DURATION = /^\d{1,12}(\.\d{1,9})?s$/;
const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$/;
const TOPIC = /^[a-zA-Z0-9\-_.~%]{1,900}$/;
const LABEL = /^[a-zA-Z0-9\-_.~%]{1,50}$/;
const COLOR = /^#[0-9a-fA-F]{6}$/;
const RESERVED_DATA_KEYS = new Set(["from", "notification", "message_type"]);

const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const describe = (v: unknown) => (typeof v === "string" ? JSON.stringify(v) : (JSON.stringify(v) ?? String(v)));

function checkScalar(kind: Scalar | Enum, value: unknown, path: string, out: FieldViolation[]): void {
  const bad = (type: string) => out.push({ field: path, description: `Invalid value at '${path}' (${type}), ${describe(value)}` });
  if (typeof kind === "object") {
    if (typeof value !== "string" || !kind.enum.includes(value.toUpperCase())) bad(`TYPE_ENUM`);
  } else if (kind === "string") {
    if (typeof value !== "string") bad("TYPE_STRING");
  } else if (kind === "bool") {
    if (typeof value !== "boolean") bad("TYPE_BOOL");
  } else if (kind === "int") {
    if (!Number.isInteger(typeof value === "string" ? Number(value) : value)) bad("TYPE_INT32");
  } else if (kind === "duration") {
    if (typeof value !== "string" || !DURATION.test(value)) bad("type.googleapis.com/google.protobuf.Duration");
  } else if (kind === "timestamp") {
    if (typeof value !== "string" || !TIMESTAMP.test(value)) bad("type.googleapis.com/google.protobuf.Timestamp");
  } else if (kind === "struct") {
    if (!isObject(value)) bad("type.googleapis.com/google.protobuf.Struct");
  } else if (kind === "stringMap") {
    if (!isObject(value)) return void bad("TYPE_MESSAGE");
    Object.entries(value).forEach(([key, v], i) => {
      if (typeof v !== "string")
        out.push({
          field: `${path}[${i}].value`,
          description: `Invalid value at '${path}[${i}].value' (TYPE_STRING), ${describe(v)} (key ${JSON.stringify(key)})`,
        });
    });
  } else if (!Array.isArray(value)) bad("TYPE_LIST");
  else value.forEach((v, i) => checkScalar(kind === "strings" ? "string" : "duration", v, `${path}[${i}]`, out));
}

/** Checks `value` against a message type; names may be snake_case or lowerCamelCase, as proto3 JSON allows. */
function checkFields(fields: Fields, value: unknown, path: string, out: FieldViolation[]): void {
  if (!isObject(value)) {
    out.push({ field: path, description: `Invalid value at '${path}' (TYPE_MESSAGE), ${describe(value)}` });
    return;
  }
  for (const [name, v] of Object.entries(value)) {
    const field = fields[snake(name)];
    if (field === undefined) {
      out.push({ field: path, description: `Invalid JSON payload received. Unknown name ${JSON.stringify(name)} at '${path}': Cannot find field.` });
    } else if (v === null) {
    } else if (typeof field === "string" || "enum" in field) {
      checkScalar(field as Scalar | Enum, v, `${path}.${snake(name)}`, out);
    } else {
      checkFields(field as Fields, v, `${path}.${snake(name)}`, out);
    }
  }
}

/** `obj[snake]` or `obj[camel]`, whichever the sender used. */
function get(obj: unknown, name: string): unknown {
  if (!isObject(obj)) return undefined;
  const camel = name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  return obj[name] ?? obj[camel];
}

/** The rules FCM applies beyond the schema; only called on a message that passed it. */
function checkRules(message: Record<string, unknown>, out: FieldViolation[]): void {
  const targets = ["token", "topic", "condition", "fid"].filter((t) => typeof message[t] === "string" && message[t] !== "");
  if (targets.length !== 1)
    out.push({
      field: "message",
      description: `Exactly one of token, topic, condition or fid must be set; got ${targets.length ? targets.join(", ") : "none"}.`,
    });
  if (typeof message.topic === "string" && !TOPIC.test(message.topic.replace(/^\/topics\//, "")))
    out.push({ field: "message.topic", description: "Invalid topic name." });
  const ttl = get(message.android, "ttl");
  if (typeof ttl === "string" && Number(ttl.slice(0, -1)) > MAX_TTL_SECONDS)
    out.push({ field: "message.android.ttl", description: `TTL ${ttl} is over the maximum of ${MAX_TTL_SECONDS}s.` });
  const color = get(get(message.android, "notification"), "color");
  if (typeof color === "string" && !COLOR.test(color))
    out.push({ field: "message.android.notification.color", description: `Invalid color ${JSON.stringify(color)}: expected #rrggbb.` });
  for (const path of [["fcm_options"], ["android", "fcm_options"], ["apns", "fcm_options"], ["webpush", "fcm_options"]]) {
    const label = get(
      path.reduce<unknown>((o, p) => get(o, p), message),
      "analytics_label",
    );
    if (typeof label === "string" && !LABEL.test(label))
      out.push({ field: `message.${path.join(".")}.analytics_label`, description: "Invalid analytics label." });
  }
  const link = get(get(message.webpush, "fcm_options"), "link");
  if (typeof link === "string" && !link.startsWith("https://"))
    out.push({ field: "message.webpush.fcm_options.link", description: "The link must be an https URL." });
  const aps = get(get(message.apns, "payload"), "aps");
  if (aps !== undefined && !isObject(aps)) out.push({ field: "message.apns.payload.aps", description: "aps must be a dictionary." });
  for (const key of Object.keys(isObject(message.data) ? message.data : {})) {
    if (RESERVED_DATA_KEYS.has(key) || /^(google|gcm)/i.test(key))
      out.push({ field: "message.data", description: `Invalid data key ${JSON.stringify(key)}: the key is reserved.` });
  }
  const bytes = payloadBytes(message);
  if (bytes > MAX_PAYLOAD_BYTES)
    out.push({ field: "message", description: `Message is too big: the notification and data payload is ${bytes} bytes, over ${MAX_PAYLOAD_BYTES}.` });
}

/** The bytes FCM counts against its 4 KB limit: the UTF-8 JSON of the notification and data parts. */
export function payloadBytes(message: Record<string, unknown>): number {
  return Buffer.byteLength(JSON.stringify({ notification: message.notification, data: message.data }), "utf8");
}

/** Every problem of a `messages:send` request body; an empty list means FCM accepts it. */
export function validateSendRequest(body: unknown): FieldViolation[] {
  const out: FieldViolation[] = [];
  checkFields({ message: MESSAGE, validate_only: "bool" }, body, "request", out);
  if (out.length > 0)
    return out.map((v) => ({ ...v, field: v.field.replace(/^request\.?/, "") || "request", description: v.description.replaceAll("'request.", "'") }));
  const message = get(body, "message");
  if (!isObject(message)) return [{ field: "message", description: "The message is missing." }];
  checkRules(message, out);
  return out;
}
