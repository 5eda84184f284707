/**
 * Readiness is the driver's, not the provider's (real engine, stand-in plugin,
 * moto). moto keeps a restored instance `creating` for a while here
 * (DR_EMULATOR_RDS_CREATING_SECONDS, emulator/substrate/moto-server.py), refuses
 * ModifyDBInstance meanwhile, and records "Reset master credentials" when a
 * password is set — the RDS event an operator would look at on AWS too.
 */
import { DescribeDBInstancesCommand, DescribeEventsCommand } from "@aws-sdk/client-rds";
import { ListHostedZonesByNameCommand, ListResourceRecordSetsCommand } from "@aws-sdk/client-route-53";
import { GetSecretValueCommand, ListSecretsCommand } from "@aws-sdk/client-secrets-manager";
import { describe, expect, it } from "vitest";
import { readRecord, recordTarget } from "../../automation/dns.js";
import { ToolError } from "../../automation/errors.js";
import type { DrEvent } from "../../automation/events.js";
import { runFailover } from "../../automation/journeys/failover.js";
import { filesUnder, TARGET, useE2eWorld } from "../support/e2e.js";

// Long enough for the re-run of step 2 to find it still creating on a loaded machine: the first run
// creates the whole app tier beside the restore (it does not wait for the database).
const CREATING_SECONDS = 75;
const e2e = useE2eWorld({ motoEnv: { DR_EMULATOR_RDS_CREATING_SECONDS: String(CREATING_SECONDS) } });

const PROD = "api.peoplebooster.example.com";
const DB = "peoplebooster-production-dr";

describe("readiness before the production switch", () => {
  it("after a database create timed out while the instance was still creating, the re-run switches DNS only once the database is available and the service healthy, and sets the master password", async () => {
    const run = await e2e.seed();
    const rds = run.aws.rds(TARGET);
    const timeline: { at: number; event: DrEvent }[] = [];
    const context = (overrides = {}) =>
      run.context({ emit: (event) => timeline.push({ at: Date.now(), event }), ...overrides });
    const resets = async () =>
      (await rds.send(new DescribeEventsCommand({ SourceType: "db-instance", SourceIdentifier: DB }))).Events?.filter(
        (event) => event.Message === "Reset master credentials",
      ).length ?? 0;
    const production = async () => recordTarget(await readRecord(run.aws.route53(), run.world.hostedZoneId!, PROD));

    // 1. The provider's create timeout (40 min on AWS; 2 s here) strikes while the restore is still creating.
    process.env.DR_STANDIN_RDS_TIMEOUT_MS = "2000";
    let timedOut: any;
    try {
      timedOut = await runFailover(context(), { confirm: PROD }).catch((error) => error);
    } finally {
      delete process.env.DR_STANDIN_RDS_TIMEOUT_MS;
    }
    expect(timedOut).toBeInstanceOf(ToolError);
    expect(timedOut.code).toBe("WAIT_TIMED_OUT");
    expect(timedOut.message).toMatch(
      /^database \(aws:rds\/instance:Instance\) was not ready within the provider's timeout/,
    );
    const db = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: DB }))).DBInstances![0];
    expect(db.DBInstanceStatus).toBe("creating");
    const availableFrom = db.InstanceCreateTime!.getTime() + CREATING_SECONDS * 1000;
    // Half-created as upstream leaves it: recorded, but the post-restore password modify never ran.
    expect(await resets()).toBe(0);
    expect(await production()).toBe(run.world.productionRecordValue);

    // 2. A re-run with 8 s of the RTO budget left: the database is still creating, so it fails naming the step.
    const late = await runFailover(context({ incidentStart: new Date(Date.now() - run.plan.objectives.rto + 8_000) }), {
      confirm: PROD,
    }).catch((error) => error);
    expect(late).toBeInstanceOf(ToolError);
    expect(late.code).toBe("WAIT_TIMED_OUT");
    expect(late.message).toMatch(
      /^database peoplebooster-production-dr was not available within 0:00:0[0-8], the RTO budget left \(step database\)$/,
    );
    expect(late.details).toEqual(["last seen: status creating"]);
    expect(late.hint).toMatch(/production DNS was not switched/);
    expect(Date.now()).toBeLessThan(availableFrom);
    expect(await resets()).toBe(0);
    expect(await production()).toBe(run.world.productionRecordValue);

    // 3. With the budget left: waits, sets the password, refreshes, updates, checks service and targets, then switches.
    const resumedFrom = timeline.length;
    const resumed = await runFailover(context(), { confirm: PROD });
    expect(resumed.result).toBe("succeeded");
    const events = timeline.slice(resumedFrom);
    const indexOf = (test: (event: DrEvent) => boolean) => events.findIndex(({ event }) => test(event));
    const info = (text: string) => indexOf((event) => event.type === "info" && event.message.startsWith(text));
    const switched = indexOf((event) => event.type === "dns-switched");
    expect(indexOf((event) => event.type === "warning" && event.code === "RESUMING_HALF_CREATED")).toBeGreaterThan(-1);
    const available = info(`database ${DB} available`);
    const passwordSet = info(`master password of ${DB} set`);
    const steady = info("ECS service peoplebooster-backend steady");
    const healthy = info("the target group's targets of peoplebooster-backend healthy");
    expect([available, passwordSet, steady, healthy].every((index) => index > -1)).toBe(true);
    expect(available).toBeLessThan(passwordSet);
    expect(Math.max(passwordSet, steady, healthy)).toBeLessThan(switched);
    expect(events[switched].at).toBeGreaterThanOrEqual(availableFrom);
    expect(resumed.readiness?.map((step) => step.step)).toEqual(["database", "database", "service", "targets"]);
    expect(await production()).toBe(resumed.endpoints?.loadBalancer?.toLowerCase());

    // The password the connection secret hands to the service is the one RDS was given, and its host, the
    // connection name in the DR VPC's private zone, points at the instance's real address.
    expect(await resets()).toBe(1);
    const secrets = run.aws.secrets(TARGET);
    const listed = await secrets.send(new ListSecretsCommand({}));
    const secretArn = listed.SecretList!.find((secret) => secret.Name?.includes("/dr-failover-"))!.ARN!;
    const connection = JSON.parse(
      (await secrets.send(new GetSecretValueCommand({ SecretId: secretArn }))).SecretString!,
    );
    const live = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: DB }))).DBInstances![0];
    expect(connection.host).toBe("db.peoplebooster.dr.internal");
    const route53 = run.aws.route53();
    const zone = (await route53.send(new ListHostedZonesByNameCommand({ DNSName: "peoplebooster.dr.internal" })))
      .HostedZones![0]!;
    const records = await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zone.Id }));
    expect(
      records.ResourceRecordSets!.find((set) => set.Name === "db.peoplebooster.dr.internal." && set.Type === "CNAME")
        ?.ResourceRecords,
    ).toEqual([{ Value: live.Endpoint!.Address }]);
    expect(connection.password).not.toBe(run.world.databasePassword);
    const leaks = (await filesUnder(run.stateDir)).filter((file) => file.text.includes(connection.password));
    expect(leaks.map((file) => file.path)).toEqual([]);
    expect(JSON.stringify(timeline)).not.toContain(connection.password);
  });
});
