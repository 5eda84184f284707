/**
 * The failover's edges end-to-end (real engine, stand-in plugin, moto): a
 * restore that outlasts the provider's timeout, and a destroy that must not
 * restore nothing over a switched production record. Readiness within the RTO
 * budget: failover-readiness.test.ts.
 */
import { DescribeDBInstancesCommand } from "@aws-sdk/client-rds";
import { describe, expect, it } from "vitest";
import { readRecord, recordTarget } from "../../automation/dns.js";
import { RefusedError, ToolError } from "../../automation/errors.js";
import { runDestroy } from "../../automation/journeys/destroy.js";
import { runFailover } from "../../automation/journeys/failover.js";
import { openWorkspace } from "../../automation/workspace.js";
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
    const workspace = await openWorkspace(run.context().workspace);
    await workspace.removeConfig("peoplebooster-failover-ap-northeast-3", "dr-failover:previousProductionRecord");

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
});
