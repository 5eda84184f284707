// @pulumi/aws per service, by default import: stacks/provider.ts says why.
import route53 from "@pulumi/aws/route53/index.js";
import * as pulumi from "@pulumi/pulumi";

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
