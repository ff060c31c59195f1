// Quiet-hours window maths on a device's own wall clock (its IANA zone, DST included, through the
// local-time code): whether an instant falls inside a `start`–`end` window, and when that window ends.
import { canonicalTimeZone, offsetMinutes, parseLocalTime } from "../notifications/local-time.js";
import type { QuietHours } from "./schema.js";

const MINUTE_MS = 60_000;
const DAY_MINUTES = 1440;

/** Minutes since local midnight that `timeZone`'s wall clock shows at `instantMs`. */
export function wallMinutes(instantMs: number, timeZone: string): number {
  const wallMs = instantMs + offsetMinutes(instantMs, timeZone) * MINUTE_MS;
  return (((Math.floor(wallMs / MINUTE_MS) % DAY_MINUTES) + DAY_MINUTES) % DAY_MINUTES);
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
 * window. Walked on the wall clock, so a DST change inside the window is followed: a fall-back
 * repeats an hour (the window goes on while the clock shows it), a spring-forward gap that
 * swallows the end pushes it by the gap (the clock never shows it; as localTime does).
 */
export function quietUntil(nowMs: number, quiet: QuietHours, timeZone: string): number | undefined {
  const start = minutesOf(quiet.start);
  const end = minutesOf(quiet.end);
  if (start === undefined || end === undefined || start === end) return undefined;
  const minuteStart = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS;
  let at = minuteStart;
  let minute = wallMinutes(at, timeZone);
  if (!insideWindow(minute, start, end)) return undefined;
  // A DST shift met on the way can leave the clock inside the window again; a few steps settle it.
  for (let step = 0; step < 4 && insideWindow(minute, start, end); step++) {
    at += ((end - minute + DAY_MINUTES) % DAY_MINUTES) * MINUTE_MS;
    minute = wallMinutes(at, timeZone);
  }
  return at;
}

/** The zone a device's quiet hours are read in: its own if valid, else the default. */
export function zoneOf(deviceZone: string | null | undefined, defaultZone: string): string {
  return (deviceZone && canonicalTimeZone(deviceZone)) || canonicalTimeZone(defaultZone) || "Etc/UTC";
}
