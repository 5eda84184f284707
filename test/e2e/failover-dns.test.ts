/**
 * The production name in shapes other than the reference world's dual-stack
 * alias A + AAAA (failover.test.ts), through the real engine: a routing policy
 * the switch cannot replace is refused before anything is created, and a CNAME
 * is still switched and restored (Route53 answering PENDING for a while).
 */
import { DescribeLoadBalancersCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { ChangeResourceRecordSetsCommand, ListResourceRecordSetsCommand } from "@aws-sdk/client-route-53";
import { describe, expect, it } from "vitest";
import { AwsClients } from "../../automation/aws.js";
import { readNameRecords, recordTarget } from "../../automation/dns.js";
import { runDestroy } from "../../automation/journeys/destroy.js";
import { runFailover } from "../../automation/journeys/failover.js";
import { startLatencyProxy } from "../support/latency-proxy.js";
import { diffMotoState } from "../support/moto-state.js";
import { TARGET, useE2eWorld } from "../support/e2e.js";

const e2e = useE2eWorld();

const PROD = "api.peoplebooster.example.com";

describe("failover: the production name's shape", () => {
  it("refuses weighted production sets in preflight, naming each set and its policy; nothing is created", async () => {
    const run = await e2e.seed({ productionDns: "weighted" });
    const before = await run.summary();
    const error = await runFailover(run.context(), { confirm: PROD }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "PREFLIGHT_FAILED" });
    expect((error as { details: string[] }).details).toEqual([
      expect.stringMatching(
        /^production record api\.peoplebooster\.example\.com A "primary" has a weighted routing policy, which the DNS switch cannot replace safely — switch it yourself/,
      ),
      expect.stringMatching(/^production record api\.peoplebooster\.example\.com A "secondary" has a weighted/),
    ]);
    expect(diffMotoState(before, await run.summary())).toEqual({ added: {}, removed: {} });
    expect(await run.stacks()).toEqual([]);
  });

  it("switches a CNAME production record (TXT of the name untouched) and destroy restores it, polling PENDING changes", async () => {
    const run = await e2e.seed({ productionDns: "cname", ipv4OnlySubnets: true });
    const proxy = await startLatencyProxy(run.motoEndpoint, { insyncMs: 1_000 });
    const aws = new AwsClients({ endpoint: proxy.endpoint });
    const context = () => run.context({ aws, dnsPollIntervalMs: 250 });
    try {
      const txt = { Name: PROD, Type: "TXT" as const, TTL: 300, ResourceRecords: [{ Value: '"owner=platform"' }] };
      await run.aws.route53().send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: run.world.hostedZoneId,
          ChangeBatch: { Changes: [{ Action: "CREATE", ResourceRecordSet: txt }] },
        }),
      );
      const nameSets = async () =>
        (
          await run.aws
            .route53()
            .send(new ListResourceRecordSetsCommand({ HostedZoneId: run.world.hostedZoneId, MaxItems: 1000 }))
        ).ResourceRecordSets?.filter((set) => set.Name === `${PROD}.`);
      const before = await nameSets();

      const failover = await runFailover(context(), { confirm: PROD });
      expect(failover.result).toBe("succeeded");
      const lb = (await run.aws.elbv2(TARGET).send(new DescribeLoadBalancersCommand({}))).LoadBalancers![0];
      // No AAAA in production: the DR load balancer stays IPv4-only (its subnets have no IPv6 CIDR).
      expect(lb.IpAddressType).toBe("ipv4");
      const switched = (await readNameRecords(run.aws.route53(), run.world.hostedZoneId!, PROD)).routing;
      expect(switched.map((set) => [set.type, recordTarget(set), set.ttl])).toEqual([
        ["CNAME", lb.DNSName?.toLowerCase(), run.plan.dns.ttl],
      ]);
      expect((await nameSets())?.find((set) => set.Type === "TXT")).toEqual(before?.find((set) => set.Type === "TXT"));

      const destroyed = await runDestroy(context(), { strandDrWrites: true });
      expect(destroyed.result).toBe("succeeded");
      expect(await nameSets()).toEqual(before);
      // Four changes (the connection name's record, the switch, the restore, the record's delete), each
      // answered PENDING (its own answer and GetChange) and polled until INSYNC.
      expect(proxy.changeLog.map((change) => change.pendingAnswers >= 2)).toEqual([true, true, true, true]);
    } finally {
      aws.destroy();
      await proxy.stop();
    }
  }, 180_000);
});
