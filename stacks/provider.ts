import * as aws from "@pulumi/aws";
import type { DrStackArgs } from "./args.js";

/** Services the stack talks to; all of them are pointed at an emulator endpoint when one is given. */
const SERVICES = ["ec2", "ecs", "elbv2", "iam", "rds", "route53", "s3", "secretsmanager", "sts"] as const;

/** The explicit provider for the target region: nothing in the stack uses the default provider. */
export function targetRegionProvider(args: DrStackArgs): aws.Provider {
  const emulator = args.endpoint
    ? {
        endpoints: [Object.fromEntries(SERVICES.map((service) => [service, args.endpoint]))],
        s3UsePathStyle: true,
        skipCredentialsValidation: true,
        skipRequestingAccountId: true,
        accessKey: "test",
        secretKey: "test",
      }
    : {};
  return new aws.Provider(`target-${args.targetRegion}`, {
    region: args.targetRegion as aws.Region,
    defaultTags: { tags: args.tags },
    ...emulator,
  });
}
