/**
 * AWS faults through the real CLI, drill side: a seeded fault proxy in front
 * of moto (throttling, 429, 500, 503, dropped connections) for the tool's SDK
 * clients and the stand-in plugin alike, and a scan of everything written for
 * the database passwords. The failover side: faults-failover.test.ts.
 *
 * Pinned:
 * - at 20 % injected errors a drill completes and leaves nothing behind;
 * - at 100 % (switched on once the database exists) the drill fails fast,
 *   its report says its teardown failed, and destroy --stack at 0 % removes
 *   what it left;
 * - neither the seeded password nor the drill's generated DB password appears
 *   in any stdout, stderr, journal, report or state file (secrets found = 0).
 */
import { GetSecretValueCommand, ListSecretsCommand } from "@aws-sdk/client-secrets-manager";
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { diffMotoState } from "../support/moto-state.js";
import { TARGET } from "../support/cli-world.js";
import { show, useFaultWorld } from "../support/faults.js";

const f = useFaultWorld("fault matrix (drill)");
/** The DB password the drill at 20 % generated, read from its DR secret before its teardown deletes it. */
let generatedPassword: string | undefined;

/** The password in the drill's DR secret (read directly from moto, not through the proxy). */
async function drillPassword(): Promise<string | undefined> {
  const { w } = f;
  const listed = await w.aws.secrets(TARGET).send(
    new ListSecretsCommand({
      Filters: [{ Key: "name", Values: [`${w.plan.secrets.databaseSecretName}/dr-drill-`] }],
    }),
  );
  const [live] = (listed.SecretList ?? []).filter((candidate) => !candidate.DeletedDate);
  if (!live) return undefined;
  const secret = await w.aws.secrets(TARGET).send(new GetSecretValueCommand({ SecretId: live.ARN }));
  return (JSON.parse(secret.SecretString ?? "{}") as { password?: string }).password;
}

// Several engine runs per test, on a 2-core box shared with the rest of the suite.
describe("faults from AWS during a drill", { timeout: 420_000 }, () => {
  it("a drill completes at 20 % injected errors (throttling, 429, 500, 503, dropped connections)", async () => {
    const { w, proxy, cli, figure, injectedTotal, baseline } = f;
    proxy.resetStats();
    proxy.setErrorRate(0.2);
    // The drill deletes its secret at once in its teardown: read the generated password while the secret exists.
    let captured: Promise<string | undefined> | undefined;
    const run = await cli(["drill", "-p", w.planPath, "-r", TARGET], {
      onEvent: (event) => {
        if (
          !captured &&
          event.type === "resource" &&
          event.status === "done" &&
          event.resourceType === "aws:secretsmanager/secretVersion:SecretVersion"
        ) {
          captured = drillPassword();
        }
      },
    });
    generatedPassword = await captured;
    figure("drill @20%", run);
    expect(run.exitCode, show(run)).toBe(0);
    expect(injectedTotal()).toBeGreaterThan(10);
    expect(diffMotoState(baseline, await w.summary())).toEqual({ added: {}, removed: {} });
  });

  it("a drill turned to 100 % errors once the database exists fails fast, reports its failed teardown, and destroy --stack at 0 % removes what it left", async () => {
    const { w, proxy, cli, figure, baseline } = f;
    proxy.resetStats();
    proxy.setErrorRate(0.2);
    const broken = await cli(["drill", "-p", w.planPath, "-r", TARGET], {
      onEvent: (event) => {
        if (event.type === "resource" && event.status === "done" && event.resourceType === "aws:rds/instance:Instance")
          proxy.setErrorRate(1);
      },
    });
    figure("drill @20%→100%", broken);
    expect([1, 4], show(broken)).toContain(broken.exitCode);
    expect(broken.stderr).toMatch(/^error [A-Z_]+: /m);
    expect(broken.durationMs).toBeLessThan(150_000);
    const stackName = String(broken.events.find((event) => event.type === "run-started")?.stackName);
    const report = JSON.parse(
      await readFile(
        String(
          (broken.events.find((event) => event.type === "run-finished") as { reportPaths?: string[] })
            ?.reportPaths?.[0],
        ),
        "utf8",
      ),
    );
    expect(report.teardown).toMatchObject({ performed: true, ok: false });
    expect(await w.drDatabase(`${w.plan.database.sourceIdentifier}-drill-${stackName.slice(-4)}`)).toBeDefined();

    proxy.setErrorRate(0);
    const cleaned = await cli(["destroy", "-p", w.planPath, "-r", TARGET, "--stack", stackName]);
    figure("destroy --stack @0% after it", cleaned);
    expect(cleaned.exitCode, show(cleaned)).toBe(0);
    expect(diffMotoState(baseline, await w.summary())).toEqual({ added: {}, removed: {} });
  });
});

describe("secrets", () => {
  it("neither the seeded password nor the drill's generated DB password appears in anything written (stdout, stderr, journal, reports, state)", async () => {
    expect(generatedPassword, "the generated password was captured during the drill at 20 %").toBeTruthy();
    await f.expectNoSecrets([f.w.world.databasePassword, generatedPassword!]);
  });
});
