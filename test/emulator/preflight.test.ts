/**
 * runPreflight against the seeded example world in moto: the happy path
 * resolves everything the stack needs; every bad world fails with its stable
 * code, lists the problem in `details`, and leaves moto exactly as it was.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChangeResourceRecordSetsCommand } from "@aws-sdk/client-route-53";
import { AwsClients } from "../../automation/aws.js";
import { emulatorClients, type EmulatorClients } from "../../emulator/rehearsal/clients.js";
import { startMoto, type MotoServer } from "../../emulator/rehearsal/moto.js";
import { seedWorld, type SeededWorld, type WorldFaults } from "../../emulator/rehearsal/seed-world.js";
import { ExitCode, PreconditionError } from "../../automation/errors.js";
import { loadPlan, type Plan } from "../../automation/plan.js";
import { runPreflight, type PreflightOptions, type PreflightResult } from "../../automation/preflight.js";
import { planRegions, summarizeMotoState } from "../support/moto-state.js";

const TARGET = "ap-northeast-3";
const HOUR = 60 * 60 * 1000;
const SLOW = 120_000;

let moto: MotoServer;
let plan: Plan;
let aws: AwsClients;
let global: EmulatorClients;

beforeAll(async () => {
  moto = await startMoto();
  plan = await loadPlan("examples/peoplebooster.yaml");
  aws = new AwsClients({ endpoint: moto.endpoint, maxAttempts: 2 });
  global = emulatorClients(moto.endpoint, "us-east-1");
}, SLOW);

afterAll(async () => {
  aws?.destroy();
  global?.destroy();
  await moto?.stop();
});

async function freshWorld(faults: WorldFaults = {}): Promise<SeededWorld> {
  await moto.reset();
  return seedWorld({ endpoint: moto.endpoint, plan, targetRegion: TARGET, faults });
}

const options = (overrides: Partial<PreflightOptions> = {}): PreflightOptions => ({
  plan,
  targetRegion: TARGET,
  journey: "failover",
  incidentStart: new Date(),
  acceptDataLoss: false,
  ...overrides,
});

/** A deep copy of the example plan with `mutate` applied. */
function planWith(mutate: (copy: Plan) => void): Plan {
  const copy = structuredClone(plan);
  mutate(copy);
  return copy;
}

/**
 * Runs a preflight that must fail; asserts its code, that `details` lists a line
 * matching each pattern (and nothing else), and that moto holds exactly what it held before.
 */
async function expectPreflightFailure(
  overrides: Partial<PreflightOptions>,
  code: string,
  problems: RegExp[],
): Promise<PreconditionError> {
  const regions = planRegions(overrides.plan ?? plan);
  const before = await summarizeMotoState(moto.endpoint, regions);
  const error = await runPreflight(aws, options(overrides)).catch((e: unknown) => e);
  const after = await summarizeMotoState(moto.endpoint, regions);

  expect(error).toBeInstanceOf(PreconditionError);
  const failure = error as PreconditionError;
  expect({ code: failure.code, exitCode: failure.exitCode }).toEqual({ code, exitCode: ExitCode.precondition });
  expect(failure.message).toMatch(
    new RegExp(`^preflight found ${problems.length} problems? in ${TARGET}; nothing was created$`),
  );
  expect(failure.details).toHaveLength(problems.length);
  for (const problem of problems)
    expect(
      failure.details.some((line) => problem.test(line)),
      `a detail matching ${problem}`,
    ).toBe(true);
  expect(after).toEqual(before);
  return failure;
}

describe("runPreflight: the seeded example world", () => {
  let world: SeededWorld;

  beforeAll(async () => {
    world = await freshWorld();
  }, SLOW);

  it("resolves subnets and security groups by Name tag, the VPC, the zone, the production record and the restore point", async () => {
    const before = await summarizeMotoState(moto.endpoint, planRegions(plan));
    const result: PreflightResult = await runPreflight(aws, options());
    expect(await summarizeMotoState(moto.endpoint, planRegions(plan))).toEqual(before);

    expect(Object.fromEntries(result.subnetIds)).toEqual(world.subnetIds);
    expect(result.subnetIds.size).toBe(4);
    expect(Object.fromEntries(result.securityGroupIds)).toEqual(world.securityGroupIds);
    expect(result.securityGroupIds.size).toBe(3);
    expect(result.vpcId).toBe(world.vpcId);
    expect(result.zoneId).toBe(world.hostedZoneId);
    expect(result.productionRecord).toEqual({
      name: plan.dns.productionRecord,
      type: "CNAME",
      ttl: plan.dns.ttl,
      records: [world.productionRecordValue],
      alias: undefined,
    });
    expect(result.restorePoint.snapshotIdentifier).toBe(world.copiedSnapshotIds[0]);
    expect(result.restorePoint.snapshotArn).toBe(world.copiedSnapshotArns[0]);
    expect(result.restorePoint.snapshotArn).toContain(`:${TARGET}:`);
    expect(result.dataLossWindowMs).toBeGreaterThanOrEqual(0);
    expect(result.dataLossWindowMs).toBeLessThan(plan.objectives.rpo);
    expect(result.replicaSecretPassword).toBeUndefined(); // credentials.mode: reset
    expect(result.warnings).toEqual([]);
    // What the restored instance inherits from the (encrypted) copy, checked against the plan.
    expect(world.snapshotKeyArn).toMatch(new RegExp(`^arn:aws:kms:${TARGET}:\\d{12}:key/`));
    expect(result.restorePoint).toMatchObject({ encrypted: true, kmsKeyId: world.snapshotKeyArn });
    expect(result.restoredDatabase).toEqual({
      engine: "postgres",
      port: 5432,
      username: "pbadmin",
      storageEncrypted: true,
      kmsKeyId: world.snapshotKeyArn,
    });
  });

  it("takes engine, port and master user from the snapshot when the plan leaves them out, and accepts the snapshot's key", async () => {
    const open = planWith((copy) => {
      copy.database.engine = undefined;
      copy.database.port = undefined;
      copy.database.credentials.username = undefined;
      copy.targets[TARGET].database.kmsKeyId = world.snapshotKeyArn;
    });
    const result = await runPreflight(aws, options({ plan: open }));
    expect(result.restoredDatabase).toMatchObject({ engine: "postgres", port: 5432, username: "pbadmin" });
  });

  it("a plan engine, port, master user or key that contradicts the snapshot → PREFLIGHT_FAILED listing each", async () => {
    const contradicting = planWith((copy) => {
      copy.database.engine = "mysql";
      copy.database.port = 3306;
      copy.database.credentials.username = "postgres";
      copy.targets[TARGET].database.kmsKeyId =
        `arn:aws:kms:${TARGET}:123456789012:key/00000000-0000-0000-0000-000000000000`;
    });
    const snapshot = world.copiedSnapshotIds[0];
    await expectPreflightFailure({ plan: contradicting }, "PREFLIGHT_FAILED", [
      new RegExp(
        `^database\\.engine is mysql but snapshot ${snapshot} has postgres: a restore keeps the snapshot's — set database\\.engine: postgres \\(or leave it out\\)`,
      ),
      new RegExp(`^database\\.port is 3306 but snapshot ${snapshot} has 5432`),
      new RegExp(
        `^database\\.credentials\\.username is postgres but snapshot ${snapshot} has pbadmin: .* set database\\.credentials\\.username: pbadmin`,
      ),
      new RegExp(
        `^targets\\.${TARGET}\\.database\\.kmsKeyId is arn:aws:kms:.*:key/00000000-0000-0000-0000-000000000000 but snapshot ${snapshot} is encrypted with ${world.snapshotKeyArn}: the restored instance keeps the snapshot's key`,
      ),
    ]);
    const userOnly = planWith((copy) => {
      copy.database.credentials.username = "postgres";
    });
    await expectPreflightFailure({ plan: userOnly }, "SNAPSHOT_USERNAME_MISMATCH", [
      /^database\.credentials\.username /,
    ]);
  });

  it("passes a drill the same way (the drill record does not exist yet)", async () => {
    const result = await runPreflight(aws, options({ journey: "drill" }));
    expect(result.restorePoint.snapshotIdentifier).toBe(world.copiedSnapshotIds[0]);
  });

  it("uses --snapshot when given: the older copy", async () => {
    const result = await runPreflight(aws, options({ snapshotIdentifier: world.copiedSnapshotIds[1] }));
    expect(result.restorePoint.snapshotIdentifier).toBe(world.copiedSnapshotIds[1]);
  });

  it("RPO breach: the newest copy is older than the RPO at the incident start → RPO_BREACH", async () => {
    // moto cannot backdate a snapshot: put the incident start 2 h after its clock instead (RPO 1 h).
    expect(plan.objectives.rpo).toBe(HOUR);
    const failure = await expectPreflightFailure({ incidentStart: new Date(Date.now() + 2 * HOUR) }, "RPO_BREACH", [
      new RegExp(
        `^the newest restore point ${world.copiedSnapshotIds[0]} is 2:00:\\d\\d old at the incident start, beyond the RPO of 1:00:00 — pass --accept-data-loss`,
      ),
    ]);
    expect(failure.details[0]).toContain("--snapshot");
  });

  it("RPO breach accepted with acceptDataLoss: resolves with the data-loss window beyond the RPO", async () => {
    const result = await runPreflight(
      aws,
      options({ incidentStart: new Date(Date.now() + 2 * HOUR), acceptDataLoss: true }),
    );
    expect(result.restorePoint.snapshotIdentifier).toBe(world.copiedSnapshotIds[0]);
    expect(result.dataLossWindowMs).toBeGreaterThan(2 * HOUR - 60_000);
    expect(result.dataLossWindowMs).toBeLessThan(2 * HOUR + 60_000);
  });

  it("a subnet name that no subnet carries → SUBNET_NOT_FOUND naming it", async () => {
    const badPlan = planWith((copy) => {
      copy.targets[TARGET].service.subnets = ["peoplebooster-dr-private-a", "peoplebooster-dr-private-x"];
    });
    await expectPreflightFailure({ plan: badPlan }, "SUBNET_NOT_FOUND", [
      new RegExp(`^subnet peoplebooster-dr-private-x not found in ${TARGET} \\(by id or Name tag\\)$`),
    ]);
  });

  it("a missing security group and DB subnet group together → PREFLIGHT_FAILED listing both", async () => {
    const badPlan = planWith((copy) => {
      copy.targets[TARGET].database.securityGroups = ["peoplebooster-dr-database"];
      copy.targets[TARGET].database.subnetGroup = "peoplebooster-dr-db-subnets";
    });
    await expectPreflightFailure({ plan: badPlan }, "PREFLIGHT_FAILED", [
      /^security group peoplebooster-dr-database not found in ap-northeast-3/,
      /^DB subnet group peoplebooster-dr-db-subnets does not exist in ap-northeast-3/,
    ]);
  });

  it("the drill record already exists → DRILL_RECORD_EXISTS for a drill, but not for a failover", async () => {
    const drillRecord = {
      Name: plan.dns.drillRecord,
      Type: "CNAME" as const,
      TTL: 60,
      ResourceRecords: [{ Value: "leftover.ap-northeast-3.elb.amazonaws.com" }],
    };
    await global.route53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: world.hostedZoneId,
        ChangeBatch: { Changes: [{ Action: "CREATE", ResourceRecordSet: drillRecord }] },
      }),
    );
    try {
      await expectPreflightFailure({ journey: "drill" }, "DRILL_RECORD_EXISTS", [
        new RegExp(`^${plan.dns.drillRecord.replace(/\./g, "\\.")} already exists in ${plan.dns.hostedZone}`),
      ]);
      await expect(runPreflight(aws, options({ journey: "failover" }))).resolves.toBeDefined();
    } finally {
      await global.route53.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: world.hostedZoneId,
          ChangeBatch: { Changes: [{ Action: "DELETE", ResourceRecordSet: drillRecord }] },
        }),
      );
    }
  });
});

describe("runPreflight: bad worlds", () => {
  it(
    "no copied snapshot in the target region → NO_RESTORABLE_SNAPSHOT",
    async () => {
      await freshWorld({ noCopiedSnapshot: true });
      await expectPreflightFailure({}, "NO_RESTORABLE_SNAPSHOT", [
        new RegExp(
          `^no available snapshot of ${plan.database.sourceIdentifier} in ${TARGET} — Copy a snapshot to ${TARGET}`,
        ),
      ]);
    },
    SLOW,
  );

  it(
    "missing replica bucket → REPLICA_BUCKET_NOT_FOUND",
    async () => {
      await freshWorld({ noReplicaBucket: true });
      await expectPreflightFailure({}, "REPLICA_BUCKET_NOT_FOUND", [
        new RegExp(`^replica bucket ${plan.targets[TARGET].storage.replicaBucket} does not exist in ${TARGET}`),
      ]);
    },
    SLOW,
  );

  it(
    "missing hosted zone → HOSTED_ZONE_NOT_FOUND (for a drill too)",
    async () => {
      await freshWorld({ noHostedZone: true });
      await expectPreflightFailure({}, "HOSTED_ZONE_NOT_FOUND", [
        new RegExp(`^hosted zone ${plan.dns.hostedZone} not found in Route53`),
      ]);
      await expectPreflightFailure({ journey: "drill" }, "HOSTED_ZONE_NOT_FOUND", [/^hosted zone /]);
    },
    SLOW,
  );

  it(
    "production record absent → PRODUCTION_RECORD_NOT_FOUND for a failover (and a preview), but a drill passes",
    async () => {
      await freshWorld({ noProductionRecord: true });
      await expectPreflightFailure({ journey: "failover" }, "PRODUCTION_RECORD_NOT_FOUND", [
        new RegExp(`^production record ${plan.dns.productionRecord} does not exist in zone ${plan.dns.hostedZone}$`),
      ]);
      await expectPreflightFailure({ journey: "preview" }, "PRODUCTION_RECORD_NOT_FOUND", [/^production record /]);
      const result = await runPreflight(aws, options({ journey: "drill" }));
      expect(result.productionRecord).toBeUndefined();
    },
    SLOW,
  );

  it(
    "several problems at once → PREFLIGHT_FAILED with every problem in details",
    async () => {
      await freshWorld({ noCopiedSnapshot: true, noReplicaBucket: true, noHostedZone: true });
      const badPlan = planWith((copy) => {
        copy.targets[TARGET].loadBalancer.subnets = ["peoplebooster-dr-public-a", "peoplebooster-dr-public-z"];
      });
      const failure = await expectPreflightFailure({ plan: badPlan }, "PREFLIGHT_FAILED", [
        /^no available snapshot of peoplebooster-production in ap-northeast-3/,
        /^replica bucket peoplebooster-production-assets-apne3 does not exist/,
        /^hosted zone peoplebooster\.example\.com not found/,
        /^subnet peoplebooster-dr-public-z not found in ap-northeast-3/,
      ]);
      expect(failure.message).toBe(`preflight found 4 problems in ${TARGET}; nothing was created`);
    },
    SLOW,
  );

  it(
    "a key given for an unencrypted snapshot → SNAPSHOT_NOT_ENCRYPTED",
    async () => {
      const world = await freshWorld({ unencryptedSnapshots: true });
      expect(world.snapshotKeyArn).toBeUndefined();
      const keyed = planWith((copy) => {
        copy.targets[TARGET].database.kmsKeyId =
          `arn:aws:kms:${TARGET}:123456789012:key/00000000-0000-0000-0000-000000000000`;
      });
      await expectPreflightFailure({ plan: keyed }, "SNAPSHOT_NOT_ENCRYPTED", [
        new RegExp(
          `^targets\\.${TARGET}\\.database\\.kmsKeyId is .* but snapshot ${world.copiedSnapshotIds[0]} is not encrypted: a restore cannot encrypt it`,
        ),
      ]);
      const result = await runPreflight(aws, options());
      expect(result.restoredDatabase).toMatchObject({ storageEncrypted: false, kmsKeyId: undefined });
    },
    SLOW,
  );

  for (const [fault, code, state] of [
    ["deleted", "SNAPSHOT_KEY_NOT_FOUND", "does not exist in ap-northeast-3"],
    ["disabled", "SNAPSHOT_KEY_NOT_ENABLED", "is Disabled, not Enabled"],
    ["pending-deletion", "SNAPSHOT_KEY_NOT_ENABLED", "is PendingDeletion, not Enabled"],
  ] as const) {
    it(
      `the snapshot's KMS key ${fault} → ${code} naming the key, nothing created`,
      async () => {
        const world = await freshWorld({ snapshotKey: fault });
        const failure = await expectPreflightFailure({}, code, [
          new RegExp(`^KMS key ${world.snapshotKeyArn} of snapshot ${world.copiedSnapshotIds[0]} ${state}`),
        ]);
        expect(failure.details[0]).toContain(world.snapshotKeyArn);
      },
      SLOW,
    );
  }
});
