/**
 * AWS SDK v3 clients pointed at the moto emulator, for one region, built by
 * the tool's one client factory (automation/aws.ts). moto serves all regions
 * on one port and reads the region from each request's SigV4 scope, i.e. from
 * the client's `region`; it does not check the (fixed, fake) credentials.
 */
import type { ACMClient } from "@aws-sdk/client-acm";
import type { EC2Client } from "@aws-sdk/client-ec2";
import type { ECRClient } from "@aws-sdk/client-ecr";
import type { ECSClient } from "@aws-sdk/client-ecs";
import type { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { ElastiCacheClient } from "@aws-sdk/client-elasticache";
import type { IAMClient } from "@aws-sdk/client-iam";
import type { RDSClient } from "@aws-sdk/client-rds";
import type { Route53Client } from "@aws-sdk/client-route-53";
import type { S3Client } from "@aws-sdk/client-s3";
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { AwsClients, EMULATOR_CREDENTIALS } from "../../automation/aws.js";

export interface EmulatorClients {
  readonly region: string;
  readonly acm: ACMClient;
  readonly ec2: EC2Client;
  readonly ecr: ECRClient;
  readonly ecs: ECSClient;
  readonly elbv2: ElasticLoadBalancingV2Client;
  readonly elasticache: ElastiCacheClient;
  readonly iam: IAMClient;
  readonly rds: RDSClient;
  readonly route53: Route53Client;
  readonly s3: S3Client;
  readonly secrets: SecretsManagerClient;
  /** Closes every client's sockets. */
  destroy(): void;
}

/**
 * The Pulumi secrets provider URL for a KMS key in moto. Pulumi's default (a
 * passphrase) derives its key with 1,000,000 PBKDF2 rounds in every CLI call
 * that touches secrets; a KMS key costs one request. The CLI takes the credentials from AWS_ACCESS_KEY_ID/… (moto
 * accepts any).
 */
export function emulatorSecretsProvider(endpoint: string, region: string, keyAlias: string): string {
  return `awskms://${keyAlias}?region=${region}&endpoint=${encodeURIComponent(endpoint)}`;
}

/** Every SDK client the emulator needs, for one region of the moto server at `endpoint`. */
export function emulatorClients(endpoint: string, region: string): EmulatorClients {
  const aws = new AwsClients({ endpoint, credentials: EMULATOR_CREDENTIALS, maxAttempts: 2 });
  return {
    region,
    acm: aws.acm(region),
    ec2: aws.ec2(region),
    ecr: aws.ecr(region),
    ecs: aws.ecs(region),
    elbv2: aws.elbv2(region),
    elasticache: aws.elasticache(region),
    iam: aws.iam(),
    rds: aws.rds(region),
    route53: aws.route53(),
    s3: aws.s3(region),
    secrets: aws.secrets(region),
    destroy: () => aws.destroy(),
  };
}

/**
 * A POST to moto for a service whose SDK client is not installed. moto reads the
 * region from the Authorization header's credential scope and does not verify
 * the signature, so none is computed. Returns the answer's text.
 */
async function unsignedMotoPost(
  endpoint: string,
  region: string,
  request: { signingName: string; what: string; contentType: string; headers?: Record<string, string>; body: string },
): Promise<string> {
  const date = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d+/, "");
  const signed = ["content-type", "host", "x-amz-date", ...Object.keys(request.headers ?? {})].sort().join(";");
  const response = await fetch(`${endpoint}/`, {
    method: "POST",
    headers: {
      "content-type": request.contentType,
      "x-amz-date": date,
      ...request.headers,
      authorization:
        `AWS4-HMAC-SHA256 Credential=${EMULATOR_CREDENTIALS.accessKeyId}/${date.slice(0, 8)}/${region}/${request.signingName}/aws4_request, ` +
        `SignedHeaders=${signed}, Signature=0`,
    },
    body: request.body,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${request.what} failed in ${region} (${response.status}): ${text.slice(0, 300)}`);
  return text;
}

/** A JSON-protocol call (e.g. ECR) through unsignedMotoPost. */
export async function motoJsonCall<T = unknown>(
  endpoint: string,
  region: string,
  options: { signingName: string; target: string; body: unknown },
): Promise<T> {
  const text = await unsignedMotoPost(endpoint, region, {
    signingName: options.signingName,
    what: options.target,
    contentType: "application/x-amz-json-1.1",
    headers: { "x-amz-target": options.target },
    body: JSON.stringify(options.body),
  });
  return (text ? JSON.parse(text) : {}) as T;
}

/** A Query-protocol call (form-encoded, XML answer; e.g. CloudFormation) through unsignedMotoPost; returns the XML. */
export async function motoQueryCall(
  endpoint: string,
  region: string,
  signingName: string,
  params: Record<string, string>,
): Promise<string> {
  return unsignedMotoPost(endpoint, region, {
    signingName,
    what: params.Action ?? "query",
    contentType: "application/x-www-form-urlencoded",
    body: new URLSearchParams(params).toString(),
  });
}
