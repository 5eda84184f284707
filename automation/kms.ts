/**
 * The one KMS call the tool makes, DescribeKey (preflight checks the key of an
 * encrypted snapshot), behind a small interface.
 *
 * Why not @aws-sdk/client-kms: it is not a dependency of this project. The
 * call is the AWS JSON 1.1 protocol (`TrentService.DescribeKey`), signed with
 * the SDK's own SigV4 signer (@smithy/signature-v4, installed with every
 * @aws-sdk client through @aws-sdk/core) and the credentials of the tool's SDK
 * clients, so it authenticates exactly as every other call. Swapping in
 * client-kms later touches only `describeKmsKey`.
 */
import { createHash, createHmac, type Hash, type Hmac } from "node:crypto";
import { createRequire } from "node:module";
import type { AwsCredentialIdentity } from "@aws-sdk/types";
import type { SignatureV4 as SignatureV4Type } from "@smithy/signature-v4";

const require = createRequire(import.meta.url);

export interface KmsKeyMetadata {
  keyId: string;
  /** The key ARN (RDS reports keys by it). */
  arn: string;
  /** Enabled, Disabled, PendingDeletion, PendingImport, Unavailable, Creating … */
  keyState: string;
}

/** KMS in one region, as far as the tool needs it. */
export interface KmsKeys {
  /** The key (by id, key ARN, alias or alias ARN), or undefined when it does not exist in this region. */
  describeKey(keyId: string): Promise<KmsKeyMetadata | undefined>;
}

export interface KmsCallOptions {
  region: string;
  /** Service URL; default https://kms.<region>.amazonaws.com(.cn). */
  endpoint?: string;
  credentials: () => Promise<AwsCredentialIdentity>;
  maxAttempts: number;
  requestTimeoutMs: number;
}

/** A KMS service error, named as the SDK names its errors (`error.name`). */
export class KmsServiceError extends Error {
  constructor(
    override readonly name: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** SHA-256 / HMAC-SHA-256 in the shape the signer wants (`new Sha256(secret?)`, update, digest). */
class NodeSha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash =
      secret === undefined
        ? createHash("sha256")
        : createHmac("sha256", typeof secret === "string" ? secret : Buffer.from(secret as Uint8Array));
  }
  update(data: string | Uint8Array): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

let signerClass: typeof SignatureV4Type | undefined;

function defaultEndpoint(region: string): string {
  return `https://kms.${region}.amazonaws.com${region.startsWith("cn-") ? ".cn" : ""}`;
}

const RETRYABLE = new Set(["ThrottlingException", "KMSInternalException", "DependencyTimeoutException"]);

async function describeKmsKey(options: KmsCallOptions, keyId: string): Promise<KmsKeyMetadata | undefined> {
  signerClass ??= (require("@smithy/signature-v4") as { SignatureV4: typeof SignatureV4Type }).SignatureV4;
  const signer = new signerClass({
    service: "kms",
    region: options.region,
    credentials: options.credentials,
    sha256: NodeSha256,
  });
  const url = new URL(options.endpoint ?? defaultEndpoint(options.region));
  const body = JSON.stringify({ KeyId: keyId });
  let lastError: unknown;
  for (let attempt = 1; attempt <= Math.max(1, options.maxAttempts); attempt++) {
    const signed = await signer.sign({
      method: "POST",
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname || "/",
      headers: {
        host: url.host,
        "content-type": "application/x-amz-json-1.1",
        "x-amz-target": "TrentService.DescribeKey",
      },
      body,
    });
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: signed.headers,
        body,
        signal: AbortSignal.timeout(options.requestTimeoutMs),
      });
      const text = await response.text();
      const parsed = (text ? JSON.parse(text) : {}) as {
        KeyMetadata?: { KeyId: string; Arn: string; KeyState: string };
        __type?: string;
        message?: string;
        Message?: string;
      };
      if (response.ok && parsed.KeyMetadata) {
        return { keyId: parsed.KeyMetadata.KeyId, arn: parsed.KeyMetadata.Arn, keyState: parsed.KeyMetadata.KeyState };
      }
      const name = (parsed.__type ?? `HTTP${response.status}`).split("#").pop()!;
      if (name === "NotFoundException") return undefined;
      lastError = new KmsServiceError(name, parsed.message ?? parsed.Message ?? text.slice(0, 300), response.status);
      if (!RETRYABLE.has(name) && response.status < 500) throw lastError;
    } catch (error) {
      if (error instanceof KmsServiceError && !RETRYABLE.has(error.name) && error.status < 500) throw error;
      lastError = error;
    }
    if (attempt < options.maxAttempts) await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt));
  }
  throw lastError;
}

export function kmsKeys(options: KmsCallOptions): KmsKeys {
  return { describeKey: (keyId) => describeKmsKey(options, keyId) };
}
