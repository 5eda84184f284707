/** `aws:lb/loadBalancer:LoadBalancer`, `aws:lb/targetGroup:TargetGroup`, `aws:lb/listener:Listener` (ELBv2). */
import type {
  Action,
  Listener,
  LoadBalancer,
  ModifyTargetGroupCommandInput,
  TargetGroup,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import type { Clients } from "./config.js";
import type { CheckFailure, ResourceHandler } from "./types.js";
import {
  awsErrorName,
  compact,
  containsUnknown,
  deepEqual,
  fromTagList,
  tagDelta,
  toTagList,
  waitFor,
  type Props,
} from "./wire.js";
import { ELBv2 } from "../../automation/sdk.js";

const TIMEOUT_MS = Number(process.env.DR_STANDIN_LB_TIMEOUT_MS ?? 10 * 60_000);

async function tagsOf(clients: Clients, arn: string): Promise<Record<string, string>> {
  try {
    const out = await clients.elbv2().send(new ELBv2.DescribeTagsCommand({ ResourceArns: [arn] }));
    return fromTagList(out.TagDescriptions?.[0]?.Tags);
  } catch {
    return {};
  }
}

async function updateTags(clients: Clients, arn: string, olds: Props, news: Props): Promise<void> {
  const delta = tagDelta(olds.tags, news.tags);
  if (delta.removed.length > 0)
    await clients.elbv2().send(new ELBv2.RemoveTagsCommand({ ResourceArns: [arn], TagKeys: delta.removed }));
  if (Object.keys(delta.set).length > 0)
    await clients.elbv2().send(new ELBv2.AddTagsCommand({ ResourceArns: [arn], Tags: toTagList(delta.set) }));
}

// ---------------------------------------------------------------- load balancer

async function describeLoadBalancer(clients: Clients, arn: string): Promise<LoadBalancer | undefined> {
  try {
    return (await clients.elbv2().send(new ELBv2.DescribeLoadBalancersCommand({ LoadBalancerArns: [arn] })))
      .LoadBalancers?.[0];
  } catch (error) {
    if (awsErrorName(error) === "LoadBalancerNotFoundException" || awsErrorName(error) === "LoadBalancerNotFound")
      return undefined;
    throw error;
  }
}

function arnSuffix(arn: string, marker: string): string {
  const index = arn.indexOf(marker);
  return index >= 0 ? arn.slice(index + marker.length) : arn;
}

function loadBalancerOutputs(lb: LoadBalancer): Props {
  return compact({
    arn: lb.LoadBalancerArn,
    arnSuffix: arnSuffix(lb.LoadBalancerArn!, ":loadbalancer/"),
    name: lb.LoadBalancerName,
    dnsName: lb.DNSName,
    zoneId: lb.CanonicalHostedZoneId,
    vpcId: lb.VpcId,
    internal: lb.Scheme === "internal",
    loadBalancerType: lb.Type,
    ipAddressType: lb.IpAddressType,
    securityGroups: lb.SecurityGroups,
    subnets: (lb.AvailabilityZones ?? []).map((az) => az.SubnetId).filter(Boolean),
  });
}

export const lbLoadBalancer: ResourceHandler = {
  token: "aws:lb/loadBalancer:LoadBalancer",
  props: {
    name: { replace: true, computed: true },
    internal: { replace: true, computed: true },
    loadBalancerType: { replace: true },
    subnets: { computed: true, set: true },
    securityGroups: { computed: true, set: true },
    ipAddressType: { computed: true },
    enableDeletionProtection: {},
    tags: {},
  },
  autoname: { prop: "name", maxLength: 32 },
  async create(ctx, inputs) {
    const out = await ctx.clients.elbv2().send(
      new ELBv2.CreateLoadBalancerCommand(
        compact({
          Name: inputs.name,
          Subnets: inputs.subnets,
          SecurityGroups: inputs.securityGroups,
          Scheme: inputs.internal === true ? "internal" : "internet-facing",
          Type: inputs.loadBalancerType ?? "application",
          IpAddressType: inputs.ipAddressType,
          Tags: toTagList(inputs.tags),
        }),
      ),
    );
    const arn = out.LoadBalancers![0]!.LoadBalancerArn!;
    ctx.created(arn, { arn });
    const lb = await waitFor(
      `ELBv2 Load Balancer (${arn}) to become active`,
      async () => {
        const current = await describeLoadBalancer(ctx.clients, arn);
        return current?.State?.Code === "active" ? current : undefined;
      },
      { timeoutMs: TIMEOUT_MS },
    );
    return { id: arn, outs: loadBalancerOutputs(lb) };
  },
  async read(ctx, id) {
    const lb = await describeLoadBalancer(ctx.clients, id);
    return lb ? { ...loadBalancerOutputs(lb), tagsAll: await tagsOf(ctx.clients, id) } : undefined;
  },
  async update(ctx, id, olds, news) {
    const elb = ctx.clients.elbv2();
    if (
      news.securityGroups !== undefined &&
      !deepEqual([...(olds.securityGroups ?? [])].sort(), [...news.securityGroups].sort())
    ) {
      await elb.send(new ELBv2.SetSecurityGroupsCommand({ LoadBalancerArn: id, SecurityGroups: news.securityGroups }));
    }
    if (news.subnets !== undefined && !deepEqual([...(olds.subnets ?? [])].sort(), [...news.subnets].sort())) {
      await elb.send(new ELBv2.SetSubnetsCommand({ LoadBalancerArn: id, Subnets: news.subnets }));
    }
    // In place, as upstream (elbv2/load_balancer.go: HasChange(ip_address_type) → SetIpAddressType).
    if (news.ipAddressType !== undefined && news.ipAddressType !== olds.ipAddressType) {
      await elb.send(new ELBv2.SetIpAddressTypeCommand({ LoadBalancerArn: id, IpAddressType: news.ipAddressType }));
    }
    await updateTags(ctx.clients, id, olds, news);
    const lb = await describeLoadBalancer(ctx.clients, id);
    if (!lb) throw new Error(`ELBv2 Load Balancer (${id}) not found after update`);
    return loadBalancerOutputs(lb);
  },
  async delete(ctx, id) {
    try {
      await ctx.clients.elbv2().send(new ELBv2.DeleteLoadBalancerCommand({ LoadBalancerArn: id }));
    } catch (error) {
      if (awsErrorName(error) === "LoadBalancerNotFoundException" || awsErrorName(error) === "LoadBalancerNotFound")
        return;
      throw new Error(`deleting ELBv2 Load Balancer (${id}): ${(error as Error).message}`, { cause: error });
    }
  },
};

// ---------------------------------------------------------------- target group

async function describeTargetGroup(clients: Clients, arn: string): Promise<TargetGroup | undefined> {
  try {
    return (await clients.elbv2().send(new ELBv2.DescribeTargetGroupsCommand({ TargetGroupArns: [arn] })))
      .TargetGroups?.[0];
  } catch (error) {
    if (awsErrorName(error) === "TargetGroupNotFoundException" || awsErrorName(error) === "TargetGroupNotFound")
      return undefined;
    throw error;
  }
}

function targetGroupOutputs(tg: TargetGroup): Props {
  return compact({
    arn: tg.TargetGroupArn,
    arnSuffix: tg.TargetGroupArn!.slice(tg.TargetGroupArn!.lastIndexOf(":") + 1),
    name: tg.TargetGroupName,
    port: tg.Port,
    protocol: tg.Protocol,
    targetType: tg.TargetType,
    vpcId: tg.VpcId,
    loadBalancerArns: tg.LoadBalancerArns,
  });
}

function healthCheckInput(hc: Props | undefined): Partial<ModifyTargetGroupCommandInput> {
  if (!hc) return {};
  return compact({
    HealthCheckEnabled: hc.enabled,
    HealthCheckPath: hc.path,
    HealthCheckPort: hc.port === undefined ? undefined : String(hc.port),
    HealthCheckProtocol: hc.protocol,
    HealthCheckIntervalSeconds: hc.interval,
    HealthCheckTimeoutSeconds: hc.timeout,
    HealthyThresholdCount: hc.healthyThreshold,
    UnhealthyThresholdCount: hc.unhealthyThreshold,
    Matcher: hc.matcher ? { HttpCode: hc.matcher } : undefined,
  });
}

/**
 * What upstream's create sends for a given `health_check` block: the schema's defaults for what
 * the block leaves out (enabled true, interval 30, healthy and unhealthy thresholds 3, port
 * "traffic-port", protocol HTTP; target_group.go), never AWS's own (HTTP: healthy 5, unhealthy 2).
 */
export function healthCheckWithDefaults(hc: Props | undefined): Props | undefined {
  if (!hc) return undefined;
  return {
    enabled: true,
    interval: 30,
    healthyThreshold: 3,
    unhealthyThreshold: 3,
    port: "traffic-port",
    protocol: "HTTP",
    ...Object.fromEntries(Object.entries(hc).filter(([, value]) => value !== undefined && value !== null)),
  };
}

/** `health_check`'s `IntBetween` validations (target_group.go). */
export function healthCheckProblems(value: unknown): string[] {
  const hc = (Array.isArray(value) ? value[0] : value) as Props | undefined;
  if (!hc || typeof hc !== "object") return [];
  const ranges: [string, string, number, number][] = [
    ["interval", "interval", 5, 300],
    ["healthyThreshold", "healthy_threshold", 2, 10],
    ["unhealthyThreshold", "unhealthy_threshold", 2, 10],
    ["timeout", "timeout", 2, 120],
  ];
  return ranges
    .filter(([prop, , min, max]) => {
      const given = hc[prop];
      return typeof given === "number" && (given < min || given > max || !Number.isInteger(given));
    })
    .map(
      ([prop, key, min, max]) =>
        `expected health_check.0.${key} to be in the range (${min} - ${max}), got ${String(hc[prop])}`,
    );
}

export const lbTargetGroup: ResourceHandler = {
  token: "aws:lb/targetGroup:TargetGroup",
  props: {
    name: { replace: true, computed: true },
    port: { replace: true },
    protocol: { replace: true },
    targetType: { replace: true },
    vpcId: { replace: true },
    // Optional+Computed block; its path, matcher and timeout are Optional+Computed too (the rest have defaults).
    healthCheck: {
      computed: true,
      computedFields: ["path", "matcher", "timeout"],
      validate: (value) => healthCheckProblems(value),
    },
    deregistrationDelay: {},
    tags: {},
  },
  autoname: { prop: "name", maxLength: 32 },
  async create(ctx, inputs) {
    const out = await ctx.clients.elbv2().send(
      new ELBv2.CreateTargetGroupCommand(
        compact({
          Name: inputs.name,
          Port: inputs.port,
          Protocol: inputs.protocol,
          TargetType: inputs.targetType ?? "instance",
          VpcId: inputs.vpcId,
          ...healthCheckInput(healthCheckWithDefaults(inputs.healthCheck as Props | undefined)),
          Tags: toTagList(inputs.tags),
        }),
      ),
    );
    const tg = out.TargetGroups![0]!;
    return { id: tg.TargetGroupArn!, outs: targetGroupOutputs(tg) };
  },
  async read(ctx, id) {
    const tg = await describeTargetGroup(ctx.clients, id);
    return tg ? { ...targetGroupOutputs(tg), tagsAll: await tagsOf(ctx.clients, id) } : undefined;
  },
  async update(ctx, id, olds, news) {
    if (!deepEqual(olds.healthCheck, news.healthCheck) && news.healthCheck) {
      await ctx.clients.elbv2().send(
        new ELBv2.ModifyTargetGroupCommand({
          TargetGroupArn: id,
          ...healthCheckInput(healthCheckWithDefaults(news.healthCheck as Props)),
        }),
      );
    }
    await updateTags(ctx.clients, id, olds, news);
    const tg = await describeTargetGroup(ctx.clients, id);
    if (!tg) throw new Error(`ELBv2 Target Group (${id}) not found after update`);
    return targetGroupOutputs(tg);
  },
  async delete(ctx, id) {
    try {
      await ctx.clients.elbv2().send(new ELBv2.DeleteTargetGroupCommand({ TargetGroupArn: id }));
    } catch (error) {
      if (awsErrorName(error) === "TargetGroupNotFoundException" || awsErrorName(error) === "TargetGroupNotFound")
        return;
      throw new Error(`deleting ELBv2 Target Group (${id}): ${(error as Error).message}`, { cause: error });
    }
  },
};

// ---------------------------------------------------------------- listener
// Upstream: internal/service/elbv2/listener.go (v5.8x+ copy, see SPEC.md).

/** `default_action.redirect` defaults (upstream schema `Default`s), filled in by the bridge's Check. */
const REDIRECT_DEFAULTS = {
  host: "#{host}",
  path: "/#{path}",
  port: "#{port}",
  protocol: "#{protocol}",
  query: "#{query}",
};
const ACTION_TYPES = ["forward", "authenticate-oidc", "authenticate-cognito", "redirect", "fixed-response"];
const REDIRECT_STATUS_CODES = ["HTTP_301", "HTTP_302"];
const REDIRECT_PROTOCOLS = ["#{protocol}", "HTTP", "HTTPS"];
const PROTOCOLS = ["HTTP", "HTTPS", "TCP", "TLS", "UDP", "TCP_UDP", "GENEVE"];
/** verify.ValidARN: `arn:<partition>:<service>:<region?>:<account?>:<resource>`. */
const VALID_ARN = /^arn:[\w-]+:[\w-]+:([a-z]{2}(-[a-z]+)+-\d)?:(\d{12}|aws)?:.+$/;

const known = (value: unknown) => value !== undefined && value !== null && !containsUnknown(value);

/** The bridge's Check for `aws_lb_listener`: ValidateFuncs, `validateListenerActionsCustomDiff`, redirect defaults. */
function checkListener(inputs: Props): CheckFailure[] {
  const failures: CheckFailure[] = [];
  for (const prop of ["loadBalancerArn", "certificateArn"]) {
    const value = inputs[prop];
    if (known(value) && !VALID_ARN.test(String(value)))
      failures.push({ property: prop, reason: `"${prop}" (${value}) is an invalid ARN` });
  }
  if (known(inputs.protocol) && !PROTOCOLS.includes(String(inputs.protocol).toUpperCase()))
    failures.push({
      property: "protocol",
      reason: `expected protocol to be one of [${PROTOCOLS.join(" ")}], got ${inputs.protocol}`,
    });
  if (known(inputs.port) && !(Number.isInteger(inputs.port) && inputs.port >= 1 && inputs.port <= 65535))
    failures.push({ property: "port", reason: `expected port to be a valid port number, got: ${inputs.port}` });
  if (!Array.isArray(inputs.defaultActions)) return failures;
  inputs.defaultActions.forEach((action: Props, index: number) => {
    if (!action || typeof action !== "object") return;
    const at = `defaultActions[${index}]`;
    // `order` is Optional+Computed; create sends index+1 when it is absent, and Read returns that.
    if (action.order == null) action.order = index + 1;
    if (!known(action.type)) return;
    const type = String(action.type).toLowerCase();
    if (!ACTION_TYPES.includes(type)) {
      failures.push({
        property: `${at}.type`,
        reason: `expected type to be one of [${ACTION_TYPES.join(" ")}], got ${action.type}`,
      });
      return;
    }
    if (type === "forward" && action.targetGroupArn == null && !action.forward)
      failures.push({
        property: `${at}.type`,
        reason: `Either "${at}.targetGroupArn" or "${at}.forward" must be specified when "${at}.type" is "forward".`,
      });
    if (type !== "forward" && known(action.targetGroupArn))
      failures.push({
        property: `${at}.targetGroupArn`,
        reason: `"${at}.targetGroupArn" cannot be specified when "${at}.type" is "${type}".`,
      });
    if (type === "redirect") {
      if (!action.redirect) {
        failures.push({
          property: `${at}.redirect`,
          reason: `"${at}.redirect" is required when "${at}.type" is "redirect".`,
        });
        return;
      }
      const redirect = action.redirect as Props;
      for (const [key, value] of Object.entries(REDIRECT_DEFAULTS)) if (redirect[key] == null) redirect[key] = value;
      if (redirect.statusCode == null)
        failures.push({
          property: `${at}.redirect.statusCode`,
          reason: `Missing required argument: "${at}.redirect.statusCode".`,
        });
      else if (known(redirect.statusCode) && !REDIRECT_STATUS_CODES.includes(redirect.statusCode))
        failures.push({
          property: `${at}.redirect.statusCode`,
          reason: `expected status_code to be one of [${REDIRECT_STATUS_CODES.join(" ")}], got ${redirect.statusCode}`,
        });
      if (known(redirect.protocol) && !REDIRECT_PROTOCOLS.includes(redirect.protocol))
        failures.push({
          property: `${at}.redirect.protocol`,
          reason: `expected protocol to be one of [${REDIRECT_PROTOCOLS.join(" ")}], got ${redirect.protocol}`,
        });
    }
  });
  return failures;
}

function actions(defaultActions: Props[] | undefined): Action[] {
  return (defaultActions ?? []).map(
    (action, index) =>
      compact({
        Type: action.type,
        Order: action.order ?? index + 1,
        TargetGroupArn: action.targetGroupArn,
        FixedResponseConfig: action.fixedResponse
          ? compact({
              ContentType: action.fixedResponse.contentType,
              MessageBody: action.fixedResponse.messageBody,
              StatusCode: action.fixedResponse.statusCode,
            })
          : undefined,
        RedirectConfig: action.redirect
          ? compact({
              Host: action.redirect.host,
              Path: action.redirect.path,
              Port: action.redirect.port,
              Protocol: action.redirect.protocol,
              Query: action.redirect.query,
              StatusCode: action.redirect.statusCode,
            })
          : undefined,
      }) as Action,
  );
}

/** Read's `flattenListenerActions`, for what the stack uses: sorted by order; forward by target group ARN. */
function flattenActions(live: Action[] | undefined): Props[] {
  return [...(live ?? [])]
    .sort((a, b) => (a.Order ?? 0) - (b.Order ?? 0))
    .map((action) =>
      compact({
        type: action.Type,
        order: action.Order,
        targetGroupArn: action.Type === "forward" ? action.TargetGroupArn : undefined,
        redirect: action.RedirectConfig
          ? compact({
              host: action.RedirectConfig.Host,
              path: action.RedirectConfig.Path,
              port: action.RedirectConfig.Port,
              protocol: action.RedirectConfig.Protocol,
              query: action.RedirectConfig.Query,
              statusCode: action.RedirectConfig.StatusCode,
            })
          : undefined,
        fixedResponse: action.FixedResponseConfig
          ? compact({
              contentType: action.FixedResponseConfig.ContentType,
              messageBody: action.FixedResponseConfig.MessageBody,
              statusCode: action.FixedResponseConfig.StatusCode,
            })
          : undefined,
      }),
    );
}

async function describeListener(clients: Clients, arn: string): Promise<Listener | undefined> {
  try {
    return (await clients.elbv2().send(new ELBv2.DescribeListenersCommand({ ListenerArns: [arn] }))).Listeners?.[0];
  } catch (error) {
    if (awsErrorName(error) === "ListenerNotFoundException" || awsErrorName(error) === "ListenerNotFound")
      return undefined;
    throw error;
  }
}

function listenerOutputs(listener: Listener): Props {
  return compact({
    arn: listener.ListenerArn,
    loadBalancerArn: listener.LoadBalancerArn,
    port: listener.Port,
    protocol: listener.Protocol,
    sslPolicy: listener.SslPolicy,
    // Read sets certificate_arn only for exactly one certificate.
    certificateArn: listener.Certificates?.length === 1 ? listener.Certificates[0].CertificateArn : undefined,
    defaultActions: flattenActions(listener.DefaultActions),
  });
}

/** Create and update retry CertificateNotFound for their timeout (5 min): a new ACM certificate takes a while to reach ELB. */
async function retryCertificateNotFound<T>(what: string, call: () => Promise<T>): Promise<T> {
  let lastError: unknown;
  try {
    return await waitFor(
      what,
      async () => {
        try {
          return await call();
        } catch (error) {
          if (!/^CertificateNotFound/.test(awsErrorName(error))) throw error;
          lastError = error;
          return undefined;
        }
      },
      { timeoutMs: LISTENER_TIMEOUT_MS, intervalMs: 1_000 },
    );
  } catch (error) {
    // Upstream returns the last AWS error once the retries are spent.
    throw lastError && /^timeout while waiting/.test((error as Error).message)
      ? new Error(`${what}: ${awsErrorName(lastError)}: ${(lastError as Error).message}`, { cause: lastError })
      : error;
  }
}

const LISTENER_TIMEOUT_MS = Number(process.env.DR_STANDIN_LISTENER_TIMEOUT_MS ?? 5 * 60_000);

export const lbListener: ResourceHandler = {
  token: "aws:lb/listener:Listener",
  props: {
    loadBalancerArn: { replace: true },
    // Optional, not Computed upstream: leaving it out diffs to null.
    port: {},
    protocol: { computed: true },
    certificateArn: {},
    sslPolicy: { computed: true },
    defaultActions: {},
    tags: {},
  },
  required: ["loadBalancerArn", "defaultActions"],
  check: checkListener,
  async create(ctx, inputs) {
    const loadBalancerArn = String(inputs.loadBalancerArn);
    // Upstream: an ALB listener without a protocol is HTTPS when it has a certificate, else HTTP.
    const protocol =
      inputs.protocol ??
      (loadBalancerArn.includes("loadbalancer/app/") ? (inputs.certificateArn ? "HTTPS" : "HTTP") : undefined);
    // AWS's CreateListener refuses an HTTPS listener without exactly one default certificate (moto does not).
    if (String(protocol).toUpperCase() === "HTTPS" && !inputs.certificateArn)
      throw new Error(
        `creating ELBv2 Listener (${loadBalancerArn}): ValidationError: A certificate must be specified for HTTPS listeners`,
      );
    const out = await retryCertificateNotFound(`creating ELBv2 Listener (${loadBalancerArn})`, () =>
      ctx.clients.elbv2().send(
        new ELBv2.CreateListenerCommand(
          compact({
            LoadBalancerArn: loadBalancerArn,
            Port: inputs.port,
            Protocol: protocol,
            SslPolicy: inputs.sslPolicy,
            Certificates: inputs.certificateArn ? [{ CertificateArn: inputs.certificateArn }] : undefined,
            DefaultActions: actions(inputs.defaultActions),
            Tags: toTagList(inputs.tags),
          }),
        ),
      ),
    );
    const listener = out.Listeners![0]!;
    ctx.created(listener.ListenerArn!, { arn: listener.ListenerArn });
    // Create ends with Read: the live values (e.g. the default SslPolicy AWS chose).
    const live = await describeListener(ctx.clients, listener.ListenerArn!);
    return { id: listener.ListenerArn!, outs: listenerOutputs(live ?? listener) };
  },
  async read(ctx, id) {
    const listener = await describeListener(ctx.clients, id);
    return listener ? listenerOutputs(listener) : undefined;
  },
  async update(ctx, id, olds, news) {
    const changed =
      !deepEqual(olds.defaultActions, news.defaultActions) ||
      (news.port !== undefined && news.port !== olds.port) ||
      (news.protocol !== undefined && news.protocol !== olds.protocol) ||
      (news.sslPolicy !== undefined && news.sslPolicy !== olds.sslPolicy) ||
      (news.certificateArn ?? "") !== (olds.certificateArn ?? "");
    if (changed) {
      await retryCertificateNotFound(`modifying ELBv2 Listener (${id})`, () =>
        ctx.clients.elbv2().send(
          new ELBv2.ModifyListenerCommand(
            compact({
              ListenerArn: id,
              Port: news.port,
              Protocol: news.protocol,
              SslPolicy: news.sslPolicy,
              Certificates: news.certificateArn ? [{ CertificateArn: news.certificateArn }] : undefined,
              DefaultActions: deepEqual(olds.defaultActions, news.defaultActions)
                ? undefined
                : actions(news.defaultActions),
            }),
          ),
        ),
      );
    }
    await updateTags(ctx.clients, id, olds, news);
    const listener = await describeListener(ctx.clients, id);
    if (!listener) throw new Error(`ELBv2 Listener (${id}) not found after update`);
    return listenerOutputs(listener);
  },
  async delete(ctx, id) {
    try {
      await ctx.clients.elbv2().send(new ELBv2.DeleteListenerCommand({ ListenerArn: id }));
    } catch (error) {
      if (awsErrorName(error) === "ListenerNotFoundException" || awsErrorName(error) === "ListenerNotFound") return;
      throw error;
    }
  },
};
