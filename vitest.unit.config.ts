import { defineConfig } from "vitest/config";

/**
 * `npm run test:unit`, the fast tier: the tests that need no moto, no Pulumi CLI and no build
 * (so no global setup). test/ux/browser needs Debian's chromium and stays in `npm test` only.
 */
export default defineConfig({
  test: {
    include: [
      "test/unit/**/*.test.ts",
      "test/ux/failback-render.test.ts",
      "test/ux/history.test.ts",
      "test/ux/live-view.test.ts",
      "test/ux/notify.test.ts",
      "test/ux/progress.test.ts",
      "test/ux/report-render.test.ts",
    ],
    // No build: the CLI tests run index.ts through tsx instead of dist/index.js (test/support/cli.ts).
    env: { DR_FAILOVER_TEST_CLI_FROM_SOURCE: "1" },
    // As in vitest.config.ts: one module cache per worker (the SDK and @pulumi/pulumi load once).
    isolate: false,
    // A few tests run the CLI itself (from source, through tsx): seconds on a busy 2-core machine.
    testTimeout: 30_000,
    // Vitest's default on two cores is one worker: two finish in 4–5 s instead of 7–8 s.
    maxWorkers: 2,
  },
});
