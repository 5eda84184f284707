"""moto_server that knows only the AWS-managed IAM policies the DR stack attaches.

The stack attaches AmazonECSTaskExecutionRolePolicy to the task execution role,
and moto resolves such an attachment only when it loads AWS-managed policies
(MOTO_IAM_LOAD_MANAGED_POLICIES=true). Loading all ~1,400 of them costs ~1.5 s
of CPU each time moto builds an IAM backend: after every /moto-api/reset and on
the first call for an account. Everything else is moto's own server, unchanged.

Usage:
  python moto-server.py [moto_server arguments]
      one server, as moto_server would run it.
  python moto-server.py --pool SOCKET
      a pool for test suites that start many servers: it imports moto and loads
      the models of the services the DR stack uses once (~4 s of CPU a server
      otherwise pays on its first requests), then forks a fresh, empty server on
      a free loopback port for each request on the unix socket SOCKET. A request
      is one JSON line {"env": {...}}; the answer is one JSON line {"pid", "port"}.
      SIGTERM stops the pool and every server it forked.
"""
import json
import re
import os
import signal
import socket
import sys

from moto.iam import models as iam_models

# Comma-separated policy names; the default is what stacks/service.ts attaches.
WANTED = set(
    filter(None, os.environ.get("DR_FAILOVER_MOTO_MANAGED_POLICIES", "AmazonECSTaskExecutionRolePolicy").split(","))
)

all_policies = json.loads(iam_models.aws_managed_policies_data)
missing = WANTED - set(all_policies)
if missing:
    sys.exit(f"moto-server.py: moto does not know the AWS-managed policies {sorted(missing)}")
iam_models.aws_managed_policies_data = json.dumps({name: all_policies[name] for name in sorted(WANTED)})
os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"


def parse_time(value):
    """An ISO 8601 time (or a datetime) as an aware UTC datetime: AWS's RestoreTime, the emulator's tags."""
    import datetime

    if isinstance(value, datetime.datetime):
        return value if value.tzinfo else value.replace(tzinfo=datetime.timezone.utc)
    parsed = datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.timezone.utc)


# What AWS does and moto does not, where the DR tool's readiness waits depend on it.
# Every server (direct or forked from the pool) imports this module first.


def restored_instances_start_creating():
    """A restored DB instance stays `creating` for DR_EMULATOR_RDS_CREATING_SECONDS (default 0).

    On AWS a restore takes minutes in `creating`, and ModifyDBInstance is refused until the
    instance is `available`; moto makes it `available` at once and accepts any modify. A
    ModifyDBInstance that sets MasterUserPassword records the RDS event "Reset master
    credentials" (as AWS does), which moto knows but never emits.
    """
    import time

    from moto.rds import models as rds

    def creating_seconds():
        try:
            return max(float(os.environ.get("DR_EMULATOR_RDS_CREATING_SECONDS", "0")), 0.0)
        except ValueError:
            return 0.0

    def refresh(database):
        until = getattr(database, "dr_creating_until", None)
        if until is None:
            return
        if time.time() < until:
            database.status = "creating"
        else:
            database.status = "available"
            database.dr_creating_until = None

    def starts_creating(restore):
        def wrapper(self, *args, **kwargs):
            database = restore(self, *args, **kwargs)
            seconds = creating_seconds()
            if seconds > 0:
                database.dr_creating_until = time.time() + seconds
                refresh(database)
            return database

        return wrapper

    describe = rds.RDSBackend.describe_db_instances

    def describe_db_instances(self, *args, **kwargs):
        databases = describe(self, *args, **kwargs)
        for database in databases:
            refresh(database)
        return databases

    modify = rds.RDSBackend.modify_db_instance

    def modify_db_instance(self, db_instance_identifier, db_kwargs):
        database = self.describe_db_instances(db_instance_identifier)[0]
        if database.status == "creating":
            raise rds.RDSClientError(
                "InvalidDBInstanceState", f"Database instance is not in available state. ({db_instance_identifier})"
            )
        resets_password = bool(db_kwargs.get("MasterUserPassword") or db_kwargs.get("master_user_password"))
        database = modify(self, db_instance_identifier, db_kwargs)
        if resets_password:
            database.add_event("DB_INSTANCE_RESET_MASTER_CREDENTIALS")
        return database

    rds.RDSBackend.restore_db_instance_from_db_snapshot = starts_creating(
        rds.RDSBackend.restore_db_instance_from_db_snapshot
    )
    rds.RDSBackend.restore_db_instance_to_point_in_time = starts_creating(
        rds.RDSBackend.restore_db_instance_to_point_in_time
    )
    rds.RDSBackend.describe_db_instances = describe_db_instances
    rds.RDSBackend.modify_db_instance = modify_db_instance


def automated_backups_replicate():
    """Cross-region replication of automated backups and point-in-time restore from it.

    moto has none of it: StartDBInstanceAutomatedBackupsReplication and
    StopDBInstanceAutomatedBackupsReplication are unknown actions, its
    DescribeDBInstanceAutomatedBackups lists only the automated snapshots of its own
    region, and RestoreDBInstanceToPointInTime ignores SourceDBInstanceAutomatedBackupsArn
    and RestoreTime. As in AWS (API reference, DBInstanceAutomatedBackup, RestoreWindow):
    replication is started in the destination region with the source instance's ARN and,
    for an encrypted source, a KmsKeyId of the destination region; the replicated backup
    has its own DBInstanceAutomatedBackupsArn (arn:aws:rds:<destination>:<account>:auto-backup:ab-…),
    Region = the source's region, Status `replicating`, and a RestoreWindow whose LatestTime
    advances with time, DR_EMULATOR_PITR_LAG_SECONDS (default 300: transaction logs are
    shipped every five minutes) behind the clock. Its EarliestTime is the start of the
    replication, pretended DR_EMULATOR_PITR_HISTORY_SECONDS (default 86400) earlier so that
    a seeded world has history to restore from. Stopping the replication freezes LatestTime
    (what an outage of the source region does) and makes the backup `retained`.

    A restore from the replicated backup creates the instance in the destination region from
    the source instance's properties (as moto's own point-in-time restore does), encrypted
    with the replicated backup's key, in the given DB subnet group; RestoreTime must lie
    inside the window, and exactly one of RestoreTime and UseLatestRestorableTime is required.

    A snapshot created with the tag `dr-emulator:snapshot-create-time` (ISO 8601) is stamped
    with that time instead of the clock (its copies keep it as OriginalSnapshotCreateTime):
    a seeded world's daily snapshot can be as old as a daily snapshot is. AWS has no such
    tag; only the emulator's seeding uses it.

    An instance's own automated backups (its region, backups on) are listed as AWS lists them:
    Status `active`, a DBInstanceAutomatedBackupsArn, and the same RestoreWindow as a replicated
    backup (LatestTime the lag behind the clock, as LatestRestorableTime is on AWS: about five
    minutes). A point-in-time restore of a live instance (SourceDBInstanceIdentifier, the
    same-region recovery) checks RestoreTime against that window and the one-of rule, as above;
    moto checks neither.
    """
    import copy
    import datetime
    import hashlib
    import time

    from moto.rds import models as rds
    from moto.rds import responses
    from moto.core.responses import ActionResult

    def seconds(name, default):
        try:
            return max(float(os.environ.get(name, default)), 0.0)
        except ValueError:
            return float(default)

    def utc(epoch):
        return datetime.datetime.fromtimestamp(epoch, tz=datetime.timezone.utc).replace(microsecond=0)

    def replicated(backend):
        if not hasattr(backend, "dr_replicated_backups"):
            backend.dr_replicated_backups = {}
        return backend.dr_replicated_backups

    def window(record):
        until = record["stopped_at"] if record["stopped_at"] is not None else time.time()
        earliest = record["earliest"]
        return {"EarliestTime": utc(earliest), "LatestTime": utc(max(earliest, until - record["lag"]))}

    def shape(record):
        source = record["source"]
        out = {
            "DBInstanceArn": record["source_arn"],
            "DbiResourceId": record["dbi_resource_id"],
            "Region": record["source_region"],
            "DBInstanceIdentifier": record["identifier"],
            "RestoreWindow": window(record),
            "AllocatedStorage": source.get("allocated_storage"),
            "Status": "retained" if record["stopped_at"] is not None else "replicating",
            "Port": source.get("port"),
            "InstanceCreateTime": source.get("instance_create_time"),
            "MasterUsername": source.get("master_username"),
            "Engine": source.get("engine"),
            "EngineVersion": source.get("engine_version"),
            "LicenseModel": source.get("license_model"),
            "Encrypted": bool(record["kms_key_id"]),
            "StorageType": source.get("storage_type"),
            "KmsKeyId": record["kms_key_id"],
            "IAMDatabaseAuthenticationEnabled": False,
            "BackupRetentionPeriod": record["retention"],
            "DBInstanceAutomatedBackupsArn": record["arn"],
            "BackupTarget": "region",
        }
        return {key: value for key, value in out.items() if value is not None}

    def start(self):
        params = self.params
        source_arn = params.get("SourceDBInstanceArn")
        match = re.match(r"^arn:aws:rds:([a-z0-9-]+):(\d{12}):db:(.+)$", source_arn or "")
        if not match:
            raise rds.InvalidParameterValue(f"Invalid SourceDBInstanceArn: {source_arn}")
        source_region, account, identifier = match.groups()
        if source_region == self.region:
            raise rds.InvalidParameterValue(
                "The source DB instance must be in another AWS Region than the replicated automated backups."
            )
        source_backend = rds.rds_backends[account][source_region]
        database = source_backend.databases.get(identifier)
        if database is None:
            raise rds.DBInstanceNotFoundError(source_arn)
        if not database.backup_retention_period:
            raise rds.RDSClientError(
                "InvalidDBInstanceState", f"Automated backups are not enabled for {identifier}."
            )
        kms_key_id = params.get("KmsKeyId")
        if database.storage_encrypted and not kms_key_id:
            raise rds.InvalidParameterCombination(
                "KmsKeyId is required to replicate the automated backups of an encrypted DB instance."
            )
        store = replicated(self.backend)
        for record in store.values():
            if record["source_arn"] == source_arn and record["stopped_at"] is None:
                raise rds.RDSClientError(
                    "DBInstanceAutomatedBackupQuotaExceeded",
                    f"Automated backups of {source_arn} are already replicated to {self.region}.",
                )
        digest = hashlib.sha256(f"{source_arn}|{self.region}|{len(store)}".encode()).hexdigest()
        arn = f"arn:aws:rds:{self.region}:{account}:auto-backup:ab-{digest[:26]}"
        properties = {
            key.lstrip("_"): getattr(database, key.lstrip("_"), None)
            for key in (
                "allocated_storage",
                "port",
                "instance_create_time",
                "master_username",
                "engine",
                "engine_version",
                "license_model",
                "storage_type",
            )
        }
        now = time.time()
        record = {
            "arn": arn,
            "source_arn": source_arn,
            "source_region": source_region,
            "account": account,
            "identifier": identifier,
            "dbi_resource_id": database.dbi_resource_id,
            "kms_key_id": kms_key_id if database.storage_encrypted else None,
            "retention": int(params.get("BackupRetentionPeriod") or 7),
            "earliest": now - seconds("DR_EMULATOR_PITR_HISTORY_SECONDS", 86400),
            "lag": seconds("DR_EMULATOR_PITR_LAG_SECONDS", 300),
            "stopped_at": None,
            "source": properties,
        }
        store[arn] = record
        return ActionResult({"DBInstanceAutomatedBackup": shape(record)})

    def stop(self):
        params = self.params
        source_arn = params.get("SourceDBInstanceArn")
        for record in replicated(self.backend).values():
            if record["source_arn"] == source_arn and record["stopped_at"] is None:
                record["stopped_at"] = time.time()
                return ActionResult({"DBInstanceAutomatedBackup": shape(record)})
        raise rds.RDSClientError(
            "DBInstanceAutomatedBackupNotFound", f"No replicated automated backups of {source_arn} in {self.region}."
        )

    describe_own = responses.RDSResponse.describe_db_instance_automated_backups

    def own_record(database):
        """A live instance's own automated backups, shaped like a replicated record (see shape)."""
        arn = database.db_instance_arn
        digest = hashlib.sha256(f"{arn}|own".encode()).hexdigest()
        created = database.instance_create_time
        return {
            "arn": f"arn:aws:rds:{database.region}:{database.account_id}:auto-backup:ab-{digest[:26]}",
            "source_arn": arn,
            "source_region": database.region,
            "identifier": database.db_instance_identifier,
            "dbi_resource_id": database.dbi_resource_id,
            "kms_key_id": database.kms_key_id if database.storage_encrypted else None,
            "retention": int(database.backup_retention_period),
            "earliest": min(
                time.time() - seconds("DR_EMULATOR_PITR_HISTORY_SECONDS", 86400),
                parse_time(created).timestamp() if created else time.time(),
            ),
            "lag": seconds("DR_EMULATOR_PITR_LAG_SECONDS", 300),
            "stopped_at": None,
            "source": {
                key: getattr(database, key, None)
                for key in ("allocated_storage", "port", "master_username", "engine", "engine_version", "license_model", "storage_type")
            },
        }

    def own_records(backend):
        return [own_record(db) for db in backend.databases.values() if db.backup_retention_period]

    def describe(self):
        params = self.params
        arn = params.get("DBInstanceAutomatedBackupsArn")
        identifier = params.get("DBInstanceIdentifier")
        resource_id = params.get("DbiResourceId")
        mine = [
            {**shape(record), **({"Status": "active"} if record["source_region"] == self.region else {})}
            for record in list(replicated(self.backend).values()) + own_records(self.backend)
            if (arn is None or record["arn"] == arn)
            and (identifier is None or record["identifier"] == identifier)
            and (resource_id is None or record["dbi_resource_id"] == resource_id)
        ]
        if arn is not None:
            if not mine:
                raise rds.RDSClientError(
                    "DBInstanceAutomatedBackupNotFound", f"DBInstanceAutomatedBackup {arn} not found."
                )
            return ActionResult({"DBInstanceAutomatedBackups": mine})
        # moto's own listing, less the live instances listed above: the retained backups of deleted ones.
        live = {db.db_instance_identifier for db in self.backend.databases.values() if db.backup_retention_period}
        own = [
            backup
            for backup in describe_own(self).result["DBInstanceAutomatedBackups"]
            if backup.db_instance_identifier not in live
        ]
        return ActionResult({"DBInstanceAutomatedBackups": own + mine})

    restore_own = responses.RDSResponse.restore_db_instance_to_point_in_time

    def check_restore_time(params, record, name):
        restore_time = params.get("RestoreTime")
        use_latest = str(params.get("UseLatestRestorableTime", "false")).lower() == "true"
        if restore_time and use_latest:
            raise rds.InvalidParameterCombination("Cannot specify both RestoreTime and UseLatestRestorableTime")
        if not restore_time and not use_latest:
            raise rds.InvalidParameterCombination("Either RestoreTime or UseLatestRestorableTime must be specified")
        bounds = window(record)
        if restore_time:
            at = parse_time(restore_time)
            if at < bounds["EarliestTime"] or at > bounds["LatestTime"]:
                raise rds.InvalidParameterValue(
                    f"The restore time {at.isoformat()} is outside the restore window of {name} "
                    f"({bounds['EarliestTime'].isoformat()} to {bounds['LatestTime'].isoformat()})."
                )

    def restore(self):
        params = self.params
        arn = params.get("SourceDBInstanceAutomatedBackupsArn")
        if not arn:
            identifier = params.get("SourceDBInstanceIdentifier")
            database = self.backend.databases.get(identifier) if identifier else None
            if database is not None:
                if not database.backup_retention_period:
                    raise rds.RDSClientError(
                        "InvalidDBInstanceState", f"Automated backups are not enabled for {identifier}."
                    )
                check_restore_time(params, own_record(database), identifier)
            result = restore_own(self)
            # moto passes the request on as the new instance's arguments: its SourceDBInstanceIdentifier
            # would make the restored instance a read replica of the source (ReadReplicaSourceDBInstanceIdentifier).
            restored = self.backend.databases.get(params.get("TargetDBInstanceIdentifier"))
            if restored is not None:
                restored.source_db_instance_identifier = None
            return result
        record = replicated(self.backend).get(arn)
        if record is None:
            raise rds.RDSClientError("DBInstanceAutomatedBackupNotFound", f"DBInstanceAutomatedBackup {arn} not found.")
        check_restore_time(params, record, arn)
        source_backend = rds.rds_backends[record["account"]][record["source_region"]]
        database = source_backend.databases.get(record["identifier"])
        if database is None:
            raise rds.DBInstanceNotFoundError(record["identifier"])
        props = {}
        for key, value in database.__dict__.items():
            key = key[1:] if key.startswith("_") else key
            # Region-bound: the source's subnet group, zone and key do not exist in this region.
            if key in ("backend", "db_subnet_group", "max_allocated_storage", "availability_zone", "kms_key_id"):
                continue
            props[key] = copy.deepcopy(value)
        props["db_name"] = database.db_name
        if not database.option_group_supplied:
            props.pop("option_group_name", None)
        for name, key in (
            ("DBInstanceClass", "db_instance_class"),
            ("DBSubnetGroupName", "db_subnet_group_name"),
            ("VpcSecurityGroupIds", "vpc_security_group_ids"),
            ("Port", "port"),
            ("MultiAZ", "multi_az"),
            ("PubliclyAccessible", "publicly_accessible"),
            ("DeletionProtection", "deletion_protection"),
            ("Tags", "tags"),
        ):
            value = params.get(name)
            if value not in (None, "", []):
                props[key] = value
        props["db_instance_identifier"] = params.get("TargetDBInstanceIdentifier")
        props["storage_encrypted"] = bool(record["kms_key_id"])
        if record["kms_key_id"]:
            props["kms_key_id"] = record["kms_key_id"]
        props.pop("read_replica_source", None)
        props.pop("replicas", None)
        database = self.backend.create_db_instance(props)
        creating = seconds("DR_EMULATOR_RDS_CREATING_SECONDS", 0)
        if creating > 0:  # as restored_instances_start_creating does for moto's own restores
            database.dr_creating_until = time.time() + creating
            database.status = "creating"
        return ActionResult({"DBInstance": database})

    create_snapshot = rds.RDSBackend.create_db_snapshot

    def create_db_snapshot(self, *args, **kwargs):
        snapshot = create_snapshot(self, *args, **kwargs)
        for tag in snapshot.tags or []:
            if tag.get("Key") == "dr-emulator:snapshot-create-time":
                snapshot.created = parse_time(tag.get("Value"))
                snapshot.original_snapshot_create_time = snapshot.created
        return snapshot

    rds.RDSBackend.create_db_snapshot = create_db_snapshot

    responses.RDSResponse.start_db_instance_automated_backups_replication = start
    responses.RDSResponse.stop_db_instance_automated_backups_replication = stop
    responses.RDSResponse.describe_db_instance_automated_backups = describe
    responses.RDSResponse.restore_db_instance_to_point_in_time = restore


# When each record set was last written: (name without the final dot, type) -> time.
RECORDS_WRITTEN = {}


def records_remember_when_written():
    """Each ChangeResourceRecordSets stamps the time its record sets were written (RECORDS_WRITTEN)."""
    import time

    from moto.route53 import models as route53

    change = route53.Route53Backend.change_resource_record_sets

    def change_resource_record_sets(self, zoneid, change_list):
        change(self, zoneid, change_list)
        now = time.time()
        for item in change_list:
            record = item["ResourceRecordSet"]
            RECORDS_WRITTEN[(record["Name"].rstrip(".").lower(), record.get("Type"))] = now

    route53.Route53Backend.change_resource_record_sets = change_resource_record_sets


def resolve_in_hosted_zones(account, host):
    """(the name `host` leads to through CNAME records of the hosted zones, when the last of them was written).

    What the DR VPC's resolver answers for the stack's private connection name (db.<zone>): the
    restored instance's address. A name that is no CNAME is its own answer (written at 0).
    """
    from moto.route53.models import route53_backends

    name = str(host).rstrip(".").lower()
    written = 0.0
    for _ in range(5):
        record = None
        for backend in list(route53_backends[account].values()):
            for zone in list(backend.zones.values()):
                for rrset in zone.rrsets:
                    if rrset.type == "CNAME" and rrset.name.rstrip(".").lower() == name and rrset.records:
                        record = rrset
        if record is None:
            break
        written = max(written, RECORDS_WRITTEN.get((name, "CNAME"), 0.0))
        name = record.records[0].rstrip(".").lower()
    return name, written


def cross_region_read_replicas():
    """Cross-region read replicas by ARN and their promotion, as RDS does them.

    moto's CreateDBInstanceReadReplica accepts the source's ARN in another region (it copies the
    source object into the destination region), but: it checks neither the source's automated
    backups nor, for an encrypted source, a KmsKeyId of the destination region; the copy shares the
    source's tag list; PromoteReadReplica leaves ReadReplicaSourceDBInstanceIdentifier set and the
    source still listing the replica; deleting a cross-region replica fails (the source lists it by
    ARN, moto removes it by identifier); and a replica reports no StatusInfos. As on AWS (API
    reference: CreateDBInstanceReadReplica, PromoteReadReplica, DBInstanceStatusInfo):
    - the source must be `available` with BackupRetentionPeriod > 0, else InvalidDBInstanceState;
    - a cross-region replica of an encrypted source needs KmsKeyId (a key of the destination region),
      else InvalidParameterCombination; the replica is encrypted with that key;
    - the replica has its own tags (the request's), lists ReadReplicaSourceDBInstanceIdentifier =
      the source's ARN (cross-region), an availability zone of its region and StatusInfos [read replication: replicating, normal];
    - PromoteReadReplica of an instance that is not a replica is InvalidDBInstanceState; a promotion
      clears ReadReplicaSourceDBInstanceIdentifier and StatusInfos, drops the replica from the
      source's ReadReplicaDBInstanceIdentifiers and applies BackupRetentionPeriod / PreferredBackupWindow.
    """
    from moto.rds import models as rds

    create_replica = rds.RDSBackend.create_db_instance_read_replica

    def create_db_instance_read_replica(self, db_kwargs):
        source_id = db_kwargs["source_db_instance_identifier"]
        source = self.find_db_from_id(source_id)
        if source.status != "available" or (source.backup_retention_period or 0) <= 0:
            raise rds.RDSClientError(
                "InvalidDBInstanceState",
                "Automated backups are not enabled for this database instance. To enable automated backups, "
                "use ModifyDBInstance to set the backup retention period to a non-zero value."
                if source.status == "available"
                else f"DB instance {source.db_instance_identifier} is not in available state.",
            )
        cross_region = source.region != self.region_name
        kms_key_id = db_kwargs.get("kms_key_id")
        if cross_region and source.storage_encrypted:
            if not kms_key_id:
                raise rds.InvalidParameterCombination(
                    "KmsKeyId is required to create an encrypted cross-region read replica "
                    "(a key of the destination region)."
                )
            if not kms_key_id.startswith(f"arn:aws:kms:{self.region_name}:"):
                raise rds.InvalidParameterValue(f"KmsKeyId {kms_key_id} is not a key of {self.region_name}.")
        tags = db_kwargs.pop("tags", None) or []
        # moto sets the subnet group before the destination backend: it would look it up in the source's region.
        subnet_group = db_kwargs.pop("db_subnet_group_name", None)
        if subnet_group:
            self.describe_db_subnet_groups(subnet_group)  # DBSubnetGroupNotFoundFault in the destination region
        replica = create_replica(self, db_kwargs)
        replica.tags = tags
        if subnet_group:
            replica.db_subnet_group_name = subnet_group
        replica.vpc_security_group_ids = list(db_kwargs.get("vpc_security_group_ids") or [])
        if cross_region:
            replica.availability_zone = db_kwargs.get("availability_zone") or f"{self.region_name}a"
            if not source.storage_encrypted:
                replica.kms_key_id = None
        replica.source_db_instance_identifier = source.db_instance_arn if cross_region else source.db_instance_identifier
        return replica

    def status_infos(self):
        if not getattr(self, "is_replica", False):
            return []
        return [{"StatusType": "read replication", "Normal": True, "Status": "replicating"}]

    def promote_read_replica(self, db_kwargs):
        database_id = db_kwargs["db_instance_identifier"]
        database = self.describe_db_instances(database_id)[0]
        if not database.is_replica:
            raise rds.RDSClientError(
                "InvalidDBInstanceState", f"DB Instance {database_id} is not a read replica."
            )
        try:
            source = self.find_db_from_id(database.source_db_instance_identifier)
            for entry in (database.db_instance_arn, database.db_instance_identifier):
                if entry in source.replicas:
                    source.replicas.remove(entry)
        except rds.DBInstanceNotFoundError:
            pass  # the source is gone: the replica stands alone anyway
        database.is_replica = False
        database.source_db_instance_identifier = None
        if db_kwargs.get("backup_retention_period") is not None:
            database.backup_retention_period = int(db_kwargs["backup_retention_period"])
        if db_kwargs.get("preferred_backup_window"):
            database.preferred_backup_window = db_kwargs["preferred_backup_window"]
        return database

    def remove_replica(self, replica):
        for entry in (replica.db_instance_arn, replica.db_instance_identifier):
            if entry in self.replicas:
                self.replicas.remove(entry)

    rds.RDSBackend.create_db_instance_read_replica = create_db_instance_read_replica
    rds.RDSBackend.promote_read_replica = promote_read_replica
    rds.DBInstance.remove_replica = remove_replica
    rds.DBInstance.status_infos = property(status_infos)


def ecs_tasks_run_sql_checks():
    """A one-off task of dr-failover's data checks (the ecs-task runner) runs, as Fargate would.

    moto starts no containers: a RunTask leaves its task RUNNING forever and writes no log. The
    data-check task's container (automation/sql-checks.ts sqlTaskContainer) has a contract the
    emulator can keep without a container: the queries in DR_SQL_CHECK_<i> variables, the
    connection in PGHOST/PGPORT/PGDATABASE/PGUSER/PGPASSWORD injected from the connection secret
    (`<secret ARN>:<field>::`), and one line per check, `DR_SQL_CHECK <i> ok <value>` or
    `DR_SQL_CHECK <i> error <message>`, in its awslogs stream `<prefix>/<container>/<task id>`. Here
    the queries run (pg8000) against the address the secret names, the lines go to moto's logs, and
    the task stops with exit code 0 — what the task's psql script does on ECS. Any other task is
    moto's.
    """
    import json as json_module
    import time as time_module

    from moto.ecs import models as ecs
    from moto.logs.models import logs_backends
    from moto.secretsmanager.models import secretsmanager_backends

    def secret_field(account, region, value_from):
        arn, field = value_from.rsplit(":", 3)[0], value_from.rsplit(":", 3)[1]
        secret = secretsmanager_backends[account][region].get_secret_value(arn, None, None)
        return str(json_module.loads(secret["SecretString"])[field])

    def run_checks(account, region, container, task):
        env = {item["name"]: item["value"] for item in container.get("environment") or []}
        for item in container.get("secrets") or []:
            env[item["name"]] = secret_field(account, region, item["valueFrom"])
        queries = sorted(
            ((int(name.rsplit("_", 1)[1]), value) for name, value in env.items() if name.startswith("DR_SQL_CHECK_")),
        )
        lines = []
        try:
            import pg8000.native

            # The task runs in the DR VPC: its resolver answers the private connection name.
            host, _ = resolve_in_hosted_zones(account, env["PGHOST"])
            connection = pg8000.native.Connection(
                env["PGUSER"], host=host, port=int(env["PGPORT"]), database=env["PGDATABASE"],
                password=env["PGPASSWORD"], timeout=30,
            )
        except Exception as error:  # psql would fail every check the same way
            message = " ".join(str(error).split())
            lines = [f"DR_SQL_CHECK {index} error could not connect: {message}" for index, _ in queries]
        else:
            for index, query in queries:
                try:
                    rows = connection.run(query)
                    value = "|".join(str(cell) for cell in rows[0]) if rows else ""
                    lines.append(f"DR_SQL_CHECK {index} ok {value}")
                except Exception as error:
                    lines.append(f"DR_SQL_CHECK {index} error {' '.join(str(error).split())}")
            connection.close()
        options = (container.get("logConfiguration") or {}).get("options") or {}
        group, prefix = options.get("awslogs-group"), options.get("awslogs-stream-prefix")
        if group and prefix:
            logs = logs_backends[account][options.get("awslogs-region") or region]
            stream = f"{prefix}/{container['name']}/{task.id}"
            logs.create_log_stream(group, stream)
            now = int(time_module.time() * 1000)
            logs.put_log_events(group, stream, [{"timestamp": now, "message": line} for line in lines])

    # moto's RunTask of an awsvpc task reads NetworkInterface.private_dns_name, which its ENIs lack.
    from moto.ec2.models.elastic_network_interfaces import NetworkInterface

    if not hasattr(NetworkInterface, "private_dns_name"):
        NetworkInterface.private_dns_name = property(
            lambda self: f"ip-{str(self.private_ip_address).replace('.', '-')}.{self.ec2_backend.region_name}.compute.internal"
        )

    run_task = ecs.EC2ContainerServiceBackend.run_task

    def run_task_running_sql_checks(self, *args, **kwargs):
        tasks = run_task(self, *args, **kwargs)
        for task in tasks:
            definition = self.describe_task_definition(task.task_definition_arn)
            container = (definition.container_definitions or [{}])[0]
            if not any(item.get("name") == "DR_SQL_CHECK_0" for item in container.get("environment") or []):
                continue
            run_checks(self.account_id, self.region_name, container, task)
            task.last_status = "STOPPED"
            task.desired_status = "STOPPED"
            task.stopped_reason = "Essential container in task exited"
            for running in task.containers:
                running.last_status = "STOPPED"
        return tasks

    ecs.EC2ContainerServiceBackend.run_task = run_task_running_sql_checks


def service_tasks_register_as_targets():
    """An ECS service's running tasks are registered in its load balancers' target groups.

    On AWS, ECS registers each task (its ENI address, for target type ip) in the target group
    the service names, and deregisters it when the task stops; moto starts no tasks and
    registers nothing, so DescribeTargetHealth of a service's target group is empty. Here each
    running task of the service is one registered target (an address made up per task);
    moto reports registered targets as healthy.
    """
    import hashlib

    from moto.ecs import models as ecs
    from moto.elbv2.models import elbv2_backends

    def task_addresses(service):
        digest = hashlib.sha256(service.arn.encode()).digest()
        return [f"10.{200 + digest[0] % 50}.{digest[1]}.{index + 10}" for index in range(service.running_count)]

    def sync_targets(backend, service, running=True):
        elbv2 = elbv2_backends[backend.account_id][backend.region_name]
        wanted = task_addresses(service) if running and service.status == "ACTIVE" else []
        for load_balancer in service.load_balancers or []:
            arn = load_balancer.get("targetGroupArn")
            group = elbv2.target_groups.get(arn) if arn else None
            if group is None:
                continue
            port = load_balancer.get("containerPort") or group.port
            stale = [target for target in group.targets if target.startswith("10.") and target not in wanted]
            if stale:
                group.deregister([{"Id": target} for target in stale])
            group.register([{"Id": address, "Port": port} for address in wanted if address not in group.targets])

    def after(method, running=True):
        def wrapper(self, *args, **kwargs):
            service = method(self, *args, **kwargs)
            sync_targets(self, service, running)
            return service

        return wrapper

    backend = ecs.EC2ContainerServiceBackend
    backend.create_service = after(backend.create_service)
    backend.update_service = after(backend.update_service)
    backend.delete_service = after(backend.delete_service, running=False)


def targets_healthy_once_database_answers():
    """A service's targets turn healthy only once the database its tasks connect to answers.

    On AWS the load balancer checks each registered target every HealthCheckIntervalSeconds, and
    a target is healthy after HealthyThresholdCount checks in a row succeed; an app whose
    database is not reachable answers its health path with an error, so its targets stay
    unhealthy until the database answers. moto reports every registered target healthy at once.

    Here a target registered by an ECS service (service_tasks_register_as_targets) is healthy
    only from max(its registration, the moment its database answers) + interval × healthy
    threshold (the target group's own settings) × DR_STANDIN_LATENCY_SCALE (the stand-in's
    timing-model scale; 0 or unset: no wait). Its database: the `host` key of the connection
    secret its task definition hands to the container (valueFrom "<secret arn>:host::"),
    followed through CNAME records of the hosted zones (the stack's private connection name) to
    a DB instance of the region with that address, `available`. It answers from when the last
    link was written (the record pointing at it, the instance available). A task definition
    without such a secret has no database: only the wait after registration applies.
    """
    import time

    from moto.ecs.models import ecs_backends
    from moto.elbv2 import models as elbv2
    from moto.rds import models as rds
    from moto.rds.models import rds_backends
    from moto.secretsmanager.models import secretsmanager_backends

    def scale():
        try:
            value = float(os.environ.get("DR_STANDIN_LATENCY_SCALE", "") or 0)
        except ValueError:
            return 0.0
        return value if value > 0 else 0.0

    create_instance = rds.RDSBackend.create_db_instance

    def create_db_instance(self, *args, **kwargs):
        database = create_instance(self, *args, **kwargs)
        database.dr_created_at = time.time()
        return database

    rds.RDSBackend.create_db_instance = create_db_instance

    register = elbv2.FakeTargetGroup.register

    def register_stamped(self, targets):
        stamps = self.__dict__.setdefault("dr_registered_at", {})
        now = time.time()
        for target in targets:
            if target["Id"] not in self.targets:
                stamps[target["Id"]] = now
        register(self, targets)

    elbv2.FakeTargetGroup.register = register_stamped

    NO_DATABASE = "no database"

    def available_since(database):
        """When the instance became available (None: not yet); it is refreshed by a describe."""
        if database.status != "available":
            database.dr_seen_unavailable = True
            return None
        since = getattr(database, "dr_available_at", None)
        if since is None:
            since = time.time() if getattr(database, "dr_seen_unavailable", False) else getattr(database, "dr_created_at", 0.0)
            database.dr_available_at = since
        return since

    def database_answers_since(account, region, host):
        """(time the host answers as a database, or None; what was found) following CNAMEs."""
        name, since = resolve_in_hosted_zones(account, host)
        backend = rds_backends[account][region]
        for database in backend.describe_db_instances():  # refreshes `creating` instances
            address = (database.address or "").rstrip(".").lower()
            if address == name or database.db_instance_identifier.lower() == name:
                available = available_since(database)
                if available is None:
                    return None, f"database {database.db_instance_identifier} is {database.status}"
                return max(since, available), f"database {database.db_instance_identifier}"
        return None, f"{host} resolves to no database"

    def service_database(account, region, target_group_arn):
        """For the service behind the target group: when its database answers (None: not yet), or NO_DATABASE."""
        ecs = ecs_backends[account][region]
        for service in list(ecs.services.values()):
            if not any(lb.get("targetGroupArn") == target_group_arn for lb in service.load_balancers or []):
                continue
            try:
                definition = ecs.describe_task_definition(service.task_definition)
            except Exception:
                return None, "no task definition"
            for container in definition.container_definitions or []:
                for secret in container.get("secrets") or []:
                    value_from = secret.get("valueFrom") or ""
                    if not value_from.endswith(":host::"):
                        continue
                    arn = value_from[: -len(":host::")]
                    try:
                        value = secretsmanager_backends[account][region].get_secret_value(arn, None, None)
                        host = json.loads(value.get("SecretString") or "{}").get("host")
                    except Exception:
                        return None, "the connection secret has no value"
                    if not host:
                        return None, "the connection secret has no host"
                    return database_answers_since(account, region, str(host))
            return NO_DATABASE, "no database"
        return NO_DATABASE, "no service"

    health_for = elbv2.FakeTargetGroup.health_for

    def gated_health_for(self, target, ec2_backend):
        status = health_for(self, target, ec2_backend)
        registered = getattr(self, "dr_registered_at", {}).get(target["Id"])
        if status.status != "healthy" or registered is None:
            return status
        answers, found = service_database(self.account_id, self.region_name, self.arn)
        if answers is None:
            return elbv2.FakeHealthStatus(
                status.instance_id,
                status.port,
                status.health_check_port,
                "unhealthy",
                "Target.ResponseCodeMismatch",
                f"Health checks failed with these codes: [503] ({found})",
            )
        since = registered if answers == NO_DATABASE else max(registered, answers)
        checks = int(self.healthy_threshold_count or 5) * int(self.health_check_interval_seconds or 30)
        if time.time() < since + checks * scale():
            first = answers == NO_DATABASE or answers <= registered
            return elbv2.FakeHealthStatus(
                status.instance_id,
                status.port,
                status.health_check_port,
                "initial" if first else "unhealthy",
                "Elb.InitialHealthChecking" if first else "Target.ResponseCodeMismatch",
                "Initial health checks in progress" if first else "Health checks failed with these codes: [503]",
            )
        return status

    elbv2.FakeTargetGroup.health_for = gated_health_for


def restored_instances_reach_emulator_postgres():
    """A DB instance restored from a snapshot the emulator holds real data for answers at that data.

    On AWS a restored instance's endpoint is a server holding the snapshot's tables; moto's is a
    made-up name (<id>.aaaaaaaaaa.<region>.rds.amazonaws.com) where nothing listens. The emulator
    starts a PostgreSQL per restore point on a loopback address of its own (127.x.y.z, on the
    snapshot's port) and lists it in the JSON file DR_EMULATOR_RDS_ENDPOINTS as
    {"<region>/<snapshot id>": "<address>"}: an instance restored from such a snapshot reports that
    address as its Endpoint. A ModifyDBInstance that sets MasterUserPassword writes the new password
    to <that file's folder>/passwords/<address>, and the emulator sets it on the server's master user,
    as RDS would. Without the variable, or for another snapshot, moto's own name. A snapshot of
    such an instance, and its copies in other regions, answer at the same server (a failback).
    A read replica of such an instance answers at a server of its own (emulator/rehearsal/replicas.ts):
    a copy at creation, re-copied every second while a replica (replication lag ~1 s), a final copy at
    promotion; moto asks for it in <folder>/replicas/<region>-<id>.json, stays `creating` until
    <region>-<id>.address names it, and after PromoteReadReplica (<region>-<id>.promote) stays
    `modifying` until <region>-<id>.promoted. Without the variable: moto's own name, at once.
    """
    from moto.rds import models as rds

    addresses = {}  # (account, region, instance identifier) -> address

    def endpoints():
        path = os.environ.get("DR_EMULATOR_RDS_ENDPOINTS")
        if not path or not os.path.exists(path):
            return {}
        with open(path) as file:
            return json.load(file)

    restore = rds.RDSBackend.restore_db_instance_from_db_snapshot

    # A failback's data path: a snapshot of an instance that answers at a server, and the copies of
    # that snapshot in any region, answer at the same server: (account, region, snapshot id) -> address.
    # The emulator keeps no second copy of the data: an instance restored from them is the same
    # PostgreSQL (after a write freeze, the same rows as the snapshot).
    snapshot_addresses = {}

    create_snapshot = rds.RDSBackend.create_db_snapshot

    def create_db_snapshot(self, db_instance_identifier, db_snapshot_identifier, *args, **kwargs):
        snapshot = create_snapshot(self, db_instance_identifier, db_snapshot_identifier, *args, **kwargs)
        served = addresses.get((self.account_id, self.region_name, db_instance_identifier))
        if served:
            snapshot_addresses[(self.account_id, self.region_name, db_snapshot_identifier)] = served
        return snapshot

    copy_snapshot = rds.RDSBackend.copy_db_snapshot

    def copy_db_snapshot(self, source_db_snapshot_identifier, target_db_snapshot_identifier, *args, **kwargs):
        snapshot = copy_snapshot(self, source_db_snapshot_identifier, target_db_snapshot_identifier, *args, **kwargs)
        parts = source_db_snapshot_identifier.split(":")
        region = parts[3] if source_db_snapshot_identifier.startswith("arn:") else self.region_name
        served = snapshot_addresses.get((self.account_id, region, parts[-1]))
        if served:
            snapshot_addresses[(self.account_id, self.region_name, target_db_snapshot_identifier)] = served
        return snapshot

    def restore_db_instance_from_db_snapshot(self, from_snapshot_id, overrides):
        database = restore(self, from_snapshot_id, overrides)
        snapshot = from_snapshot_id.split(":")[-1]
        key = (self.account_id, self.region_name, database.db_instance_identifier)
        address = endpoints().get(f"{self.region_name}/{snapshot}") or snapshot_addresses.get(
            (self.account_id, self.region_name, snapshot)
        )
        if address:
            addresses[key] = address
        else:
            addresses.pop(key, None)
        return database

    moto_address = rds.DBInstance.address

    def address(self):
        return addresses.get((self.account_id, self.region, self.db_instance_identifier)) or moto_address.fget(self)

    modify = rds.RDSBackend.modify_db_instance

    def modify_db_instance(self, db_instance_identifier, db_kwargs):
        password = db_kwargs.get("MasterUserPassword") or db_kwargs.get("master_user_password")
        database = modify(self, db_instance_identifier, db_kwargs)
        served = addresses.get((self.account_id, self.region_name, database.db_instance_identifier))
        path = os.environ.get("DR_EMULATOR_RDS_ENDPOINTS")
        if password and served and path:
            folder = os.path.join(os.path.dirname(path), "passwords")
            os.makedirs(folder, mode=0o700, exist_ok=True)
            target = os.path.join(folder, served)
            with open(target + ".new", "w", opener=lambda name, flags: os.open(name, flags, 0o600)) as file:
                file.write(password)
            os.replace(target + ".new", target)
        return database

    # A read replica (cross_region_read_replicas) of an instance that answers at a server gets a
    # PostgreSQL of its own (emulator/rehearsal/replicas.ts): moto asks for it in
    # <folder>/replicas/<region>-<id>.json and keeps the replica `creating` until the emulator answers
    # with <region>-<id>.address. The emulator copies the source's tables at creation and re-copies
    # them every second while a replica (replication lag ~1 s). A PromoteReadReplica writes
    # <region>-<id>.promote and keeps the instance `modifying` until <region>-<id>.promoted: the
    # emulator's final copy, after which the two servers part (a write to either stays there).
    # Without the variable, or for a source that answers at no server: moto's own name, at once.
    import uuid

    pending = {}  # (account, region, instance identifier) -> (file prefix, "creating" | "promoting")

    def replica_files(region, identifier):
        path = os.environ.get("DR_EMULATOR_RDS_ENDPOINTS")
        if not path:
            return None
        folder = os.path.join(os.path.dirname(path), "replicas")
        os.makedirs(folder, mode=0o700, exist_ok=True)
        return os.path.join(folder, f"{region}-{identifier}")

    def write_file(target, text):
        with open(target + ".new", "w") as file:
            file.write(text)
        os.replace(target + ".new", target)

    def follow_replica(database):
        key = (database.account_id, database.region, database.db_instance_identifier)
        entry = pending.get(key)
        if not entry:
            return
        prefix, stage = entry
        if stage == "creating":
            address = None
            if os.path.exists(prefix + ".address"):
                with open(prefix + ".address") as file:
                    address = file.read().strip()
            if address:
                addresses[key] = address
                pending.pop(key)
                database.status = "available"
            else:
                database.status = "creating"
        elif os.path.exists(prefix + ".promoted"):
            pending.pop(key)
            database.status = "available"
        else:
            database.status = "modifying"

    create_replica = rds.RDSBackend.create_db_instance_read_replica

    def create_db_instance_read_replica(self, db_kwargs):
        source_id = db_kwargs["source_db_instance_identifier"]
        parts = source_id.split(":")
        region = parts[3] if source_id.startswith("arn:") else self.region_name
        replica = create_replica(self, db_kwargs)
        served = addresses.get((self.account_id, region, parts[-1]))
        key = (self.account_id, self.region_name, replica.db_instance_identifier)
        addresses.pop(key, None)
        pending.pop(key, None)
        prefix = replica_files(self.region_name, replica.db_instance_identifier) if served else None
        if prefix:
            for suffix in (".address", ".promote", ".promoted"):
                if os.path.exists(prefix + suffix):
                    os.remove(prefix + suffix)
            write_file(prefix + ".json", json.dumps({"source": served, "request": uuid.uuid4().hex}))
            pending[key] = (prefix, "creating")
            replica.status = "creating"
        return replica

    promote_replica = rds.RDSBackend.promote_read_replica

    def promote_read_replica(self, db_kwargs):
        database = self.describe_db_instances(db_kwargs["db_instance_identifier"])[0]
        key = (self.account_id, self.region_name, database.db_instance_identifier)
        if database.is_replica and database.status != "available":
            raise rds.RDSClientError(
                "InvalidDBInstanceState", f"DB Instance {database.db_instance_identifier} is not in available state."
            )
        database = promote_replica(self, db_kwargs)
        prefix = replica_files(self.region_name, database.db_instance_identifier) if key in addresses else None
        if prefix and os.path.exists(prefix + ".json"):
            write_file(prefix + ".promote", "")
            pending[key] = (prefix, "promoting")
            database.status = "modifying"
        return database

    describe_instances = rds.RDSBackend.describe_db_instances

    def describe_db_instances(self, *args, **kwargs):
        databases = describe_instances(self, *args, **kwargs)
        for database in databases:
            follow_replica(database)
        return databases

    rds.RDSBackend.create_db_instance_read_replica = create_db_instance_read_replica
    rds.RDSBackend.promote_read_replica = promote_read_replica
    rds.RDSBackend.describe_db_instances = describe_db_instances

    # A point-in-time restore (automated_backups_replicate) answers at the server listed for
    # "<region>/<backups ARN>" (replicated backups) or "<region>/<source instance identifier>" (its own):
    # an address, or the data's history as [{"until": <ISO time>, "address": …}, …, {"address": …}]
    # (the first entry whose `until` is after the restore time; the last one for the latest time):
    # a restore to a point before a seeded bad event finds the rows it damaged.
    from moto.rds import responses

    restore_to_point_in_time = responses.RDSResponse.restore_db_instance_to_point_in_time

    def address_at(listed, restore_time):
        if not isinstance(listed, list):
            return listed
        for entry in listed:
            until = entry.get("until")
            if until is None or (restore_time and parse_time(restore_time) < parse_time(until)):
                return entry["address"]
        return None

    def restore_db_instance_to_point_in_time(self):
        result = restore_to_point_in_time(self)
        source = self.params.get("SourceDBInstanceAutomatedBackupsArn") or self.params.get("SourceDBInstanceIdentifier")
        key = (self.current_account, self.region, self.params.get("TargetDBInstanceIdentifier"))
        listed = endpoints().get(f"{self.region}/{source}") if source else None
        address = address_at(listed, self.params.get("RestoreTime"))
        if address:
            addresses[key] = address
        else:
            addresses.pop(key, None)
        return result

    rds.RDSBackend.restore_db_instance_from_db_snapshot = restore_db_instance_from_db_snapshot
    rds.RDSBackend.create_db_snapshot = create_db_snapshot
    rds.RDSBackend.copy_db_snapshot = copy_db_snapshot
    rds.DBInstance.address = property(address)
    rds.RDSBackend.modify_db_instance = modify_db_instance
    responses.RDSResponse.restore_db_instance_to_point_in_time = restore_db_instance_to_point_in_time


def replication_groups_restore_and_delete():
    """ElastiCache replication groups restored from a backup, deleted with a final snapshot.

    moto's CreateReplicationGroup accepts any SnapshotName and SnapshotArns (it restores
    nothing and checks nothing), its DeleteReplicationGroup leaves the group `deleting`
    forever and ignores FinalSnapshotIdentifier, and its snapshots carry no NodeSnapshots
    (so no SnapshotCreateTime). As on AWS (API reference: CreateReplicationGroup,
    DeleteReplicationGroup, NodeSnapshot):
    - a SnapshotName that does not exist in the region is SnapshotNotFoundFault;
    - each SnapshotArns element must be an S3 object ARN (arn:aws:s3:::bucket/key) of an
      existing object, else InvalidParameterValue (AWS: the object cannot be read);
    - DeleteReplicationGroup with FinalSnapshotIdentifier takes that snapshot first
      (SnapshotAlreadyExistsFault when the name is taken), then the group is gone (AWS
      passes through `deleting` for minutes; moto removes it at once, as its RDS does);
    - with cluster mode disabled, NumCacheClusters nodes are created (moto makes one primary
      and counts only ReplicasPerNodeGroup);
    - every snapshot has one NodeSnapshots entry whose SnapshotCreateTime is its creation
      time, or the tag `dr-emulator:snapshot-create-time` (ISO 8601) when created with it
      (emulator-only seeding, as for RDS snapshots).
    """
    import datetime

    from moto.elasticache import exceptions
    from moto.elasticache import models as elasticache
    from moto.s3.models import s3_backends

    def parse_time(value):
        try:
            return datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return None

    def s3_object_exists(account_id, arn):
        match = re.match(r"^arn:aws[a-z-]*:s3:::([^/]+)/(.+)$", arn or "")
        if not match:
            return False
        bucket_name, key = match.groups()
        backend = s3_backends[account_id]["global"]
        bucket = backend.buckets.get(bucket_name)
        return bucket is not None and key in bucket.keys

    create_group = elasticache.ElastiCacheBackend.create_replication_group

    def create_replication_group(self, *args, **kwargs):
        snapshot_name = kwargs.get("snapshot_name")
        if snapshot_name and snapshot_name not in self.snapshots:
            raise exceptions.SnapshotNotFound(snapshot_name)
        for arn in kwargs.get("snapshot_arns") or []:
            if not s3_object_exists(self.account_id, arn):
                raise exceptions.InvalidParameterValueException(
                    f"No permission to access S3 object: {arn} (it does not exist, or ElastiCache cannot read it)"
                )
        clusters = kwargs.get("num_cache_clusters")
        if clusters and kwargs.get("cluster_mode") != "enabled" and not kwargs.get("replicas_per_node_group"):
            kwargs["replicas_per_node_group"] = clusters - 1
        return create_group(self, *args, **kwargs)

    create_snapshot = elasticache.ElastiCacheBackend.create_snapshot

    def stamp(snapshot, created):
        snapshot.node_snapshots = [
            {
                "CacheClusterId": f"{snapshot.replication_group_id or snapshot.cache_cluster_id}-001",
                "NodeGroupId": "0001",
                "CacheNodeId": "0001",
                "SnapshotCreateTime": created,
            }
        ]

    def create_snapshot_stamped(self, *args, **kwargs):
        snapshot = create_snapshot(self, *args, **kwargs)
        created = datetime.datetime.now(datetime.timezone.utc)
        for tag in kwargs.get("tags") or []:
            if tag.get("Key") == "dr-emulator:snapshot-create-time":
                created = parse_time(tag.get("Value")) or created
        stamp(snapshot, created)
        return snapshot

    def delete_replication_group(self, replication_group_id, retain_primary_cluster=None, final_snapshot_identifier=None):
        if replication_group_id not in self.replication_groups:
            raise exceptions.ReplicationGroupNotFound(replication_group_id)
        if final_snapshot_identifier:
            self.create_snapshot(
                snapshot_name=final_snapshot_identifier,
                replication_group_id=replication_group_id,
                cache_cluster_id=None,
                kms_key_id=None,
                tags=None,
            )
        group = self.replication_groups.pop(replication_group_id)
        group.status = "deleting"
        return group

    from moto.elasticache import responses

    def delete_replication_group_response(self):
        group = self.elasticache_backend.delete_replication_group(
            replication_group_id=self._get_param("ReplicationGroupId"),
            retain_primary_cluster=self._get_bool_param("RetainPrimaryCluster"),
            final_snapshot_identifier=self._get_param("FinalSnapshotIdentifier"),
        )
        return responses.ActionResult({"ReplicationGroup": group})

    elasticache.ElastiCacheBackend.create_replication_group = create_replication_group
    elasticache.ElastiCacheBackend.create_snapshot = create_snapshot_stamped
    elasticache.ElastiCacheBackend.delete_replication_group = delete_replication_group
    responses.ElastiCacheResponse.delete_replication_group = delete_replication_group_response


restored_instances_start_creating()
automated_backups_replicate()
cross_region_read_replicas()
replication_groups_restore_and_delete()
restored_instances_reach_emulator_postgres()
service_tasks_register_as_targets()
records_remember_when_written()
targets_healthy_once_database_answers()
ecs_tasks_run_sql_checks()

from moto.server import main  # noqa: E402  (after the patch, as moto_server would run)

# One cheap read per service the tool, the stand-in and the seeded world call:
# (signing name, method, path, body, X-Amz-Target).
WARM_UP = [
    ("rds", "POST", "/", "Action=DescribeDBInstances&Version=2014-10-31", None),
    ("ec2", "POST", "/", "Action=DescribeVpcs&Version=2016-11-15", None),
    ("elasticloadbalancing", "POST", "/", "Action=DescribeLoadBalancers&Version=2015-12-01", None),
    ("iam", "POST", "/", "Action=ListRoles&Version=2010-05-08", None),
    ("sts", "POST", "/", "Action=GetCallerIdentity&Version=2011-06-15", None),
    ("s3", "GET", "/", "", None),
    ("route53", "GET", "/2013-04-01/hostedzone", "", None),
    ("secretsmanager", "POST", "/", "{}", "secretsmanager.ListSecrets"),
    ("ecs", "POST", "/", "{}", "AmazonEC2ContainerServiceV20141113.ListClusters"),
    ("kms", "POST", "/", "{}", "TrentService.ListKeys"),
    ("elasticache", "POST", "/", "Action=DescribeReplicationGroups&Version=2015-02-02", None),
    ("ecr", "POST", "/", "{}", "AmazonEC2ContainerRegistry_V20150921.DescribeRepositories"),
]


def warm(app):
    """Imports the backends and loads the service models, then forgets what the reads created."""
    from werkzeug.test import Client

    client = Client(app)
    for service, method, path, body, target in WARM_UP:
        headers = {
            "Host": "127.0.0.1",
            "Authorization": f"AWS4-HMAC-SHA256 Credential=test/20260101/ap-northeast-3/{service}/aws4_request, SignedHeaders=host, Signature=0",
        }
        if target:
            headers.update({"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1"})
        elif body:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        response = client.open(path, method=method, data=body, headers=headers)
        if response.status_code >= 400:
            print(f"moto-server.py: warm-up {service} answered {response.status_code}", file=sys.stderr)
    client.post("/moto-api/reset")


def die_with_parent():
    """A server must not outlive its pool (a crashed test runner leaves no moto behind)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def serve(app, conn, request):
    from moto.server import MotoRequestHandler
    from werkzeug.serving import make_server

    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request on the suite's stderr
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    for stop_signal in (signal.SIGTERM, signal.SIGINT):  # not the pool's handler, which stops its siblings
        signal.signal(stop_signal, lambda *_: os._exit(0))
    die_with_parent()
    os.environ.update({str(k): str(v) for k, v in request.get("env", {}).items()})
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=MotoRequestHandler)
    port = server.socket.getsockname()[1]
    os.environ["MOTO_PORT"] = str(port)
    conn.sendall((json.dumps({"pid": os.getpid(), "port": port}) + "\n").encode())
    conn.close()
    server.serve_forever()
    os._exit(0)


def pool(socket_path):
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    app = DomainDispatcherApplication(create_backend_app)
    warm(app)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(socket_path)
    listener.listen(16)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # forked servers are reaped as they exit
    forked = []

    def stop(*_):
        for pid in forked:
            try:
                os.kill(pid, signal.SIGTERM)
            except OSError:
                pass  # already stopped by its test
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("ready", flush=True)
    while True:
        conn, _ = listener.accept()
        try:
            request = json.loads(conn.makefile().readline() or "{}")
            pid = os.fork()
            if pid == 0:
                try:
                    listener.close()
                    serve(app, conn, request)
                finally:
                    os._exit(1)  # never back into the pool's loop
            forked.append(pid)
        except Exception as error:  # a bad request must not take the pool down
            print(f"moto-server.py: pool request failed: {error}", file=sys.stderr)
        conn.close()


if len(sys.argv) == 3 and sys.argv[1] == "--pool":
    pool(sys.argv[2])
else:
    sys.exit(main())
