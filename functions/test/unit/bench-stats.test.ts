import { describe, expect, it } from "vitest";
import { writeKindOf } from "../../tools/bench/counting";
import { median, medianOf, percentile, summarizeLatencies } from "../../tools/bench/stats";

describe("bench statistics", () => {
  it("median of odd and even counts, unsorted input left untouched", () => {
    const input = [5, 1, 3];
    expect(median(input)).toBe(3);
    expect(input).toEqual([5, 1, 3]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
    expect(median([])).toBeNaN();
  });

  it("nearest-rank percentiles are measured values", () => {
    const hundred = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 95)).toBe(95);
    expect(percentile(hundred, 100)).toBe(100);
    expect(percentile([10, 20, 30], 50)).toBe(20);
    expect(percentile([10, 20, 30], 95)).toBe(30);
    expect(percentile([42], 1)).toBe(42);
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 0)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });

  it("summarizes a load run: p50, p95 and calls per second", () => {
    const latencies = Array.from({ length: 200 }, (_, i) => i + 1);
    expect(summarizeLatencies(latencies, 4000)).toEqual({ calls: 200, p50: 100, p95: 190, callsPerSecond: 50 });
  });

  it("takes the median of every field over runs", () => {
    expect(
      medianOf([
        { a: 1, b: 10 },
        { a: 3, b: 30 },
        { a: 2, b: 50 },
      ]),
    ).toEqual({ a: 2, b: 30 });
    expect(() => medianOf([])).toThrow(RangeError);
  });

  it("tells the sandbox outbox (FCM's stand-in) apart from the fan-out's own writes", () => {
    expect(writeKindOf("sandboxOutbox/abc")).toBe("outbox");
    expect(writeKindOf("notifications/n1/deliveries/d1")).toBe("deliveries");
    expect(writeKindOf("benchNotifications/n1/deliveries/d1")).toBe("deliveries");
    expect(writeKindOf("users/u1/devices/d1")).toBe("devices");
    expect(writeKindOf("notifications/n1")).toBe("other");
    expect(writeKindOf("deliveries/x")).toBe("other");
  });
});
