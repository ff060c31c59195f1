// Retry delays for transient FCM errors: exponential backoff with full jitter, Retry-After as a floor.

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

/**
 * Delay before the attempt after `attempt` (the 1-based attempt that just failed):
 * `random() * min(maxMs, baseMs * 2^(attempt-1))`, raised to `retryAfterMs` when the server asked
 * for that, and never above `maxMs`: a server asking for hours must not hold a function open past
 * its timeout, so the fan-out's own attempt limit decides what happens instead.
 */
export function backoffDelayMs(attempt: number, options: BackoffOptions, retryAfterMs?: number, random: () => number = Math.random): number {
  const cap = Math.max(0, Math.floor(finiteOr(options.maxMs, 0)));
  const base = Math.max(0, finiteOr(options.baseMs, 0));
  // Exponent clamped so 0 * 2^1024 (= NaN) and huge attempts cannot escape the cap.
  const exponent = Math.min(Math.max(0, Math.floor(finiteOr(attempt, 1)) - 1), 52);
  const ceiling = Math.min(cap, base * 2 ** exponent);
  const r = Math.min(Math.max(finiteOr(random(), 0), 0), 1);
  let delay = Math.floor(r * ceiling);
  if (retryAfterMs !== undefined && Number.isFinite(retryAfterMs)) {
    delay = Math.max(delay, Math.ceil(retryAfterMs));
  }
  return Math.max(0, Math.min(cap, delay));
}

function finiteOr(value: number, fallback: number): number {
  return Number.isFinite(value) ? value : fallback;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
