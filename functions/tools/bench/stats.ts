// Order statistics for the benchmark: medians of repeated runs and latency percentiles. Pure, so
// unit-tested (test/unit/bench-stats.test.ts).

/** The middle value (mean of the two middle ones for an even count); NaN for no values. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * The nearest-rank percentile: the smallest value with at least p% of the values at or below it,
 * so it is always one of the measured values (p95 of 200 calls is the 190th fastest).
 */
export function percentile(values: readonly number[], p: number): number {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil((p / 100) * sorted.length) - 1]!;
}

export interface LatencySummary {
  calls: number;
  p50: number;
  p95: number;
  /** Completed calls per second of wall time (all workers together). */
  callsPerSecond: number;
}

/** Summarizes one load run: per-call latencies in ms and the run's wall time in ms. */
export function summarizeLatencies(latenciesMs: readonly number[], wallMs: number): LatencySummary {
  return {
    calls: latenciesMs.length,
    p50: percentile(latenciesMs, 50),
    p95: percentile(latenciesMs, 95),
    callsPerSecond: wallMs > 0 ? (latenciesMs.length * 1000) / wallMs : Number.NaN,
  };
}

/** For each numeric field, the median over runs (fields are taken from the first run). */
export function medianOf<T extends Record<string, number>>(runs: readonly T[]): T {
  if (runs.length === 0) throw new RangeError("medianOf needs at least one run");
  const out: Record<string, number> = {};
  for (const key of Object.keys(runs[0]!)) out[key] = median(runs.map((r) => r[key]!));
  return out as T;
}
