/**
 * The one factory of AWS SDK v3 clients (the driver, the emulator, the
 * stand-in plugin and the tests all build theirs here): adaptive retries with
 * bounded attempts, connection and request timeouts (a black-holed region must
 * not hang the journey), and an optional endpoint override for an emulator.
 */
import type { ACMClient } from "@aws-sdk/client-acm";
import type { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import type { EC2Client } from "@aws-sdk/client-ec2";
import type { ECRClient } from "@aws-sdk/client-ecr";
import type { ECSClient } from "@aws-sdk/client-ecs";
import type { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { ElastiCacheClient } from "@aws-sdk/client-elasticache";
import type { IAMClient } from "@aws-sdk/client-iam";
import type { KMSClient } from "@aws-sdk/client-kms";
import type { RDSClient } from "@aws-sdk/client-rds";
import type { Route53Client } from "@aws-sdk/client-route-53";
import type { S3Client } from "@aws-sdk/client-s3";
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { AwsError, DrFailoverError } from "./errors.js";
import {
  ACM,
  CloudWatchLogs,
  EC2,
  ECR,
  ECS,
  ElastiCache,
  ELBv2,
  IAM,
  KMS,
  RDS,
  Route53,
  S3,
  SecretsManager,
} from "./sdk.js";

/** An AWS service this tool calls, by its endpoint key (as in the aws provider's `endpoints` block). */
export type AwsService =
  | "rds"
  | "ec2"
  | "ecr"
  | "ecs"
  | "s3"
  | "secretsmanager"
  | "elbv2"
  | "iam"
  | "route53"
  | "acm"
  | "kms"
  | "logs"
  | "elasticache";

export interface AwsOptions {
  /** e.g. http://127.0.0.1:4566 for an emulator (or a URL per service); undefined = real AWS. */
  endpoint?: string | ((service: AwsService) => string | undefined);
  /** Default: the SDK's credential chain, or fake ones for an emulator endpoint when none are set. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  maxAttempts?: number;
  /** 0: no limit (the SDK's default). */
  connectionTimeoutMs?: number;
  /** 0: no limit (the SDK's default). */
  requestTimeoutMs?: number;
  /** Path-style S3 addressing (default: with an endpoint override, which has no bucket subdomains). */
  s3ForcePathStyle?: boolean;
}

/** Fake credentials for an emulator: moto accepts anything, real AWS accepts none of these. */
export const EMULATOR_CREDENTIALS = { accessKeyId: "test", secretAccessKey: "test" } as const;

/** Route53 and IAM are global services: their control planes answer in us-east-1 whatever the target region. */
const GLOBAL_SERVICES_REGION = "us-east-1";

export class AwsClients {
  private readonly cache = new Map<string, unknown>();

  constructor(readonly options: AwsOptions = {}) {}

  /** The endpoint every service shares (an emulator), if one is set: what the stack's aws provider is pointed at. */
  get sharedEndpoint(): string | undefined {
    return typeof this.options.endpoint === "string" ? this.options.endpoint : undefined;
  }

  private endpointOf(service: AwsService): string | undefined {
    const { endpoint } = this.options;
    return typeof endpoint === "function" ? endpoint(service) : endpoint;
  }

  private config(service: AwsService, region: string) {
    const endpoint = this.endpointOf(service);
    const credentials =
      this.options.credentials ?? (endpoint && !process.env.AWS_ACCESS_KEY_ID ? EMULATOR_CREDENTIALS : undefined);
    return {
      region,
      endpoint,
      retryMode: "adaptive",
      maxAttempts: this.options.maxAttempts ?? 6,
      requestHandler: {
        connectionTimeout: this.options.connectionTimeoutMs ?? 5_000,
        requestTimeout: this.options.requestTimeoutMs ?? 30_000,
      },
      ...(credentials ? { credentials } : {}),
    };
  }

  private client<T>(kind: AwsService, region: string, make: () => T): T {
    const key = `${kind}:${region}`;
    let client = this.cache.get(key) as T | undefined;
    if (!client) {
      client = make();
      this.cache.set(key, client);
    }
    return client;
  }

  rds(region: string): RDSClient {
    return this.client("rds", region, () => new RDS.RDSClient(this.config("rds", region)));
  }
  ec2(region: string): EC2Client {
    return this.client("ec2", region, () => new EC2.EC2Client(this.config("ec2", region)));
  }
  ecr(region: string): ECRClient {
    return this.client("ecr", region, () => new ECR.ECRClient(this.config("ecr", region)));
  }
  ecs(region: string): ECSClient {
    return this.client("ecs", region, () => new ECS.ECSClient(this.config("ecs", region)));
  }
  s3(region: string): S3Client {
    const forcePathStyle = this.options.s3ForcePathStyle ?? Boolean(this.endpointOf("s3"));
    return this.client("s3", region, () => new S3.S3Client({ ...this.config("s3", region), forcePathStyle }));
  }
  secrets(region: string): SecretsManagerClient {
    return this.client(
      "secretsmanager",
      region,
      () => new SecretsManager.SecretsManagerClient(this.config("secretsmanager", region)),
    );
  }
  acm(region: string): ACMClient {
    return this.client("acm", region, () => new ACM.ACMClient(this.config("acm", region)));
  }
  elbv2(region: string): ElasticLoadBalancingV2Client {
    return this.client("elbv2", region, () => new ELBv2.ElasticLoadBalancingV2Client(this.config("elbv2", region)));
  }
  logs(region: string): CloudWatchLogsClient {
    return this.client("logs", region, () => new CloudWatchLogs.CloudWatchLogsClient(this.config("logs", region)));
  }
  elasticache(region: string): ElastiCacheClient {
    return this.client(
      "elasticache",
      region,
      () => new ElastiCache.ElastiCacheClient(this.config("elasticache", region)),
    );
  }
  kms(region: string): KMSClient {
    return this.client("kms", region, () => new KMS.KMSClient(this.config("kms", region)));
  }
  iam(): IAMClient {
    return this.client(
      "iam",
      GLOBAL_SERVICES_REGION,
      () => new IAM.IAMClient(this.config("iam", GLOBAL_SERVICES_REGION)),
    );
  }
  route53(): Route53Client {
    return this.client(
      "route53",
      GLOBAL_SERVICES_REGION,
      () => new Route53.Route53Client(this.config("route53", GLOBAL_SERVICES_REGION)),
    );
  }

  destroy(): void {
    for (const client of this.cache.values()) (client as { destroy(): void }).destroy();
    this.cache.clear();
  }
}

/** The AWS error name (e.g. "DBSnapshotNotFound"), if any. */
export function awsErrorName(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "name" in error
    ? String((error as { name: unknown }).name)
    : undefined;
}

/** Wraps an unexpected SDK failure into an AwsError that says which call failed; keeps our own errors. */
export function wrapAwsError(what: string, error: unknown): DrFailoverError {
  if (error instanceof DrFailoverError) return error;
  const name = awsErrorName(error) ?? "Error";
  const message = error instanceof Error ? error.message : String(error);
  return new AwsError("AWS_CALL_FAILED", `${what} failed: ${name}: ${message}`, {
    hint: "Check the credentials, the region and the network; the call is safe to retry by re-running the command.",
    cause: error,
  });
}

/** Sleeps, waking early when the signal aborts; leaves no listener behind on the signal (long waits call it often). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const wake = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", wake);
      resolve();
    };
    const timer = setTimeout(wake, ms);
    signal?.addEventListener("abort", wake, { once: true });
  });
}
