import { describe, expect, it } from "vitest";
import { MAX_CALLABLE_DEPTH, sanitizeCallableData } from "../../src/shared/callable-guard";

const nested = (depth: number): unknown => {
  let value: unknown = "leaf";
  for (let i = 0; i < depth; i++) value = [value];
  return value;
};

describe("sanitizeCallableData", () => {
  it("leaves ordinary data and the protocol's 64-bit integers alone", () => {
    const data = { token: "t", type: "ios", name: null, tags: ["a", { b: 1 }], n: { "@type": "type.googleapis.com/google.protobuf.Int64Value", value: "42" } };
    expect(sanitizeCallableData(structuredClone(data))).toEqual({ data, replaced: 0 });
    expect(sanitizeCallableData(nested(MAX_CALLABLE_DEPTH))).toEqual({ data: nested(MAX_CALLABLE_DEPTH), replaced: 0 });
    expect(sanitizeCallableData(null)).toEqual({ data: null, replaced: 0 });
  });

  it("replaces '@type' objects the SDK cannot decode with [] where they stand", () => {
    expect(sanitizeCallableData({ token: "t", name: { "@type": "x" } })).toEqual({ data: { token: "t", name: [] }, replaced: 1 });
    expect(sanitizeCallableData({ "@type": "x" })).toEqual({ data: [], replaced: 1 });
    const badLong = [{ "@type": "type.googleapis.com/google.protobuf.Int64Value", value: "nope" }];
    expect(sanitizeCallableData(badLong)).toEqual({ data: [[]], replaced: 1 });
  });

  it("cuts nesting deeper than the limit, even 5,000 levels, without recursion", () => {
    const { data, replaced } = sanitizeCallableData({ name: nested(5000) });
    expect(replaced).toBe(1);
    let depth = 0;
    let cursor: unknown = (data as { name: unknown }).name;
    while (Array.isArray(cursor) && cursor.length > 0) {
      cursor = cursor[0];
      depth++;
    }
    expect(depth).toBe(MAX_CALLABLE_DEPTH - 1);
  });
});
