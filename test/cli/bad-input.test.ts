/**
 * Bad input through the real CLI (`node dist/index.js`): every case exits with
 * its family's code (2 usage/plan, 3 precondition), prints its stable code as
 * `error CODE:` on stderr with a message naming the problem, and creates
 * nothing in the (moto) AWS world it points at.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChangeResourceRecordSetsCommand } from "@aws-sdk/client-route-53";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { emulatorClients } from "../../emulator/rehearsal/clients.js";
import { startMoto, type MotoServer } from "../../emulator/rehearsal/moto.js";
import { seedWorld, type SeededWorld } from "../../emulator/rehearsal/seed-world.js";
import { loadPlan, type Plan } from "../../automation/plan.js";
import { planRegions, summarizeMotoState, type MotoStateSummary } from "../support/moto-state.js";
import {
  errorCodeOf,
  examplePlanPath,
  runCli,
  tempDir,
  writePlan,
  writeRawPlan,
  type CliResult,
} from "../support/cli.js";

const TARGET = "ap-northeast-3";
const SLOW = 180_000;
const EXAMPLE = examplePlanPath;

let moto: MotoServer;
let plan: Plan;
let world: SeededWorld;
let baseline: MotoStateSummary;
let dir: { path: string; cleanup: () => Promise<void> };
let stateDir: string;
/** Bad plan files by name, written in beforeAll. */
const plans: Record<string, string> = {};

beforeAll(async () => {
  dir = await tempDir("dr-failover-cli-");
  stateDir = join(dir.path, "state");
  moto = await startMoto();
  plan = await loadPlan(EXAMPLE);
  world = await seedWorld({ endpoint: moto.endpoint, plan, targetRegion: TARGET });
  // A drill left its record behind: a new drill must refuse in preflight.
  const global = emulatorClients(moto.endpoint, "us-east-1");
  try {
    await global.route53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: world.hostedZoneId,
        ChangeBatch: {
          Changes: [
            {
              Action: "CREATE",
              ResourceRecordSet: {
                Name: plan.dns.drillRecord,
                Type: "CNAME",
                TTL: 60,
                ResourceRecords: [{ Value: "leftover.ap-northeast-3.elb.amazonaws.com" }],
              },
            },
          ],
        },
      }),
    );
  } finally {
    global.destroy();
  }
  baseline = await summarizeMotoState(moto.endpoint, planRegions(plan));

  const p = dir.path;
  plans.malformed = await writeRawPlan(
    p,
    "malformed",
    "apiVersion: dr-failover/v1\napp: peoplebooster\ntargets: [unclosed\n  - {\n",
  );
  plans.duplicateKey = await writeRawPlan(
    p,
    "duplicate-key",
    "apiVersion: dr-failover/v1\napp: peoplebooster\napp: other\n",
  );
  plans.unknownKey = await writePlan(p, "unknown-key", (doc) => (doc.database.snapshotRetention = 7));
  plans.wrongType = await writePlan(p, "wrong-type", (doc) => (doc.service.desiredCount = "two"));
  plans.apiVersion = await writePlan(p, "api-version", (doc) => (doc.apiVersion = "dr-failover/v2"));
  plans.drillIsProduction = await writePlan(
    p,
    "drill-is-production",
    (doc) => (doc.dns.drillRecord = doc.dns.productionRecord),
  );
  plans.outsideZone = await writePlan(
    p,
    "outside-zone",
    (doc) => (doc.dns.productionRecord = "api.peoplebooster.example.org"),
  );
  plans.sourceIsTarget = await writePlan(
    p,
    "source-is-target",
    (doc) => (doc.targets[doc.sourceRegion] = doc.targets[TARGET]),
  );
  plans.badRegion = await writePlan(p, "bad-region", (doc) => (doc.sourceRegion = "tokyo"));
  plans.badTargetKey = await writePlan(p, "bad-target-key", (doc) => {
    doc.targets.AP_NORTHEAST_3 = doc.targets[TARGET];
    delete doc.targets[TARGET];
  });
  plans.badRto = await writePlan(p, "bad-rto", (doc) => (doc.objectives.rto = "four hours"));
  plans.manyProblems = await writePlan(p, "many-problems", (doc) => {
    doc.app = "PeopleBooster";
    doc.objectives.rpo = "soon";
    doc.service.containerPort = 70000;
    doc.service.healthCheckPath = "health";
  });
  plans.noSqlChecks = await writePlan(p, "no-sql-checks", (doc) => delete doc.verification.sql);
  plans.noProductionRecord = await writePlan(
    p,
    "no-production-record",
    (doc) => (doc.dns.productionRecord = "www.peoplebooster.example.com"),
  );
}, SLOW);

afterAll(async () => {
  await moto?.stop();
  await dir?.cleanup();
});

/** Global options every AWS-capable command gets: moto and a temporary state dir. */
const globals = () => ["--endpoint-url", moto.endpoint, "--state-dir", stateDir];
const env = () => ({ PULUMI_CONFIG_PASSPHRASE: "test", DR_FAILOVER_STATE_DIR: undefined, AWS_ENDPOINT_URL: undefined });
const inAnHour = () => new Date(Date.now() + 60 * 60 * 1000).toISOString();

interface BadInput {
  name: string;
  args: () => string[];
  exitCode: 2 | 3 | 6;
  code: string;
  /** Must match stderr: names the problem. */
  message: RegExp;
  /** Environment over the default one (passphrase "test", no state-dir/endpoint env). */
  env?: () => Record<string, string | undefined>;
}

const cases: BadInput[] = [
  // ── The command line ──
  { name: "validate without --plan", args: () => ["validate"], exitCode: 2, code: "USAGE", message: /--plan/ },
  {
    name: "drill without --plan",
    args: () => [...globals(), "drill", "--target-region", TARGET],
    exitCode: 2,
    code: "USAGE",
    message: /--plan/,
  },
  {
    name: "drill without --target-region",
    args: () => [...globals(), "drill", "--plan", EXAMPLE],
    exitCode: 2,
    code: "USAGE",
    message: /--target-region/,
  },
  {
    name: "unknown command",
    args: () => ["fallback", "--plan", EXAMPLE],
    exitCode: 2,
    code: "USAGE",
    message: /fallback/,
  },
  {
    name: "report --format xml",
    args: () => [...globals(), "report", "20250101t000000-drill-abcd", "--format", "xml"],
    exitCode: 2,
    code: "USAGE",
    message: /xml/,
  },

  // ── The plan file ──
  {
    name: "plan file not found",
    args: () => ["validate", "--plan", join(dir.path, "nope.yaml")],
    exitCode: 2,
    code: "PLAN_NOT_FOUND",
    message: /cannot read the plan file .*nope\.yaml/,
  },
  {
    name: "malformed YAML",
    args: () => ["validate", "--plan", plans.malformed],
    exitCode: 2,
    code: "PLAN_YAML",
    message: /malformed\.yaml is not valid YAML/,
  },
  {
    name: "duplicate key in YAML",
    args: () => ["validate", "--plan", plans.duplicateKey],
    exitCode: 2,
    code: "PLAN_YAML",
    message: /unique/i,
  },
  {
    name: "unknown key",
    args: () => ["validate", "--plan", plans.unknownKey],
    exitCode: 2,
    code: "PLAN_INVALID",
    message: /database: .*snapshotRetention/,
  },
  {
    name: "wrong type",
    args: () => ["validate", "--plan", plans.wrongType],
    exitCode: 2,
    code: "PLAN_INVALID",
    message: /service\.desiredCount: .*number/i,
  },
  {
    name: "wrong apiVersion",
    args: () => ["validate", "--plan", plans.apiVersion],
    exitCode: 2,
    code: "PLAN_INVALID",
    message: /apiVersion: must be "dr-failover\/v1"/,
  },
  {
    name: "drill record == production record",
    args: () => ["validate", "--plan", plans.drillIsProduction],
    exitCode: 2,
    code: "PLAN_INVALID",
    message: /dns\.drillRecord: must differ from dns\.productionRecord/,
  },
  {
    name: "record outside the hosted zone",
    args: () => ["validate", "--plan", plans.outsideZone],
    exitCode: 2,
    code: "PLAN_INVALID",
    message: /dns\.productionRecord: must be inside the hosted zone peoplebooster\.example\.com/,
  },
  {
    name: "same-region recovery without --restore-time",
    args: () => [...globals(), "drill", "--plan", plans.sourceIsTarget, "--target-region", "ap-northeast-1"],
    exitCode: 2,
    code: "SAME_REGION_NEEDS_RESTORE_TIME",
    message: /--target-region ap-northeast-1 is the source region: a same-region recovery needs --restore-time/,
  },
  {
    name: "same-region recovery from a snapshot",
    args: () => [
      ...globals(),
      ...["failover", "--plan", plans.sourceIsTarget, "--target-region", "ap-northeast-1"],
      ...["--confirm", "api.peoplebooster.example.com", "--snapshot", "peoplebooster-production-2026-11-29"],
    ],
    exitCode: 2,
    code: "SAME_REGION_NEEDS_RESTORE_TIME",
    message: /a same-region recovery needs --restore-time, not --snapshot/,
  },
  {
    name: "invalid source region format",
    args: () => ["validate", "--plan", plans.badRegion],
    exitCode: 2,
    code: "PLAN_INVALID",
    message: /sourceRegion: must be an AWS region code/,
  },
  {
    name: "invalid target region key",
    args: () => ["validate", "--plan", plans.badTargetKey],
    exitCode: 2,
    code: "PLAN_INVALID",
    message: /targets.*AP_NORTHEAST_3|must be an AWS region code/,
  },
  {
    name: "RTO unparsable",
    args: () => ["validate", "--plan", plans.badRto],
    exitCode: 2,
    code: "PLAN_INVALID",
    message: /objectives\.rto must be a duration like "4h".*four hours/,
  },
  {
    name: "a drill with an invalid plan fails before AWS",
    args: () => [...globals(), "drill", "--plan", plans.badRto, "--target-region", TARGET],
    exitCode: 2,
    code: "PLAN_INVALID",
    message: /objectives\.rto/,
  },

  // ── Target region and time ──
  {
    name: "unknown target region",
    args: () => [...globals(), "drill", "--plan", EXAMPLE, "--target-region", "eu-west-1"],
    exitCode: 2,
    code: "TARGET_NOT_IN_PLAN",
    message: /--target-region eu-west-1 is not a target region of this plan/,
  },
  {
    name: "target region == source region",
    args: () => [...globals(), "preview", "--plan", EXAMPLE, "--target-region", "ap-northeast-1"],
    exitCode: 2,
    code: "TARGET_IS_SOURCE",
    message: /--target-region ap-northeast-1 is the source region/,
  },
  {
    name: "target region in the wrong format",
    args: () => [...globals(), "drill", "--plan", EXAMPLE, "--target-region", "Osaka"],
    exitCode: 2,
    code: "TARGET_NOT_IN_PLAN",
    message: /--target-region Osaka is not a target region[\s\S]*ap-northeast-3, us-west-2/,
  },
  {
    name: "--incident-start unparsable",
    args: () => [...globals(), "drill", "--plan", EXAMPLE, "--target-region", TARGET, "--incident-start", "yesterday"],
    exitCode: 2,
    code: "INCIDENT_START_INVALID",
    message: /--incident-start yesterday is not a past ISO 8601 time/,
  },
  {
    name: "--incident-start in the future",
    args: () => [
      ...globals(),
      "failover",
      "--plan",
      EXAMPLE,
      "--target-region",
      TARGET,
      "--confirm",
      plan.dns.productionRecord,
      "--incident-start",
      inAnHour(),
    ],
    exitCode: 2,
    code: "INCIDENT_START_INVALID",
    message: /--incident-start \S+ is not a past ISO 8601 time/,
  },

  // ── Failover confirmation ──
  {
    name: "failover without --confirm",
    args: () => [...globals(), "failover", "--plan", EXAMPLE, "--target-region", TARGET],
    exitCode: 2,
    code: "CONFIRM_REQUIRED",
    message: /needs --confirm api\.peoplebooster\.example\.com/,
  },
  {
    name: "failover with the wrong --confirm",
    args: () => [
      ...globals(),
      "failover",
      "--plan",
      EXAMPLE,
      "--target-region",
      TARGET,
      "--confirm",
      plan.dns.drillRecord,
    ],
    exitCode: 2,
    code: "CONFIRM_MISMATCH",
    message:
      /--confirm drill-api\.peoplebooster\.example\.com does not match the production record api\.peoplebooster\.example\.com/,
  },

  {
    name: "failback without --confirm",
    args: () => [...globals(), "failback", "--plan", EXAMPLE, "--target-region", TARGET],
    exitCode: 2,
    code: "CONFIRM_REQUIRED",
    message: /a failback switches production DNS .* needs --confirm api\.peoplebooster\.example\.com/,
  },
  {
    name: "failback by an unknown --method",
    args: () => [
      ...globals(),
      "failback",
      "--plan",
      EXAMPLE,
      "--target-region",
      TARGET,
      "--confirm",
      plan.dns.productionRecord,
      "--method",
      "carrier-pigeon",
    ],
    exitCode: 2,
    code: "USAGE",
    message: /carrier-pigeon/,
  },
  {
    name: "failback by replica with a plan that has no data checks",
    args: () => [
      ...globals(),
      "failback",
      "--plan",
      plans.noSqlChecks,
      "--target-region",
      TARGET,
      "--confirm",
      plan.dns.productionRecord,
    ],
    exitCode: 2,
    code: "FAILBACK_REPLICA_NEEDS_DATA_CHECKS",
    message: /the plan has no verification\.sql checks to count with/,
  },
  {
    name: "failback --prepare-only by snapshot",
    args: () => [
      ...globals(),
      "failback",
      "--plan",
      EXAMPLE,
      "--target-region",
      TARGET,
      "--confirm",
      plan.dns.productionRecord,
      "--method",
      "snapshot",
      "--prepare-only",
    ],
    exitCode: 2,
    code: "FAILBACK_PREPARE_ONLY_METHOD",
    message: /--prepare-only prepares a read replica: --method snapshot has nothing to prepare/,
  },

  // ── State: runs and stacks ──
  {
    name: "report of an unknown run id",
    args: () => [...globals(), "report", "20250101t000000-drill-abcd"],
    exitCode: 2,
    code: "RUN_NOT_FOUND",
    message: /no report for run 20250101t000000-drill-abcd/,
  },
  {
    name: "destroy with no stack",
    args: () => [...globals(), "destroy", "--plan", EXAMPLE, "--target-region", TARGET],
    exitCode: 2,
    code: "STACK_NOT_FOUND",
    message: /there is no DR stack of peoplebooster in ap-northeast-3 to destroy/,
  },
  {
    name: "destroy of a named stack that does not exist",
    args: () => [
      ...globals(),
      "destroy",
      "--plan",
      EXAMPLE,
      "--target-region",
      TARGET,
      "--stack",
      "peoplebooster-failover-ap-northeast-3",
    ],
    exitCode: 2,
    code: "STACK_NOT_FOUND",
    message: /stack peoplebooster-failover-ap-northeast-3 does not exist/,
  },

  // ── Preconditions found in (moto's) AWS: nothing created ──
  {
    name: "preview with a --snapshot that does not exist",
    args: () => [
      ...globals(),
      "preview",
      "--plan",
      EXAMPLE,
      "--target-region",
      TARGET,
      "--snapshot",
      "peoplebooster-production-19990101-000000",
    ],
    exitCode: 3,
    code: "SNAPSHOT_NOT_FOUND",
    message: /snapshot peoplebooster-production-19990101-000000 does not exist in ap-northeast-3/,
  },
  {
    name: "drill while the drill record exists",
    args: () => [...globals(), "drill", "--plan", EXAMPLE, "--target-region", TARGET],
    exitCode: 3,
    code: "DRILL_RECORD_EXISTS",
    message: /drill-api\.peoplebooster\.example\.com already exists in peoplebooster\.example\.com/,
  },
  {
    name: "failover whose production record does not exist",
    args: () => [
      ...globals(),
      "failover",
      "--plan",
      plans.noProductionRecord,
      "--target-region",
      TARGET,
      "--confirm",
      "www.peoplebooster.example.com",
    ],
    exitCode: 3,
    code: "PRODUCTION_RECORD_NOT_FOUND",
    message: /production record www\.peoplebooster\.example\.com does not exist in zone peoplebooster\.example\.com/,
  },

  {
    name: "failback with no failover to come back from",
    args: () => [
      ...globals(),
      "failback",
      "--plan",
      EXAMPLE,
      "--target-region",
      TARGET,
      "--confirm",
      plan.dns.productionRecord,
    ],
    exitCode: 3,
    code: "FAILOVER_STACK_NOT_FOUND",
    message: /there is no failover stack peoplebooster-failover-ap-northeast-3/,
  },

  // ── State backend and secrets (issue 4): refused before anything is created ──
  {
    name: "PULUMI_CONFIG_PASSPHRASE set but empty",
    args: () => [
      ...globals(),
      "failover",
      "--plan",
      EXAMPLE,
      "--target-region",
      TARGET,
      "--confirm",
      plan.dns.productionRecord,
    ],
    env: () => ({ PULUMI_CONFIG_PASSPHRASE: "" }),
    exitCode: 2,
    code: "PASSPHRASE_EMPTY",
    message: /PULUMI_CONFIG_PASSPHRASE is set but empty/,
  },
  {
    name: "PULUMI_CONFIG_PASSPHRASE not set",
    args: () => [...globals(), "preview", "--plan", EXAMPLE, "--target-region", TARGET],
    env: () => ({ PULUMI_CONFIG_PASSPHRASE: undefined, PULUMI_CONFIG_PASSPHRASE_FILE: undefined }),
    exitCode: 2,
    code: "PASSPHRASE_MISSING",
    message: /PULUMI_CONFIG_PASSPHRASE is not set/,
  },
  // Below a regular file: no folder can be made there (ENOTDIR), whoever runs the test.
  {
    name: "file:// backend that cannot be written",
    args: () => [
      ...globals(),
      "--backend",
      `file://${plans.malformed}/state`,
      "failover",
      "--plan",
      EXAMPLE,
      "--target-region",
      TARGET,
      "--confirm",
      plan.dns.productionRecord,
    ],
    exitCode: 3,
    code: "BACKEND_UNREACHABLE",
    message: /state backend file:\/\/\S+malformed\.yaml\/state is not writable \(ENOTDIR\)/,
  },
  {
    name: "s3:// backend whose bucket does not exist",
    args: () => [
      ...globals(),
      "--backend",
      `s3://no-such-dr-state?endpoint=${moto.endpoint.replace("http://", "")}&disableSSL=true&s3ForcePathStyle=true&region=us-west-2`,
      "drill",
      "--plan",
      EXAMPLE,
      "--target-region",
      TARGET,
    ],
    env: () => ({ AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test" }),
    exitCode: 3,
    code: "BACKEND_UNREACHABLE",
    message: /state backend s3:\/\/no-such-dr-state\S* cannot be reached/,
  },
];

/** Codes the CLI's input checks give before it builds an AWS client. */
const REFUSED_BEFORE_AWS = /^(USAGE|PLAN_|TARGET_|INCIDENT_START_INVALID|CONFIRM_|RUN_NOT_FOUND)/;

function describeResult(result: CliResult): string {
  return `exit ${result.exitCode}\n--- stderr\n${result.stderr}\n--- stdout\n${result.stdout}`;
}

describe("bad input through the CLI", () => {
  it("has at least 20 cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });

  // Sequential on purpose: two cores shared with moto and the other test files; concurrency bought nothing.
  for (const testCase of cases) {
    it(`${testCase.name} → exit ${testCase.exitCode}, ${testCase.code}`, async () => {
      const result = await runCli(testCase.args(), { env: { ...env(), ...testCase.env?.() } });
      const context = describeResult(result);
      expect(result.exitCode, context).toBe(testCase.exitCode);
      expect(errorCodeOf(result.stderr), context).toBe(testCase.code);
      expect(result.stderr, context).toMatch(testCase.message);
      expect(result.stderr, context).not.toMatch(/unexpected error|a bug in dr-failover/);
      // Nothing was created in AWS, whatever the command got to (input refused before any AWS client
      // exists: checked once for all of them, by the last test; a summary costs ~1 s of moto).
      if (!REFUSED_BEFORE_AWS.test(testCase.code))
        expect(await summarizeMotoState(moto.endpoint, planRegions(plan))).toEqual(baseline);
    });
  }

  it("lists every plan problem at once", async () => {
    const result = await runCli(["validate", "--plan", plans.manyProblems]);
    expect(result.exitCode, describeResult(result)).toBe(2);
    expect(errorCodeOf(result.stderr)).toBe("PLAN_INVALID");
    expect(result.stderr).toMatch(/is not a valid DR plan \(4 problems\)/);
    for (const path of ["app:", "objectives.rpo", "service.containerPort:", "service.healthCheckPath:"])
      expect(result.stderr).toContain(`  - ${path}`);
    expect(result.stderr).toContain("hint:");
  });

  it("prints the error as one JSON object on stdout with --json", async () => {
    const result = await runCli(["--json", ...globals(), "drill", "--plan", EXAMPLE, "--target-region", "eu-west-1"], {
      env: env(),
    });
    expect(result.exitCode).toBe(2);
    const lines = result.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.at(-1)).toMatchObject({
      type: "error",
      code: "TARGET_NOT_IN_PLAN",
      message: expect.stringContaining("eu-west-1"),
    });
    expect(errorCodeOf(result.stderr)).toBe("TARGET_NOT_IN_PLAN");
  });

  it("left moto exactly as it was before the first case", async () => {
    expect(await summarizeMotoState(moto.endpoint, planRegions(plan))).toEqual(baseline);
  });

  it("left no Pulumi stack in the state dir", async () => {
    const backend = join(stateDir, "backend");
    await readdir(backend); // the destroy cases opened the file backend here
    const stacks = await readdir(join(backend, ".pulumi", "stacks"), { recursive: true }).catch(() => [] as string[]);
    expect(stacks.filter((name) => String(name).endsWith(".json"))).toEqual([]);
  });
});

describe("good input through the CLI", () => {
  it("--help lists the journeys and commands and exits 0", async () => {
    const result = await runCli(["--help"]);
    expect(result.exitCode).toBe(0);
    for (const command of ["drill", "failover", "destroy", "preview", "status", "report", "validate"]) {
      expect(result.stdout).toMatch(new RegExp(`^\\s+${command}\\b`, "m"));
    }
    expect(result.stdout).toMatch(/Exit codes: 0 ok, 1 tool\/engine, 2 usage\/plan, 3 precondition/);
  });

  it("validate --plan examples/peoplebooster.yaml exits 0", async () => {
    const result = await runCli(["validate", "--plan", "examples/peoplebooster.yaml"]);
    expect(result.exitCode, describeResult(result)).toBe(0);
    expect(result.stdout.trim()).toBe(
      "examples/peoplebooster.yaml: valid (peoplebooster, ap-northeast-1 → ap-northeast-3, us-west-2)",
    );
    expect(result.stderr).toBe("");
  });
});
