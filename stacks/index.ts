/**
 * The DR stack: one component per concern, all in the target region through
 * one explicit provider. Pure: config in, resources out.
 */
import * as pulumi from "@pulumi/pulumi";
import type { DrStackArgs, DrStackOutputs } from "./args.js";
import { RestoredCache } from "./cache.js";
import { ARGS_KEY, CONFIG_NAMESPACE, PASSWORD_KEY } from "./config.js";
import { RestoredDatabase } from "./database.js";
import { ConnectionName, OwnedRecord } from "./dns.js";
import { targetRegionProvider } from "./provider.js";
import { ConnectionSecret } from "./secrets.js";
import { AppService } from "./service.js";
import { ReplicaBucketBinding } from "./storage.js";

export type { DrMode, DrStackArgs, DrStackOutputs } from "./args.js";
export { ARGS_KEY, CONFIG_NAMESPACE, PASSWORD_KEY } from "./config.js";

type Outputs = { [K in keyof DrStackOutputs]: pulumi.Output<DrStackOutputs[K]> | DrStackOutputs[K] };

/** Declares the whole DR environment and returns the outputs automation/ reads back. */
export function drStack(args: DrStackArgs, password: pulumi.Output<string>): Outputs {
  const provider = targetRegionProvider(args);
  const opts = { providers: { aws: provider } };

  const database = new RestoredDatabase("database", { mode: args.mode, database: args.database, password }, opts);
  const cache = args.cache ? new RestoredCache("cache", { mode: args.mode, cache: args.cache }, opts) : undefined;
  // A name that exists before the database does: the secret and the service need not wait for the restore.
  const connection = new ConnectionName(
    "connection",
    { ...args.connection, app: args.app, region: args.targetRegion, target: database.instance.address },
    opts,
  );
  const secret = new ConnectionSecret(
    "secret",
    {
      mode: args.mode,
      name: args.secret.name,
      database: args.database,
      host: connection.fqdn,
      port: args.database.port,
      username: args.secret.username,
      password,
    },
    opts,
  );
  // The task role is needed by the bucket binding; the service needs the bucket name: build roles first.
  const service: AppService = new AppService(
    "service",
    {
      service: args.service,
      loadBalancer: args.loadBalancer,
      secretArn: secret.secret.arn,
      replicaBucket: args.storage.replicaBucket,
      cache: cache && { address: cache.group.primaryEndpointAddress, port: cache.group.port },
    },
    opts,
  );
  const storage = new ReplicaBucketBinding(
    "storage",
    { replicaBucket: args.storage.replicaBucket, taskRoleName: service.taskRole.name },
    opts,
  );
  const owned = args.dns.ownedRecord
    ? new OwnedRecord(
        "dns",
        {
          zoneId: args.dns.zoneId,
          name: args.dns.ownedRecord.name,
          ttl: args.dns.ownedRecord.ttl,
          target: service.loadBalancer.dnsName,
        },
        opts,
      )
    : undefined;

  return {
    mode: args.mode,
    databaseIdentifier: database.instance.identifier,
    databaseAddress: database.instance.address,
    databasePort: database.instance.port,
    databaseUsername: database.instance.username,
    secretArn: secret.secret.arn,
    connectionName: connection.fqdn,
    clusterName: service.cluster.name,
    serviceName: service.service.name,
    loadBalancerDnsName: service.loadBalancer.dnsName,
    loadBalancerZoneId: service.loadBalancer.zoneId,
    targetGroupArn: service.targetGroup.arn,
    replicaBucket: storage.bucketName,
    cacheAddress: cache?.group.primaryEndpointAddress,
    cachePort: cache?.group.port.apply((port) => port ?? args.cache?.port),
    cacheReplicationGroupId: cache?.group.replicationGroupId,
    ownedRecordName: owned?.record.fqdn,
  };
}

/** The program as Pulumi runs it (inline from automation/, or `pulumi up` with Pulumi.yaml). */
export async function drProgram(): Promise<Outputs> {
  const config = new pulumi.Config(CONFIG_NAMESPACE);
  const args = config.requireObject<DrStackArgs>(ARGS_KEY);
  const password = config.requireSecret(PASSWORD_KEY);
  return drStack(args, password);
}
