// Keeps callable payloads that firebase-functions' own decoder cannot handle (`@type` objects it
// does not know, nesting deep enough to exhaust its recursion) from turning into INTERNAL errors
// before our handler runs: such values are swapped for an empty array, which no field of our
// requests accepts, so validation answers invalid-argument with the field's path as usual.
import type { Request, Response } from "firebase-functions/v2/https";

/** Well below the depth at which the SDK's recursive decoder overflows the stack (about 5,000). */
export const MAX_CALLABLE_DEPTH = 1000;

/** The callable protocol's typed values that the SDK decodes (64-bit integers). */
const DECODABLE_TYPES = new Set(["type.googleapis.com/google.protobuf.Int64Value", "type.googleapis.com/google.protobuf.UInt64Value"]);

function isUndecodableTyped(value: object): boolean {
  if (Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  if (!record["@type"]) return false;
  return !DECODABLE_TYPES.has(String(record["@type"])) || Number.isNaN(parseFloat(String(record.value)));
}

/**
 * Returns `data` with every value the SDK cannot decode replaced by `[]`; counts replacements.
 * Iterative, so the walk itself cannot overflow the stack.
 */
export function sanitizeCallableData(data: unknown): { data: unknown; replaced: number } {
  const holder: Record<string, unknown> = { root: data };
  const stack: Array<{ parent: Record<string, unknown> | unknown[]; key: string | number; depth: number }> = [{ parent: holder, key: "root", depth: 0 }];
  let replaced = 0;
  while (stack.length > 0) {
    const { parent, key, depth } = stack.pop()!;
    const value = (parent as Record<string | number, unknown>)[key];
    if (value === null || typeof value !== "object") continue;
    if (depth >= MAX_CALLABLE_DEPTH || isUndecodableTyped(value)) {
      (parent as Record<string | number, unknown>)[key] = [];
      replaced++;
      continue;
    }
    if (Array.isArray(value)) value.forEach((_, i) => stack.push({ parent: value, key: i, depth: depth + 1 }));
    else for (const k of Object.keys(value)) stack.push({ parent: value as Record<string, unknown>, key: k, depth: depth + 1 });
  }
  return { data: holder.root, replaced };
}

type Handler = (req: Request, res: Response) => void | Promise<void>;

/** Wraps a callable function; everything else about it (its metadata, `run`) stays as it is. */
export function guardCallable<F extends Handler>(callable: F): F {
  return new Proxy(callable, {
    apply(target, thisArg, args: [Request, Response]) {
      const body = args[0].body as { data?: unknown } | undefined;
      if (body && typeof body === "object" && "data" in body) body.data = sanitizeCallableData(body.data).data;
      return Reflect.apply(target, thisArg, args);
    },
  });
}
