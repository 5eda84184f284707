// @pulumi/aws per service, by default import: stacks/provider.ts says why.
import secretsmanager from "@pulumi/aws/secretsmanager/index.js";
import * as pulumi from "@pulumi/pulumi";
import type { DrStackArgs } from "./args.js";

export interface ConnectionSecretArgs {
  mode: DrStackArgs["mode"];
  name: string;
  database: DrStackArgs["database"];
  address: pulumi.Output<string>;
  /** The instance's port and master user as RDS reports them (the snapshot's user: a restore cannot change it). */
  port: pulumi.Output<number>;
  username: pulumi.Output<string>;
  password: pulumi.Output<string>;
}

/**
 * The application's DB connection secret in the target region, pointing at the
 * restored endpoint (runbook step 3). The secret itself does not wait for the
 * database — only its value does — so roles and the task definition can
 * reference its ARN while the restore is still running.
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
      .all([args.address, args.port, args.username, args.password])
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
