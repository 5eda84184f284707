/**
 * The failover's edges end-to-end (real engine, stand-in plugin, moto): a
 * restore that outlasts the provider's timeout, and a destroy that must not
 * restore nothing over a switched production record. Readiness within the RTO
 * budget: failover-readiness.test.ts.
 */
import { DescribeDBInstancesCommand } from "@aws-sdk/client-rds";
import { describe, expect, it } from "vitest";
import { readRecord, recordTarget } from "../../automation/dns.js";
import { PreconditionError, RefusedError, ToolError, UsageError } from "../../automation/errors.js";
import { runDestroy } from "../../automation/journeys/destroy.js";
import { runFailover } from "../../automation/journeys/failover.js";
import { ECS } from "../../automation/sdk.js";
import { openWorkspace, settingsKey } from "../../automation/workspace.js";
import { backendStoreFor } from "../../automation/backend-store.js";
import { backendUrlOf } from "../../automation/vocabulary.js";
import { TARGET, useE2eWorld } from "../support/e2e.js";

const e2e = useE2eWorld();

const PROD = "api.peoplebooster.example.com";

describe("failover and destroy at the edges", () => {
  it("a database restore that outlasts the provider's timeout fails naming the step before production DNS is touched, and the re-run resumes with the same database", async () => {
    const run = await e2e.seed();
    // The restore takes 60 s (modeled by the stand-in, inside its wait for "available");
    // the provider's create timeout (40 min on AWS) is 3 s here.
    const latency = {
      DR_STANDIN_LATENCY_SCALE: "0.01",
      DR_STANDIN_LATENCY_MODEL: JSON.stringify({ "aws:rds/instance:Instance": { create: 6_000 } }),
      DR_STANDIN_RDS_TIMEOUT_MS: "3000",
    };
    Object.assign(process.env, latency);
    let failure: any;
    try {
      failure = await runFailover(run.context(), { confirm: PROD }).catch((error) => error);
    } finally {
      for (const key of Object.keys(latency)) delete process.env[key];
    }
    expect(failure).toBeInstanceOf(ToolError);
    expect(failure.code).toBe("WAIT_TIMED_OUT");
    expect(failure.message).toMatch(
      /^database \(aws:rds\/instance:Instance\) was not ready within the provider's timeout \(after 0:00:0[3-9]\)$/,
    );
    expect(failure.details.join("\n")).toMatch(/timeout while waiting/);
    expect(failure.hint).toMatch(/production DNS was not switched.*re-run the same command/);
    // The production record was not switched; the database exists and is kept by the re-run.
    expect(recordTarget(await readRecord(run.aws.route53(), run.world.hostedZoneId!, PROD))).toBe(
      run.world.productionRecordValue,
    );
    const rds = run.aws.rds(TARGET);
    const restored = (
      await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "peoplebooster-production-dr" }))
    ).DBInstances![0];

    const resumed = await runFailover(run.context(), { confirm: PROD });
    expect(resumed.result).toBe("succeeded");
    expect(resumed.warnings.map((warning) => warning.code)).toContain("RESUMING_HALF_CREATED");
    const kept = (
      await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "peoplebooster-production-dr" }))
    ).DBInstances![0];
    expect(kept.DbiResourceId).toBe(restored.DbiResourceId);
  });

  it("destroy refuses while production points at the DR stack with no recorded previous value, unless forced", async () => {
    const run = await e2e.seed();
    await runFailover(run.context(), { confirm: PROD });
    const stackName = "peoplebooster-failover-ap-northeast-3";
    const workspace = await openWorkspace(run.context().workspace);
    await workspace.removeConfig(stackName, "dr-failover:previousProductionRecord");
    // The backend's copy of the settings is the one every machine reads: lose the value there too.
    await backendStoreFor(backendUrlOf(run.context().workspace), TARGET)!.put(
      settingsKey(stackName),
      JSON.stringify(await workspace.stackSettings(stackName)),
    );

    const refused = await runDestroy(run.context()).catch((error) => error);
    expect(refused).toBeInstanceOf(RefusedError);
    expect(refused.code).toBe("PRODUCTION_STILL_SWITCHED");
    expect(await run.stacks()).toEqual(["peoplebooster-failover-ap-northeast-3"]);
    const db = await run.aws
      .rds(TARGET)
      .send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "peoplebooster-production-dr" }));
    expect(db.DBInstances).toHaveLength(1);

    const forced = await runDestroy(run.context(), { force: true });
    expect(forced.result).toBe("succeeded");
    expect(forced.warnings.map((warning) => warning.code)).toContain("FORCED_WITH_PRODUCTION_SWITCHED");
    expect(await run.stacks()).toEqual([]);
  });

  it("a pre-existing cluster of the failover's name is refused in preflight: nothing is created, and destroy cannot delete it", async () => {
    const run = await e2e.seed();
    // A cluster someone provisioned in the DR region under the production cluster's name (the failover's cluster name).
    const ecs = run.aws.ecs(TARGET);
    const theirs = (await ecs.send(new ECS.CreateClusterCommand({ clusterName: run.plan.service.cluster }))).cluster!;
    const before = await run.summary();

    const refused = await runFailover(run.context(), { confirm: PROD }).catch((error) => error);
    expect(refused).toBeInstanceOf(PreconditionError);
    expect(refused.code).toBe("NAME_TAKEN");
    expect(refused.details.join("\n")).toMatch(
      new RegExp(
        `^ECS cluster ${run.plan.service.cluster} already exists \\(ACTIVE\\) in ${TARGET} and is not this stack's`,
      ),
    );
    // Nothing created (no stack, nothing in moto); the production record untouched.
    expect(await run.stacks()).toEqual([]);
    expect(await run.summary()).toEqual(before);
    expect(recordTarget(await readRecord(run.aws.route53(), run.world.hostedZoneId!, PROD))).toBe(
      run.world.productionRecordValue,
    );
    // No stack took the cluster over, so no destroy can delete it.
    const destroy = await runDestroy(run.context()).catch((error) => error);
    expect(destroy).toBeInstanceOf(UsageError);
    expect(destroy.code).toBe("STACK_NOT_FOUND");
    const still = (await ecs.send(new ECS.DescribeClustersCommand({ clusters: [theirs.clusterArn!] }))).clusters!;
    expect(still.map((cluster) => cluster.status)).toEqual(["ACTIVE"]);
  });
});
