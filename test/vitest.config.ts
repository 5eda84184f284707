import { defineConfig } from "vitest/config";
import LongestFirst from "./support/sequencer.js";

export default defineConfig({
  test: {
    root: new URL("..", import.meta.url).pathname,
    include: ["test/**/*.test.ts"],
    // tsc compiles the tests into dist/ as well: run the sources only.
    exclude: ["**/node_modules/**", "**/dist/**"],
    globalSetup: ["test/support/global-setup.ts"],
    // The SDK's notice about its Node 22 plans would repeat in every worker's output.
    // GOGC: the tests call the Pulumi CLI ~450 times for small stacks; a lazier Go GC saves a
    // third of each short call's CPU (0.33 → 0.21 s for `pulumi version`).
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true", GOGC: "400" },
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
