import { defineConfig } from "vitest/config";

// `unit` runs anywhere; `emulator` needs the Emulator Suite (npm test at the repo root starts it).
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
        },
      },
    ],
  },
});
