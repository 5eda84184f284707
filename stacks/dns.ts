// @pulumi/aws per service, by default import: stacks/provider.ts says why.
import route53 from "@pulumi/aws/route53/index.js";
import * as pulumi from "@pulumi/pulumi";
import { CONNECTION_NAME_RESOURCES } from "./config.js";

export interface OwnedRecordArgs {
  zoneId: string;
  name: string;
  ttl: number;
  target: pulumi.Output<string>;
}

/**
 * A DNS name the stack owns (a drill's name): created and deleted with the
 * stack. The production record is never declared here — see automation/dns.ts.
 */
export class OwnedRecord extends pulumi.ComponentResource {
  readonly record: route53.Record;

  constructor(name: string, args: OwnedRecordArgs, opts?: pulumi.ComponentResourceOptions) {
    super("dr-failover:stack:OwnedRecord", name, {}, opts);
    this.record = new route53.Record(
      "record",
      {
        zoneId: args.zoneId,
        name: args.name,
        type: "CNAME",
        ttl: args.ttl,
        records: [args.target],
        // Never allowOverwrite: a pre-existing record with this name is someone else's.
      },
      // Create-before-delete of the same name would delete the new record.
      { parent: this, deleteBeforeReplace: true },
    );
    this.registerOutputs({ fqdn: this.record.fqdn });
  }
}

export interface ConnectionNameArgs {
  app: string;
  zoneName: string;
  recordName: string;
  vpcId: string;
  /** The VPC's region (set, so that a re-run has nothing to diff: Read returns it). */
  region: string;
  /** The restored instance's address (known once the restore is done). */
  target: pulumi.Output<string>;
}

/**
 * The database's connection name: a private hosted zone of the DR VPC, owned by
 * the stack, with one CNAME pointing at the restored instance. The name is known
 * at once (the secret holds it); it resolves, inside the VPC only, once the
 * restore is done. Destroy deletes the record before the zone (it depends on it).
 */
export class ConnectionName extends pulumi.ComponentResource {
  readonly zone: route53.Zone;
  readonly record: route53.Record;
  /** `<recordName>.<zoneName>`, known before the database exists. */
  readonly fqdn: string;

  constructor(name: string, args: ConnectionNameArgs, opts?: pulumi.ComponentResourceOptions) {
    super("dr-failover:stack:ConnectionName", name, {}, opts);
    this.zone = new route53.Zone(
      CONNECTION_NAME_RESOURCES.zone,
      {
        name: args.zoneName,
        // Recovery adopts a zone left by a killed create by its name, VPC and this comment.
        comment: `dr-failover ${args.app}: database connection name`,
        vpcs: [{ vpcId: args.vpcId, vpcRegion: args.region }],
      },
      { parent: this },
    );
    this.fqdn = `${args.recordName}.${args.zoneName}`;
    this.record = new route53.Record(
      CONNECTION_NAME_RESOURCES.record,
      { zoneId: this.zone.zoneId, name: this.fqdn, type: "CNAME", ttl: 30, records: [args.target] },
      { parent: this, deleteBeforeReplace: true },
    );
    this.registerOutputs({ fqdn: this.fqdn });
  }
}
