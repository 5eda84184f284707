import { DescribeSecurityGroupsCommand, DescribeSubnetsCommand, DescribeVpcsCommand } from "@aws-sdk/client-ec2";
import { DescribeListenersCommand, DescribeLoadBalancersCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StandinProvider } from "../../emulator/aws-standin/provider.js";
import {
  checkAndCreate,
  REGION_B,
  sdk,
  standinProvider,
  startMoto,
  urn,
  type MotoServer,
  ec2,
} from "../support/standin-moto.js";

describe("stand-in aws:lb/* and data sources on moto", () => {
  let moto: MotoServer;
  let provider: StandinProvider;

  beforeAll(async () => {
    moto = await startMoto();
    provider = standinProvider(moto, REGION_B);
  }, 120_000);

  afterAll(async () => {
    await moto?.stop();
  });

  it("load balancer, target group and listener", async () => {
    const network = ec2(moto, REGION_B);
    const vpcId = (await network.send(new DescribeVpcsCommand({ Filters: [{ Name: "is-default", Values: ["true"] }] })))
      .Vpcs![0]!.VpcId!;
    const subnets = (await network.send(new DescribeSubnetsCommand({ Filters: [{ Name: "vpc-id", Values: [vpcId] }] })))
      .Subnets!.slice(0, 2)
      .map((s) => s.SubnetId!);
    const securityGroups = (
      await network.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "vpc-id", Values: [vpcId] }] }))
    )
      .SecurityGroups!.map((g) => g.GroupId!)
      .slice(0, 1);

    const lbUrn = urn("aws:lb/loadBalancer:LoadBalancer", "a-very-long-load-balancer-name-for-tests");
    const lb = await checkAndCreate(provider, lbUrn, {
      loadBalancerType: "application",
      internal: false,
      subnets,
      securityGroups,
      tags: { app: "dr" },
    });
    expect(lb.inputs.name.length).toBeLessThanOrEqual(32);
    expect(lb.id).toBe(lb.outs.arn);
    expect(lb.outs.dnsName).toBeTruthy();
    expect(lb.outs.zoneId).toBeTruthy();
    expect((await provider.diff(lb.id, lbUrn, lb.outs, lb.inputs)).changes).toBe(false);
    expect(
      (await provider.diff(lb.id, lbUrn, lb.outs, { ...lb.inputs, subnets: [...subnets].reverse() })).changes,
    ).toBe(false);

    const tgUrn = urn("aws:lb/targetGroup:TargetGroup", "web");
    const tgInputs = {
      name: "web-tg",
      port: 80,
      protocol: "HTTP",
      targetType: "ip",
      vpcId,
      healthCheck: { path: "/health", matcher: "200" },
    };
    const tg = await checkAndCreate(provider, tgUrn, tgInputs);
    expect(tg.id).toBe(tg.outs.arn);
    for (const prop of ["name", "port", "protocol", "vpcId"]) {
      const value = prop === "port" ? 8080 : "other";
      expect((await provider.diff(tg.id, tgUrn, tg.outs, { ...tgInputs, [prop]: value })).replaces).toEqual([prop]);
    }
    const tgUpdated = await provider.update(tg.id, tgUrn, tg.outs, {
      ...tgInputs,
      healthCheck: { path: "/ready", matcher: "200-299" },
    });
    expect(tgUpdated.outs.healthCheck).toEqual({ path: "/ready", matcher: "200-299" });

    const listenerUrn = urn("aws:lb/listener:Listener", "http");
    const listener = await checkAndCreate(provider, listenerUrn, {
      loadBalancerArn: lb.outs.arn,
      port: 80,
      protocol: "HTTP",
      defaultActions: [{ type: "forward", targetGroupArn: tg.outs.arn }],
    });
    expect(listener.outs.arn).toBe(listener.id);
    const live = await sdk(moto, REGION_B)
      .elbv2()
      .send(new DescribeListenersCommand({ LoadBalancerArn: lb.outs.arn }));
    expect(live.Listeners?.[0]?.DefaultActions?.[0]?.TargetGroupArn).toBe(tg.outs.arn);
    const moved = await provider.update(listener.id, listenerUrn, listener.outs, { ...listener.inputs, port: 8080 });
    expect(moved.outs.port).toBe(8080);

    await provider.delete(listener.id, listenerUrn, moved.outs);
    await provider.delete(tg.id, tgUrn, tgUpdated.outs);
    await provider.delete(lb.id, lbUrn, lb.outs);
    const lbs = await sdk(moto, REGION_B).elbv2().send(new DescribeLoadBalancersCommand({}));
    expect(lbs.LoadBalancers ?? []).toHaveLength(0);
    expect((await provider.read(lb.id, lbUrn, lb.outs)).id).toBe("");
  });

  it("getBucket returns the bucket and fails for a missing one", async () => {
    await sdk(moto, REGION_B)
      .s3()
      .send(
        new CreateBucketCommand({ Bucket: "dr-replica", CreateBucketConfiguration: { LocationConstraint: REGION_B } }),
      );
    const found = await provider.invoke("aws:s3/getBucket:getBucket", { bucket: "dr-replica" });
    expect(found.outputs).toMatchObject({
      id: "dr-replica",
      arn: "arn:aws:s3:::dr-replica",
      region: REGION_B,
      bucketDomainName: "dr-replica.s3.amazonaws.com",
      bucketRegionalDomainName: `dr-replica.s3.${REGION_B}.amazonaws.com`,
    });
    await expect(provider.invoke("aws:s3/getBucket:getBucket", { bucket: "no-such-bucket" })).rejects.toThrow(
      /couldn't find resource/,
    );
  });

  it("answers the small global data sources and rejects unknown ones", async () => {
    expect((await provider.invoke("aws:index/getRegion:getRegion", {})).outputs.name).toBe(REGION_B);
    expect((await provider.invoke("aws:index/getCallerIdentity:getCallerIdentity", {})).outputs.accountId).toBe(
      "123456789012",
    );
    expect((await provider.invoke("pulumi:providers:aws/terraformConfig", {})).outputs).toEqual({ result: {} });
    await expect(provider.invoke("aws:ec2/getVpc:getVpc", {})).rejects.toThrow(
      /not implemented by the dr-failover stand-in/,
    );
    await expect(provider.check(urn("aws:ec2/vpc:Vpc", "v"), {}, {})).rejects.toThrow(/not implemented/);
  });
});
