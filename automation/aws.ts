/**
 * AWS SDK v3 clients for one run: adaptive retries with bounded attempts,
 * connection and request timeouts (a black-holed region must not hang the
 * journey), and an optional endpoint override for an emulator.
 */
import type { EC2Client } from "@aws-sdk/client-ec2";
import type { ECSClient } from "@aws-sdk/client-ecs";
import type { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { IAMClient } from "@aws-sdk/client-iam";
import type { RDSClient } from "@aws-sdk/client-rds";
import type { Route53Client } from "@aws-sdk/client-route-53";
import type { S3Client } from "@aws-sdk/client-s3";
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { AwsError, DrFailoverError } from "./errors.js";
import { EC2, ECS, ELBv2, IAM, RDS, Route53, S3, SecretsManager } from "./sdk.js";

export interface AwsOptions {
  /** e.g. http://127.0.0.1:4566 for an emulator; undefined = real AWS. */
  endpoint?: string;
  maxAttempts?: number;
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
}

/** Route53's control plane lives in us-east-1 whatever the target region. */
const ROUTE53_REGION = "us-east-1";

export class AwsClients {
  private readonly cache = new Map<string, unknown>();

  constructor(readonly options: AwsOptions = {}) {}

  private config(region: string) {
    const { endpoint } = this.options;
    const emulatorCredentials =
      endpoint && !process.env.AWS_ACCESS_KEY_ID ? { credentials: { accessKeyId: "test", secretAccessKey: "test" } } : {};
    return {
      region,
      endpoint,
      retryMode: "adaptive",
      maxAttempts: this.options.maxAttempts ?? 6,
      requestHandler: {
        connectionTimeout: this.options.connectionTimeoutMs ?? 5_000,
        requestTimeout: this.options.requestTimeoutMs ?? 30_000,
      },
      ...emulatorCredentials,
    };
  }

  private client<T>(kind: string, region: string, make: () => T): T {
    const key = `${kind}:${region}`;
    let client = this.cache.get(key) as T | undefined;
    if (!client) {
      client = make();
      this.cache.set(key, client);
    }
    return client;
  }

  rds(region: string): RDSClient {
    return this.client("rds", region, () => new RDS.RDSClient(this.config(region)));
  }
  ec2(region: string): EC2Client {
    return this.client("ec2", region, () => new EC2.EC2Client(this.config(region)));
  }
  ecs(region: string): ECSClient {
    return this.client("ecs", region, () => new ECS.ECSClient(this.config(region)));
  }
  s3(region: string): S3Client {
    return this.client("s3", region, () => new S3.S3Client({ ...this.config(region), forcePathStyle: Boolean(this.options.endpoint) }));
  }
  secrets(region: string): SecretsManagerClient {
    return this.client("secrets", region, () => new SecretsManager.SecretsManagerClient(this.config(region)));
  }
  elbv2(region: string): ElasticLoadBalancingV2Client {
    return this.client("elbv2", region, () => new ELBv2.ElasticLoadBalancingV2Client(this.config(region)));
  }
  /** IAM is global (its control plane answers in us-east-1). */
  iam(): IAMClient {
    return this.client("iam", ROUTE53_REGION, () => new IAM.IAMClient(this.config(ROUTE53_REGION)));
  }
  route53(): Route53Client {
    return this.client("route53", ROUTE53_REGION, () => new Route53.Route53Client(this.config(ROUTE53_REGION)));
  }

  destroy(): void {
    for (const client of this.cache.values()) (client as { destroy(): void }).destroy();
    this.cache.clear();
  }
}

/** The AWS error name (e.g. "DBSnapshotNotFound"), if any. */
export function awsErrorName(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "name" in error ? String((error as { name: unknown }).name) : undefined;
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

/** Sleeps, waking early when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}
