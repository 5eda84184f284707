/** Usage errors through the real CLI: exit 2, one `error USAGE:` line naming what is wrong, a hint with the fix. */
import { describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { examplePlanPath, runCli, tempDir } from "../support/cli.js";

describe("usage errors", () => {
  it("a mistyped option is reported as unknown, with a suggestion, even when a required option is then missing", async () => {
    const result = await runCli(["drill", "--plann", examplePlanPath, "-r", "ap-northeast-3"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^error USAGE: unknown option '--plann'$/m);
    expect(result.stderr).toMatch(/^ {2}hint: Did you mean --plan\? /m);
    expect(result.stderr).not.toMatch(/required option/);
  });

  it("a missing required option is named", async () => {
    const result = await runCli(["destroy", "-p", examplePlanPath]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^error USAGE: required option '-r, --target-region <region>' not specified$/m);
  });

  it("a mistyped command gets a suggestion", async () => {
    const result = await runCli(["dril"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^error USAGE: unknown command 'dril'$/m);
    expect(result.stderr).toMatch(/hint: Did you mean drill\?/);
  });
});

describe("usage errors are not runs", () => {
  it("a drill refused for a missing passphrase (exit 2) leaves no report, no journal line and nothing in history", async () => {
    const state = await tempDir();
    try {
      const env = { PULUMI_CONFIG_PASSPHRASE: undefined, PULUMI_CONFIG_PASSPHRASE_FILE: undefined };
      const drill = await runCli(["--state-dir", state.path, "drill", "-p", examplePlanPath, "-r", "ap-northeast-3"], {
        env,
      });
      expect(drill.exitCode, drill.stderr).toBe(2);
      expect(drill.stderr).toMatch(/^error PASSPHRASE_MISSING:/m);
      expect(existsSync(join(state.path, "runs"))).toBe(false);
      expect(existsSync(join(state.path, "journal.ndjson"))).toBe(false);
      const history = await runCli(["--json", "--state-dir", state.path, "history"]);
      expect(JSON.parse(history.stdout)).toMatchObject({ type: "history", entries: [] });
    } finally {
      await state.cleanup();
    }
  });
});
