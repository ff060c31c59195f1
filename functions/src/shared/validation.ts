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

/** Parses `input` or throws a ValidationError naming every problem. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const details = formatZodError(result.error);
  const summary = details
    .slice(0, 3)
    .map((d) => (d.path ? `${d.path}: ${d.message}` : d.message))
    .join("; ");
  throw new ValidationError(`Invalid ${what}: ${summary}${details.length > 3 ? ` (and ${details.length - 3} more)` : ""}`, details);
}

/** A string that is valid Unicode (no lone UTF-16 surrogates), which Firestore and FCM need. */
export function wellFormedString() {
  return z.string().refine((s) => s.isWellFormed(), "must be valid Unicode (no lone surrogates)");
}

const CONTROL_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** A short human-readable label: trimmed, no control characters, at most `max` characters. */
export function label(max: number) {
  return wellFormedString()
    .refine((s) => !CONTROL_CHARS.test(s), "must not contain control characters")
    .transform((s) => s.trim())
    .pipe(z.string().max(max, `must be at most ${max} characters`));
}
