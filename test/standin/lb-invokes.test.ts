import { DescribeSecurityGroupsCommand, DescribeSubnetsCommand, DescribeVpcsCommand } from "@aws-sdk/client-ec2";
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { ImportCertificateCommand } from "@aws-sdk/client-acm";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AwsClients, EMULATOR_CREDENTIALS } from "../../automation/aws.js";
import type { StandinProvider } from "../../emulator/aws-standin/provider.js";
import { operationDeadline, UNKNOWN } from "../../emulator/aws-standin/wire.js";
import { selfSignedCertificate } from "../../emulator/rehearsal/certificate.js";
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

  /** An ALB and a target group in the default VPC of region B. */
  async function loadBalancerAndTargetGroup(name: string): Promise<{ lbArn: string; tgArn: string }> {
    const network = ec2(moto, REGION_B);
    const vpcId = (await network.send(new DescribeVpcsCommand({ Filters: [{ Name: "is-default", Values: ["true"] }] })))
      .Vpcs![0]!.VpcId!;
    const subnets = (await network.send(new DescribeSubnetsCommand({ Filters: [{ Name: "vpc-id", Values: [vpcId] }] })))
      .Subnets!.slice(0, 2)
      .map((subnet) => subnet.SubnetId!);
    const lb = await checkAndCreate(provider, urn("aws:lb/loadBalancer:LoadBalancer", name), {
      loadBalancerType: "application",
      subnets,
    });
    const tg = await checkAndCreate(provider, urn("aws:lb/targetGroup:TargetGroup", name), {
      name: `${name}-tg`,
      port: 8080,
      protocol: "HTTP",
      targetType: "ip",
      vpcId,
    });
    return { lbArn: lb.id, tgArn: tg.id };
  }

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
    // Upstream's create sends the schema's defaults for what the block leaves out (interval 30,
    // thresholds 3/3), not AWS's own (HTTP: healthy 5, unhealthy 2): when the app answers healthy depends on it.
    const sent = (
      await sdk(moto, REGION_B)
        .elbv2()
        .send(new DescribeTargetGroupsCommand({ TargetGroupArns: [tg.id] }))
    ).TargetGroups![0]!;
    expect(sent).toMatchObject({
      HealthCheckEnabled: true,
      HealthCheckIntervalSeconds: 30,
      HealthyThresholdCount: 3,
      UnhealthyThresholdCount: 3,
      HealthCheckPath: "/health",
    });
    // health_check's IntBetween validations: interval 5–300, thresholds 2–10.
    const refused = await provider.check(
      tgUrn,
      {},
      { ...tgInputs, healthCheck: { interval: 4, healthyThreshold: 11 } },
    );
    expect(refused.failures?.map((failure) => failure.reason)).toEqual([
      "expected health_check.0.interval to be in the range (5 - 300), got 4",
      "expected health_check.0.healthy_threshold to be in the range (2 - 10), got 11",
    ]);
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

  it("HTTPS listener with an ACM certificate, and an HTTP listener that only redirects (listener.go semantics)", async () => {
    const { lbArn, tgArn } = await loadBalancerAndTargetGroup("tls");
    const pem = await selfSignedCertificate(["api.dr.example"]);
    const acm = new AwsClients({ endpoint: moto.endpoint, credentials: EMULATOR_CREDENTIALS }).acm(REGION_B);
    const certificateArn = (
      await acm.send(
        new ImportCertificateCommand({ Certificate: Buffer.from(pem.cert), PrivateKey: Buffer.from(pem.key) }),
      )
    ).CertificateArn!;

    const httpsUrn = urn("aws:lb/listener:Listener", "https");
    const httpsInputs = {
      loadBalancerArn: lbArn,
      port: 443,
      protocol: "HTTPS",
      certificateArn,
      defaultActions: [{ type: "forward", targetGroupArn: tgArn }],
    };
    const https = await checkAndCreate(provider, httpsUrn, httpsInputs);
    // ssl_policy is Optional+Computed: absent, it is what AWS chose, read back after create.
    expect(https.outs).toMatchObject({ protocol: "HTTPS", certificateArn, sslPolicy: "ELBSecurityPolicy-2016-08" });
    const live = (
      await sdk(moto, REGION_B)
        .elbv2()
        .send(new DescribeListenersCommand({ ListenerArns: [https.id] }))
    ).Listeners![0]!;
    expect(live.Certificates).toEqual([{ CertificateArn: certificateArn }]);

    const httpUrn = urn("aws:lb/listener:Listener", "http");
    const http = await checkAndCreate(provider, httpUrn, {
      loadBalancerArn: lbArn,
      port: 80,
      protocol: "HTTP",
      defaultActions: [{ type: "redirect", redirect: { port: "443", protocol: "HTTPS", statusCode: "HTTP_301" } }],
    });
    // The bridge's Check fills the redirect block's schema defaults (#{host}, /#{path}, #{query}).
    const redirect = (
      await sdk(moto, REGION_B)
        .elbv2()
        .send(new DescribeListenersCommand({ ListenerArns: [http.id] }))
    ).Listeners![0]!.DefaultActions![0]!;
    expect(redirect).toMatchObject({
      Type: "redirect",
      Order: 1,
      RedirectConfig: {
        Host: "#{host}",
        Path: "/#{path}",
        Port: "443",
        Protocol: "HTTPS",
        Query: "#{query}",
        StatusCode: "HTTP_301",
      },
    });

    // Read refreshes what upstream's Read sets; a refreshed state does not diff against the same inputs.
    for (const [listenerUrn, created] of [
      [httpsUrn, https],
      [httpUrn, http],
    ] as const) {
      const refreshed = await provider.read(created.id, listenerUrn, created.outs);
      expect(refreshed.props.defaultActions).toEqual(created.inputs.defaultActions);
      expect((await provider.diff(created.id, listenerUrn, refreshed.props, created.inputs)).changes).toBe(false);
    }

    // A policy change is an in-place ModifyListener.
    const tightened = await provider.update(https.id, httpsUrn, https.outs, {
      ...https.inputs,
      sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
    });
    expect(tightened.outs.sslPolicy).toBe("ELBSecurityPolicy-TLS13-1-2-2021-06");
    await provider.delete(http.id, httpUrn, http.outs);
    await provider.delete(https.id, httpsUrn, tightened.outs);
  });

  it("refuses an HTTPS listener without a certificate, and retries one ELB cannot find until the deadline", async () => {
    const { lbArn, tgArn } = await loadBalancerAndTargetGroup("nocert");
    const listenerUrn = urn("aws:lb/listener:Listener", "https");
    const forward = [{ type: "forward", targetGroupArn: tgArn }];
    // moto would create it; AWS refuses it.
    await expect(
      checkAndCreate(provider, listenerUrn, {
        loadBalancerArn: lbArn,
        port: 443,
        protocol: "HTTPS",
        defaultActions: forward,
      }),
    ).rejects.toThrow(/A certificate must be specified for HTTPS listeners/);
    const missing = `arn:aws:acm:${REGION_B}:123456789012:certificate/00000000-0000-0000-0000-000000000000`;
    const started = Date.now();
    const failure = await operationDeadline
      .run({ deadline: Date.now() + 2_500, timeoutMs: 2_500 }, () =>
        checkAndCreate(provider, listenerUrn, {
          loadBalancerArn: lbArn,
          port: 443,
          protocol: "HTTPS",
          certificateArn: missing,
          defaultActions: forward,
        }),
      )
      .catch((error: Error) => error);
    expect(String(failure)).toMatch(/CertificateNotFound|Certificate .* not found/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
    const live = await sdk(moto, REGION_B)
      .elbv2()
      .send(new DescribeListenersCommand({ LoadBalancerArn: lbArn }));
    expect(live.Listeners ?? []).toEqual([]);
  });

  it("checks listeners as the bridge does: ARNs, action types, redirect blocks; unknown values pass", async () => {
    const listenerUrn = urn("aws:lb/listener:Listener", "checked");
    const lbArn = `arn:aws:elasticloadbalancing:${REGION_B}:123456789012:loadbalancer/app/x/0123456789abcdef`;
    const reasons = async (news: Record<string, unknown>) =>
      ((await provider.check(listenerUrn, {}, { loadBalancerArn: lbArn, ...news })).failures ?? []).map(
        (failure) => `${failure.property}: ${failure.reason}`,
      );
    expect(
      await reasons({ certificateArn: "my-cert", defaultActions: [{ type: "forward", targetGroupArn: lbArn }] }),
    ).toEqual(['certificateArn: "certificateArn" (my-cert) is an invalid ARN']);
    expect(await reasons({ defaultActions: [{ type: "redirect" }] })).toEqual([
      'defaultActions[0].redirect: "defaultActions[0].redirect" is required when "defaultActions[0].type" is "redirect".',
    ]);
    expect(
      await reasons({ defaultActions: [{ type: "redirect", redirect: { protocol: "FTP", statusCode: "HTTP_308" } }] }),
    ).toEqual([
      "defaultActions[0].redirect.statusCode: expected status_code to be one of [HTTP_301 HTTP_302], got HTTP_308",
      "defaultActions[0].redirect.protocol: expected protocol to be one of [#{protocol} HTTP HTTPS], got FTP",
    ]);
    expect(await reasons({ defaultActions: [{ type: "forward" }] })).toEqual([
      'defaultActions[0].type: Either "defaultActions[0].targetGroupArn" or "defaultActions[0].forward" must be specified when "defaultActions[0].type" is "forward".',
    ]);
    expect(
      await reasons({ certificateArn: UNKNOWN, defaultActions: [{ type: "forward", targetGroupArn: UNKNOWN }] }),
    ).toEqual([]);
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
