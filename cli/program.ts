/**
 * The command-line program: declares the commands and their options, nothing
 * else. Each command's module is imported only when it runs, so `--help` and
 * bad input answer fast.
 */
import { Command, Option } from "commander";
import { REPORT_LANGUAGES } from "../automation/report/i18n.js";
import { FAILBACK_METHODS, JOURNEYS } from "../automation/vocabulary.js";
import { execute } from "./exit-codes.js";
import { addTargetOptions, type GlobalOptions, requiredOption } from "./options.js";

/** A command's action: its module loaded on demand and run under `execute` (exit codes, Ctrl-C). */
function lazyAction<A extends unknown[]>(
  program: Command,
  load: () => Promise<(globals: GlobalOptions, signal: AbortSignal, ...args: A) => Promise<void>>,
): (...args: A) => Promise<void> {
  return async (...args) => {
    const globals = program.opts<GlobalOptions>();
    await execute(globals, async (signal) => (await load())(globals, signal, ...args));
  };
}

export function buildProgram(): Command {
  const program = new Command("dr-failover")
    .description(
      "Fail an AWS application over to another region with Pulumi: drill, failover, destroy — timed against the RTO/RPO.",
    )
    .option(
      "--state-dir <dir>",
      "local state: file backend, reports, journal",
      process.env.DR_FAILOVER_STATE_DIR ?? ".dr-failover",
    )
    .option(
      "--backend <url>",
      "Pulumi backend URL (file://, s3://, https://api.pulumi.com); default: file backend in the state dir",
    )
    .option(
      "--secrets-provider <url>",
      "Pulumi secrets provider (default: passphrase from PULUMI_CONFIG_PASSPHRASE), e.g. awskms://alias/dr?region=…",
    )
    .option(
      "--endpoint-url <url>",
      "AWS endpoint override for every client (an emulator such as LocalStack or moto); default $AWS_ENDPOINT_URL",
    )
    .option("--emulator", "rehearse against a local AWS emulator (moto) seeded from the plan: no AWS account needed")
    .option("--json", "one JSON event per line on stdout (NDJSON, schema in docs/events.md)")
    .addOption(
      new Option("--lang <lang>", "language of the Markdown and HTML reports").choices(REPORT_LANGUAGES).default("en"),
    )
    // Usage errors go through our exit-code mapping (2) and one error format, not commander's exit(1).
    .exitOverride()
    .configureOutput({ outputError: () => undefined })
    .addHelpText(
      "after",
      `
Journeys:
  drill     rebuild in the target region, verify, report, tear down (production DNS untouched)
  failover  rebuild, then switch the production record to the DR region (needs --confirm)
  failback  bring the outage's writes home: DR database → source region, secret, service, DNS back (needs --confirm)
  destroy   restore production DNS, final-snapshot the DR database, remove the stack
  check     is each target ready for a failover right now? (run it daily; exit 3 when not)

Exit codes: 0 ok, 1 tool/engine, 2 usage/plan, 3 precondition (nothing created), 4 AWS,
            5 verification, 6 refused by a safety rule, 130 interrupted.`,
    );

  addTargetOptions(
    program
      .command("drill")
      .description("rehearse: rebuild, verify, report and tear down; production DNS is never touched"),
  )
    .option("--keep", "keep the drill environment (remove it later with destroy --stack)")
    .action(lazyAction(program, async () => (await import("./commands/drill.js")).drillCommand));

  addTargetOptions(
    program
      .command("failover")
      .description("real failover: rebuild and switch the production record (source region may be down)"),
  )
    .option("--confirm <record>", "the production record name, to confirm the switch")
    .action(lazyAction(program, async () => (await import("./commands/failover.js")).failoverCommand));

  requiredOption(
    requiredOption(
      program
        .command("failback")
        .description(
          "bring the outage's writes home: the DR database restored in the source region, the production secret and service on it, the production record back",
        ),
      "-p, --plan <file>",
      "DR plan (YAML)",
    ),
    "-r, --target-region <region>",
    "the DR region production failed over to",
  )
    .option("--confirm <record>", "the production record name, to confirm the switch back")
    .addOption(
      new Option(
        "--method <method>",
        "how the data travels home: replica (cross-region read replica, promoted at the cutover) or snapshot (final snapshot → copy → restore)",
      )
        .choices(FAILBACK_METHODS)
        .default("replica"),
    )
    .option(
      "--prepare-only",
      "replica method: create the read replica in the source region and wait until it is caught up, then stop (no downtime); the same command without it resumes",
    )
    .option(
      "--source-kms-key <arn>",
      "KMS key of the source region for the replica or the copy of an encrypted DR database (default: the old primary's key)",
    )
    .action(lazyAction(program, async () => (await import("./commands/failback.js")).failbackCommand));

  program
    .command("destroy")
    .description(
      "tear a DR stack down: production DNS restored first, final snapshot of a failover's database, stack removed",
    )
    .requiredOption("-p, --plan <file>", "DR plan (YAML)")
    .requiredOption("-r, --target-region <region>", "region of the DR stack")
    .option("--stack <name>", "the stack to destroy (default: the failover stack, or the only kept drill)")
    .option("--force", "destroy even when the production record cannot be restored")
    .option(
      "--strand-dr-writes",
      "restore production DNS although it still serves from DR: writes made since the failover stay only in the final snapshot (run failback instead to keep them)",
    )
    .action(lazyAction(program, async () => (await import("./commands/destroy.js")).destroyCommand));

  addTargetOptions(
    program.command("preview").description("what a failover would create or change; changes nothing"),
  ).action(lazyAction(program, async () => (await import("./commands/preview.js")).previewCommand));

  requiredOption(
    program
      .command("check")
      .description(
        "standing readiness check for a schedule: everything preflight checks, restore points against the RPO, the last drill's age; creates nothing (exit 0 ready, 3 not)",
      ),
    "-p, --plan <file>",
    "DR plan (YAML)",
  )
    .option("-r, --target-region <region>", "the target region to check")
    .option("--all-targets", "check every target region of the plan")
    .action(lazyAction(program, async () => (await import("./commands/check.js")).checkCommand));

  program
    .command("status")
    .description("DR stacks with mode, age, endpoints and last report")
    .option("-p, --plan <file>", "only the stacks of this plan's app")
    .option("--max-drill-age <duration>", "warn about drill stacks kept longer than this (e.g. 24h, 90m)", "24h")
    .action(lazyAction(program, async () => (await import("./commands/status.js")).statusCommand));

  program
    .command("report")
    .description("print the report of a past run (Markdown, self-contained HTML or JSON; --lang ja for Japanese)")
    .argument("<run-id>", "run id (see `dr-failover history` or the runs folder of the state dir)")
    .addOption(new Option("--format <format>", "output format").choices(["md", "html", "json"]).default("md"))
    .action(lazyAction(program, async () => (await import("./commands/report.js")).reportCommand));

  program
    .command("history")
    .description(
      "past drills and failovers: date, target, RTO achieved and % of budget, RPO, result; the RTO trend across drills",
    )
    .option("-p, --plan <file>", "only this plan's app")
    .action(lazyAction(program, async () => (await import("./commands/history.js")).historyCommand));

  requiredOption(
    program.command("validate").description("check a plan file and list every problem"),
    "-p, --plan <file>",
    "DR plan (YAML)",
  ).action(lazyAction(program, async () => (await import("./commands/plan.js")).validateCommand));

  program
    .command("plan-schema")
    .description("print the JSON Schema of the plan file (for editors)")
    .action(lazyAction(program, async () => (await import("./commands/plan.js")).planSchemaCommand));

  requiredOption(
    program
      .command("iam-policy")
      .description(
        "print the least-privilege IAM policy (JSON) the journeys need, scoped to the plan's names and target regions",
      ),
    "-p, --plan <file>",
    "DR plan (YAML)",
  )
    .option("-r, --target-region <region>", "only this target region (default: every target of the plan)")
    .addOption(
      new Option("--journey <journey>", "which journey's permissions").choices([...JOURNEYS, "all"]).default("all"),
    )
    .option("--account-id <id>", "AWS account id for the ARNs (default: *)")
    .action(lazyAction(program, async () => (await import("./commands/iam-policy.js")).iamPolicyCommand));

  return program;
}
