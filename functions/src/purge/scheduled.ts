// Adapter from the scheduled event to the purge.
import { settings } from "../config.js";
import { db } from "../shared/firebase.js";
import { purgeDevices, type PurgeSummary } from "./purge.js";

/** The scheduled function's timeout; the purge's time budget must stay below it. */
export const PURGE_TIMEOUT_SECONDS = 540;

export async function runScheduledPurge(): Promise<PurgeSummary> {
  const s = settings();
  return purgeDevices(
    { db: db() },
    {
      inactiveRetentionDays: s.inactiveRetentionDays,
      staleDeviceDays: s.staleDeviceDays,
      timeBudgetMs: Math.min(s.purgeTimeBudgetSeconds, PURGE_TIMEOUT_SECONDS - 30) * 1000,
    },
  );
}
