/** AWS that does not answer at all: one clear line and the documented AWS exit code (4), nothing created. */
import { describe, expect, it } from "vitest";
import { freePort } from "../../emulator/rehearsal/moto.js";
import { examplePlanPath, runCli, tempDir } from "../support/cli.js";

describe("an unreachable AWS endpoint", () => {
  it("fails the drill in preflight with exit 4 and one AWS_UNREACHABLE line, not a list of raw connection errors", async () => {
    const state = await tempDir();
    try {
      const closed = `http://127.0.0.1:${await freePort()}`;
      const result = await runCli(
        ["--endpoint-url", closed, "--state-dir", state.path, "drill", "-p", examplePlanPath, "-r", "ap-northeast-3"],
        { env: { PULUMI_CONFIG_PASSPHRASE: "test-passphrase" } },
      );
      expect(result.exitCode, result.stderr).toBe(4);
      expect(result.stderr).toMatch(
        /^error AWS_UNREACHABLE: AWS in ap-northeast-3 did not answer \(ECONNREFUSED\); nothing was created$/m,
      );
      expect(result.stderr).toContain(`hint: Check the network and the endpoint (${closed})`);
      expect(result.stderr.match(/ECONNREFUSED/g)).toHaveLength(1);
    } finally {
      await state.cleanup();
    }
  });
});
