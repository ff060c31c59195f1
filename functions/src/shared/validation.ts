// Turns zod errors into the contract's `{ path, message }` lists, one entry per problem.
import { z } from "zod";

export interface ErrorDetail {
  path: string;
  message: string;
}

/** Input that broke a schema; `details` lists every problem with its field path. */
export class ValidationError extends Error {
  constructor(
    message: string,
    readonly details: ErrorDetail[],
  ) {
    super(message);
    this.name = "ValidationError";
  }
}

/** `["data", "k"]` → `data.k`, `["userIds", 3]` → `userIds[3]`, `[]` → `""` (the whole input). */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => {
    if (typeof key === "number") return `${out}[${key}]`;
    return out ? `${out}.${String(key)}` : String(key);
  }, "");
}

export function formatZodError(error: z.ZodError, prefix: readonly PropertyKey[] = []): ErrorDetail[] {
  return error.issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path];
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({ path: formatPath([...path, key]), message: "unknown field" }));
    }
    return [{ path: formatPath(path), message: issue.message }];
  });
}

/**
 * firebase-functions decodes callable data by assignment, so a `__proto__` key holding an object, an
 * array or null becomes the object's prototype instead of a field, and zod would then read the
 * inherited values as if they had been sent (`{"type":"ios","__proto__":{"token":"x"}}` registered
 * token x). Such an object is copied without its prototype and the key is reported as the unknown
 * field it was. (The decoder drops a `__proto__` holding anything else: nothing is left to see.
 * JSON.parse, as used by the api, keeps `__proto__` as an own field, which strict schemas reject.)
 */
function withoutSmuggledPrototype(input: unknown): { value: unknown; details: ErrorDetail[] } {
  if (typeof input !== "object" || input === null || Array.isArray(input)) return { value: input, details: [] };
  if (Object.getPrototypeOf(input) === Object.prototype) return { value: input, details: [] };
  return { value: { ...input }, details: [{ path: "__proto__", message: "unknown field" }] };
}

/** Parses `input` (decoded JSON) or throws a ValidationError naming every problem. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const plain = withoutSmuggledPrototype(input);
  const result = schema.safeParse(plain.value);
  if (result.success && plain.details.length === 0) return result.data;
  const details = [...plain.details, ...(result.success ? [] : formatZodError(result.error))];
  throw new ValidationError(`Invalid ${what}: ${summarizeDetails(details)}`, details);
}

/** The first three problems in one line, e.g. `token: must not be empty; type: ... (and 2 more)`. */
export function summarizeDetails(details: readonly ErrorDetail[]): string {
  const shown = details
    .slice(0, 3)
    .map((d) => (d.path ? `${d.path}: ${d.message}` : d.message))
    .join("; ");
  return details.length > 3 ? `${shown} (and ${details.length - 3} more)` : shown;
}

/** A string that is valid Unicode (no lone UTF-16 surrogates), which Firestore and FCM need. */
export function wellFormedString() {
  return z.string().refine((s) => s.isWellFormed(), "must be valid Unicode (no lone surrogates)");
}

// Every Unicode control character (C0, DEL and C1). Checked after trimming, so a trailing newline
// is trimmed away while one inside the label is rejected.
const CONTROL_CHARS = /\p{Cc}/u;

/** A short human-readable label: trimmed, no control characters, at most `max` characters. */
export function label(max: number) {
  return wellFormedString()
    .transform((s) => s.trim())
    .pipe(
      z
        .string()
        .max(max, `must be at most ${max} characters`)
        .refine((s) => !CONTROL_CHARS.test(s), "must not contain control characters"),
    );
}

/**
 * A list's duplicate check, for `.superRefine(reportDuplicates("uid"), WHEN_LIST)`: each repeated
 * entry is reported at its own index.
 */
export function reportDuplicates(what: string) {
  return (items: readonly unknown[], ctx: z.RefinementCtx) => {
    const seen = new Set<unknown>();
    items.forEach((item, i) => {
      if (seen.has(item)) ctx.addIssue({ code: "custom", message: `duplicate ${what} ${JSON.stringify(item)}`, path: [i] });
      seen.add(item);
    });
  };
}

/** Runs a list's refinement only when the value is a list, even if an entry failed its own check. */
export const WHEN_LIST = { when: (payload: { value: unknown }) => Array.isArray(payload.value) };
