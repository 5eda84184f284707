/** The options every command shares, and the ones of the commands that act on a target region. */
import type { Command } from "commander";
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
  acceptDataLoss?: boolean;
}

export function addTargetOptions(command: Command): Command {
  return command
    .requiredOption("-p, --plan <file>", "DR plan (YAML), e.g. examples/peoplebooster.yaml")
    .requiredOption("-r, --target-region <region>", "region to recover in (one of the plan's targets)")
    .option("--snapshot <id>", "restore this snapshot (in the target region) instead of the newest copy")
    .option("--accept-data-loss", "restore even when the restore point is older than the RPO")
    .option(
      "--incident-start <time>",
      "when the outage began (ISO 8601); RTO and RPO are measured from it (default: now)",
    );
}
