// @pulumi/aws per service, by default import: stacks/provider.ts says why.
import rds from "@pulumi/aws/rds/index.js";
import * as pulumi from "@pulumi/pulumi";
import type { DrStackArgs } from "./args.js";

export interface RestoredDatabaseArgs {
  mode: DrStackArgs["mode"];
  database: DrStackArgs["database"];
  readyTimeout?: string;
  /** Set on the restored instance only when `database.resetPassword`. */
  password: pulumi.Output<string>;
}

/**
 * The RDS instance restored from the copied snapshot in the target region.
 * A re-run never replaces it: the snapshot it came from is ignored after creation.
 * A failover's instance is protected and leaves a final snapshot when destroyed.
 *
 * The restore takes no master user, encryption or key: the instance inherits
 * them from the snapshot, and the provider reads them back (`username`,
 * `kmsKeyId`, `storageEncrypted`), each ForceNew. So `username` and `kmsKeyId`
 * (Optional+Computed upstream: absent keeps the live value) are never set, and
 * `storageEncrypted` (ForceNew but not Computed: absent means `false`, which
 * replaces an encrypted instance) is set to the snapshot's encryption.
 */
export class RestoredDatabase extends pulumi.ComponentResource {
  readonly instance: rds.Instance;

  constructor(name: string, args: RestoredDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("dr-failover:stack:RestoredDatabase", name, {}, opts);
    const { database, mode } = args;
    const failover = mode === "failover";
    // Destroy after a failover first releases protection (and sets the final snapshot), then deletes.
    const protectedNow = failover && !database.releasing;
    this.instance = new rds.Instance(
      "database",
      {
        identifier: database.identifier,
        snapshotIdentifier: database.snapshotIdentifier,
        instanceClass: database.instanceClass,
        engine: database.engine,
        port: database.port,
        password: database.resetPassword ? args.password : undefined,
        dbSubnetGroupName: database.subnetGroupName,
        vpcSecurityGroupIds: database.securityGroupIds,
        storageEncrypted: database.storageEncrypted,
        // Drills run single-AZ: cheaper, and the drill proves restorability, not HA.
        multiAz: failover && database.multiAz,
        publiclyAccessible: false,
        applyImmediately: true,
        deletionProtection: protectedNow,
        skipFinalSnapshot: !failover,
        finalSnapshotIdentifier: failover ? database.finalSnapshotIdentifier : undefined,
      },
      {
        parent: this,
        protect: protectedNow,
        // A newer snapshot on a re-run must not replace (= destroy) the live DR database: what the instance
        // took from its snapshot (engine, encryption) stays as it was restored, whatever the newer one says.
        ignoreChanges: ["snapshotIdentifier", "engine", "storageEncrypted"],
        // Waiting for "available" longer than the RTO budget left would only hide that it is blown.
        customTimeouts: args.readyTimeout ? { create: args.readyTimeout, update: args.readyTimeout } : undefined,
      },
    );
    this.registerOutputs({ address: this.instance.address });
  }
}
