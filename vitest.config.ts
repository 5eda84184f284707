import { defineConfig } from "vitest/config";
import LongestFirst from "./test/support/sequencer.js";

/** `npm test` (plain `npx vitest run`): every test, on the substrate the global setup provides. */
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Builds before tsconfig.build.json compiled the tests into dist/ as well: run the sources only.
    exclude: ["**/node_modules/**", "**/dist/**"],
    globalSetup: ["test/support/global-setup.ts"],
    // GOGC: the tests call the Pulumi CLI hundreds of times for small stacks; a lazier Go GC
    // saves a good part of each short call's CPU (figures: docs/emulator.md).
    env: { GOGC: "400" },
    // Three workers on two cores: an engine journey leaves a core idle while it waits (plugin
    // start, moto, retries), and a third file fills it (a fourth made the suite slower).
    maxWorkers: 3,
    // Files share their worker's module cache (the SDK and @pulumi/pulumi load once per worker,
    // not once per file). Files that change process.env restore it.
    isolate: false,
    sequence: { sequencer: LongestFirst },
    // Engine journeys take 10–60 s alone; a loaded 2-core machine can triple that.
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
