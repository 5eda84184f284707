/**
 * `dr-failover check` through the CLI against the seeded example world in moto:
 * ready (exit 0) and not ready (exit 3, each finding once with its fix), and
 * in both cases nothing created in AWS and nothing written in the state dir.
 * No engine: check needs none.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BatchDeleteImageCommand } from "@aws-sdk/client-ecr";
import { PutBucketVersioningCommand } from "@aws-sdk/client-s3";
import type { RunReport } from "../../automation/report/model.js";
import { runCli, tempDir, writePlan } from "../support/cli.js";
import { type CliWorld, fileBytes, startCliWorld, TARGET } from "../support/cli-world.js";

const SLOW = 120_000;
const DAY = 24 * 60 * 60 * 1000;

let world: CliWorld;

beforeAll(async () => {
  world = await startCliWorld();
  // The history: a successful drill of this target three days ago (a report as a drill writes it).
  const runId = "20261127t030000-drill-a1b2";
  const report: Partial<RunReport> = {
    schemaVersion: 1,
    runId,
    journey: "drill",
    app: world.plan.app,
    sourceRegion: world.plan.sourceRegion,
    targetRegion: TARGET,
    emulator: false,
    result: "succeeded",
    startedAt: new Date(Date.now() - 3 * DAY).toISOString(),
    rto: { achievedMs: 1_800_000, percentOfBudget: 12.5, met: true },
  };
  await mkdir(join(world.stateDir, "runs", runId), { recursive: true });
  await writeFile(join(world.stateDir, "runs", runId, "report.json"), JSON.stringify(report));
}, SLOW);

afterAll(async () => {
  await world?.stop();
});

/** Runs `check` and asserts that moto and the state dir are exactly as they were. */
async function check(args: string[]) {
  const [motoBefore, filesBefore] = await Promise.all([world.summary(), fileBytes(world.stateDir)]);
  const result = await runCli([...world.globals(), ...args], { env: { AWS_ACCESS_KEY_ID: undefined } });
  const [motoAfter, filesAfter] = await Promise.all([world.summary(), fileBytes(world.stateDir)]);
  expect(motoAfter).toEqual(motoBefore);
  expect(filesAfter).toEqual(filesBefore);
  return result;
}

describe("dr-failover check", () => {
  it(
    "the seeded world with a drill 3 days old: READY, exit 0, every row ✔, nothing created or written",
    async () => {
      const result = await check(["check", "-p", world.planPath, "-r", TARGET]);
      expect(result.exitCode, result.stderr).toBe(0);
      const lines = result.stdout.trimEnd().split("\n");
      expect(lines[0]).toBe(`peoplebooster → ${TARGET}: READY (0 problems, 0 warnings)`);
      expect(lines.slice(1).map((line) => line.slice(0, 4))).toEqual(Array(lines.length - 1).fill("  ✔ "));
      expect(result.stdout).toMatch(/✔ restore point +.*: \d:\d\d:\d\d old \(RPO 1:00:00\)/);
      expect(result.stdout).toMatch(
        new RegExp(
          `✔ image +${world.plan.targets[TARGET].service.image.replace(/\./g, "\\.")} in the ECR of ${TARGET}`,
        ),
      );
      expect(result.stdout).toMatch(/✔ KMS key +arn:aws:kms:ap-northeast-3:\d{12}:key\/\S+ Enabled/);
      expect(result.stdout).toMatch(new RegExp(`✔ subnets and security groups +one VPC: ${world.world.vpcId}`));
      expect(result.stdout).toMatch(
        /✔ replica bucket +peoplebooster-production-assets-apne3: versioning Enabled; replication rule to-ap-northeast-3; newest object \d:\d\d:\d\d old/,
      );
      expect(result.stdout).toMatch(/✔ last drill +20261127t030000-drill-a1b2: \d d( \d+ h)? old \(max 35 d\)/);

      const json = await check(["--json", "check", "-p", world.planPath, "-r", TARGET]);
      expect(json.exitCode, json.stderr).toBe(0);
      const event = JSON.parse(json.stdout);
      expect(event).toMatchObject({ schemaVersion: expect.any(Number), type: "check", ready: true });
      expect(event.targets).toHaveLength(1);
      expect(event.targets[0]).toMatchObject({ targetRegion: TARGET, ready: true, findings: [] });
    },
    SLOW,
  );

  it(
    "versioning off, the image gone, the drill too old: NOT READY, exit 3, each finding once with its fix",
    async () => {
      const state = await tempDir();
      try {
        const strict = await writePlan(state.path, "strict", (plan) => {
          plan.objectives.maxDrillAge = "2d";
        });
        const bucket = world.world.replicaBucket;
        const repository = world.world.ecrRepository!;
        await world.aws
          .s3(TARGET)
          .send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Suspended" } }));
        await world.aws
          .ecr(TARGET)
          .send(
            new BatchDeleteImageCommand({ repositoryName: repository.name, imageIds: [{ imageTag: repository.tag }] }),
          );

        const result = await check(["check", "-p", strict, "-r", TARGET]);
        expect(result.exitCode, result.stderr).toBe(3);
        expect(result.stdout.split("\n")[0]).toBe(`peoplebooster → ${TARGET}: NOT READY (3 problems, 0 warnings)`);
        const codes = ["REPLICA_BUCKET_VERSIONING_OFF", "IMAGE_NOT_FOUND", "DRILL_TOO_OLD"];
        for (const code of codes) expect(result.stdout.split(`✖ problem ${code}: `)).toHaveLength(2);
        expect(result.stdout).toContain(
          `versioning-configuration Status=Enabled`, // the fix, in the finding
        );
        expect(result.stdout).toMatch(/✖ image +\S+ no-image/);
        expect(result.stdout).toContain(`— run dr-failover drill -p <plan> -r ${TARGET}`);
        // The error says the outcome only: the findings are not repeated on stderr.
        expect(result.stderr).toMatch(
          new RegExp(`^error NOT_READY: ${TARGET} is not ready for a failover; nothing was created$`, "m"),
        );
        expect(result.stderr).not.toContain("REPLICA_BUCKET_VERSIONING_OFF");

        const json = await check(["--json", "check", "-p", strict, "-r", TARGET]);
        expect(json.exitCode).toBe(3);
        const [event, error] = json.stdout
          .trimEnd()
          .split("\n")
          .map((line) => JSON.parse(line));
        expect(event.ready).toBe(false);
        expect(event.targets[0].findings.map((finding: { code: string }) => finding.code).sort()).toEqual(
          [...codes].sort(),
        );
        expect(error).toMatchObject({ type: "error", code: "NOT_READY" });
      } finally {
        await state.cleanup();
      }
    },
    SLOW,
  );

  it("names the target: neither -r nor --all-targets is a usage error (exit 2)", async () => {
    const result = await runCli(["check", "-p", world.planPath]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^error CHECK_TARGET_REQUIRED: give one of -r <region> and --all-targets$/m);
  });
});
