import { defineConfig } from "vitest/config";

// `unit` runs anywhere; `emulator` and `console` need the Emulator Suite (npm test at the repo root starts it).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
        },
      },
      {
        test: {
          name: "emulator",
          include: ["test/integration/**/*.test.ts", "test/rules/**/*.test.ts"],
          // One shared emulator database: files run one after another, tests use their own ids.
          fileParallelism: false,
          // Function code run in-process logs structured JSON; show it only for failing tests.
          silent: "passed-only",
          testTimeout: 60_000,
          hookTimeout: 60_000,
          globalSetup: ["test/helpers/global-setup.ts"],
          setupFiles: ["test/helpers/clean-up.ts"],
          // firebase-admin would look for a Google Cloud metadata server (offline: a warning); the emulators need no credentials.
          env: { METADATA_SERVER_DETECTION: "none" },
        },
      },
      {
        test: {
          // The admin console in headless Chromium, served by the Hosting emulator.
          name: "console",
          include: ["test/console/**/*.test.ts"],
          // Like the emulator project's files, one at a time: vitest then runs the two projects' files
          // one after another, so a browser never competes with a fan-out suite for the 2 cores.
          fileParallelism: false,
          silent: "passed-only",
          testTimeout: 60_000,
          hookTimeout: 60_000,
          globalSetup: ["test/console/global-setup.ts"],
          // firebase-admin would look for a Google Cloud metadata server (offline: a warning); the emulators need no credentials.
          env: { METADATA_SERVER_DETECTION: "none" },
        },
      },
    ],
  },
});
