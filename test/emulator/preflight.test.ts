/**
 * runPreflight against the seeded example world in moto: the happy path
 * resolves everything the stack needs; every bad world fails with its stable
 * code, lists the problem in `details`, and leaves moto exactly as it was.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ImportCertificateCommand } from "@aws-sdk/client-acm";
import { ChangeResourceRecordSetsCommand } from "@aws-sdk/client-route-53";
import { AwsClients } from "../../automation/aws.js";
import { emulatorClients, type EmulatorClients } from "../../emulator/rehearsal/clients.js";
import { selfSignedCertificate } from "../../emulator/rehearsal/certificate.js";
import { startMoto, type MotoServer } from "../../emulator/rehearsal/moto.js";
import { seedWorld, type SeededWorld, type WorldFaults } from "../../emulator/rehearsal/seed-world.js";
import { ExitCode, PreconditionError } from "../../automation/errors.js";
import { loadPlan, type Plan } from "../../automation/plan.js";
import { ownedKey, runPreflight, type PreflightOptions, type PreflightResult } from "../../automation/preflight.js";
import { stackResourceNamesFor } from "../../automation/run/stack-args.js";
import { ECS, ELBv2, IAM } from "../../automation/sdk.js";
import { RESOURCE_TYPES } from "../../automation/vocabulary.js";
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

/** Imports a self-signed certificate for `names` into the target region's ACM; its ARN. */
async function importCertificate(names: string[]): Promise<string> {
  const pem = await selfSignedCertificate(names);
  const imported = await aws
    .acm(TARGET)
    .send(new ImportCertificateCommand({ Certificate: Buffer.from(pem.cert), PrivateKey: Buffer.from(pem.key) }));
  return imported.CertificateArn!;
}

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
      `a detail matching ${problem} in ${failure.details.join("\n")}`,
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
    expect(result.securityGroupIds.size).toBe(4);
    expect(result.vpcId).toBe(world.vpcId);
    expect(result.zoneId).toBe(world.hostedZoneId);
    // The reference world is dual-stack: alias A and alias AAAA, both read.
    expect(result.productionRecords.map((value) => [value.type, value.alias?.dnsName])).toEqual([
      ["A", world.productionRecordValue],
      ["AAAA", world.productionRecordValue],
    ]);
    expect(result.restorePoint.snapshotIdentifier).toBe(world.copiedSnapshotIds[0]);
    expect(result.restorePoint.snapshotArn).toBe(world.copiedSnapshotArns[0]);
    expect(result.restorePoint.snapshotArn).toContain(`:${TARGET}:`);
    expect(result.dataLossWindowMs).toBeGreaterThanOrEqual(0);
    expect(result.dataLossWindowMs).toBeLessThan(plan.objectives.rpo);
    expect(result.replicaSecretPassword).toBeUndefined(); // credentials.mode: reset
    expect(result.certificateArn).toBe(world.certificateArn); // found: the ISSUED one covering the names
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
    // What exists, not only its form: the image in the target region's ECR, the replica versioned and replicated to.
    expect(result.image).toMatchObject({
      state: "present",
      image: { region: TARGET, repository: "peoplebooster-backend", tag: "latest" },
    });
    expect(result.storage).toMatchObject({
      bucket: plan.targets[TARGET].storage.replicaBucket,
      versioning: "Enabled",
      // A failover never calls the source region (a drill reads the rule: below).
      replication: { state: "not-checked", reason: "a failover never calls the source region" },
      // The newest of one listing page (LastModified has whole seconds: any of the seeded objects).
      newestObject: { key: expect.toBeOneOf(world.replicaObjectKeys) },
    });
    expect(result.notes).toEqual([
      `image ${plan.targets[TARGET].service.image} is in the ECR of ${TARGET}`,
      expect.stringMatching(
        /^replica bucket peoplebooster-production-assets-apne3: versioning Enabled; replication rule not checked \(a failover never calls the source region\); newest object \S+ 0:00:\d\d old$/,
      ),
    ]);
  });

  it("an image outside ECR is not checked (said as a note); one of another region's ECR is refused", async () => {
    const dockerHub = planWith((copy) => {
      copy.targets[TARGET].service.image = "ghcr.io/peoplebooster/backend:1.4.2";
    });
    const result = await runPreflight(aws, options({ plan: dockerHub }));
    expect(result.image).toEqual({ state: "not-ecr" });
    expect(result.notes[0]).toBe(
      "image ghcr.io/peoplebooster/backend:1.4.2 is not in ECR: whether it exists was not checked",
    );
    const sourceImage = "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/peoplebooster-backend:latest";
    const fromSource = planWith((copy) => {
      copy.targets[TARGET].service.image = sourceImage;
    });
    await expectPreflightFailure({ plan: fromSource }, "IMAGE_OTHER_REGION", [
      new RegExp(
        `^targets\\.${TARGET}\\.service\\.image ${sourceImage.replace(/\./g, "\\.")} is an image of the ECR of ap-northeast-1, not of ${TARGET}: .* name 123456789012\\.dkr\\.ecr\\.${TARGET}\\.amazonaws\\.com/peoplebooster-backend:latest$`,
      ),
    ]);
  });

  it("the source region not answering: a drill warns within seconds that the replication rule was not checked; a failover never asks", async () => {
    const dead = new AwsClients({ endpoint: "http://127.0.0.1:9", maxAttempts: 1, connectionTimeoutMs: 500 });
    const deadSource = new AwsClients({ endpoint: moto.endpoint, maxAttempts: 2 });
    const s3 = deadSource.s3.bind(deadSource);
    deadSource.s3 = (region: string) => (region === plan.sourceRegion ? dead.s3(region) : s3(region));
    try {
      const started = performance.now();
      const result = await runPreflight(deadSource, options({ journey: "drill" }));
      expect(performance.now() - started).toBeLessThan(8_000);
      expect(result.storage.replication).toMatchObject({ state: "not-checked" });
      expect(result.warnings).toEqual([
        {
          code: "REPLICATION_NOT_READ",
          message: expect.stringMatching(
            /^the replication rule of peoplebooster-production-assets in ap-northeast-1 could not be read \(.+\); not checked — the source region may be down$/,
          ),
        },
      ]);
      // Nothing on the failover path calls the source region: no warning, the rule said not checked.
      const failover = await runPreflight(deadSource, options({ journey: "failover" }));
      expect(failover.warnings).toEqual([]);
      expect(failover.storage.replication).toEqual({
        state: "not-checked",
        reason: "a failover never calls the source region",
      });
    } finally {
      dead.destroy();
      deadSource.destroy();
    }
  });

  it("finds the cache's newest .rdb in the replica bucket, or the named snapshot of the region, with its age", async () => {
    const rdb = await runPreflight(aws, options());
    expect(rdb.cache?.backup).toMatchObject({
      source: "rdb-in-s3",
      label: `s3://${world.cache!.rdbBucket}/${world.cache!.rdbKey}`,
      snapshotArn: `arn:aws:s3:::${world.cache!.rdbBucket}/${world.cache!.rdbKey}`,
    });
    expect(rdb.cache!.ageMs).toBeLessThan(5 * 60_000);
    const bySnapshot = planWith((copy) => {
      copy.cache!.backup.source = "snapshot";
      copy.targets[TARGET].cache!.backup.snapshotName = world.cache!.snapshotName;
    });
    const snapshot = await runPreflight(aws, options({ plan: bySnapshot }));
    expect(snapshot.cache?.backup).toMatchObject({ source: "snapshot", snapshotName: world.cache!.snapshotName });
  });

  it("a cache backup older than cache.backup.maxAge → CACHE_BACKUP_TOO_OLD; none gated without maxAge", async () => {
    // moto stamps the .rdb with its clock: put the incident start 30 h later (maxAge 26 h; RPO accepted).
    const late = { incidentStart: new Date(Date.now() + 30 * HOUR), acceptDataLoss: true };
    await expectPreflightFailure(late, "CACHE_BACKUP_TOO_OLD", [
      new RegExp(
        `^the cache's backup s3://${world.cache!.rdbBucket}/${world.cache!.rdbKey} is 30:00:\\d\\d old at the incident start, beyond cache.backup.maxAge of 26:00:00 — export a newer one`,
      ),
    ]);
    const ungated = planWith((copy) => {
      copy.cache!.backup.maxAge = undefined;
    });
    const result = await runPreflight(aws, options({ ...late, plan: ungated }));
    expect(result.cache!.ageMs).toBeGreaterThan(30 * HOUR - 60_000);
  });

  it("no .rdb under the prefix, an unknown snapshot, a missing cache subnet group → each named with its fix", async () => {
    const nothing = planWith((copy) => {
      copy.targets[TARGET].cache!.backup.prefix = "redis-exports/";
      copy.targets[TARGET].cache!.subnetGroup = "peoplebooster-dr-redis";
    });
    await expectPreflightFailure({ plan: nothing }, "PREFLIGHT_FAILED", [
      new RegExp(
        `^no \\.rdb export of peoplebooster-production-redis under s3://${world.replicaBucket}/redis-exports/ in ${TARGET} — Export a snapshot of the cache`,
      ),
      new RegExp(`^ElastiCache subnet group peoplebooster-dr-redis does not exist in ${TARGET}; create it`),
    ]);
    const unknown = planWith((copy) => {
      copy.cache!.backup.source = "snapshot";
      copy.targets[TARGET].cache!.backup.snapshotName = "peoplebooster-redis-nope";
    });
    await expectPreflightFailure({ plan: unknown }, "CACHE_SNAPSHOT_NOT_FOUND", [
      new RegExp(
        `^ElastiCache snapshot peoplebooster-redis-nope does not exist in ${TARGET} — ElastiCache cannot copy snapshots across regions`,
      ),
    ]);
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
    // What the snapshot says (the replicated backup's facts: automated-backups.test.ts).
    const contradicting = planWith((copy) => {
      copy.database.restoreFrom = "snapshot";
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
      copy.database.restoreFrom = "snapshot";
      copy.database.credentials.username = "postgres";
    });
    await expectPreflightFailure({ plan: userOnly }, "SNAPSHOT_USERNAME_MISMATCH", [
      /^database\.credentials\.username /,
    ]);
  });

  it("a wildcard of the zone serves both names; one for the production name alone serves a failover, not a drill", async () => {
    const wildcard = await importCertificate([`*.${plan.dns.hostedZone}`]);
    const productionOnly = await importCertificate([plan.dns.productionRecord]);
    const naming = (arn: string) =>
      planWith((copy) => {
        copy.targets[TARGET].loadBalancer.certificateArn = arn;
      });
    for (const journey of ["drill", "failover"] as const)
      expect((await runPreflight(aws, options({ plan: naming(wildcard), journey }))).certificateArn).toBe(wildcard);
    expect((await runPreflight(aws, options({ plan: naming(productionOnly) }))).certificateArn).toBe(productionOnly);
    await expectPreflightFailure({ plan: naming(productionOnly), journey: "drill" }, "CERTIFICATE_NOT_COVERING", [
      new RegExp(
        `^certificate ${productionOnly} covers ${plan.dns.productionRecord} but not ${plan.dns.drillRecord}: HTTPS clients of that name would reject it — Fix it or change targets\\.${TARGET}\\.loadBalancer\\.certificateArn\\.$`,
      ),
    ]);
  });

  it("a certificate ARN that ACM does not know → CERTIFICATE_NOT_FOUND naming it", async () => {
    const missing = `arn:aws:acm:${TARGET}:123456789012:certificate/00000000-0000-0000-0000-000000000000`;
    const badPlan = planWith((copy) => {
      copy.targets[TARGET].loadBalancer.certificateArn = missing;
    });
    await expectPreflightFailure({ plan: badPlan }, "CERTIFICATE_NOT_FOUND", [
      new RegExp(
        `^certificate ${missing} \\(targets\\.${TARGET}\\.loadBalancer\\.certificateArn\\) does not exist in ACM in ${TARGET} — Request or import it in ${TARGET}`,
      ),
    ]);
  });

  it("passes a drill the same way (the drill record does not exist yet), reading the source bucket's replication rule", async () => {
    const result = await runPreflight(aws, options({ journey: "drill" }));
    expect(result.restorePoint.snapshotIdentifier).toBe(world.copiedSnapshotIds[0]);
    expect(result.storage.replication).toEqual({ state: "targets-replica", ruleId: `to-${TARGET}` });
    expect(result.notes[1]).toContain("replicated by rule to-ap-northeast-3 of peoplebooster-production-assets;");
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
    "no certificate in the target region → CERTIFICATE_NOT_FOUND naming the names to cover (nothing created)",
    async () => {
      await freshWorld({ certificate: "absent" });
      await expectPreflightFailure({}, "CERTIFICATE_NOT_FOUND", [
        new RegExp(
          `^no ISSUED, unexpired ACM certificate in ${TARGET} covers ${plan.dns.productionRecord} \\(0 ISSUED certificates there\\) — Request one in ${TARGET}`,
        ),
      ]);
      await expectPreflightFailure({ journey: "drill" }, "CERTIFICATE_NOT_FOUND", [
        new RegExp(`covers ${plan.dns.drillRecord} and ${plan.dns.productionRecord} `),
      ]);
    },
    SLOW,
  );

  it(
    "a certificate still PENDING_VALIDATION → CERTIFICATE_NOT_ISSUED when named, and never picked",
    async () => {
      const world = await freshWorld({ certificate: "pending-validation" });
      const naming = planWith((copy) => {
        copy.targets[TARGET].loadBalancer.certificateArn = world.certificateArn;
      });
      await expectPreflightFailure({ plan: naming }, "CERTIFICATE_NOT_ISSUED", [
        new RegExp(
          `^certificate ${world.certificateArn} is PENDING_VALIDATION, not ISSUED: a load balancer cannot serve it — finish its DNS validation`,
        ),
      ]);
      await expectPreflightFailure({}, "CERTIFICATE_NOT_FOUND", [/^no ISSUED, unexpired ACM certificate/]);
    },
    SLOW,
  );

  it(
    "an ISSUED certificate for other names → CERTIFICATE_NOT_COVERING when named, and never picked",
    async () => {
      const world = await freshWorld({ certificate: "other-names" });
      const naming = planWith((copy) => {
        copy.targets[TARGET].loadBalancer.certificateArn = world.certificateArn;
      });
      await expectPreflightFailure({ plan: naming }, "CERTIFICATE_NOT_COVERING", [
        new RegExp(
          `^certificate ${world.certificateArn} covers other\\.${plan.dns.hostedZone} but not ${plan.dns.productionRecord}:`,
        ),
      ]);
      await expectPreflightFailure({}, "CERTIFICATE_NOT_FOUND", [/\(1 ISSUED certificate there\)/]);
    },
    SLOW,
  );

  it(
    "no copied snapshot in the target region → NO_RESTORABLE_SNAPSHOT",
    async () => {
      await freshWorld({ noCopiedSnapshot: true });
      const fromSnapshot = planWith((copy) => {
        copy.database.restoreFrom = "snapshot";
      });
      await expectPreflightFailure({ plan: fromSnapshot }, "NO_RESTORABLE_SNAPSHOT", [
        new RegExp(
          `^no available snapshot of ${plan.database.sourceIdentifier} in ${TARGET} — Copy a snapshot to ${TARGET}`,
        ),
      ]);
    },
    SLOW,
  );

  it(
    "missing replica bucket → REPLICA_BUCKET_NOT_FOUND, and the cache's .rdb exports it held are missing too",
    async () => {
      await freshWorld({ noReplicaBucket: true });
      const bucket = plan.targets[TARGET].storage.replicaBucket;
      await expectPreflightFailure({}, "PREFLIGHT_FAILED", [
        new RegExp(`^replica bucket ${bucket} does not exist in ${TARGET}`),
        new RegExp(`^the cache's backup bucket ${bucket} does not exist in ${TARGET} — Replicate the bucket`),
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
      expect(result.productionRecords).toEqual([]);
    },
    SLOW,
  );

  it(
    "weighted production sets → PRODUCTION_ROUTING_POLICY naming each set, for a failover and a preview; a drill only warns",
    async () => {
      await freshWorld({ productionDns: "weighted" });
      const before = await summarizeMotoState(moto.endpoint, planRegions(plan));
      const name = plan.dns.productionRecord.replace(/\./g, "\\.");
      await expectPreflightFailure({ journey: "failover" }, "PREFLIGHT_FAILED", [
        new RegExp(
          `^production record ${name} A "primary" has a weighted routing policy, which the DNS switch cannot replace safely — `,
        ),
        new RegExp(`^production record ${name} A "secondary" has a weighted routing policy`),
      ]);
      await expectPreflightFailure({ journey: "preview" }, "PREFLIGHT_FAILED", [/weighted routing policy/, /weighted/]);
      const drill = await runPreflight(aws, options({ journey: "drill" }));
      expect(drill.warnings.filter((warning) => warning.code === "PRODUCTION_ROUTING_POLICY")).toHaveLength(2);
      expect(await summarizeMotoState(moto.endpoint, planRegions(plan))).toEqual(before);
    },
    SLOW,
  );

  it(
    "an AAAA production record with IPv4-only load balancer subnets → LOAD_BALANCER_SUBNETS_IPV4_ONLY (a drill too)",
    async () => {
      await freshWorld({ ipv4OnlySubnets: true });
      const subnets = plan.targets[TARGET].loadBalancer.subnets.join(", ");
      await expectPreflightFailure({ journey: "failover" }, "LOAD_BALANCER_SUBNETS_IPV4_ONLY", [
        new RegExp(
          `has an AAAA record, so the DR load balancer must be dual-stack, but its subnets ${subnets} in ${TARGET} have no IPv6 CIDR block`,
        ),
      ]);
      await expectPreflightFailure({ journey: "drill" }, "LOAD_BALANCER_SUBNETS_IPV4_ONLY", [/no IPv6 CIDR block/]);
      // No AAAA, no dual-stack requirement: with a CNAME the DR load balancer stays IPv4-only, as before.
      await freshWorld({ ipv4OnlySubnets: true, productionDns: "cname" });
      expect((await runPreflight(aws, options())).productionRecords.map((value) => value.type)).toEqual(["CNAME"]);
    },
    SLOW,
  );

  it(
    "several problems at once → PREFLIGHT_FAILED with every problem in details",
    async () => {
      await freshWorld({ noCopiedSnapshot: true, noReplicaBucket: true, noHostedZone: true });
      const badPlan = planWith((copy) => {
        copy.database.restoreFrom = "snapshot";
        copy.targets[TARGET].loadBalancer.subnets = ["peoplebooster-dr-public-a", "peoplebooster-dr-public-z"];
      });
      const failure = await expectPreflightFailure({ plan: badPlan }, "PREFLIGHT_FAILED", [
        /^no available snapshot of peoplebooster-production in ap-northeast-3/,
        /^replica bucket peoplebooster-production-assets-apne3 does not exist/,
        /^the cache's backup bucket peoplebooster-production-assets-apne3 does not exist/,
        /^hosted zone peoplebooster\.example\.com not found/,
        /^subnet peoplebooster-dr-public-z not found in ap-northeast-3/,
      ]);
      expect(failure.message).toBe(`preflight found 5 problems in ${TARGET}; nothing was created`);
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

  it(
    "the replica bucket's versioning Suspended → REPLICA_BUCKET_VERSIONING_OFF with the command that enables it",
    async () => {
      await freshWorld({ replicaVersioningSuspended: true });
      const bucket = plan.targets[TARGET].storage.replicaBucket;
      await expectPreflightFailure({}, "REPLICA_BUCKET_VERSIONING_OFF", [
        new RegExp(
          `^replica bucket ${bucket} in ${TARGET} has versioning Suspended, not Enabled: .* — enable it: aws s3api put-bucket-versioning --region ${TARGET} --bucket ${bucket} --versioning-configuration Status=Enabled$`,
        ),
      ]);
      // A drill and a failover alike: the replica must keep versions.
      await expectPreflightFailure({ journey: "drill" }, "REPLICA_BUCKET_VERSIONING_OFF", [/versioning Suspended/]);
    },
    SLOW,
  );

  it(
    "the image missing, the database's security groups in another VPC, replication to another bucket → each refused, naming it",
    async () => {
      const world = await freshWorld({ noImage: true, databaseGroupsInOtherVpc: true, replicationElsewhere: true });
      const image = plan.targets[TARGET].service.image.replace(/\./g, "\\.");
      const problems = [
        new RegExp(
          `^image ${image} does not exist: ECR repository peoplebooster-backend in ${TARGET} has no image :latest — push it`,
        ),
        new RegExp(
          `^security group peoplebooster-dr-db \\(${world.securityGroupIds["peoplebooster-dr-db"]}, targets\\.${TARGET}\\.database\\.securityGroups\\) is in vpc-\\w+, but the plan's subnets are in ${world.vpcId}: .* — use a group of ${world.vpcId}$`,
        ),
        /^source bucket peoplebooster-production-assets in ap-northeast-1 has no enabled replication rule to peoplebooster-production-assets-apne3 \(its rules replicate to arn:aws:s3:::peoplebooster-production-assets-elsewhere \(Enabled\)\): .* add a rule with destination arn:aws:s3:::peoplebooster-production-assets-apne3/,
      ];
      await expectPreflightFailure({ journey: "drill" }, "PREFLIGHT_FAILED", problems);
      // A failover refuses what would fail it, and never reads the replication rule (nothing on its path calls the source region).
      await expectPreflightFailure({ journey: "failover" }, "PREFLIGHT_FAILED", problems.slice(0, 2));
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

describe("runPreflight: names the stack would create", () => {
  const claims = (owned: string[] = []): PreflightOptions["claims"] => ({
    names: stackResourceNamesFor(plan, TARGET, "failover", "run-id"),
    ownedByStack: new Set(owned),
  });

  /** What a pre-provisioned DR region (or a removed stack's leftovers) holds under the failover's names. */
  async function provisionTheNames(world: SeededWorld) {
    const { names } = claims()!;
    await aws.ecs(TARGET).send(new ECS.CreateClusterCommand({ clusterName: names.cluster }));
    await aws.elbv2(TARGET).send(
      new ELBv2.CreateLoadBalancerCommand({
        Name: names.loadBalancer,
        Subnets: Object.values(world.subnetIds).slice(0, 2),
      }),
    );
    await aws
      .elbv2(TARGET)
      .send(
        new ELBv2.CreateTargetGroupCommand({ Name: names.targetGroup, Port: 80, Protocol: "HTTP", VpcId: world.vpcId }),
      );
    for (const role of [names.executionRole, names.taskRole])
      await aws.iam().send(new IAM.CreateRoleCommand({ RoleName: role, AssumeRolePolicyDocument: "{}" }));
  }

  it(
    "a cluster, load balancer, target group or role of those names that the stack does not hold → NAME_TAKEN for each, with the fix",
    async () => {
      const world = await freshWorld();
      await provisionTheNames(world);
      const { names: n } = claims()!;
      const failure = await expectPreflightFailure({ claims: claims() }, "PREFLIGHT_FAILED", [
        new RegExp(
          `^ECS cluster ${n.cluster} already exists \\(ACTIVE\\) in ${TARGET} and is not this stack's: CreateCluster would silently take it over and destroy would delete it — delete it if it is left over .*, or set service.cluster in the plan to a name that is free in ${TARGET}$`,
        ),
        new RegExp(
          `^load balancer ${n.loadBalancer} already exists in ${TARGET} and is not this stack's: .*change app`,
        ),
        new RegExp(`^target group ${n.targetGroup} already exists in ${TARGET} and is not this stack's: .*change app`),
        new RegExp(`^IAM role ${n.executionRole} already exists and is not this stack's .*change service.name`),
        new RegExp(`^IAM role ${n.taskRole} already exists and is not this stack's .*change service.name`),
      ]);
      expect(failure.message).toBe(`preflight found 5 problems in ${TARGET}; nothing was created`);

      // The same resources held by the stack itself (a re-run, or a killed run's pending creates): no problem.
      const owned = [
        ownedKey(RESOURCE_TYPES.ecsCluster, n.cluster),
        ownedKey(RESOURCE_TYPES.loadBalancer, n.loadBalancer),
        ownedKey(RESOURCE_TYPES.targetGroup, n.targetGroup),
        ownedKey(RESOURCE_TYPES.iamRole, n.executionRole),
        ownedKey(RESOURCE_TYPES.iamRole, n.taskRole),
      ];
      const result = await runPreflight(aws, options({ claims: claims(owned) }));
      expect(result.warnings).toEqual([]);
    },
    SLOW,
  );

  it(
    "an INACTIVE cluster of that name is no obstacle (CreateCluster makes a new one)",
    async () => {
      await freshWorld();
      const { names: n } = claims()!;
      await aws.ecs(TARGET).send(new ECS.CreateClusterCommand({ clusterName: n.cluster }));
      await aws.ecs(TARGET).send(new ECS.DeleteClusterCommand({ cluster: n.cluster }));
      await runPreflight(aws, options({ claims: claims() }));
    },
    SLOW,
  );
});
