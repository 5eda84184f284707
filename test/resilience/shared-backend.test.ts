/**
 * Two operators (two state dirs, as two machines would have) sharing one
 * s3:// state backend, through the real CLI (real engine, stand-in plugin,
 * moto). Pinned: a failover run on one is seen, resumed and destroyed from the
 * other — its settings (stack arguments, password, incident clock, production
 * record's previous value) come from the backend, and the re-run changes
 * nothing live; two drills started at the same instant: one proceeds, the
 * other is refused before creating anything, naming the holder.
 */
import { CreateBucketCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { DescribeServicesCommand } from "@aws-sdk/client-ecs";
import { GetSecretValueCommand, ListSecretsCommand } from "@aws-sdk/client-secrets-manager";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readRecord, recordTarget } from "../../automation/dns.js";
import { errorCodeOf } from "../support/cli.js";
import { spawnCli, TARGET, type CliRun } from "../support/cli-world.js";
import { diffMotoState, type MotoStateSummary } from "../support/moto-state.js";
import { PROD, show, useResilienceWorld, warningCodes } from "../support/resilience.js";

const r = useResilienceWorld("shared backend");
const BUCKET = "peoplebooster-dr-state";
/** The state bucket, in a region that is neither the source nor the target. */
const backend = () => [
  "--backend",
  `s3://${BUCKET}/dr?region=us-west-2&endpoint=${r.w.moto.endpoint.replace("http://", "")}&disableSSL=true&s3ForcePathStyle=true`,
];
beforeAll(async () => {
  await r.w.aws
    .s3("us-west-2")
    .send(new CreateBucketCommand({ Bucket: BUCKET, CreateBucketConfiguration: { LocationConstraint: "us-west-2" } }));
  r.baseline = await r.w.summary();
});

/** The same command from another state dir: everything else (backend, secrets provider, plan) alike. */
const onMachine = (stateDir: string, args: string[]) => args.map((arg) => (arg === r.w.stateDir ? stateDir : arg));
const changedResources = (run: CliRun) =>
  run.events.filter((event) => event.type === "resource").map((event) => `${event.op} ${event.name}`);
/** Everything but the state bucket (which holds the stacks' state and history). */
const withoutState = (summary: MotoStateSummary) => ({
  ...summary,
  "s3/us-west-2/buckets": summary["s3/us-west-2/buckets"]?.filter((name) => !name.startsWith(`${BUCKET} `)),
});

describe("two state dirs on one s3:// backend", { timeout: 420_000 }, () => {
  it("a failover from one; status, a re-run (changing nothing live) and destroy from the other", async () => {
    const { completes, failover, destroy, invariants } = r.kit;
    const s3 = r.w.aws.s3("us-west-2");
    const objects = async (prefix: string) =>
      ((await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }))).Contents ?? []).map(
        (object) => object.Key,
      );
    const other = await mkdtemp(join(tmpdir(), "dr-other-machine-"));

    const first = await completes([...backend(), ...failover()]);
    const stackName = String(
      (first.events.find((event) => event.type === "run-started") as unknown as { stackName: string }).stackName,
    );
    expect(await objects("dr/.pulumi/dr-failover/")).toEqual([
      `dr/.pulumi/dr-failover/stack-settings/dr-failover/${stackName}.json`,
    ]);
    const live = async () => {
      const secrets = await r.w.aws.secrets(TARGET).send(new ListSecretsCommand({}));
      const secret = secrets.SecretList?.find((candidate) => candidate.Name?.includes("/dr-failover-"));
      const value = await r.w.aws.secrets(TARGET).send(new GetSecretValueCommand({ SecretId: secret!.ARN }));
      const service = await r.w.aws
        .ecs(TARGET)
        .send(new DescribeServicesCommand({ cluster: r.w.plan.service.cluster, services: [r.w.plan.service.name] }));
      return {
        database: await r.w.drDatabase(),
        secret: { arn: secret?.ARN, version: value.VersionId },
        taskDefinition: service.services?.[0]?.taskDefinition,
        production: recordTarget((await readRecord(r.w.aws.route53(), r.w.world.hostedZoneId!, PROD))!),
      };
    };
    const switched = await live();
    expect(switched.production).toMatch(/elb\.amazonaws\.com$/);
    const afterFailover = await r.w.summary();

    // The other machine sees the stack (its target region from its name: the reports are on the first).
    const status = await spawnCli(onMachine(other, [...backend(), ...r.w.globals(), "status"]), { env: r.w.env() });
    expect(status.exitCode, show(status)).toBe(0);
    expect(JSON.parse(status.stdout.trim().split("\n").pop()!).stacks).toEqual([
      expect.objectContaining({ stackName, mode: "failover", targetRegion: TARGET }),
    ]);

    // Its re-run resumes with the recorded settings: no new password, no new secret, no update at all.
    const rerun = await completes(onMachine(other, [...backend(), ...failover()]));
    expect(changedResources(rerun), show(rerun)).toEqual([]);
    expect(warningCodes(rerun)).toContain("INCIDENT_CLOCK_CONTINUED");
    expect(await live()).toEqual(switched);
    expect(diffMotoState(withoutState(afterFailover), withoutState(await r.w.summary()))).toEqual({
      added: {},
      removed: {},
    });

    // Its destroy puts production back as the first machine recorded it, and leaves nothing.
    const destroyed = await completes(onMachine(other, [...backend(), ...destroy()]));
    expect(destroyed.events.some((event) => event.type === "phase-finished" && event.phase === "dns")).toBe(true);
    const diff = diffMotoState(withoutState(r.baseline), withoutState(await r.w.summary()));
    expect(diff).toEqual({
      added: {
        [`rds/${TARGET}/snapshots`]: [expect.stringMatching(/-final-/)],
        [`elasticache/${TARGET}/snapshots`]: [expect.stringMatching(/-final-/)],
        // In its recovery window, as a failover's secret is kept after destroy.
        [`secretsmanager/${TARGET}/secrets`]: [expect.stringMatching(/\/dr-failover-.* \(scheduled for deletion\)$/)],
      },
      removed: {},
    });
    expect(await objects("dr/.pulumi/dr-failover/")).toEqual([]);
    await invariants();
  });

  it("two drills started at the same instant: one proceeds, the other is refused before creating anything", async () => {
    const { drill, invariants } = r.kit;
    const other = await mkdtemp(join(tmpdir(), "dr-other-machine-"));
    const before = await r.w.summary();
    const [a, b] = await Promise.all([
      spawnCli([...backend(), ...drill()], { env: r.w.env() }),
      spawnCli(onMachine(other, [...backend(), ...drill()]), { env: r.w.env() }),
    ]);
    const [winner, loser] = a.exitCode === 0 ? [a, b] : [b, a];
    expect(winner.exitCode, show(winner)).toBe(0);
    expect(loser.exitCode, show(loser)).toBe(6);
    expect(errorCodeOf(loser.stderr), show(loser)).toBe("JOURNEY_IN_PROGRESS");
    const holder = winner.events.find((event) => event.type === "run-started") as unknown as {
      runId: string;
      stackName: string;
    };
    expect(loser.stderr).toContain(
      `another journey of ${r.w.plan.app} in ${TARGET} is running: drill ${holder.runId} (stack ${holder.stackName}), pid`,
    );
    expect(loser.stderr).toMatch(/ since \d{4}-\d\d-\d\dT/);
    // Refused in preflight: no stack, no resource, no phase after it.
    expect(changedResources(loser)).toEqual([]);
    expect(
      loser.events.filter((event) => event.type === "phase-started").map((event) => event.phase),
      show(loser),
    ).toEqual(["preflight"]);
    expect(diffMotoState(withoutState(before), withoutState(await r.w.summary()))).toEqual({ added: {}, removed: {} });
    const locks = await r.w.aws
      .s3("us-west-2")
      .send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "dr/.pulumi/dr-failover/journey-locks/" }));
    expect(locks.Contents ?? [], "the winner released its lock").toEqual([]);
    await invariants();
  });
});
