/**
 * The AWS SDK v3 client packages, each loaded with `require` on first use.
 *
 * Why not `import { … } from "@aws-sdk/client-…"`: an ES module importing the
 * SDK's CommonJS build makes Node scan each multi-megabyte bundle for its named
 * exports, which doubles their load time, paid by every CLI run and every start
 * of the stand-in plugin (figures: docs/emulator.md). Types still come from
 * `import type`, and the classes are the same objects either way.
 */
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

function lazily<T extends object>(id: string): T {
  let loaded: T | undefined;
  return new Proxy({} as T, {
    get: (_, key) => {
      loaded ??= require(id) as T;
      return loaded[key as keyof T];
    },
  });
}

export const ACM = lazily<typeof import("@aws-sdk/client-acm")>("@aws-sdk/client-acm");
export const CloudWatchLogs = lazily<typeof import("@aws-sdk/client-cloudwatch-logs")>(
  "@aws-sdk/client-cloudwatch-logs",
);
export const EC2 = lazily<typeof import("@aws-sdk/client-ec2")>("@aws-sdk/client-ec2");
export const ECR = lazily<typeof import("@aws-sdk/client-ecr")>("@aws-sdk/client-ecr");
export const ECS = lazily<typeof import("@aws-sdk/client-ecs")>("@aws-sdk/client-ecs");
export const ELBv2 = lazily<typeof import("@aws-sdk/client-elastic-load-balancing-v2")>(
  "@aws-sdk/client-elastic-load-balancing-v2",
);
export const ElastiCache = lazily<typeof import("@aws-sdk/client-elasticache")>("@aws-sdk/client-elasticache");
export const KMS = lazily<typeof import("@aws-sdk/client-kms")>("@aws-sdk/client-kms");
export const IAM = lazily<typeof import("@aws-sdk/client-iam")>("@aws-sdk/client-iam");
export const RDS = lazily<typeof import("@aws-sdk/client-rds")>("@aws-sdk/client-rds");
export const Route53 = lazily<typeof import("@aws-sdk/client-route-53")>("@aws-sdk/client-route-53");
export const S3 = lazily<typeof import("@aws-sdk/client-s3")>("@aws-sdk/client-s3");
export const SecretsManager = lazily<typeof import("@aws-sdk/client-secrets-manager")>(
  "@aws-sdk/client-secrets-manager",
);
