/**
 * The service's container image: where an ECR image URI points, and whether
 * the image is there. Fargate pulls it when a task starts, so an image missing
 * from the target region's registry fails only after the database, the load
 * balancer and the roles were created — preflight asks ECR first.
 */
import type { ImageIdentifier } from "@aws-sdk/client-ecr";
import { awsErrorName, type AwsClients } from "./aws.js";
import { ECR } from "./sdk.js";

/** The parts of `<account>.dkr.ecr.<region>.amazonaws.com/<repository>(:<tag>|@<digest>)`. */
export interface EcrImage {
  account: string;
  region: string;
  repository: string;
  /** The tag (default `latest` when neither tag nor digest is given). */
  tag?: string;
  digest?: string;
}

const ECR_IMAGE =
  /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z]{2}(?:-gov)?-[a-z]+-\d)\.amazonaws\.com(?:\.cn)?\/([a-z0-9][a-z0-9._/-]*?)(?::([\w][\w.-]{0,127}))?(?:@(sha256:[0-9a-f]{64}))?$/;

/** The ECR coordinates of an image URI, or undefined when it is not an ECR image (Docker Hub, public.ecr.aws, …). */
export function parseEcrImage(image: string): EcrImage | undefined {
  const match = ECR_IMAGE.exec(image);
  if (!match) return undefined;
  const [, account, region, repository, tag, digest] = match;
  return { account, region, repository, tag: tag ?? (digest ? undefined : "latest"), digest };
}

/** How messages name the image inside its repository: `:tag` or `@sha256:…`. */
const reference = (image: EcrImage) => (image.digest ? `@${image.digest}` : `:${image.tag}`);

/** What the target region's ECR says about the plan's image. */
export type ImageCheck =
  | { state: "present"; image: EcrImage; pushedAt?: Date; digest?: string }
  | { state: "not-ecr" }
  | { state: "other-region"; image: EcrImage }
  | { state: "no-repository" | "no-image"; image: EcrImage };

/** DescribeImages in the image's own registry, when it is an ECR image of `region`. Other failures propagate. */
export async function checkImage(aws: AwsClients, region: string, uri: string): Promise<ImageCheck> {
  const image = parseEcrImage(uri);
  if (!image) return { state: "not-ecr" };
  if (image.region !== region) return { state: "other-region", image };
  const imageId: ImageIdentifier = image.digest ? { imageDigest: image.digest } : { imageTag: image.tag };
  try {
    const found = await aws.ecr(region).send(
      new ECR.DescribeImagesCommand({
        registryId: image.account,
        repositoryName: image.repository,
        imageIds: [imageId],
      }),
    );
    const detail = found.imageDetails?.[0];
    if (!detail) return { state: "no-image", image };
    return { state: "present", image, pushedAt: detail.imagePushedAt, digest: detail.imageDigest };
  } catch (error) {
    const name = awsErrorName(error);
    if (name === "RepositoryNotFoundException") return { state: "no-repository", image };
    if (name === "ImageNotFoundException") return { state: "no-image", image };
    throw error;
  }
}

/** The problem a check found (code + message with the fix), or undefined when the image can be pulled or is not ECR's. */
export function imageProblem(
  check: ImageCheck,
  uri: string,
  region: string,
): { code: string; message: string } | undefined {
  const field = `targets.${region}.service.image`;
  switch (check.state) {
    case "present":
    case "not-ecr":
      return undefined;
    case "other-region":
      return {
        code: "IMAGE_OTHER_REGION",
        message: `${field} ${uri} is an image of the ECR of ${check.image.region}, not of ${region}: the DR tasks would pull it from ${check.image.region} (impossible when that region is down) — replicate the repository to ${region} (ECR replication) and name ${check.image.account}.dkr.ecr.${region}.amazonaws.com/${check.image.repository}${reference(check.image)}`,
      };
    case "no-repository":
      return {
        code: "IMAGE_NOT_FOUND",
        message: `image ${uri} does not exist: ECR repository ${check.image.repository} not found in ${region} — replicate the repository to ${region} (an ECR replication rule) or push the image there, or fix ${field}`,
      };
    case "no-image":
      return {
        code: "IMAGE_NOT_FOUND",
        message: `image ${uri} does not exist: ECR repository ${check.image.repository} in ${region} has no image ${reference(check.image)} — push it (or let ECR replication copy it) to ${region}, or fix ${field}`,
      };
  }
}
