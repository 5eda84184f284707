/** The options every command shares, and the ones of the commands that act on a target region. */
import { type Command, Option } from "commander";
import type { ReportLanguage } from "../automation/report/i18n.js";

export interface GlobalOptions {
  stateDir: string;
  backend?: string;
  secretsProvider?: string;
  endpointUrl?: string;
  emulator?: boolean;
  json?: boolean;
  lang: ReportLanguage;
}

export interface TargetOptions {
  plan: string;
  targetRegion: string;
  incidentStart?: string;
  snapshot?: string;
  restoreTime?: string;
  acceptDataLoss?: boolean;
}

/**
 * An option the command cannot run without. Not commander's requiredOption: commander checks
 * those before unknown options, so a mistyped `--plann` was reported as a missing `--plan`.
 * Checked in a preAction hook instead, which runs after the unknown-option check.
 */
export function requiredOption(command: Command, flags: string, description: string): Command {
  const option = new Option(flags, `${description} (required)`);
  command.addOption(option);
  return command.hook("preAction", (_program, action) => {
    if (action === command && action.getOptionValue(option.attributeName()) === undefined) {
      action.error(`required option '${flags}' not specified`, { code: "commander.missingMandatoryOptionValue" });
    }
  });
}

export function addTargetOptions(command: Command): Command {
  requiredOption(command, "-p, --plan <file>", "DR plan (YAML), e.g. examples/peoplebooster.yaml");
  requiredOption(command, "-r, --target-region <region>", "region to recover in (one of the plan's targets)");
  return command
    .option("--snapshot <id>", "restore this snapshot (in the target region) instead of the newest copy")
    .option(
      "--restore-time <time>",
      "restore the replicated automated backups to this point in time (ISO 8601, inside their restore window) instead of the latest",
    )
    .option("--accept-data-loss", "restore even when the restore point is older than the RPO")
    .option(
      "--incident-start <time>",
      "when the outage began (ISO 8601); RTO and RPO are measured from it (default: now)",
    );
}
