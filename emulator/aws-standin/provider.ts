/**
 * The stand-in for the Pulumi `aws` resource provider plugin: a
 * `@pulumi/pulumi/provider` Provider backed by AWS SDK v3 clients pointed at
 * the moto emulator (or whatever endpoints the provider config names).
 * See SPEC.md for the covered types and the differences from the real plugin.
 */
import { createRequire } from "node:module";
import type * as provider from "@pulumi/pulumi/provider/index.js";
import { buildConfig, Clients, type StandinConfig } from "./config.js";
import { ecsCluster, ecsService, ecsTaskDefinition } from "./ecs.js";
import { elasticacheReplicationGroup } from "./elasticache.js";
import { iamRole, iamRolePolicy, iamRolePolicyAttachment } from "./iam.js";
import { getBucket, getCallerIdentity, getPartition, getRegion } from "./invokes.js";
import { lbListener, lbLoadBalancer, lbTargetGroup } from "./lb.js";
import { rdsInstance } from "./rds.js";
import { getZone, route53Record, route53Zone } from "./route53.js";
import { secretsManagerSecret, secretsManagerSecretVersion } from "./secrets.js";
import { modeledDelayMs, type LatencyOperation } from "./timing-model.js";
import type { HandlerContext, InvokeHandler, PropSpec, ResourceHandler } from "./types.js";
import {
  changesExcept,
  containsUnknown,
  debug,
  isSecret,
  deepEqual,
  isEmpty,
  operationTimeLeftMs,
  operationTimeoutMs,
  randomHex,
  sleep,
  unwrap,
  urnName,
  urnType,
  type Props,
} from "./wire.js";

export const RESOURCE_HANDLERS: readonly ResourceHandler[] = [
  rdsInstance,
  iamRole,
  iamRolePolicy,
  iamRolePolicyAttachment,
  secretsManagerSecret,
  secretsManagerSecretVersion,
  ecsCluster,
  ecsTaskDefinition,
  ecsService,
  lbLoadBalancer,
  lbTargetGroup,
  lbListener,
  route53Record,
  elasticacheReplicationGroup,
  route53Zone,
];

export const INVOKE_HANDLERS: readonly InvokeHandler[] = [
  getBucket,
  getZone,
  getRegion,
  getCallerIdentity,
  getPartition,
];

/** The @pulumi/aws version the stand-in impersonates (7.48.0 in this repo). */
export function awsPackageVersion(): string {
  try {
    const require = createRequire(import.meta.url);
    return (require("@pulumi/aws/package.json") as { version: string }).version;
  } catch {
    return "7.48.0";
  }
}

const DEFAULTS_KEY = "__defaults";

/** `<urn name>-<7 hex>`, shortened/lowercased to fit the type's name rules. */
export function autoName(urn: string, rule: { maxLength?: number; lowercase?: boolean }): string {
  const suffix = `-${randomHex(7)}`;
  let base = urnName(urn);
  if (rule.lowercase) base = base.toLowerCase().replace(/[^a-z0-9-]/g, "-");
  if (rule.maxLength !== undefined && base.length + suffix.length > rule.maxLength) {
    base = base.slice(0, Math.max(1, rule.maxLength - suffix.length));
  }
  return `${base}${suffix}`;
}

function sortedIfArray(value: unknown): unknown {
  return Array.isArray(value) ? [...value].map((v) => JSON.stringify(v)).sort() : value;
}

/** A nested block with its absent Optional+Computed fields taken from the old block. */
function keepComputedFields(spec: PropSpec, oldValue: unknown, newValue: unknown): unknown {
  if (!spec.computedFields || !isPlainObject(oldValue) || !isPlainObject(newValue)) return newValue;
  const merged: Props = { ...newValue };
  for (const field of spec.computedFields) {
    if (merged[field] === undefined || merged[field] === null) merged[field] = oldValue[field];
  }
  return merged;
}

const isPlainObject = (value: unknown): value is Props =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function stripMeta(props: Props): Props {
  const { [DEFAULTS_KEY]: _ignored, ...rest } = props;
  return rest;
}

/**
 * Outputs = computed values, overlaid by the (raw, secret-wrapped) inputs that were set,
 * except the `live` ones, which keep what AWS reported (and are absent when it reported none).
 */
function mergeOutputs(base: Props, computed: Props, rawInputs: Props, live: ReadonlySet<string> = new Set()): Props {
  const result: Props = { ...base, ...computed };
  for (const key of live) if (computed[key] === undefined) delete result[key];
  for (const [key, value] of Object.entries(stripMeta(rawInputs))) {
    if (value !== undefined && value !== null && !live.has(key)) result[key] = value;
  }
  return result;
}

/**
 * Upstream's `tags_all`: the provider's default tags under the resource's own. What the
 * handlers send to AWS and compare against (inputs.tags is replaced by it), and what
 * the state records as `tagsAll`.
 */
function withDefaultTags(handler: ResourceHandler, config: StandinConfig, inputs: Props): Props {
  if (!handler.props.tags || !config.defaultTags) return inputs;
  return { ...inputs, tags: { ...config.defaultTags, ...(inputs.tags ?? {}) } };
}

const tagsAllOf = (inputs: Props): Props => (inputs.tags === undefined ? {} : { tagsAll: inputs.tags });

function liveProps(handler: ResourceHandler): Set<string> {
  return new Set(Object.keys(handler.props).filter((prop) => handler.props[prop].live));
}

export class StandinProvider implements provider.Provider {
  readonly version: string;
  private config: StandinConfig;
  private clients: Clients;
  private readonly handlers = new Map<string, ResourceHandler>();
  private readonly invokes = new Map<string, InvokeHandler>();

  constructor(options: { config?: StandinConfig; version?: string } = {}) {
    this.version = options.version ?? awsPackageVersion();
    this.config = options.config ?? buildConfig();
    this.clients = new Clients(this.config);
    for (const handler of RESOURCE_HANDLERS) this.handlers.set(handler.token, handler);
    for (const handler of INVOKE_HANDLERS) this.invokes.set(handler.token, handler);
  }

  /** Applies a provider configuration (from the engine's Configure call, or a test). */
  configure(config: StandinConfig): void {
    this.config = config;
    this.clients = new Clients(config);
    const endpoints = Object.keys(config.endpoints).join(",") || "(env/default)";
    debug(`configured region=${config.region} endpoints=${endpoints}`);
  }

  currentConfig(): StandinConfig {
    return this.config;
  }

  private handler(urn: string): ResourceHandler {
    const token = urnType(urn);
    const handler = this.handlers.get(token);
    if (!handler) throw new Error(`resource type ${token} is not implemented by the dr-failover stand-in aws provider`);
    return handler;
  }

  /** @pulumi/aws v7 resources take an optional `region` overriding the provider's. */
  private context(urn: string, handler: ResourceHandler, props: Props): HandlerContext {
    const region = props.region;
    const clients =
      typeof region === "string" && region !== "" && region !== this.config.region
        ? new Clients({ ...this.config, region })
        : this.clients;
    // `created` and the create latency matter to create only (which replaces them).
    return { clients, urn, token: handler.token, created: () => undefined, createLatencyMs: 0 };
  }

  private propSpecs(handler: ResourceHandler): Record<string, PropSpec> {
    return { region: { replace: true, computed: true }, ...handler.props };
  }

  /**
   * Sleeps the modeled latency (the wait for "available", steady state …); past the
   * engine's deadline it fails as the real provider does, after waiting that long.
   */
  private async modeledDelay(token: string, operation: LatencyOperation, inputs: Props): Promise<void> {
    const ms = modeledDelayMs(token, operation, inputs);
    if (ms <= 0) return;
    debug(`modeled latency ${token} ${operation}: ${ms}ms`);
    const left = operationTimeLeftMs();
    if (left === undefined || ms <= left) return sleep(ms);
    await sleep(left);
    const timeout = Math.round((operationTimeoutMs() ?? left) / 1000);
    throw new Error(
      `${operation === "create" ? "creating" : "updating"} ${token}: timeout while waiting for it to become ready (timeout: ${timeout}s)`,
    );
  }

  async check(urn: string, olds: Props, news: Props): Promise<provider.CheckResult> {
    const handler = this.handler(urn);
    const inputs: Props = { ...news };
    if (handler.autoname) {
      const prop = handler.autoname.prop;
      if (inputs[prop] === undefined || inputs[prop] === null || inputs[prop] === "") {
        const previous = olds?.[prop];
        inputs[prop] =
          previous !== undefined && previous !== null && previous !== "" ? previous : autoName(urn, handler.autoname);
        const defaults = Array.isArray(news[DEFAULTS_KEY]) ? (news[DEFAULTS_KEY] as string[]) : [];
        inputs[DEFAULTS_KEY] = [...new Set([...defaults, prop])];
      }
    }
    const failures: provider.CheckFailure[] = [];
    for (const prop of handler.required ?? []) {
      if (inputs[prop] === undefined || inputs[prop] === null) {
        failures.push({
          property: prop,
          reason: `Missing required argument: The argument "${prop}" is required, but no definition was found.`,
        });
      }
    }
    const given = unwrap(inputs);
    for (const [prop, spec] of Object.entries(this.propSpecs(handler))) {
      const value = given[prop];
      if (!spec.validate || value === undefined || value === null || containsUnknown(value)) continue;
      for (const reason of [spec.validate(value) ?? []].flat()) failures.push({ property: prop, reason });
    }
    if (handler.check) failures.push(...handler.check(inputs));
    return { inputs, failures };
  }

  async diff(_id: string, urn: string, olds: Props, news: Props): Promise<provider.DiffResult> {
    const handler = this.handler(urn);
    const o = unwrap(olds ?? {});
    const n = unwrap(news ?? {});
    const changed: string[] = [];
    const replaces: string[] = [];
    for (const [prop, spec] of Object.entries(this.propSpecs(handler))) {
      const oldValue = o[prop];
      const newValue = keepComputedFields(spec, oldValue, n[prop]);
      let differs: boolean;
      if (containsUnknown(newValue)) differs = true;
      // absent = the zero value (false, 0, "", [] …) for a plain optional input
      else if (newValue === undefined || newValue === null)
        differs = !spec.computed && !isEmpty(oldValue) && oldValue !== false && oldValue !== 0;
      else
        differs = spec.set
          ? !deepEqual(sortedIfArray(oldValue), sortedIfArray(newValue))
          : !deepEqual(oldValue, newValue);
      if (!differs) continue;
      changed.push(prop);
      if (spec.replace || handler.replaceOnAnyChange || !handler.update) replaces.push(prop);
    }
    // A change of the provider's default tags updates every tagged resource (its tags_all), in place.
    if (handler.props.tags && this.config.defaultTags && o.tagsAll !== undefined) {
      if (!deepEqual(o.tagsAll, withDefaultTags(handler, this.config, n).tags)) changed.push("tagsAll");
    }
    if (changed.length > 0)
      debug(
        `diff ${handler.token} ${urnName(urn)}: ${changed.join(",")}${replaces.length ? ` (replace: ${replaces.join(",")})` : ""}`,
      );
    const nameProp = handler.autoname?.prop;
    const namedExplicitly =
      nameProp !== undefined &&
      n[nameProp] !== undefined &&
      !((n[DEFAULTS_KEY] as string[] | undefined) ?? []).includes(nameProp);
    return {
      changes: changed.length > 0,
      replaces,
      deleteBeforeReplace: replaces.length > 0 && namedExplicitly,
    };
  }

  async create(urn: string, news: Props): Promise<provider.CreateResult> {
    const handler = this.handler(urn);
    const inputs = withDefaultTags(handler, this.config, stripMeta(unwrap(news)));
    if (containsUnknown(inputs)) throw new Error(`cannot create ${urn}: inputs contain unknown values`);
    debug(`create ${handler.token} ${urnName(urn)}`);
    let result: { id: string; outs: Props };
    let existing: { id: string; outs?: Props } | undefined;
    try {
      result = await handler.create(
        {
          ...this.context(urn, handler, inputs),
          created: (id, outs) => (existing = { id, outs }),
          createLatencyMs: handler.latencyInsideCreate ? modeledDelayMs(handler.token, "create", inputs) : 0,
        },
        inputs,
      );
    } catch (error) {
      // Created but not fully initialized: let the engine record it (ErrorResourceInitFailed).
      const partial = error as { id?: string; properties?: Props; reasons?: string[] };
      if (!partial.id && existing)
        Object.assign(partial, {
          id: existing.id,
          properties: existing.outs ?? {},
          reasons: [(error as Error).message],
        });
      if (partial.id) partial.properties = mergeOutputs({}, partial.properties ?? {}, news);
      throw error;
    }
    const outs = mergeOutputs(
      { region: this.config.region, ...tagsAllOf(inputs) },
      result.outs,
      news,
      liveProps(handler),
    );
    if (handler.latencyInsideCreate) return { id: result.id, outs };
    try {
      await this.modeledDelay(handler.token, "create", inputs);
    } catch (error) {
      // It exists but never became ready: recorded by the engine, continued by the next update.
      throw Object.assign(error as Error, { id: result.id, properties: outs, reasons: [(error as Error).message] });
    }
    return { id: result.id, outs };
  }

  async read(id: string, urn: string, props: Props = {}): Promise<provider.ReadResult> {
    const handler = this.handler(urn);
    const live = await handler.read(this.context(urn, handler, unwrap(props ?? {})), id, unwrap(props ?? {}));
    if (!live) return { id: "", props: {} };
    const result: Props = { ...(props ?? {}) };
    for (const [key, value] of Object.entries(live)) {
      // never replace a stored secret with a plain value
      if (value !== undefined && !isSecret(result[key])) result[key] = value;
    }
    return { id, props: result };
  }

  async update(id: string, urn: string, olds: Props, news: Props): Promise<provider.UpdateResult> {
    const handler = this.handler(urn);
    if (!handler.update) throw new Error(`${handler.token} cannot be updated in place (every change replaces it)`);
    const given = unwrap(olds ?? {});
    // The tags AWS has are the old tags_all: the handler compares against and sends the merged sets.
    const o = given.tagsAll !== undefined ? { ...given, tags: given.tagsAll } : given;
    const n = withDefaultTags(handler, this.config, stripMeta(unwrap(news ?? {})));
    debug(`update ${handler.token} ${urnName(urn)}`);
    const computed = await handler.update(this.context(urn, handler, o), id, o, n);
    // Like upstream, an update that changes nothing but the excepted inputs does not wait.
    const waits =
      handler.updateWaitsExcept === undefined ||
      changesExcept(o, n, Object.keys(this.propSpecs(handler)), handler.updateWaitsExcept);
    if (waits) await this.modeledDelay(handler.token, "update", n);
    // Keep old computed values (and computed inputs now absent); drop removed plain inputs.
    const base: Props = {};
    for (const [key, value] of Object.entries(olds ?? {})) {
      const spec = this.propSpecs(handler)[key];
      if (!spec || spec.computed) base[key] = value;
    }
    return { outs: mergeOutputs({ ...base, ...tagsAllOf(n) }, computed, news, liveProps(handler)) };
  }

  async delete(id: string, urn: string, props: Props): Promise<void> {
    const handler = this.handler(urn);
    const state = unwrap(props ?? {});
    debug(`delete ${handler.token} ${urnName(urn)}`);
    await handler.delete(this.context(urn, handler, state), id, state);
    await this.modeledDelay(handler.token, "delete", state);
  }

  async invoke(token: string, inputs: Props): Promise<provider.InvokeResult> {
    const handler = this.invokes.get(token);
    if (handler) {
      const args = unwrap(inputs ?? {});
      // A per-call region (newer @pulumi/aws data sources take `region`) gets its own clients.
      const clients =
        typeof args.region === "string" && args.region !== "" && args.region !== this.config.region
          ? new Clients({ ...this.config, region: args.region })
          : this.clients;
      return { outputs: await handler.invoke(clients, args) };
    }
    if (token.endsWith("/terraformConfig")) return { outputs: { result: {} } };
    throw new Error(`function ${token} is not implemented by the dr-failover stand-in aws provider`);
  }

  async call(token: string): Promise<provider.InvokeResult> {
    if (token.endsWith("/terraformConfig")) return { outputs: { result: {} } };
    throw new Error(`method ${token} is not implemented by the dr-failover stand-in aws provider`);
  }
}

export function createStandinProvider(options: { config?: StandinConfig; version?: string } = {}): StandinProvider {
  return new StandinProvider(options);
}
