/**
 * The failback stack (`--method replica`): one read replica of the DR database
 * in the source region, created ahead of the cutover (`--prepare-only`), and
 * promoted at the cutover by removing `replicateSourceDb` (upstream's update
 * then calls PromoteReadReplica and waits). Pure: config in, resources out.
 *
 * The instance is production's new primary: deletion-protected, and retained
 * when the stack is destroyed (the hand-over removes the stack and leaves the
 * instance to the production IaC, which imports it).
 */
import rds from "@pulumi/aws/rds/index.js";
import * as pulumi from "@pulumi/pulumi";
import type { FailbackStackArgs } from "./args.js";
import { CONFIG_NAMESPACE, FAILBACK_ARGS_KEY } from "./config.js";
import { targetRegionProvider } from "./provider.js";

export interface FailbackStackOutputs {
  identifier: string;
  arn: string;
  address: string;
  port: number;
  /** The source's ARN while it replicates; "" once promoted. */
  replicateSourceDb: string | undefined;
}

type Outputs = { [K in keyof FailbackStackOutputs]: pulumi.Output<FailbackStackOutputs[K]> };

/** Declares the replica (or, once `promote`, the promoted instance) and returns what automation/ reads back. */
export function failbackStack(args: FailbackStackArgs): Outputs {
  const provider = targetRegionProvider(args);
  const { replica } = args;
  const instance = new rds.Instance(
    "replica",
    {
      identifier: replica.identifier,
      // Not ForceNew upstream: removing it is an update that promotes (never a replacement).
      replicateSourceDb: replica.promote ? undefined : replica.sourceArn,
      instanceClass: replica.instanceClass,
      dbSubnetGroupName: replica.subnetGroupName,
      vpcSecurityGroupIds: replica.securityGroupIds,
      kmsKeyId: replica.kmsKeyId,
      storageEncrypted: replica.storageEncrypted,
      // PromoteReadReplica takes the configured retention (0 would leave the new primary without backups).
      backupRetentionPeriod: replica.backupRetentionPeriod,
      backupWindow: replica.backupWindow,
      publiclyAccessible: false,
      applyImmediately: true,
      deletionProtection: true,
      skipFinalSnapshot: false,
      finalSnapshotIdentifier: `${replica.identifier}-final`,
    },
    // The hand-over destroys the stack: the instance leaves its state and stays in AWS.
    { provider, retainOnDelete: true },
  );
  return {
    identifier: instance.identifier,
    arn: instance.arn,
    address: instance.address,
    port: instance.port,
    replicateSourceDb: instance.replicateSourceDb,
  };
}

/** The program as automation/ runs it inline for a failback stack. */
export async function failbackProgram(): Promise<Outputs> {
  const config = new pulumi.Config(CONFIG_NAMESPACE);
  return failbackStack(config.requireObject<FailbackStackArgs>(FAILBACK_ARGS_KEY));
}
