/**
 * The operator experience around a real run: one kept drill through the real
 * engine (stand-in plugin, moto) with webhooks that work, fail and hang, and
 * Japanese reports; then `status`, `history` and `report` on its state dir, and
 * the CLI's NDJSON, plain and live (pseudo-terminal) output of a run that
 * stops in preflight.
 */
import { execa } from "execa";
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NotificationPayload } from "../../automation/notify.js";
import { runDrill } from "../../automation/journeys/drill.js";
import { getStatus } from "../../automation/status.js";
import { cliPath, examplePlanPath, repoRoot, runCli, tempDir } from "../support/cli.js";
import { startE2eWorld, TARGET, type E2eWorld } from "../support/e2e.js";

let e2e: E2eWorld;
const servers: Server[] = [];
async function hook(behaviour: number | "hang"): Promise<{ url: string; bodies: NotificationPayload[] }> {
  const bodies: NotificationPayload[] = [];
  const server = createServer((request, response) => {
    let text = "";
    request.on("data", (chunk) => (text += chunk));
    request.on("end", () => {
      bodies.push(JSON.parse(text));
      if (behaviour !== "hang") response.writeHead(behaviour).end();
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, bodies };
}

beforeAll(async () => {
  e2e = await startE2eWorld();
});
afterAll(async () => {
  await e2e?.stop();
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
});

describe("a kept drill, seen by an operator", () => {
  it("announces its budget, notifies through failing webhooks without failing, writes JSON/Markdown/HTML in Japanese; status, history and report read it back", async () => {
    const [good, broken, stuck] = await Promise.all([hook(200), hook(500), hook("hang")]);
    const run = await e2e.seed(undefined, (plan) => ({
      ...plan,
      notifications: {
        timeout: 1_000,
        webhooks: [
          { kind: "json" as const, url: good.url },
          { kind: "json" as const, url: broken.url },
          { kind: "slack" as const, url: stuck.url },
        ],
      },
    }));
    const { notifyingSink } = await import("../../automation/notify.js");
    const emit = notifyingSink(run.events, run.plan.notifications!);
    const report = await runDrill(
      run.context({ emit, reportLanguage: "ja", planFile: "examples/peoplebooster.yaml" }),
      { keep: true },
    );
    await emit.flush();

    expect(report.result).toBe("succeeded");
    const started = run.events.events.find((event) => event.type === "run-started");
    expect(started).toMatchObject({
      rtoBudgetMs: 4 * 3_600_000,
      incidentStart: report.incidentStart,
      expectedPhaseMs: { database: 30 * 60_000, service: 10 * 60_000 },
    });
    const finished = run.events.events.find((event) => event.type === "run-finished");
    expect(finished).toMatchObject({ ok: true, summary: { result: "succeeded", rtoMet: true, rpoMet: true } });

    // Notifications: the good endpoint saw the run from start to finish; the bad ones cost one warning each.
    const types = good.bodies.sort((a, b) => a.sequence - b.sequence).map((body) => body.event.type);
    expect(types[0]).toBe("run-started");
    expect(types).toContain("phase-finished");
    expect(types.at(-1)).toBe("run-finished");
    expect(good.bodies.at(-1)?.summary).toMatchObject({ result: "succeeded", journey: "drill" });
    expect(
      run.events.events.filter((event) => event.type === "warning" && event.code === "NOTIFICATION_FAILED"),
    ).toHaveLength(2);
    expect(JSON.stringify(good.bodies)).not.toContain(run.world.databasePassword);

    // Three renderings beside each other, in Japanese.
    const dir = `${run.stateDir}/runs/${report.runId}`;
    expect(finished && "reportPaths" in finished ? finished.reportPaths : []).toEqual([
      `${dir}/report.json`,
      `${dir}/report.md`,
      `${dir}/report.html`,
    ]);
    expect(await readFile(`${dir}/report.md`, "utf8")).toContain(
      "# DR訓練レポート peoplebooster → ap-northeast-3: 成功 (エミュレータでのリハーサル)",
    );
    const html = await readFile(`${dir}/report.html`, "utf8");
    expect(html).toContain('<svg id="timeline"');
    expect(html).toContain("examples/peoplebooster.yaml");

    // status: the kept drill is flagged once older than --max-drill-age.
    const statuses = await getStatus({
      plan: run.plan,
      maxDrillAgeMs: 1,
      workspace: { ...run.context().workspace, requireSecrets: false },
    });
    expect(statuses).toEqual([expect.objectContaining({ stackName: report.stackName, mode: "drill", stale: true })]);
    const env = { PULUMI_CONFIG_PASSPHRASE: "dr-failover-emulator-rehearsal" };
    const fresh = await runCli(["--state-dir", run.stateDir, "status", "-p", examplePlanPath], { env });
    expect(fresh.exitCode).toBe(0);
    expect(fresh.stderr).not.toContain("DRILL_STACK_KEPT");
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const old = await runCli(["--state-dir", run.stateDir, "status", "-p", examplePlanPath, "--max-drill-age", "1s"], {
      env,
    });
    expect(old.stderr).toContain(`⚠ DRILL_STACK_KEPT: ${report.stackName} has been kept for`);
    expect(old.stderr).toContain(`dr-failover destroy --stack ${report.stackName}`);
    expect((await runCli(["--state-dir", run.stateDir, "status", "--max-drill-age", "soon"])).stderr).toContain(
      "error MAX_DRILL_AGE_INVALID",
    );

    // history and report re-render the past run.
    const history = await runCli(["--state-dir", run.stateDir, "history", "-p", examplePlanPath]);
    expect(history.exitCode).toBe(0);
    expect(history.stdout).toMatch(/^date \(UTC\) +journey +target +RTO +% budget +RPO +result +run$/m);
    expect(history.stdout).toContain(`drill (emu)  ${TARGET}`);
    expect(history.stdout).toContain(report.runId);
    const asHtml = await runCli([
      "--state-dir",
      run.stateDir,
      "--lang",
      "ja",
      "report",
      report.runId,
      "--format",
      "html",
    ]);
    expect(asHtml.stdout).toContain("DR訓練レポート");
    expect(asHtml.stdout).toContain('<svg id="timeline"');
    const asMarkdown = await runCli(["--state-dir", run.stateDir, "report", report.runId]);
    expect(asMarkdown.stdout).toContain("# DR drill peoplebooster → ap-northeast-3: succeeded");
    const asJson = JSON.parse(
      (await runCli(["--state-dir", run.stateDir, "report", report.runId, "--format", "json"])).stdout,
    );
    expect(asJson).toMatchObject({ schemaVersion: 1, runId: report.runId, planFile: "examples/peoplebooster.yaml" });
  });
});

describe("CLI output modes", () => {
  // A drill asked for a snapshot that does not exist stops in preflight: events, no engine.
  const failingDrill = (stateDir: string, ...extra: string[]) => [
    "--state-dir",
    stateDir,
    ...extra,
    "drill",
    "-p",
    examplePlanPath,
    "-r",
    TARGET,
    "--emulator",
    "--snapshot",
    "no-such-snapshot",
  ];

  it("--json prints one versioned JSON event per line, never a redraw", async () => {
    const state = await tempDir();
    try {
      const json = await runCli(failingDrill(state.path, "--json"), { env: { CI: "true" } });
      expect(json.exitCode).toBe(3);
      // The emulator says what it is doing from its first second, on stderr (stdout stays NDJSON).
      expect(json.stderr).toMatch(/^emulator: starting moto on 127\.0\.0\.1/m);
      expect(json.stderr).toMatch(/^emulator: ready after \d+\.\d s/m);
      const events = json.stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line));
      expect(events.every((event) => event.schemaVersion === 1 && typeof event.type === "string")).toBe(true);
      expect(events.map((event) => event.type)).toEqual(
        ["run-started", "phase-started", "phase-finished", "run-finished", "error"].slice(0, events.length),
      );
      expect(events[0]).toMatchObject({ type: "run-started", journey: "drill", rtoBudgetMs: 14_400_000 });
      expect(json.stdout).not.toContain("\x1b[");
    } finally {
      await state.cleanup();
    }
  });

  it("in an interactive terminal (a pseudo-terminal, CI unset) the live view draws the phases and the RTO clock", async () => {
    const state = await tempDir();
    try {
      const command = [process.execPath, cliPath, ...failingDrill(state.path)].map((part) => `'${part}'`).join(" ");
      // `script` gives a pseudo-terminal of zero rows: size it like a real one first.
      const result = await execa("script", ["-qfec", `stty rows 40 cols 120; ${command}`, "/dev/null"], {
        cwd: repoRoot,
        reject: false,
        timeout: 90_000,
        env: {
          CI: undefined,
          GITHUB_ACTIONS: undefined,
          TERM: "xterm-256color",
          COLUMNS: "120",
          NODE_NO_WARNINGS: "1",
          PULUMI_SKIP_UPDATE_CHECK: "true",
        },
        extendEnv: true,
      });
      const screen = result.stdout.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "");
      expect(result.stdout).toMatch(/\x1b\[\d*A/); // redrawn in place (cursor up)
      expect(screen).toContain("dr-failover drill → ap-northeast-3");
      expect(screen).toMatch(/RTO 0:00:\d\d \/ 4:00:00 — 0\.0 %/);
      expect(screen).toMatch(/✖ preflight/);
      expect(screen).toContain("error SNAPSHOT");
    } finally {
      await state.cleanup();
    }
  });
});
