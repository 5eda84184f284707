/** Every line the CLI prints under --json is one JSON object carrying the schema version (docs/events.md). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EVENT_SCHEMA_VERSION } from "../../automation/events.js";
import { examplePlanPath, runCli, tempDir } from "../support/cli.js";

describe("--json output", () => {
  let stateDir: { path: string; cleanup: () => Promise<void> };
  beforeAll(async () => {
    stateDir = await tempDir();
  });
  afterAll(async () => stateDir.cleanup());

  const commands: [string, string[], number][] = [
    ["validate", ["validate", "-p", examplePlanPath], 0],
    ["plan-schema", ["plan-schema"], 0],
    ["iam-policy", ["iam-policy", "-p", examplePlanPath, "--journey", "drill"], 0],
    ["history", ["history"], 0],
    ["status", ["status"], 0],
    ["an error", ["drill", "-p", examplePlanPath, "-r", "eu-west-9"], 2],
  ];

  it.each(commands)("%s: one JSON object per line, each with schemaVersion", async (_name, args, exitCode) => {
    const result = await runCli(["--json", "--state-dir", stateDir.path, ...args]);
    expect(result.exitCode, result.stderr).toBe(exitCode);
    const lines = result.stdout.split("\n").filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines)
      expect(JSON.parse(line)).toMatchObject({ schemaVersion: EVENT_SCHEMA_VERSION, type: expect.any(String) });
  });
});
