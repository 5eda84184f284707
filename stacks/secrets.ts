// @pulumi/aws per service, by default import: stacks/provider.ts says why.
import secretsmanager from "@pulumi/aws/secretsmanager/index.js";
import * as pulumi from "@pulumi/pulumi";
import type { DrStackArgs } from "./args.js";

export interface ConnectionSecretArgs {
  mode: DrStackArgs["mode"];
  name: string;
  database: DrStackArgs["database"];
  /** The connection name (known before the database exists: the service does not wait for the restore). */
  host: pulumi.Input<string>;
  /** The snapshot's port and master user (preflight read them; a restore cannot change them). */
  port: pulumi.Input<number>;
  username: pulumi.Input<string>;
  password: pulumi.Output<string>;
}

/**
 * The application's DB connection secret in the target region (runbook step 3).
 * Its host is the stack's connection name (a CNAME in the DR VPC's private zone
 * that points at the restored endpoint), so neither the secret nor its value
 * waits for the database: the service starts while the restore runs.
 */
export class ConnectionSecret extends pulumi.ComponentResource {
  readonly secret: secretsmanager.Secret;
  readonly version: secretsmanager.SecretVersion;

  constructor(name: string, args: ConnectionSecretArgs, opts?: pulumi.ComponentResourceOptions) {
    super("dr-failover:stack:ConnectionSecret", name, {}, opts);
    this.secret = new secretsmanager.Secret(
      "connection",
      {
        name: args.name,
        description: `DB connection of the ${args.mode} environment restored by dr-failover`,
        // A drill's secret is gone at once so the next drill can reuse nothing by accident.
        recoveryWindowInDays: args.mode === "drill" ? 0 : 7,
      },
      { parent: this },
    );
    const secretString = pulumi
      .all([args.host, args.port, args.username, args.password])
      .apply(([host, port, username, password]) =>
        JSON.stringify({
          engine: args.database.engine,
          host,
          port,
          database: args.database.databaseName,
          username,
          password,
        }),
      );
    this.version = new secretsmanager.SecretVersion(
      "connection-value",
      { secretId: this.secret.id, secretString: pulumi.secret(secretString) },
      { parent: this },
    );
    this.registerOutputs({ arn: this.secret.arn });
  }
}
