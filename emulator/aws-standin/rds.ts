/** `aws:rds/instance:Instance` on the RDS API. */
import type { DBInstance, ModifyDBInstanceCommandInput } from "@aws-sdk/client-rds";
import type { Clients } from "./config.js";
import type { HandlerContext, ResourceHandler } from "./types.js";
import {
  awsErrorName,
  compact,
  debug,
  deepEqual,
  fromTagList,
  operationTimeLeftMs,
  sleep,
  tagDelta,
  toTagList,
  waitFor,
  type Props,
} from "./wire.js";
import { RDS } from "../../automation/sdk.js";

const TOKEN = "aws:rds/instance:Instance";
const TIMEOUT_MS = Number(process.env.DR_STANDIN_RDS_TIMEOUT_MS ?? 40 * 60_000);

export const FINAL_SNAPSHOT_REQUIRED = "final_snapshot_identifier is required when skip_final_snapshot is false";

/**
 * terraform-provider-aws `verify.ValidARN` (internal/verify/validate.go), with
 * aws-sdk-go's `arn.Parse` messages: the bridge runs it in Check, so a key
 * alias or a bare key id fails at preview.
 */
export function validArnProblems(key: string, value: string): string[] {
  if (value === "") return [];
  const invalid = (why: string) => `"${key}" (${value}) is an invalid ARN: ${why}`;
  if (!value.startsWith("arn:")) return [invalid("arn: invalid prefix")];
  const sections = value.split(":");
  if (sections.length < 6) return [invalid("arn: not enough sections")];
  const [, partition, , region, account] = sections;
  const resource = sections.slice(5).join(":");
  const problems: string[] = [];
  if (partition === "") problems.push(invalid("missing partition value"));
  else if (!/^aws(-[a-z]+)*$/.test(partition))
    problems.push(invalid("invalid partition value (expecting to match regular expression: ^aws(-[a-z]+)*$)"));
  if (region !== "" && !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region))
    problems.push(invalid("invalid region value (expecting to match regular expression: ^[a-z]{2}(-[a-z]+)+-\\d$)"));
  if (account !== "" && !/^(aws|aws-managed|\d{12})$/.test(account))
    problems.push(
      invalid("invalid account ID value (expecting to match regular expression: ^(aws|aws-managed|\\d{12})$)"),
    );
  if (resource === "") problems.push(invalid("missing resource value"));
  return problems;
}

/** The `final_snapshot_identifier` ValidateFunc (`validation.All` of four StringMatch / StringDoesNotMatch). */
export function finalSnapshotIdentifierProblems(value: string): string[] {
  const rules: [boolean, string][] = [
    [/^[A-Za-z]/.test(value), "must begin with alphabetic character"],
    [/^[0-9A-Za-z-]+$/.test(value), "must only contain alphanumeric characters and hyphens"],
    [!/--/.test(value), "cannot contain two consecutive hyphens"],
    [!/-$/.test(value), "cannot end in a hyphen"],
  ];
  return rules.filter(([ok]) => !ok).map(([, why]) => `invalid value for final_snapshot_identifier (${why})`);
}

/** `restore_to_point_in_time.0.restore_time`: `verify.ValidUTCTimestamp` (RFC 3339). */
export function restoreToPointInTimeProblems(value: unknown): string[] {
  const block = (Array.isArray(value) ? value[0] : value) as Props | undefined;
  const time = block?.restoreTime;
  if (time === undefined || time === null || time === "") return [];
  const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
  return rfc3339.test(String(time)) && !Number.isNaN(Date.parse(String(time)))
    ? []
    : [
        `"restore_to_point_in_time.0.restore_time" must be in RFC3339 time format "2006-01-02T15:04:05Z07:00". Example: "2006-01-02T15:04:05Z"`,
      ];
}

/** Engines whose restore ignores DBName (upstream skips it: "doesn't apply to the MySQL, PostgreSQL, or MariaDB engines"). */
const RESTORE_WITHOUT_DB_NAME = new Set(["mysql", "postgres", "mariadb"]);

/** What upstream's two restore branches (snapshot, point in time) both send from the instance's inputs. */
function restoreRequestBase(inputs: Props, tags: ReturnType<typeof toTagList>) {
  return {
    DBInstanceClass: inputs.instanceClass,
    // Upstream sends the (lower-cased) engine when set: one that does not match the source fails there.
    Engine: typeof inputs.engine === "string" ? inputs.engine.toLowerCase() : undefined,
    DBSubnetGroupName: inputs.dbSubnetGroupName,
    VpcSecurityGroupIds: inputs.vpcSecurityGroupIds,
    MultiAZ: inputs.multiAz,
    Port: inputs.port,
    AvailabilityZone: inputs.availabilityZone,
    StorageType: inputs.storageType,
    Tags: tags,
  };
}

async function describe(clients: Clients, id: string): Promise<DBInstance | undefined> {
  try {
    const out = await clients.rds().send(new RDS.DescribeDBInstancesCommand({ DBInstanceIdentifier: id }));
    return out.DBInstances?.[0];
  } catch (error) {
    if (awsErrorName(error) === "DBInstanceNotFound" || awsErrorName(error) === "DBInstanceNotFoundFault")
      return undefined;
    throw error;
  }
}

/**
 * Waits for "available" within the provider's timeout (and the engine's deadline).
 * `modeledMs`: the modeled time the instance takes to get there (timing-model.ts),
 * spent first, inside the same timeout.
 */
async function waitAvailable(clients: Clients, id: string, modeledMs = 0): Promise<DBInstance> {
  const timeoutMs = Math.min(TIMEOUT_MS, operationTimeLeftMs() ?? Number.POSITIVE_INFINITY);
  if (modeledMs > 0) {
    debug(`modeled latency ${TOKEN} create: ${modeledMs}ms`);
    if (modeledMs >= timeoutMs) {
      await sleep(timeoutMs);
      throw new Error(
        `timeout while waiting for RDS DB Instance (${id}) to become available (${Math.round(timeoutMs / 1000)}s)`,
      );
    }
    await sleep(modeledMs);
  }
  return waitFor(
    `RDS DB Instance (${id}) to become available`,
    async () => {
      const db = await describe(clients, id);
      return db && db.DBInstanceStatus === "available" ? db : undefined;
    },
    { timeoutMs: timeoutMs - modeledMs },
  );
}

/** Computed outputs, in @pulumi/aws names. */
export function instanceOutputs(db: DBInstance): Props {
  const address = db.Endpoint?.Address;
  const port = db.Endpoint?.Port ?? db.DbInstancePort;
  return compact({
    identifier: db.DBInstanceIdentifier,
    arn: db.DBInstanceArn,
    address,
    endpoint: address !== undefined && port !== undefined ? `${address}:${port}` : undefined,
    port,
    hostedZoneId: db.Endpoint?.HostedZoneId,
    status: db.DBInstanceStatus,
    engine: db.Engine,
    engineVersion: db.EngineVersion,
    engineVersionActual: db.EngineVersion,
    resourceId: db.DbiResourceId,
    instanceClass: db.DBInstanceClass,
    dbSubnetGroupName: db.DBSubnetGroup?.DBSubnetGroupName,
    vpcSecurityGroupIds: (db.VpcSecurityGroups ?? []).map((g) => g.VpcSecurityGroupId).filter(Boolean),
    multiAz: db.MultiAZ,
    publiclyAccessible: db.PubliclyAccessible,
    deletionProtection: db.DeletionProtection,
    storageEncrypted: db.StorageEncrypted ?? false,
    kmsKeyId: db.KmsKeyId,
    username: db.MasterUsername,
    allocatedStorage: db.AllocatedStorage,
    storageType: db.StorageType,
    availabilityZone: db.AvailabilityZone,
    dbName: db.DBName,
    backupRetentionPeriod: db.BackupRetentionPeriod,
    backupWindow: db.PreferredBackupWindow,
    tagsAll: fromTagList(db.TagList),
    // Read: d.Set("replicate_source_db", ReadReplicaSourceDBInstanceIdentifier): "" once promoted (or never a replica).
    replicateSourceDb: db.ReadReplicaSourceDBInstanceIdentifier ?? "",
    replicas: db.ReadReplicaDBInstanceIdentifiers ?? [],
  });
}

/** Inputs upstream declares ConflictsWith replicate_source_db (a replica takes them from its source). */
const REPLICA_CONFLICTS: [string, string][] = [
  ["dbName", "db_name"],
  ["engine", "engine"],
  ["engineVersion", "engine_version"],
  ["username", "username"],
  ["restoreToPointInTime", "restore_to_point_in_time"],
];

/**
 * resourceInstanceCreate's replicate_source_db branch: CreateDBInstanceReadReplica (upstream adds
 * SourceRegion from the source ARN when kms_key_id is set; the JS SDK's RDS middleware presigns a
 * cross-region source by its ARN without it), the id saved, waitDBInstanceCreated, then one ModifyDBInstance
 * for what the request cannot carry (backup retention / window when they differ, the password).
 */
async function createReadReplica(ctx: HandlerContext, inputs: Props, tags: ReturnType<typeof toTagList>) {
  const clients = ctx.clients;
  const id: string = inputs.identifier;
  const source = String(inputs.replicateSourceDb);
  debug(`read replica ${id} of ${source} in ${clients.region}`);
  await clients.rds().send(
    new RDS.CreateDBInstanceReadReplicaCommand(
      compact({
        DBInstanceIdentifier: id,
        SourceDBInstanceIdentifier: source,
        DBInstanceClass: inputs.instanceClass,
        CopyTagsToSnapshot: inputs.copyTagsToSnapshot ?? false,
        DeletionProtection: inputs.deletionProtection ?? false,
        PubliclyAccessible: inputs.publiclyAccessible ?? false,
        Tags: tags,
        AvailabilityZone: inputs.availabilityZone,
        DBSubnetGroupName: inputs.dbSubnetGroupName,
        KmsKeyId: inputs.kmsKeyId,
        MultiAZ: inputs.multiAz || undefined,
        Port: inputs.port,
        StorageType: inputs.storageType,
        VpcSecurityGroupIds: inputs.vpcSecurityGroupIds?.length ? inputs.vpcSecurityGroupIds : undefined,
      }),
    ),
  );
  ctx.created(id, { identifier: id });
  try {
    let db = await waitAvailable(clients, id, ctx.createLatencyMs);
    const modify: ModifyDBInstanceCommandInput = { DBInstanceIdentifier: id, ApplyImmediately: true };
    let needed = false;
    if (inputs.backupRetentionPeriod && db.BackupRetentionPeriod !== inputs.backupRetentionPeriod) {
      modify.BackupRetentionPeriod = inputs.backupRetentionPeriod;
      needed = true;
    }
    if (inputs.backupWindow && db.PreferredBackupWindow !== inputs.backupWindow) {
      modify.PreferredBackupWindow = inputs.backupWindow;
      needed = true;
    }
    if (inputs.password !== undefined && inputs.password !== "") {
      modify.MasterUserPassword = inputs.password;
      needed = true;
    }
    if (needed) {
      await clients.rds().send(new RDS.ModifyDBInstanceCommand(modify));
      db = await waitAvailable(clients, id);
    }
    return { id, outs: instanceOutputs(db) };
  } catch (error) {
    throw new Error(`waiting for RDS DB Instance (${id}) create: ${(error as Error).message}`, { cause: error });
  }
}

export const rdsInstance: ResourceHandler = {
  token: TOKEN,
  props: {
    identifier: { replace: true, computed: true },
    // Optional+Computed+ForceNew upstream: left out, the state keeps it.
    snapshotIdentifier: { replace: true, computed: true },
    // TypeList MaxItems 1, Optional, ForceNew, not Computed: any change (or its removal) replaces.
    restoreToPointInTime: { replace: true, validate: (value) => restoreToPointInTimeProblems(value) },
    // TypeString Optional: NOT ForceNew, NOT Computed. Removing it promotes the replica (update); another
    // source is refused ("cannot elect new source database for replication"). Read sets it: live.
    replicateSourceDb: { live: true },
    instanceClass: {},
    dbSubnetGroupName: { computed: true },
    vpcSecurityGroupIds: { computed: true, set: true },
    multiAz: { computed: true },
    port: { computed: true },
    password: {},
    // Not restore parameters: the instance takes them from the snapshot, and Read refreshes them.
    username: { replace: true, computed: true, live: true },
    skipFinalSnapshot: {},
    finalSnapshotIdentifier: { validate: (value) => finalSnapshotIdentifierProblems(String(value)) },
    deletionProtection: {},
    // Optional+ForceNew, NOT Computed upstream: absent means false, which replaces an encrypted instance.
    storageEncrypted: { replace: true, live: true },
    kmsKeyId: {
      replace: true,
      computed: true,
      live: true,
      validate: (value) => validArnProblems("kms_key_id", String(value)),
    },
    publiclyAccessible: {},
    tags: {},
    applyImmediately: {},
    engine: { replace: true, computed: true, live: true },
    engineVersion: { computed: true },
    allocatedStorage: { computed: true },
    storageType: { computed: true },
    dbName: { replace: true, computed: true },
    availabilityZone: { replace: true, computed: true },
    backupRetentionPeriod: { computed: true },
    // verify.ValidOnceADayWindowFormat; applied by the post-restore ModifyDBInstance (PreferredBackupWindow).
    backupWindow: {
      computed: true,
      validate: (value) =>
        /^(([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]|)$/.test(String(value))
          ? undefined
          : '"backup_window" must satisfy the format of "hh24:mi-hh24:mi".',
    },
  },
  required: ["instanceClass"],
  autoname: { prop: "identifier", maxLength: 63, lowercase: true },
  // ConflictsWith of restore_to_point_in_time (and of its restore_time / use_latest_restorable_time).
  check(inputs) {
    const failures = [];
    if (inputs.replicateSourceDb) {
      for (const [prop, name] of REPLICA_CONFLICTS) {
        if (inputs[prop] !== undefined && inputs[prop] !== null && inputs[prop] !== "")
          failures.push({ property: prop, reason: `"${name}": conflicts with replicate_source_db` });
      }
    }
    const pitr = inputs.restoreToPointInTime as Props | undefined;
    if (!pitr) return failures;
    if (inputs.snapshotIdentifier)
      failures.push({
        property: "restoreToPointInTime",
        reason: '"restore_to_point_in_time": conflicts with snapshot_identifier',
      });
    if (pitr.restoreTime && pitr.useLatestRestorableTime)
      failures.push({
        property: "restoreToPointInTime",
        reason:
          '"restore_to_point_in_time.0.restore_time": conflicts with restore_to_point_in_time.0.use_latest_restorable_time',
      });
    return failures;
  },
  latencyInsideCreate: true,
  // resourceInstanceUpdate: ModifyDBInstance and its wait only inside HasChangesExcept(these).
  updateWaitsExcept: [
    "allowMajorVersionUpgrade",
    "blueGreenUpdate",
    "deleteAutomatedBackups",
    "finalSnapshotIdentifier",
    "replicateSourceDb",
    "skipFinalSnapshot",
    "tags",
    "tagsAll",
  ],

  async create(ctx: HandlerContext, inputs: Props) {
    const clients = ctx.clients;
    const id: string = inputs.identifier;
    const tags = toTagList(inputs.tags);
    if (inputs.replicateSourceDb) return createReadReplica(ctx, inputs, tags);
    const pitr = inputs.restoreToPointInTime as Props | undefined;
    if (pitr) {
      // resourceInstanceCreate's restore_to_point_in_time branch: what it sends, and nothing after the wait
      // (only manage_master_user_password and monitoring go into a modify): no password, no backup settings.
      debug(`restore ${id} to ${pitr.restoreTime ?? "the latest restorable time"} in ${clients.region}`);
      await clients.rds().send(
        new RDS.RestoreDBInstanceToPointInTimeCommand(
          compact({
            TargetDBInstanceIdentifier: id,
            SourceDBInstanceAutomatedBackupsArn: pitr.sourceDbInstanceAutomatedBackupsArn || undefined,
            SourceDBInstanceIdentifier: pitr.sourceDbInstanceIdentifier || undefined,
            SourceDbiResourceId: pitr.sourceDbiResourceId || undefined,
            RestoreTime: pitr.restoreTime ? new Date(pitr.restoreTime) : undefined,
            UseLatestRestorableTime: pitr.useLatestRestorableTime ? true : undefined,
            ...restoreRequestBase(inputs, tags),
            PubliclyAccessible: inputs.publiclyAccessible ?? false,
            DeletionProtection: inputs.deletionProtection ?? false,
            DBName: inputs.dbName,
          }),
        ),
      );
      ctx.created(id, { identifier: id });
      try {
        return { id, outs: instanceOutputs(await waitAvailable(clients, id, ctx.createLatencyMs)) };
      } catch (error) {
        throw new Error(`waiting for RDS DB Instance (${id}) create: ${(error as Error).message}`, { cause: error });
      }
    }
    if (inputs.snapshotIdentifier) {
      debug(`restore ${id} from ${inputs.snapshotIdentifier} in ${clients.region}`);
      await clients.rds().send(
        new RDS.RestoreDBInstanceFromDBSnapshotCommand(
          compact({
            DBInstanceIdentifier: id,
            DBSnapshotIdentifier: inputs.snapshotIdentifier,
            ...restoreRequestBase(inputs, tags),
            PubliclyAccessible: inputs.publiclyAccessible,
            DeletionProtection: inputs.deletionProtection,
            DBName: RESTORE_WITHOUT_DB_NAME.has(String(inputs.engine ?? "").toLowerCase()) ? undefined : inputs.dbName,
          }),
        ),
      );
      // Upstream saves the id before it waits (terraform-provider-aws PR #38252): from here
      // on, a failure leaves the instance recorded with init errors, its password not set.
      ctx.created(id, { identifier: id });
      try {
        // The modeled restore time sits in this first wait, before the password modify, as upstream.
        let db = await waitAvailable(clients, id, ctx.createLatencyMs);
        // Like the real provider: what RestoreDBInstanceFromDBSnapshot cannot set
        // (or what the emulator dropped) goes through ModifyDBInstance afterwards.
        const modify: ModifyDBInstanceCommandInput = { DBInstanceIdentifier: id, ApplyImmediately: true };
        let needed = false;
        if (inputs.password !== undefined) {
          modify.MasterUserPassword = inputs.password;
          needed = true;
        }
        if (inputs.multiAz !== undefined && db.MultiAZ !== inputs.multiAz) {
          modify.MultiAZ = inputs.multiAz;
          needed = true;
        }
        if (inputs.deletionProtection !== undefined && Boolean(db.DeletionProtection) !== inputs.deletionProtection) {
          modify.DeletionProtection = inputs.deletionProtection;
          needed = true;
        }
        if (inputs.backupRetentionPeriod !== undefined && db.BackupRetentionPeriod !== inputs.backupRetentionPeriod) {
          modify.BackupRetentionPeriod = inputs.backupRetentionPeriod;
          needed = true;
        }
        if (inputs.backupWindow && db.PreferredBackupWindow !== inputs.backupWindow) {
          modify.PreferredBackupWindow = inputs.backupWindow;
          needed = true;
        }
        if (
          inputs.vpcSecurityGroupIds !== undefined &&
          !deepEqual(
            [...inputs.vpcSecurityGroupIds].sort(),
            (db.VpcSecurityGroups ?? []).map((g) => g.VpcSecurityGroupId).sort(),
          )
        ) {
          modify.VpcSecurityGroupIds = inputs.vpcSecurityGroupIds;
          needed = true;
        }
        if (needed) {
          await clients.rds().send(new RDS.ModifyDBInstanceCommand(modify));
          db = await waitAvailable(clients, id);
        }
        return { id, outs: instanceOutputs(db) };
      } catch (error) {
        throw new Error(`waiting for RDS DB Instance (${id}) create: ${(error as Error).message}`, { cause: error });
      }
    }
    await clients.rds().send(
      new RDS.CreateDBInstanceCommand(
        compact({
          DBInstanceIdentifier: id,
          DBInstanceClass: inputs.instanceClass,
          Engine: inputs.engine,
          EngineVersion: inputs.engineVersion,
          MasterUsername: inputs.username,
          MasterUserPassword: inputs.password,
          AllocatedStorage: inputs.allocatedStorage,
          StorageType: inputs.storageType,
          DBName: inputs.dbName,
          DBSubnetGroupName: inputs.dbSubnetGroupName,
          VpcSecurityGroupIds: inputs.vpcSecurityGroupIds,
          MultiAZ: inputs.multiAz,
          Port: inputs.port,
          PubliclyAccessible: inputs.publiclyAccessible,
          StorageEncrypted: inputs.storageEncrypted,
          KmsKeyId: inputs.kmsKeyId,
          DeletionProtection: inputs.deletionProtection,
          BackupRetentionPeriod: inputs.backupRetentionPeriod,
          AvailabilityZone: inputs.availabilityZone,
          Tags: tags,
        }),
      ),
    );
    ctx.created(id, { identifier: id });
    return { id, outs: instanceOutputs(await waitAvailable(clients, id, ctx.createLatencyMs)) };
  },

  async read(ctx, id) {
    const db = await describe(ctx.clients, id);
    if (!db) return undefined;
    return instanceOutputs(db);
  },

  async update(ctx, id, olds, news) {
    const clients = ctx.clients;
    // v5 resourceInstanceUpdate: the promotion comes first, as its own request, then the modify.
    if ((olds.replicateSourceDb ?? "") !== (news.replicateSourceDb ?? "")) {
      if (news.replicateSourceDb) throw new Error("cannot elect new source database for replication");
      try {
        await clients.rds().send(
          new RDS.PromoteReadReplicaCommand(
            compact({
              DBInstanceIdentifier: id,
              // d.Get: the configured (else the state's) retention, 0 when neither has one.
              BackupRetentionPeriod: news.backupRetentionPeriod ?? olds.backupRetentionPeriod ?? 0,
              PreferredBackupWindow: news.backupWindow || olds.backupWindow || undefined,
            }),
          ),
        );
      } catch (error) {
        throw new Error(`promoting RDS DB Instance (${id}): ${(error as Error).message}`, { cause: error });
      }
      try {
        await waitAvailable(clients, id);
      } catch (error) {
        throw new Error(`promoting RDS DB Instance (${id}): waiting for completion: ${(error as Error).message}`, {
          cause: error,
        });
      }
    }
    const modify: ModifyDBInstanceCommandInput = {
      DBInstanceIdentifier: id,
      ApplyImmediately: news.applyImmediately ?? false,
    };
    let needed = false;
    const changed = (key: string, set = false) => {
      if (news[key] === undefined) return false;
      if (set) return !deepEqual([...(olds[key] ?? [])].sort(), [...news[key]].sort());
      return !deepEqual(olds[key], news[key]);
    };
    const fields: [string, keyof ModifyDBInstanceCommandInput, boolean?][] = [
      ["instanceClass", "DBInstanceClass"],
      ["vpcSecurityGroupIds", "VpcSecurityGroupIds", true],
      ["multiAz", "MultiAZ"],
      ["port", "DBPortNumber"],
      ["password", "MasterUserPassword"],
      ["deletionProtection", "DeletionProtection"],
      ["publiclyAccessible", "PubliclyAccessible"],
      ["dbSubnetGroupName", "DBSubnetGroupName"],
      ["allocatedStorage", "AllocatedStorage"],
      ["storageType", "StorageType"],
      ["engineVersion", "EngineVersion"],
      ["backupRetentionPeriod", "BackupRetentionPeriod"],
      ["backupWindow", "PreferredBackupWindow"],
    ];
    for (const [key, awsKey, set] of fields) {
      if (changed(key, set)) {
        (modify as unknown as Record<string, unknown>)[awsKey] = news[key];
        needed = true;
      }
    }
    if (needed) {
      await clients.rds().send(new RDS.ModifyDBInstanceCommand(modify));
      await waitAvailable(clients, id);
    }
    const delta = tagDelta(olds.tags, news.tags);
    if (delta.changed) {
      const arn = olds.arn ?? (await describe(clients, id))?.DBInstanceArn;
      if (delta.removed.length > 0) {
        await clients.rds().send(new RDS.RemoveTagsFromResourceCommand({ ResourceName: arn, TagKeys: delta.removed }));
      }
      if (Object.keys(delta.set).length > 0) {
        await clients.rds().send(new RDS.AddTagsToResourceCommand({ ResourceName: arn, Tags: toTagList(delta.set) }));
      }
    }
    const db = await describe(clients, id);
    if (!db) throw new Error(`RDS DB Instance (${id}) not found after update`);
    return instanceOutputs(db);
  },

  async delete(ctx, id, state) {
    const clients = ctx.clients;
    const skip = state.skipFinalSnapshot === true;
    const finalId: string | undefined = state.finalSnapshotIdentifier || undefined;
    if (!skip && !finalId) throw new Error(FINAL_SNAPSHOT_REQUIRED);
    try {
      await clients.rds().send(
        new RDS.DeleteDBInstanceCommand(
          compact({
            DBInstanceIdentifier: id,
            SkipFinalSnapshot: skip,
            FinalDBSnapshotIdentifier: skip ? undefined : finalId,
            DeleteAutomatedBackups: state.deleteAutomatedBackups,
          }),
        ),
      );
    } catch (error) {
      if (awsErrorName(error) === "DBInstanceNotFound" || awsErrorName(error) === "DBInstanceNotFoundFault") return;
      throw new Error(`deleting RDS DB Instance (${id}): ${(error as Error).message}`, { cause: error });
    }
    await waitFor(
      `RDS DB Instance (${id}) to be deleted`,
      async () => ((await describe(clients, id)) ? undefined : true),
      { timeoutMs: TIMEOUT_MS },
    );
  },
};
