/**
 * The GitHub Actions example (docs/github-actions.md) stays a valid workflow
 * that calls commands and options the CLI has: a daily check, a monthly drill
 * whose HTML report is uploaded.
 */
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { buildProgram } from "../../cli/program.js";

const workflow = parse(await readFile("examples/github-actions/dr-readiness.yml", "utf8")) as {
  on: { schedule: { cron: string }[] };
  jobs: Record<string, { if: string; steps: { run?: string; uses?: string; with?: Record<string, string> }[] }>;
};

describe("the GitHub Actions example", () => {
  it("runs check daily and drill monthly, with commands and options the CLI declares", () => {
    expect(workflow.on.schedule.map((entry) => entry.cron)).toEqual(["0 0 * * *", "0 18 1 * *"]);
    expect(Object.keys(workflow.jobs)).toEqual(["check", "drill"]);
    const program = buildProgram();
    for (const [name, job] of Object.entries(workflow.jobs)) {
      const line = job.steps.map((step) => step.run ?? "").find((run) => run.includes("node dist/index.js"));
      const args = line!.split("node dist/index.js ")[1].split(/[\n|]/)[0].trim().split(/\s+/);
      expect(args[0]).toBe(name);
      const command = program.commands.find((candidate) => candidate.name() === name)!;
      const known = [...command.options, ...program.options].flatMap((option) => [option.short, option.long]);
      for (const flag of args.filter((arg) => arg.startsWith("-"))) expect(known, `${name} ${flag}`).toContain(flag);
    }
    const upload = workflow.jobs.drill.steps.find((step) => step.uses?.startsWith("actions/upload-artifact"));
    expect(upload?.with?.path).toBe(".dr-failover/runs/*/report.html");
  });
});
