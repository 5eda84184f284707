// @pulumi/aws per service, by default import: stacks/provider.ts says why.
import iam from "@pulumi/aws/iam/index.js";
import s3 from "@pulumi/aws/s3/index.js";
import * as pulumi from "@pulumi/pulumi";

export interface ReplicaBucketBindingArgs {
  replicaBucket: string;
  /** The ECS task role that gets read/write access to the replica. */
  taskRoleName: pulumi.Input<string>;
}

/**
 * Binds the existing cross-region replica of the asset bucket: looked up, never
 * created or deleted by the DR stack. Only the access of the task role is owned.
 */
export class ReplicaBucketBinding extends pulumi.ComponentResource {
  readonly bucketName: pulumi.Output<string>;
  readonly bucketArn: pulumi.Output<string>;

  constructor(name: string, args: ReplicaBucketBindingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("dr-failover:stack:ReplicaBucketBinding", name, {}, opts);
    const bucket = s3.getBucketOutput({ bucket: args.replicaBucket }, { parent: this });
    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;
    new iam.RolePolicy(
      "replica-bucket-access",
      {
        role: args.taskRoleName,
        policy: bucket.arn.apply((arn) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              { Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: arn },
              {
                Effect: "Allow",
                Action: ["s3:GetObject", "s3:PutObject", "s3:GetObjectVersion"],
                Resource: `${arn}/*`,
              },
            ],
          }),
        ),
      },
      { parent: this },
    );
    this.registerOutputs({ bucketName: this.bucketName });
  }
}
