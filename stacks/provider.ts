// @pulumi/aws per module, not its index: the index loads every service's modules at each
// program start and multiplies what tsc parses (figures: docs/emulator.md). The other stacks/ files default-import a service
// module (`import rds from "@pulumi/aws/rds/index.js"`): its exports object, whose resource
// classes @pulumi/aws defines lazily, so named ESM imports cannot see them.
import { Provider } from "@pulumi/aws/provider.js";
import type { DrStackArgs } from "./args.js";

/** Services the stack talks to; all of them are pointed at an emulator endpoint when one is given. */
const SERVICES = [
  "ec2",
  "ecs",
  "elasticache",
  "elbv2",
  "iam",
  "rds",
  "route53",
  "s3",
  "secretsmanager",
  "sts",
] as const;

/** The explicit provider for the target region: nothing in the stack uses the default provider. */
export function targetRegionProvider(args: Pick<DrStackArgs, "targetRegion" | "endpoint" | "tags">): Provider {
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
  return new Provider(`target-${args.targetRegion}`, {
    region: args.targetRegion,
    defaultTags: { tags: args.tags },
    ...emulator,
  });
}
