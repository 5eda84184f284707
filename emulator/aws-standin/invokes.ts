/** Data sources (invokes) of the stand-in beyond route53/getZone. */
import type { InvokeHandler } from "./types.js";
import { awsErrorName } from "./wire.js";
import { S3 } from "../../automation/sdk.js";

/** S3 website/alias hosted zone ids per region (public AWS values). */
const S3_HOSTED_ZONE_IDS: Record<string, string> = {
  "us-east-1": "Z3AQBSTGFYJSTF",
  "us-east-2": "Z2O1EMRO9K5GLX",
  "us-west-1": "Z2F56UZL2M1ACD",
  "us-west-2": "Z3BJ6K6RIION7M",
  "eu-west-1": "Z1BKCTXD74EZPE",
  "eu-west-2": "Z3GKZC51ZF0DB4",
  "eu-central-1": "Z21DNDUVLTQW6Q",
  "ap-northeast-1": "Z2M4EHUR26P7ZW",
  "ap-southeast-1": "Z3O0J2DXBE1FTB",
  "ap-southeast-2": "Z1WCIGYICN2BYD",
};

const ACCOUNT_ID = process.env.MOTO_ACCOUNT_ID ?? "123456789012";

export const getBucket: InvokeHandler = {
  token: "aws:s3/getBucket:getBucket",
  async invoke(clients, args) {
    const bucket = args.bucket as string | undefined;
    if (!bucket) throw new Error('the argument "bucket" is required');
    const s3 = clients.s3();
    try {
      await s3.send(new S3.HeadBucketCommand({ Bucket: bucket }));
    } catch (error) {
      const name = awsErrorName(error);
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (name === "NotFound" || name === "NoSuchBucket" || status === 404) {
        throw new Error(`reading S3 Bucket (${bucket}): couldn't find resource`);
      }
      throw new Error(`reading S3 Bucket (${bucket}): ${(error as Error).message}`, { cause: error });
    }
    const location = await s3.send(new S3.GetBucketLocationCommand({ Bucket: bucket }));
    const region = location.LocationConstraint || "us-east-1";
    return {
      id: bucket,
      bucket,
      arn: `arn:aws:s3:::${bucket}`,
      bucketDomainName: `${bucket}.s3.amazonaws.com`,
      bucketRegionalDomainName: `${bucket}.s3.${region}.amazonaws.com`,
      region,
      hostedZoneId: S3_HOSTED_ZONE_IDS[region] ?? "",
      websiteDomain: "",
      websiteEndpoint: "",
    };
  },
};

export const getRegion: InvokeHandler = {
  token: "aws:index/getRegion:getRegion",
  async invoke(clients, args) {
    const name = (args.region as string | undefined) ?? (args.name as string | undefined) ?? clients.region;
    return { id: name, name, region: name, endpoint: `ec2.${name}.amazonaws.com`, description: name };
  },
};

export const getCallerIdentity: InvokeHandler = {
  token: "aws:index/getCallerIdentity:getCallerIdentity",
  async invoke() {
    return {
      id: ACCOUNT_ID,
      accountId: ACCOUNT_ID,
      arn: `arn:aws:sts::${ACCOUNT_ID}:user/moto`,
      userId: "AKIAIOSFODNN7EXAMPLE",
    };
  },
};

export const getPartition: InvokeHandler = {
  token: "aws:index/getPartition:getPartition",
  async invoke() {
    return {
      id: "aws",
      partition: "aws",
      dnsSuffix: "amazonaws.com",
      reverseDnsPrefix: "com.amazonaws",
    };
  },
};
