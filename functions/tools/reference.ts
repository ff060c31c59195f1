// The generated parts of docs/REFERENCE.md, written from the code: the functions from the deploy
// manifest, the settings from the params, the request and document fields from the zod schemas, the
// statuses from their lists. `npm run docs` rewrites them; test/unit/reference.test.ts fails on drift.

import { z } from "zod";
import { deviceConverter, tokenOwnerConverter, userConverter } from "../src/devices/documents.js";
import { registerDeviceRequestSchema, unregisterDeviceRequestSchema } from "../src/devices/schema.js";
import { inboxConverter } from "../src/inbox/documents.js";
import { reportEventRequestSchema, updateInboxRequestSchema } from "../src/inbox/schema.js";
import {
  DELIVERY_STATUSES,
  deliveryConverter,
  NOTIFICATION_STATUSES,
  notificationConverter,
  SHARD_STATUSES,
  shardConverter,
} from "../src/notifications/documents.js";
import { notificationSchema } from "../src/notifications/schema.js";
import { counterConverter, getPreferencesRequestSchema, preferencesConverter, setPreferencesRequestSchema } from "../src/recipients/schema.js";
import { lookupUserRequestSchema } from "../src/users/schema.js";
import type { Manifest } from "./shared/manifest.js";

/** The request of every callable (the api's routes take the same bodies). Add a new callable here. */
export const REQUESTS: Record<string, z.ZodType> = {
  registerDevice: registerDeviceRequestSchema,
  unregisterDevice: unregisterDeviceRequestSchema,
  lookupUser: lookupUserRequestSchema,
  updateInbox: updateInboxRequestSchema,
  reportEvent: reportEventRequestSchema,
  setNotificationPreferences: setPreferencesRequestSchema,
  getNotificationPreferences: getPreferencesRequestSchema,
};

/** Every stored shape, by its path. Add a new converter here (the test lists the ones missing). */
export const DOCUMENTS: Array<{ path: string; converter: string; schema: z.ZodType; note: string }> = [
  { path: "users/{uid}/devices/{deviceId}", converter: "deviceConverter", schema: deviceConverter.schema, note: "a device; only the backend writes it" },
  {
    path: "users/{uid}",
    converter: "userConverter",
    schema: userConverter.schema,
    note: "the user's device index (other fields of the document are left alone)",
  },
  { path: "tokenOwners/{deviceId}", converter: "tokenOwnerConverter", schema: tokenOwnerConverter.schema, note: "the one user holding a token" },
  {
    path: "notifications/{id}",
    converter: "notificationConverter",
    schema: notificationConverter.schema,
    note: "the fields the backend writes (the admin's are [above](#document-fields))",
  },
  {
    path: "notifications/{id}/deliveries/{deviceId}",
    converter: "deliveryConverter",
    schema: deliveryConverter.schema,
    note: "the delivery ledger, one per device",
  },
  { path: "notifications/{id}/shards/{index}", converter: "shardConverter", schema: shardConverter.schema, note: "a shard of a large audience (internal)" },
  {
    path: "users/{uid}/inbox/{notificationId}",
    converter: "inboxConverter",
    schema: inboxConverter.schema,
    note: "an inbox entry; the owner changes only seenAt, readAt, archivedAt",
  },
  {
    path: "notificationPreferences/{uid}",
    converter: "preferencesConverter",
    schema: preferencesConverter.schema,
    note: "a user's notification preferences, written by the backend (a compact copy rides on each of the user's devices)",
  },
  {
    path: "recipientCounters/{uid}",
    converter: "counterConverter",
    schema: counterConverter.schema,
    note: "the daily cap's counter: the non-critical notifications the user received in the last 24 hours (internal)",
  },
];

const STATUSES: Array<[string, readonly string[]]> = [
  ["`notifications/{id}.status`", NOTIFICATION_STATUSES],
  ["`deliveries/{deviceId}.status`", DELIVERY_STATUSES],
  ["`shards/{index}.status` (internal)", SHARD_STATUSES],
];

type Json = Record<string, any>;

/** Input side of a schema as JSON Schema; custom types (only timestamps are) marked as such. */
function jsonOf(schema: z.ZodType): Json {
  return z.toJSONSchema(schema, {
    io: "input",
    unrepresentable: "any",
    override: (ctx) => {
      if ((ctx.zodSchema as any)._zod?.def?.type === "custom") ctx.jsonSchema.format = "timestamp";
    },
  });
}

const code = (value: unknown) => `\`${typeof value === "string" ? value : JSON.stringify(value)}\``;

function typeOf(s: Json): string {
  if (s.format === "timestamp") return "timestamp";
  if (s.const !== undefined) return code(s.const);
  if (s.enum) return s.enum.map(code).join(" \\| ");
  if (s.anyOf) return s.anyOf.map(typeOf).join(" \\| ");
  const types: string[] = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
  if (types.includes("array")) return `${typeOf(s.items ?? {})}[]`.replace(/^any\[\]$/, "array");
  if (types.includes("object")) return s.properties ? "map" : `map of ${typeOf(s.additionalProperties ?? {})}`;
  return types.length ? types.join(" \\| ") : "any";
}

function limitsOf(s: Json): string {
  const parts: string[] = [];
  const range = (min: unknown, max: unknown, unit: string) => {
    if (min !== undefined && max !== undefined) parts.push(`${min}–${max}${unit}`);
    else if (min !== undefined) parts.push(`≥ ${min}${unit}`);
    else if (max !== undefined) parts.push(`≤ ${max}${unit}`);
  };
  range(s.minLength, s.maxLength, " chars");
  range(s.minItems, s.maxItems, " items");
  // Number.isSafeInteger's bounds say nothing a reader needs.
  const bound = (n: unknown) => (typeof n === "number" && Math.abs(n) >= Number.MAX_SAFE_INTEGER ? undefined : n);
  range(bound(s.minimum), bound(s.maximum), "");
  if (s.pattern) parts.push(code(s.pattern));
  if (s.default !== undefined) parts.push(`default ${code(s.default)}`);
  return parts.join(", ");
}

/** One row per field, nested maps flattened (`android.color`). */
function fieldRows(s: Json, prefix = ""): string[][] {
  const required = new Set<string>(s.required ?? []);
  return Object.entries<Json>(s.properties ?? {}).flatMap(([name, field]) => {
    const path = `${prefix}${name}`;
    const row = [code(path), typeOf(field), required.has(name) ? "yes" : "", limitsOf(field)];
    return field.properties ? [row, ...fieldRows(field, `${path}.`)] : [row];
  });
}

function table(headers: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(headers), line(headers.map(() => "---")), ...rows.map(line)].join("\n");
}

const fieldsTable = (schema: z.ZodType) => table(["field", "type", "required", "limits"], fieldRows(jsonOf(schema)));

function paramValue(value: unknown, params: Manifest["params"]): string {
  const text = String(value);
  const param = /^\{\{ params\.(\w+) \}\}$/.exec(text)?.[1];
  if (!param) return text;
  return `${code(param)} (default ${code(params.find((p) => p.name === param)?.default)})`;
}

function triggerOf(e: Json, params: Manifest["params"]): string {
  if (e.callableTrigger) return "callable";
  if (e.httpsTrigger) return "HTTPS ([routes](#api-https-for-clients-without-the-callable-sdk))";
  if (e.scheduleTrigger)
    return `schedule ${paramValue(e.scheduleTrigger.schedule, params)} in ${paramValue(e.scheduleTrigger.timeZone, params)}, ${e.scheduleTrigger.retryConfig?.retryCount ?? 0} retry`;
  if (e.taskQueueTrigger) {
    const { retryConfig: r, rateLimits: l } = e.taskQueueTrigger;
    return `task queue: ${r.maxAttempts} attempts, backoff ${r.minBackoffSeconds}–${r.maxBackoffSeconds} s; ${paramValue(l.maxDispatchesPerSecond, params)}/s, ${paramValue(l.maxConcurrentDispatches, params)} at once`;
  }
  const t = e.eventTrigger;
  const what = t.eventType
    .replace(/^google\.cloud\.firestore\.document\.v1\./, "Firestore document ")
    .replace(/^providers\/firebase\.auth\/eventTypes\/user\.delete$/, "Auth user deleted (v1)");
  const path = t.eventFilterPathPatterns?.document ? ` ${code(t.eventFilterPathPatterns.document)}` : "";
  return `${what}${path}${t.retry ? ", retried" : ""}`;
}

function functionsBlock(manifest: Manifest): string {
  const rows = Object.entries(manifest.endpoints)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, e]) => [
      code(name),
      triggerOf(e, manifest.params),
      e.availableMemoryMb ? `${e.availableMemoryMb} MiB` : "default",
      e.timeoutSeconds ? `${e.timeoutSeconds} s` : "default",
    ]);
  const apis = manifest.requiredAPIs.map((a) => code(a.api)).join(", ");
  return `${table(["function", "trigger", "memory", "timeout"], rows)}\n\nRegion \`${manifest.endpoints.api?.region?.[0] ?? "us-central1"}\`. APIs the deploy enables: ${apis}.`;
}

/** `.env.local`'s values (the emulators'), by param. */
function envValues(envLocal: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const m of envLocal.matchAll(/^([A-Z_0-9]+)=(.*)$/gm)) values.set(m[1]!, m[2]!.replace(/^"(.*)"$/, "$1"));
  return values;
}

function settingsBlock(manifest: Manifest, envLocal: string): string {
  const env = envValues(envLocal);
  const rows = manifest.params.map((p) => {
    const local = env.get(p.name);
    return [
      code(p.name),
      p.type,
      code(p.default),
      local === undefined || local === String(p.default) ? "same" : code(local),
      p.description.replace(/\|/g, "\\|"),
    ];
  });
  return table(["param", "type", "default", "emulators (`.env.local`)", "meaning"], rows);
}

function documentsBlock(): string {
  return DOCUMENTS.map((d) => `#### \`${d.path}\`\n\n${d.note[0]!.toUpperCase()}${d.note.slice(1)}.\n\n${fieldsTable(d.schema)}`).join("\n\n");
}

function requestsBlock(): string {
  return Object.entries(REQUESTS)
    .map(([name, schema]) => `#### \`${name}\` request\n\n${fieldsTable(schema)}`)
    .join("\n\n");
}

const statusesBlock = () =>
  table(
    ["field", "values"],
    STATUSES.map(([field, values]) => [field, values.map(code).join(", ")]),
  );

/** Every generated block of docs/REFERENCE.md, by name. */
export function generatedBlocks(manifest: Manifest, envLocal: string): Record<string, string> {
  return {
    functions: functionsBlock(manifest),
    requests: requestsBlock(),
    notification: fieldsTable(notificationSchema),
    documents: documentsBlock(),
    statuses: statusesBlock(),
    settings: settingsBlock(manifest, envLocal),
  };
}

const BLOCK = /<!-- generated:(\w+) \(npm run docs\) -->\n[\s\S]*?<!-- \/generated:\1 -->/g;

/** The document with each generated block replaced; throws on a block it does not know. */
export function withBlocks(markdown: string, blocks: Record<string, string>): string {
  return markdown.replace(BLOCK, (_whole, name: string) => {
    const body = blocks[name];
    if (body === undefined) throw new Error(`docs/REFERENCE.md has a generated block "${name}" that tools/reference.ts does not write`);
    return `<!-- generated:${name} (npm run docs) -->\n${body}\n<!-- /generated:${name} -->`;
  });
}

/** The names of the blocks present in the document. */
export const blockNames = (markdown: string) => [...markdown.matchAll(BLOCK)].map((m) => m[1]!);
