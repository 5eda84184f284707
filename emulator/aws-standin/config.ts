/**
 * Provider configuration of the stand-in (the subset of the real `aws`
 * provider's config it honours) and the AWS SDK v3 clients built from it.
 */
import type { ECSClient } from "@aws-sdk/client-ecs";
import type { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { ElastiCacheClient } from "@aws-sdk/client-elasticache";
import type { IAMClient } from "@aws-sdk/client-iam";
import type { RDSClient } from "@aws-sdk/client-rds";
import type { Route53Client } from "@aws-sdk/client-route-53";
import type { S3Client } from "@aws-sdk/client-s3";
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { unwrap } from "./wire.js";
import { AwsClients } from "../../automation/aws.js";

export interface StandinConfig {
  region: string;
  /** Service key (as in the provider's `endpoints` block: rds, s3, route53, …) → URL. */
  endpoints: Record<string, string>;
  accessKey: string;
  secretKey: string;
  token?: string;
  s3UsePathStyle: boolean;
  /** The provider's `defaultTags.tags`: merged under every resource's own tags into its `tagsAll` (upstream `default_tags`). */
  defaultTags?: Record<string, string>;
}

/** Endpoint aliases accepted in `endpoints` for the services the stand-in calls. */
const ENDPOINT_KEYS: Record<string, string[]> = {
  rds: ["rds"],
  s3: ["s3", "s3api"],
  route53: ["route53"],
  secretsmanager: ["secretsmanager"],
  ecs: ["ecs"],
  elbv2: ["elbv2", "lb", "elb"],
  iam: ["iam"],
  elasticache: ["elasticache"],
  sts: ["sts"],
};

function parseMaybeJson(value: unknown): unknown {
  if (typeof value !== "string") return value;
  const trimmed = value.trim();
  if (trimmed === "") return undefined;
  if (/^[[{]/.test(trimmed) || trimmed === "true" || trimmed === "false" || trimmed === "null") {
    try {
      return JSON.parse(trimmed);
    } catch {
      return value;
    }
  }
  return value;
}

function endpointsFrom(value: unknown): Record<string, string> {
  const parsed = parseMaybeJson(unwrap(value));
  const result: Record<string, string> = {};
  const blocks = Array.isArray(parsed) ? parsed : parsed && typeof parsed === "object" ? [parsed] : [];
  for (const block of blocks) {
    if (!block || typeof block !== "object") continue;
    for (const [key, url] of Object.entries(block as Record<string, unknown>)) {
      if (typeof url === "string" && url !== "") result[key] = url;
    }
  }
  return result;
}

/** `defaultTags: { tags: {...} }` as the engine sends it (an object, or its JSON). */
function defaultTagsFrom(value: unknown): Record<string, string> | undefined {
  const parsed = parseMaybeJson(unwrap(value));
  const tags = parsed && typeof parsed === "object" ? (parsed as { tags?: unknown }).tags : undefined;
  if (!tags || typeof tags !== "object") return undefined;
  return Object.fromEntries(Object.entries(tags as Record<string, unknown>).map(([key, tag]) => [key, String(tag)]));
}

function asBool(value: unknown): boolean | undefined {
  const parsed = parseMaybeJson(unwrap(value));
  if (typeof parsed === "boolean") return parsed;
  return undefined;
}

function asString(value: unknown): string | undefined {
  const v = unwrap(value);
  return typeof v === "string" && v !== "" ? v : undefined;
}

/**
 * Builds the config from raw provider config values: `variables` keys like
 * `aws:config:region` / `aws:region` (string values, JSON for objects) and/or
 * `args` (the provider resource's inputs). Args win; env fills the gaps.
 */
export function buildConfig(
  variables: Record<string, string> = {},
  args: Record<string, unknown> = {},
  env: NodeJS.ProcessEnv = process.env,
): StandinConfig {
  const merged: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(variables)) {
    const short = key.replace(/^aws:config:/, "").replace(/^aws:/, "");
    merged[short] = value;
  }
  for (const [key, value] of Object.entries(args)) {
    if (value !== undefined && value !== null) merged[key] = value;
  }
  return {
    region: asString(merged.region) ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1",
    endpoints: endpointsFrom(merged.endpoints),
    accessKey: asString(merged.accessKey) ?? env.AWS_ACCESS_KEY_ID ?? "test",
    secretKey: asString(merged.secretKey) ?? env.AWS_SECRET_ACCESS_KEY ?? "test",
    token: asString(merged.token) ?? env.AWS_SESSION_TOKEN,
    s3UsePathStyle: asBool(merged.s3UsePathStyle) ?? true,
    defaultTags: defaultTagsFrom(merged.defaultTags),
  };
}

/** The endpoint URL for a service: config, then AWS_ENDPOINT_URL_<SVC>, then AWS_ENDPOINT_URL. */
export function endpointFor(
  config: StandinConfig,
  service: string,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  for (const key of ENDPOINT_KEYS[service] ?? [service]) {
    if (config.endpoints[key]) return config.endpoints[key];
  }
  const specific = env[`AWS_ENDPOINT_URL_${service.toUpperCase()}`];
  return specific || env.AWS_ENDPOINT_URL || undefined;
}

/** The SDK clients of one configuration, from the tool's one client factory. */
export class Clients {
  private readonly aws: AwsClients;

  constructor(readonly config: StandinConfig) {
    this.aws = new AwsClients({
      endpoint: (service) => endpointFor(config, service),
      credentials: { accessKeyId: config.accessKey, secretAccessKey: config.secretKey, sessionToken: config.token },
      // Like the real provider (its AWS SDK retries throttling, 5xx and dropped connections): the engine must survive a flaky API.
      maxAttempts: Number(process.env.DR_STANDIN_MAX_ATTEMPTS ?? 8),
      // The provider's SDK sets no request deadline of its own: the engine's operation timeouts bound a call.
      connectionTimeoutMs: 0,
      requestTimeoutMs: 0,
      s3ForcePathStyle: config.s3UsePathStyle,
    });
  }

  get region(): string {
    return this.config.region;
  }

  rds(): RDSClient {
    return this.aws.rds(this.config.region);
  }
  s3(): S3Client {
    return this.aws.s3(this.config.region);
  }
  route53(): Route53Client {
    return this.aws.route53();
  }
  secretsManager(): SecretsManagerClient {
    return this.aws.secrets(this.config.region);
  }
  ecs(): ECSClient {
    return this.aws.ecs(this.config.region);
  }
  elbv2(): ElasticLoadBalancingV2Client {
    return this.aws.elbv2(this.config.region);
  }
  elasticache(): ElastiCacheClient {
    return this.aws.elasticache(this.config.region);
  }
  iam(): IAMClient {
    return this.aws.iam();
  }
}
