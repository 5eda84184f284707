import { defineConfig } from "vitest/config";
import LongestFirst from "./test/support/sequencer.js";

/** `npm test` (plain `npx vitest run`): every test, on the substrate the global setup provides. */
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Builds before tsconfig.build.json compiled the tests into dist/ as well: run the sources only.
    exclude: ["**/node_modules/**", "**/dist/**"],
    globalSetup: ["test/support/global-setup.ts"],
    // GOGC: the tests call the Pulumi CLI ~450 times for small stacks; a lazier Go GC saves a
    // third of each short call's CPU (0.33 → 0.21 s for `pulumi version`).
    env: { GOGC: "400" },
    // Three workers on two cores: an engine journey leaves a core idle while it waits (plugin
    // start, moto, retries), and a third file fills it (measured: 3 workers 302 s, 4 workers 333 s).
    maxWorkers: 3,
    // Files share their worker's module cache (the SDK and @pulumi/pulumi load once per worker,
    // not once per file: 79 s → 20 s of imports). Files that change process.env restore it.
    isolate: false,
    sequence: { sequencer: LongestFirst },
    // Engine journeys take 10–60 s alone; a loaded 2-core machine can triple that.
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
