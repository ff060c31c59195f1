// Quiet-hours window maths on a device's own wall clock (its IANA zone, DST included, through the
// local-time code): whether an instant falls inside a `start`–`end` window, and when that window ends.
import { canonicalTimeZone, nextLocalInstant, offsetMinutes, parseLocalTime } from "../notifications/local-time.js";
import type { QuietHours } from "./schema.js";

const MINUTE_MS = 60_000;
const DAY_MINUTES = 1440;

/** Minutes since local midnight that `timeZone`'s wall clock shows at `instantMs`. */
export function wallMinutes(instantMs: number, timeZone: string): number {
  const wallMs = instantMs + offsetMinutes(instantMs, timeZone) * MINUTE_MS;
  return ((Math.floor(wallMs / MINUTE_MS) % DAY_MINUTES) + DAY_MINUTES) % DAY_MINUTES;
}

const minutesOf = (hhmm: string) => {
  const t = parseLocalTime(hhmm);
  return t ? t.hour * 60 + t.minute : undefined;
};

/** Whether `minute` (of the local day) is inside [start, end), a window that may cross midnight. */
export function insideWindow(minute: number, start: number, end: number): boolean {
  return start < end ? minute >= start && minute < end : minute >= start || minute < end;
}

/**
 * When a device in `timeZone` whose user keeps `quiet` hours may receive a notification arriving at
 * `nowMs`: undefined when it may now, else the first minute at which its wall clock has left the
 * window: the earlier of two readings. The next instant the clock shows `end` (localTime's
 * DST-correct search: a spring-forward night is an hour shorter, an end the gap swallows is pushed
 * by the gap); and a walk on the wall clock, which alone sees that inside a fall-back's repeated
 * hour the window ends at this pass's `end`, not the next day's.
 */
export function quietUntil(nowMs: number, quiet: QuietHours, timeZone: string): number | undefined {
  const start = minutesOf(quiet.start);
  const end = minutesOf(quiet.end);
  if (start === undefined || end === undefined || start === end) return undefined;
  let at = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS;
  let minute = wallMinutes(at, timeZone);
  if (!insideWindow(minute, start, end)) return undefined;
  // A DST shift met on the way can leave the clock inside the window again; a few steps settle it.
  for (let step = 0; step < 4 && insideWindow(minute, start, end); step++) {
    at += ((end - minute + DAY_MINUTES) % DAY_MINUTES) * MINUTE_MS;
    minute = wallMinutes(at, timeZone);
  }
  const endTime = parseLocalTime(quiet.end)!;
  return Math.min(at, nextLocalInstant(nowMs, endTime, timeZone));
}

/** The zone a device's quiet hours are read in: its own if valid, else the default. */
export function zoneOf(deviceZone: string | null | undefined, defaultZone: string): string {
  return (deviceZone && canonicalTimeZone(deviceZone)) || canonicalTimeZone(defaultZone) || "Etc/UTC";
}
