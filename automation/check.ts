/**
 * `check`: a standing readiness check, made to run on a schedule. For each
 * target region, everything preflight checks (inspectPreflight, as a failover
 * would: restore point and its KMS key, image, certificate, subnets and
 * security groups, replica bucket, hosted zone and production record), plus
 * the age of both restore sources against the RPO, the state backend's region
 * and the age of the last successful drill against objectives.maxDrillAge.
 *
 * It creates nothing, journals nothing, takes no lock and needs no engine:
 * AWS read calls and the reports in the state directory only.
 */
import type { AwsClients } from "./aws.js";
import { dataLossWindowMs, formatAge, formatDuration } from "./clock.js";
import { DrFailoverError } from "./errors.js";
import { inspectPreflight } from "./preflight.js";
import type { Plan } from "./plan.js";
import { listReports } from "./report/store.js";
import { findReplicatedBackup, findRestorableSnapshot, type RestorePoint } from "./snapshots.js";
import { backendRegionWarning } from "./workspace.js";

export interface ReadinessCheckOptions {
  plan: Plan;
  /** The targets to check (one, or all of the plan's). */
  targetRegions: string[];
  aws: AwsClients;
  /** Where the drills' reports are (the history). */
  stateDir: string;
  /** The Pulumi backend URL the journeys use (checked not to live in the source region). */
  backendUrl: string;
  /** Count the emulator's drills (an emulator check) or real ones only. */
  emulator: boolean;
  now?: Date;
}

/** One thing that stands between the target and a failover (a problem) or deserves attention (a warning), with its fix. */
export interface CheckFinding {
  severity: "problem" | "warning";
  code: string;
  message: string;
}

/** One row of the table: what was looked at, what was found, and whether it stands in the way (a problem) or deserves a look. */
export interface CheckFact {
  name: string;
  status: "ok" | "warning" | "problem";
  value: string;
}

const statusOf = (ok: boolean): CheckFact["status"] => (ok ? "ok" : "problem");

export interface TargetReadiness {
  targetRegion: string;
  ready: boolean;
  facts: CheckFact[];
  findings: CheckFinding[];
}

export interface ReadinessCheckResult {
  app: string;
  checkedAt: string;
  ready: boolean;
  targets: TargetReadiness[];
}

const age = (now: Date, at: Date) => formatAge(Math.max(0, now.getTime() - at.getTime()));

/** A restore source looked up on its own: found, or why not. */
async function lookUp(find: () => Promise<RestorePoint>): Promise<RestorePoint | string> {
  try {
    return await find();
  } catch (error) {
    if (error instanceof DrFailoverError) return error.message;
    throw error;
  }
}

async function checkTarget(options: ReadinessCheckOptions, targetRegion: string, now: Date): Promise<TargetReadiness> {
  const { plan, aws } = options;
  const target = plan.targets[targetRegion];
  const rpo = plan.objectives.rpo;
  const rds = aws.rds(targetRegion);
  const [inspection, snapshot, backups, reports] = await Promise.all([
    inspectPreflight(aws, {
      plan,
      targetRegion,
      journey: "preview",
      incidentStart: now,
      acceptDataLoss: false,
    }),
    lookUp(() => findRestorableSnapshot(rds, { sourceIdentifier: plan.database.sourceIdentifier, targetRegion })),
    lookUp(() =>
      findReplicatedBackup(rds, {
        sourceIdentifier: plan.database.sourceIdentifier,
        sourceRegion: plan.sourceRegion,
        targetRegion,
      }),
    ),
    listReports(options.stateDir).catch(() => []),
  ]);
  const findings: CheckFinding[] = [
    ...inspection.problems.map((problem) => ({ severity: "problem" as const, ...problem })),
    ...inspection.warnings.map((warning) => ({ severity: "warning" as const, ...warning })),
  ];
  const problemCodes = new Set(inspection.problems.map((problem) => problem.code));
  const facts: CheckFact[] = [];
  const { partial } = inspection;

  // The restore point a failover would take now, and each source on its own against the RPO.
  const chosen = partial.restorePoint;
  facts.push({
    name: "restore point",
    status: statusOf(Boolean(chosen) && !problemCodes.has("RPO_BREACH")),
    value: chosen
      ? `${chosen.label}: ${age(now, chosen.capturedAt)} old (RPO ${formatDuration(rpo)})`
      : "none usable (see the findings)",
  });
  const sources = [
    ["snapshot copy", snapshot, "snapshot"],
    ["replicated backups", backups, "point-in-time"],
  ] as const;
  for (const [name, found, source] of sources) {
    const used = plan.database.restoreFrom === "auto" || plan.database.restoreFrom === source;
    if (typeof found === "string") {
      facts.push({
        name,
        // With auto, the other source may carry the target (a warning); the only source missing is preflight's problem.
        status: !used ? "ok" : chosen && plan.database.restoreFrom === "auto" ? "warning" : "problem",
        value: used ? found : `not used (database.restoreFrom: ${plan.database.restoreFrom})`,
      });
      // auto: the other source may carry the target; when it is the one chosen, preflight said nothing.
      if (used && chosen && plan.database.restoreFrom === "auto")
        findings.push({
          severity: "warning",
          code: source === "snapshot" ? "NO_SNAPSHOT_COPY" : "NO_REPLICATED_BACKUP",
          message: `${found}: a failover depends on ${chosen.source === "snapshot" ? "the snapshot copy" : "the replicated automated backups"} alone`,
        });
      continue;
    }
    const loss = dataLossWindowMs(now, found.capturedAt);
    const what = source === "snapshot" ? found.label : `latest restorable time ${found.capturedAt.toISOString()}`;
    facts.push({
      name,
      status: loss <= rpo || !used ? "ok" : chosen && chosen.source !== found.source ? "warning" : "problem",
      value: `${what}: ${formatDuration(loss)} old${loss > rpo ? `, beyond the RPO of ${formatDuration(rpo)}` : ""}`,
    });
    // A stale source that is not the one restored is worth knowing (the fresher one then stands alone).
    if (used && loss > rpo && chosen && chosen.source !== found.source && !problemCodes.has("RPO_BREACH"))
      findings.push({
        severity: "warning",
        code: "RESTORE_SOURCE_STALE",
        message: `the ${name} (${what}) is ${formatDuration(loss)} old, beyond the RPO of ${formatDuration(rpo)}: only the ${chosen.source === "snapshot" ? "snapshot copy" : "replicated automated backups"} meet it — ${source === "snapshot" ? `check the daily snapshot copy job to ${targetRegion}` : `check the automated backups replication to ${targetRegion}`}`,
      });
  }
  facts.push({
    name: "KMS key",
    status: statusOf(Boolean(chosen) && (!chosen?.encrypted || partial.kmsKeyState === "Enabled")),
    value: !chosen
      ? "not checked (no restore point)"
      : chosen.encrypted
        ? `${chosen.kmsKeyId} ${partial.kmsKeyState ?? "not checked"}`
        : "not encrypted",
  });
  const image = partial.image;
  facts.push({
    name: "image",
    status: image?.state === "present" ? "ok" : image?.state === "not-ecr" ? "warning" : "problem",
    value: `${target.service.image} ${
      image?.state === "present"
        ? `in the ECR of ${targetRegion}`
        : image?.state === "not-ecr"
          ? "(not ECR: not checked)"
          : image
            ? image.state
            : "not checked"
    }`,
  });
  facts.push({
    name: "certificate",
    status: statusOf(Boolean(partial.certificateArn)),
    value: partial.certificateArn ?? "none usable (see the findings)",
  });
  const networkCodes = [
    "SUBNET_NOT_FOUND",
    "SUBNETS_SPAN_VPCS",
    "SECURITY_GROUP_NOT_FOUND",
    "SECURITY_GROUP_OTHER_VPC",
    "SUBNET_GROUP_OTHER_VPC",
    "DB_SUBNET_GROUP_NOT_FOUND",
  ];
  facts.push({
    name: "subnets and security groups",
    status: statusOf(!networkCodes.some((code) => problemCodes.has(code))),
    value: partial.vpcId ? `one VPC: ${partial.vpcId}` : "not resolved (see the findings)",
  });
  const storage = partial.storage;
  facts.push({
    name: "replica bucket",
    status:
      !storage ||
      ["REPLICA_BUCKET_VERSIONING_OFF", "REPLICATION_NOT_TO_REPLICA", "SOURCE_BUCKET_NOT_FOUND"].some((code) =>
        problemCodes.has(code),
      )
        ? "problem"
        : storage.replication.state === "targets-replica"
          ? "ok"
          : "warning",
    value: storage
      ? `${storage.bucket}: versioning ${storage.versioning}; ${storage.replication.state === "targets-replica" ? `replication rule ${storage.replication.ruleId}` : `replication ${storage.replication.reason}`}; newest object ${storage.newestObject ? `${age(now, storage.newestObject.lastModified)} old` : storage.newestObjectNote}`
      : `${target.storage.replicaBucket}: see the findings`,
  });

  const backendWarning = backendRegionWarning(options.backendUrl, plan.sourceRegion);
  const backendInSource = backendWarning?.includes(`lives in the source region`) ?? false;
  if (backendWarning)
    findings.push({
      severity: backendInSource ? "problem" : "warning",
      code: "BACKEND_IN_SOURCE_REGION",
      message: backendInSource
        ? `${backendWarning} (--backend with a bucket of ${targetRegion} or another region)`
        : backendWarning,
    });
  facts.push({
    name: "state backend",
    status: backendInSource ? "problem" : backendWarning ? "warning" : "ok",
    value: `${options.backendUrl.split("?")[0]}${backendWarning ? (backendInSource ? " (in the source region)" : " (region not named)") : ""}`,
  });

  const drills = reports.filter(
    (report) =>
      report.journey === "drill" &&
      report.result === "succeeded" &&
      report.app === plan.app &&
      report.targetRegion === targetRegion &&
      report.emulator === options.emulator,
  );
  const lastDrill = drills.at(-1);
  const maxDrillAge = plan.objectives.maxDrillAge;
  const drillCommand = `dr-failover drill -p <plan> -r ${targetRegion}`;
  if (!lastDrill) {
    findings.push({
      severity: "problem",
      code: "NO_DRILL_YET",
      message: `no successful drill of ${plan.app} in ${targetRegion} in ${options.stateDir}: nothing proves the failover works — run ${drillCommand} (a CI runner: keep the state dir's runs/ between jobs)`,
    });
  } else {
    const drillAge = now.getTime() - new Date(lastDrill.startedAt).getTime();
    if (drillAge > maxDrillAge)
      findings.push({
        severity: "problem",
        code: "DRILL_TOO_OLD",
        message: `the last successful drill in ${targetRegion} (${lastDrill.runId}) is ${formatAge(drillAge)} old, beyond objectives.maxDrillAge of ${formatAge(maxDrillAge)} — run ${drillCommand}`,
      });
  }
  facts.push({
    name: "last drill",
    status: statusOf(Boolean(lastDrill) && now.getTime() - new Date(lastDrill!.startedAt).getTime() <= maxDrillAge),
    value: lastDrill
      ? `${lastDrill.runId}: ${age(now, new Date(lastDrill.startedAt))} old (max ${formatAge(maxDrillAge)})${lastDrill.rto ? `, RTO ${formatDuration(lastDrill.rto.achievedMs)}` : ""}`
      : "none",
  });
  return {
    targetRegion,
    ready: !findings.some((finding) => finding.severity === "problem"),
    facts,
    findings,
  };
}

/** Checks every target asked for, concurrently; never creates anything. */
export async function runReadinessCheck(options: ReadinessCheckOptions): Promise<ReadinessCheckResult> {
  const now = options.now ?? new Date();
  const targets = await Promise.all(options.targetRegions.map((region) => checkTarget(options, region, now)));
  return {
    app: options.plan.app,
    checkedAt: now.toISOString(),
    ready: targets.every((target) => target.ready),
    targets,
  };
}
