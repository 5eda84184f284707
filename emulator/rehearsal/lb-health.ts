/**
 * What the emulator's load balancers answer for a name: whether one of its
 * targets is healthy, as moto's DescribeTargetHealth reports it (gated by the
 * database the tasks connect to: emulator/substrate/moto-server.py,
 * targets_healthy_once_database_answers). The app stand-in answers the
 * health path with 503 while it is not, as a real app behind an ALB does
 * while its database does not answer.
 */
import type { AwsClients } from "../../automation/aws.js";
import { ELBv2, Route53 } from "../../automation/sdk.js";

const normalized = (name: string) =>
  name
    .replace(/\.$/, "")
    .replace(/^dualstack\./, "")
    .toLowerCase();

/** Where a name in one of the hosted zones points (alias target or CNAME value), if it is there. */
async function recordTargetOf(aws: AwsClients, name: string): Promise<string | undefined> {
  const route53 = aws.route53();
  const zones = (await route53.send(new Route53.ListHostedZonesCommand({}))).HostedZones ?? [];
  for (const zone of zones) {
    if (!`.${name}`.endsWith(`.${normalized(zone.Name ?? "")}`)) continue;
    const sets = await route53.send(
      new Route53.ListResourceRecordSetsCommand({ HostedZoneId: zone.Id, StartRecordName: name, MaxItems: 10 }),
    );
    for (const set of sets.ResourceRecordSets ?? []) {
      if (normalized(set.Name ?? "") !== name) continue;
      const target = set.AliasTarget?.DNSName ?? set.ResourceRecords?.[0]?.Value;
      if (target) return normalized(target);
    }
  }
  return undefined;
}

/**
 * A `healthy(host)` for the app stand-in: follows the name through the hosted
 * zones to a load balancer of one of `regions`, then true when one of its
 * target groups has a healthy target; undefined for a name that leads to no
 * load balancer the emulator holds.
 */
export function loadBalancerHealth(
  aws: AwsClients,
  regions: readonly string[],
): (host: string) => Promise<boolean | undefined> {
  return async (host) => {
    let name = normalized(host);
    for (let hops = 0; hops < 3; hops++) {
      for (const region of regions) {
        const elbv2 = aws.elbv2(region);
        const balancers = (await elbv2.send(new ELBv2.DescribeLoadBalancersCommand({}))).LoadBalancers ?? [];
        const balancer = balancers.find((found) => normalized(found.DNSName ?? "") === name);
        if (!balancer) continue;
        const groups =
          (await elbv2.send(new ELBv2.DescribeTargetGroupsCommand({ LoadBalancerArn: balancer.LoadBalancerArn })))
            .TargetGroups ?? [];
        for (const group of groups) {
          const health = await elbv2.send(
            new ELBv2.DescribeTargetHealthCommand({ TargetGroupArn: group.TargetGroupArn }),
          );
          if ((health.TargetHealthDescriptions ?? []).some((target) => target.TargetHealth?.State === "healthy"))
            return true;
        }
        return false;
      }
      const next = await recordTargetOf(aws, name);
      if (!next || next === name) return undefined;
      name = next;
    }
    return undefined;
  };
}
