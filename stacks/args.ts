/**
 * What the DR stack program needs, fully resolved by automation/ (ids, not
 * names; the snapshot already chosen). The program itself makes no AWS calls
 * of its own beyond the resources it declares.
 */

/** drill: temporary copy under its own names; failover: the real thing, protected. */
export type DrMode = "drill" | "failover";

export interface DrStackArgs {
  mode: DrMode;
  app: string;
  targetRegion: string;
  /** A drill's short id, which makes its names unique; absent for a failover. */
  drillId?: string;
  /** AWS endpoint override (an emulator); undefined against real AWS. */
  endpoint?: string;
  tags: Record<string, string>;
  database: {
    identifier: string;
    /** The copied snapshot restored from; absent when restoring to a point in time. */
    snapshotIdentifier?: string;
    /**
     * Point-in-time restore (instead of a snapshot) to the restore time resolved in preflight (RFC 3339,
     * UTC), from the source's automated backups replicated to the target region (their ARN) or, in a
     * same-region recovery, from the production instance's own (its identifier). Exactly one source.
     */
    restoreToPointInTime?:
      | { automatedBackupsArn: string; sourceDbInstanceIdentifier?: undefined; restoreTime: string }
      | { automatedBackupsArn?: undefined; sourceDbInstanceIdentifier: string; restoreTime: string };
    instanceClass: string;
    /**
     * The snapshot's engine and port (preflight checked the plan against them). No master user:
     * the instance keeps the snapshot's, and the stack reads it back from the instance.
     */
    engine: string;
    port: number;
    databaseName: string;
    multiAz: boolean;
    subnetGroupName: string;
    securityGroupIds: string[];
    /** Days of automated backups (a failover's from the plan; a drill's 1). */
    backupRetentionPeriod: number;
    /** Daily backup window in UTC, "hh:mm-hh:mm"; undefined: RDS picks one. */
    backupWindow?: string;
    /** The snapshot's encryption, which the restored instance inherits (with the snapshot's key). */
    storageEncrypted: boolean;
    /** true: the stack sets the (secret) password on the restored instance. */
    resetPassword: boolean;
    /** Set by destroy after a failover: protection off, final snapshot on delete. */
    releasing: boolean;
    /** Only for a failover: destroy takes this final snapshot. */
    finalSnapshotIdentifier?: string;
  };
  /** The Redis cache (ElastiCache replication group), when the plan has one. */
  cache?: {
    replicationGroupId: string;
    nodeType: string;
    /** Primary + replicas (a drill's 1). */
    numCacheClusters: number;
    port: number;
    engineVersion?: string;
    subnetGroupName: string;
    securityGroupIds: string[];
    /** Seeded from an .rdb export: `arn:aws:s3:::bucket/key` (ForceNew upstream; ignored after creation). */
    snapshotArns?: string[];
    /** Restored from an ElastiCache snapshot of the target region (ForceNew upstream; ignored after creation). */
    snapshotName?: string;
    /** Only for a failover: delete leaves this snapshot of the cache. */
    finalSnapshotIdentifier?: string;
  };
  storage: { replicaBucket: string };
  /** `username`: the snapshot's master user as preflight read it (not an input of the instance). */
  secret: { name: string; username: string };
  service: {
    cluster: string;
    name: string;
    /** IAM role names are account-global: unique per target region (failover) or per drill. */
    executionRoleName: string;
    taskRoleName: string;
    taskFamily: string;
    image: string;
    cpu: number;
    memory: number;
    desiredCount: number;
    containerPort: number;
    healthCheckPath: string;
    /** The target group's health check: seconds between checks (5–300) and successes before healthy (2–10). */
    healthCheckIntervalSeconds: number;
    healthyThreshold: number;
    environment: Record<string, string>;
    subnetIds: string[];
    securityGroupIds: string[];
    assignPublicIp: boolean;
    /** Seconds ECS ignores failing load balancer health checks of a new task (the service starts before the database is up). */
    healthCheckGracePeriodSeconds: number;
  };
  /**
   * The database's connection name: a CNAME in a private hosted zone of the DR VPC that the stack
   * owns, pointed at the restored instance once its address is known. The secret holds this name
   * from the start, so the app tier does not wait for the restore.
   */
  connection: { zoneName: string; recordName: string; vpcId: string };
  loadBalancer: {
    name: string;
    targetGroupName: string;
    vpcId: string;
    subnetIds: string[];
    securityGroupIds: string[];
    internal: boolean;
    /** "dualstack" when the production name has an AAAA record: an IPv4-only load balancer answers no AAAA query. */
    ipAddressType?: "ipv4" | "dualstack";
    /** The ACM certificate (of the target region) the HTTPS listener serves. */
    certificateArn: string;
    /** The HTTPS listener's TLS security policy, e.g. ELBSecurityPolicy-TLS13-1-2-2021-06. */
    sslPolicy: string;
  };
  dns: {
    zoneId: string;
    /** A record the stack owns (drills). A failover's production switch is done outside the stack. */
    ownedRecord?: { name: string; ttl: number };
  };
}

/** Stack outputs automation/ reads back (status, verification, DNS switch). */
export interface DrStackOutputs {
  mode: DrMode;
  databaseIdentifier: string;
  databaseAddress: string;
  databasePort: number;
  /** The instance's master user as RDS reports it. */
  databaseUsername: string;
  secretArn: string;
  /** The name the connection secret holds (resolves to databaseAddress inside the DR VPC). */
  connectionName: string;
  clusterName: string;
  serviceName: string;
  loadBalancerDnsName: string;
  loadBalancerZoneId: string;
  /** The service's target group: automation waits for its targets to be healthy. */
  targetGroupArn: string;
  replicaBucket: string;
  /** The cache's primary endpoint (when the plan has a cache): what the service gets as REDIS_HOST/REDIS_PORT. */
  cacheAddress?: string;
  cachePort?: number;
  cacheReplicationGroupId?: string;
  ownedRecordName?: string;
}

/**
 * The failback stack's settings (`dr-failover:failbackArgs`): a read replica of the DR database in the
 * source region (a failback by `--method replica`), promoted when `promote` is set.
 */
export interface FailbackStackArgs {
  app: string;
  /** The region the stack creates in: the plan's source region (the provider's region). */
  targetRegion: string;
  /** AWS endpoint override (an emulator); undefined against real AWS. */
  endpoint?: string;
  tags: Record<string, string>;
  replica: {
    identifier: string;
    /** The DR database's ARN (a cross-region source is named by its ARN). */
    sourceArn: string;
    /** Cutover: the replica stops replicating and becomes the new primary. */
    promote: boolean;
    instanceClass: string;
    /** The old primary's network and key in the source region: the production service already reaches it there. */
    subnetGroupName?: string;
    securityGroupIds?: string[];
    /** A key of the source region (an encrypted DR database's key does not leave its region). */
    kmsKeyId?: string;
    /**
     * The DR database's encryption, which the replica inherits. Set because the provider reads it back
     * and `storage_encrypted` is ForceNew but not Computed: left out, it diffs true → false and replaces.
     */
    storageEncrypted: boolean;
    /** Production's backups: applied after the create, and by the promotion (PromoteReadReplica). */
    backupRetentionPeriod: number;
    backupWindow?: string;
  };
}
