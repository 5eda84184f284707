/**
 * Provider configuration of the stand-in (the subset of the real `aws`
 * provider's config it honours) and the AWS SDK v3 clients built from it.
 */
import type { ECSClient } from "@aws-sdk/client-ecs";
import type { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { IAMClient } from "@aws-sdk/client-iam";
import type { RDSClient } from "@aws-sdk/client-rds";
import type { Route53Client } from "@aws-sdk/client-route-53";
import type { S3Client } from "@aws-sdk/client-s3";
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { unwrap } from "./wire.js";
import { ECS, ELBv2, IAM, RDS, Route53, S3, SecretsManager } from "../../automation/sdk.js";

export interface StandinConfig {
  region: string;
  /** Service key (as in the provider's `endpoints` block: rds, s3, route53, …) → URL. */
  endpoints: Record<string, string>;
  accessKey: string;
  secretKey: string;
  token?: string;
  s3UsePathStyle: boolean;
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
  };
}

/** The endpoint URL for a service: config, then AWS_ENDPOINT_URL_<SVC>, then AWS_ENDPOINT_URL. */
export function endpointFor(config: StandinConfig, service: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const key of ENDPOINT_KEYS[service] ?? [service]) {
    if (config.endpoints[key]) return config.endpoints[key];
  }
  const specific = env[`AWS_ENDPOINT_URL_${service.toUpperCase()}`];
  return specific || env.AWS_ENDPOINT_URL || undefined;
}

/** Lazily built SDK clients for one configuration (and optionally another region). */
export class Clients {
  private readonly cache = new Map<string, unknown>();
  constructor(readonly config: StandinConfig) {}

  get region(): string {
    return this.config.region;
  }

  private options(service: string) {
    return {
      region: this.config.region,
      endpoint: endpointFor(this.config, service),
      credentials: {
        accessKeyId: this.config.accessKey,
        secretAccessKey: this.config.secretKey,
        sessionToken: this.config.token,
      },
      // Like the real provider (its AWS SDK retries throttling, 5xx and dropped connections): the engine must survive a flaky API.
      retryMode: "adaptive",
      maxAttempts: Number(process.env.DR_STANDIN_MAX_ATTEMPTS ?? 8),
    };
  }

  private get<T>(service: string, make: () => T): T {
    let client = this.cache.get(service) as T | undefined;
    if (!client) {
      client = make();
      this.cache.set(service, client);
    }
    return client;
  }

  rds(): RDSClient {
    return this.get("rds", () => new RDS.RDSClient(this.options("rds")));
  }
  s3(): S3Client {
    return this.get("s3", () => new S3.S3Client({ ...this.options("s3"), forcePathStyle: this.config.s3UsePathStyle }));
  }
  route53(): Route53Client {
    return this.get("route53", () => new Route53.Route53Client(this.options("route53")));
  }
  secretsManager(): SecretsManagerClient {
    return this.get("secretsmanager", () => new SecretsManager.SecretsManagerClient(this.options("secretsmanager")));
  }
  ecs(): ECSClient {
    return this.get("ecs", () => new ECS.ECSClient(this.options("ecs")));
  }
  elbv2(): ElasticLoadBalancingV2Client {
    return this.get("elbv2", () => new ELBv2.ElasticLoadBalancingV2Client(this.options("elbv2")));
  }
  iam(): IAMClient {
    return this.get("iam", () => new IAM.IAMClient(this.options("iam")));
  }
}
