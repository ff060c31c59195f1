// Adapter from the scheduled event to the purge.
import { ConfigError, config } from "../config.js";
import { db } from "../shared/firebase.js";
import { type PurgeSummary, purgeDevices } from "./purge.js";

/** The scheduled function's timeout; the purge's time budget must stay below it. */
export const PURGE_TIMEOUT_SECONDS = 540;

/** Runs the purge; a bad setting is logged (config.invalid) and the run skipped, not retried. */
export async function runScheduledPurge(): Promise<PurgeSummary | undefined> {
  let options;
  try {
    options = {
      inactiveRetentionDays: config.inactiveRetentionDays(),
      staleDeviceDays: config.staleDeviceDays(),
      timeBudgetMs: Math.min(config.purgeTimeBudgetSeconds(), PURGE_TIMEOUT_SECONDS - 30) * 1000,
    };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    error.report();
    return undefined;
  }
  return purgeDevices({ db: db() }, options);
}
