// @pulumi/aws per service, by default import: stacks/provider.ts says why.
import rds from "@pulumi/aws/rds/index.js";
import * as pulumi from "@pulumi/pulumi";
import type { DrStackArgs } from "./args.js";

export interface RestoredDatabaseArgs {
  mode: DrStackArgs["mode"];
  database: DrStackArgs["database"];
  /** Set on the restored instance only when `database.resetPassword`. */
  password: pulumi.Output<string>;
}

/**
 * The RDS instance restored from the copied snapshot in the target region, or to
 * a point in time from the source's automated backups replicated there.
 * A re-run never replaces it: the snapshot or point in time it came from is ignored after creation.
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
        // ForceNew and in conflict with snapshotIdentifier upstream: exactly one of the two is set.
        restoreToPointInTime: database.restoreToPointInTime && {
          sourceDbInstanceAutomatedBackupsArn: database.restoreToPointInTime.automatedBackupsArn,
          sourceDbInstanceIdentifier: database.restoreToPointInTime.sourceDbInstanceIdentifier,
          restoreTime: database.restoreToPointInTime.restoreTime,
        },
        instanceClass: database.instanceClass,
        engine: database.engine,
        port: database.port,
        password: database.resetPassword ? args.password : undefined,
        dbSubnetGroupName: database.subnetGroupName,
        vpcSecurityGroupIds: database.securityGroupIds,
        storageEncrypted: database.storageEncrypted,
        // Drills run single-AZ: cheaper, and the drill proves restorability, not HA.
        multiAz: failover && database.multiAz,
        // After a failover this is the primary: production's backups (set after the restore, as RDS applies them).
        backupRetentionPeriod: database.backupRetentionPeriod,
        backupWindow: database.backupWindow,
        publiclyAccessible: false,
        applyImmediately: true,
        deletionProtection: protectedNow,
        skipFinalSnapshot: !failover,
        finalSnapshotIdentifier: failover ? database.finalSnapshotIdentifier : undefined,
      },
      {
        parent: this,
        protect: protectedNow,
        // A newer snapshot (or restore time) on a re-run must not replace (= destroy) the live DR database: what the instance
        // took from its snapshot (engine, encryption) stays as it was restored, whatever the newer one says.
        ignoreChanges: ["snapshotIdentifier", "restoreToPointInTime", "engine", "storageEncrypted"],
        // No customTimeouts: a create that times out is saved half-created and the next update
        // neither waits nor sets the password. The RTO budget is enforced by automation/readiness.ts.
      },
    );
    this.registerOutputs({ address: this.instance.address });
  }
}
