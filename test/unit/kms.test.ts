/**
 * The one KMS call (automation/kms.ts) without an SDK client: the request is
 * AWS JSON 1.1, SigV4-signed for the `kms` service in the key's region, and
 * the answers map to key metadata, "not found" or a named error.
 */
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kmsKeys } from "../../automation/kms.js";

const REGION = "ap-northeast-3";
const KEY = `arn:aws:kms:${REGION}:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const requests: { headers: IncomingHttpHeaders; body: string }[] = [];
let answer: { status: number; body: unknown } = { status: 200, body: {} };
const server = createServer((request, response) => {
  let body = "";
  request.on("data", (chunk) => (body += chunk));
  request.on("end", () => {
    requests.push({ headers: request.headers, body });
    response.writeHead(answer.status, { "content-type": "application/x-amz-json-1.1" });
    response.end(JSON.stringify(answer.body));
  });
});

beforeAll(() => new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve)));
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const keys = () =>
  kmsKeys({
    region: REGION,
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    credentials: async () => ({ accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret", sessionToken: "token" }),
    maxAttempts: 2,
    requestTimeoutMs: 5_000,
  });

describe("KMS DescribeKey", () => {
  it("sends a SigV4-signed JSON 1.1 TrentService.DescribeKey and returns the key's ARN and state", async () => {
    answer = { status: 200, body: { KeyMetadata: { KeyId: "1234abcd", Arn: KEY, KeyState: "Enabled" } } };
    expect(await keys().describeKey(KEY)).toEqual({ keyId: "1234abcd", arn: KEY, keyState: "Enabled" });
    const { headers, body } = requests.at(-1)!;
    expect(JSON.parse(body)).toEqual({ KeyId: KEY });
    expect(headers["x-amz-target"]).toBe("TrentService.DescribeKey");
    expect(headers["content-type"]).toBe("application/x-amz-json-1.1");
    expect(headers["x-amz-security-token"]).toBe("token");
    expect(headers.authorization).toMatch(
      new RegExp(
        `^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/\\d{8}/${REGION}/kms/aws4_request, SignedHeaders=[a-z0-9;-]*x-amz-target[a-z0-9;-]*, Signature=[0-9a-f]{64}$`,
      ),
    );
  });

  it("answers undefined for a key that does not exist, and throws other errors by name", async () => {
    answer = { status: 400, body: { __type: "NotFoundException", message: "Key does not exist" } };
    expect(await keys().describeKey(KEY)).toBeUndefined();
    answer = { status: 400, body: { __type: "AccessDeniedException", message: "not authorized" } };
    const before = requests.length;
    await expect(keys().describeKey(KEY)).rejects.toMatchObject({ name: "AccessDeniedException" });
    expect(requests.length - before, "a client error is not retried").toBe(1);
  });
});
