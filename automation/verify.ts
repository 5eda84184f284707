/**
 * Verification of the DR environment: the service answers healthy over HTTPS
 * through its DNS name (the certificate verified for that name, as clients
 * will), plain HTTP redirects to HTTPS, ECS runs what was asked, and the
 * operator's own checks pass (the seed runbook's monthly check compares record
 * counts).
 */
import { execa } from "execa";
import { type IncomingMessage, type RequestOptions, request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { sleep, type AwsClients } from "./aws.js";
import type { Plan } from "./plan.js";
import { ECS, S3 } from "./sdk.js";

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
  durationMs: number;
}

/** Where a request for host:port really goes, like curl's --connect-to. */
export interface ConnectTarget {
  host: string;
  port: number;
  /** PEM trust anchors for this connection only (the emulator's own CA); default: the system's CAs. */
  ca?: string;
}

/** Sends requests for a name to another address (the emulator's app stand-in, a lab's load balancer). */
export type ConnectTo = (host: string, port: number) => ConnectTarget | undefined;

interface HttpAnswer {
  status: number;
  location?: string;
}

/**
 * One GET, on a fresh connection. Over HTTPS the name is the SNI and the
 * certificate is verified for it, as every client of the name will.
 */
function get(url: URL, connectTo: ConnectTo | undefined, timeoutMs: number): Promise<HttpAnswer> {
  const secure = url.protocol === "https:";
  const port = Number(url.port || (secure ? 443 : 80));
  const target = connectTo?.(url.hostname, port);
  const options: RequestOptions = {
    host: target?.host ?? url.hostname,
    port: target?.port ?? port,
    path: url.pathname + url.search,
    method: "GET",
    headers: { host: url.host, "user-agent": "dr-failover-verify" },
    timeout: timeoutMs,
    agent: false,
  };
  return new Promise((resolve, reject) => {
    const onResponse = (response: IncomingMessage) => {
      response.resume();
      resolve({ status: response.statusCode ?? 0, location: response.headers.location });
    };
    const req = secure
      ? httpsRequest({ ...options, servername: url.hostname, ca: target?.ca }, onResponse)
      : httpRequest(options, onResponse);
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end();
  });
}

export interface HealthCheckOptions {
  hostname: string;
  path: string;
  expectStatus: number;
  timeoutMs: number;
  connectTo?: ConnectTo;
  signal?: AbortSignal;
}

/** Polls https://<hostname><path> until the expected status or the timeout; the result says how long it took. */
export async function checkHealth(options: HealthCheckOptions): Promise<CheckResult> {
  const started = performance.now();
  const url = new URL(`https://${options.hostname}${options.path}`);
  const deadline = Date.now() + options.timeoutMs;
  let last = "no attempt";
  let interval = 1_000;
  let attempts = 0;
  while (!options.signal?.aborted) {
    attempts += 1;
    try {
      const { status } = await get(url, options.connectTo, 5_000);
      if (status === options.expectStatus) {
        return {
          name: `GET ${url}`,
          ok: true,
          detail: `${status} after ${attempts} attempt(s)`,
          durationMs: Math.round(performance.now() - started),
        };
      }
      last = `status ${status}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() >= deadline) break;
    await sleep(Math.min(interval, Math.max(0, deadline - Date.now())), options.signal);
    interval = Math.min(interval * 2, 15_000);
  }
  return {
    name: `GET ${url}`,
    ok: false,
    detail: `expected ${options.expectStatus}, last answer: ${last} (${attempts} attempts)`,
    durationMs: Math.round(performance.now() - started),
  };
}

/**
 * Plain HTTP must only redirect: one GET on http://<hostname><path> must answer
 * 301 with a Location on https:// for the same name, port 443 and path.
 */
export async function checkHttpsRedirect(
  options: Pick<HealthCheckOptions, "hostname" | "path" | "connectTo">,
): Promise<CheckResult> {
  const started = performance.now();
  const url = new URL(`http://${options.hostname}${options.path}`);
  const name = `GET ${url} redirects to HTTPS`;
  const result = (ok: boolean, detail: string) => ({
    name,
    ok,
    detail,
    durationMs: Math.round(performance.now() - started),
  });
  let answer: HttpAnswer;
  try {
    answer = await get(url, options.connectTo, 5_000);
  } catch (error) {
    return result(false, `no answer: ${error instanceof Error ? error.message : String(error)}`);
  }
  let to: URL | undefined;
  try {
    to = answer.location ? new URL(answer.location, url) : undefined;
  } catch {
    to = undefined;
  }
  const redirected =
    answer.status === 301 &&
    to?.protocol === "https:" &&
    to.hostname === url.hostname &&
    to.port === "" &&
    to.pathname === url.pathname;
  return redirected
    ? result(true, `301 to ${to}`)
    : result(
        false,
        `expected 301 to https://${url.host}${url.pathname}, got ${answer.status}${answer.location ? ` to ${answer.location}` : ""}`,
      );
}

/** ECS steady state: one deployment, running == desired. */
export async function checkEcsService(
  aws: AwsClients,
  region: string,
  cluster: string,
  service: string,
): Promise<CheckResult> {
  const started = performance.now();
  const result = await aws.ecs(region).send(new ECS.DescribeServicesCommand({ cluster, services: [service] }));
  const found = result.services?.[0];
  const ok = Boolean(
    found &&
      found.runningCount === found.desiredCount &&
      (found.deployments?.length ?? 0) <= 1 &&
      (found.desiredCount ?? 0) > 0,
  );
  return {
    name: `ECS service ${service}`,
    ok,
    detail: found
      ? `${found.runningCount}/${found.desiredCount} running, ${found.deployments?.length ?? 0} deployment(s)`
      : "not found",
    durationMs: Math.round(performance.now() - started),
  };
}

/** Environment the operator's commands get: where the DR environment is; never a password. */
export interface DrEnvironment {
  DR_TARGET_REGION: string;
  DR_DB_HOST: string;
  DR_DB_PORT: string;
  DR_DB_NAME: string;
  DR_DB_USER: string;
  DR_DB_SECRET_ARN: string;
  DR_SERVICE_URL: string;
  DR_MODE: string;
}

export async function runOperatorChecks(
  commands: Plan["verification"]["commands"],
  environment: DrEnvironment,
  redact: (text: string) => string,
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const command of commands) {
    const started = performance.now();
    const run = await execa(command.run, {
      shell: true,
      reject: false,
      timeout: command.timeout,
      stdin: "ignore",
      env: { ...environment },
    });
    const output = redact(String(run.stdout ?? "").trim());
    let ok = run.exitCode === 0 && !run.timedOut;
    let detail = run.timedOut ? `timed out after ${Math.round(command.timeout / 1000)} s` : `exit ${run.exitCode}`;
    if (ok && command.expectOutput !== undefined && !new RegExp(command.expectOutput).test(output)) {
      ok = false;
      detail = `output did not match /${command.expectOutput}/`;
    }
    results.push({
      name: command.name,
      ok,
      detail: `${detail}${output ? `: ${output.slice(0, 500)}` : ""}`,
      durationMs: Math.round(performance.now() - started),
    });
  }
  return results;
}

/** One ListObjectVersions page: enough to find an object with an earlier version without walking a large bucket. */
const VERSIONS_PAGE = 1000;

/**
 * The runbook's monthly "restore a file from S3 versions" check, read-only: a
 * previous version of the first object under `prefix` in the replica bucket
 * that has one is read back (GetObject with its VersionId); nothing is written.
 * A bucket whose sampled objects have no earlier version passes, saying so.
 */
export async function checkObjectVersionRestore(
  aws: AwsClients,
  region: string,
  bucket: string,
  prefix: string,
): Promise<CheckResult> {
  const name = "s3-version-restore";
  const started = performance.now();
  const done = (ok: boolean, detail: string): CheckResult => ({
    name,
    ok,
    detail,
    durationMs: performance.now() - started,
  });
  const where = `${bucket}${prefix ? ` under ${prefix}` : ""}`;
  try {
    const listed = await aws
      .s3(region)
      .send(new S3.ListObjectVersionsCommand({ Bucket: bucket, Prefix: prefix || undefined, MaxKeys: VERSIONS_PAGE }));
    const previous = (listed.Versions ?? []).find((version) => version.IsLatest === false && version.VersionId);
    if (!previous)
      return done(
        true,
        `no object of ${where} has an earlier version in the first ${VERSIONS_PAGE} versions: nothing to restore from (read nothing)`,
      );
    const object = await aws
      .s3(region)
      .send(new S3.GetObjectCommand({ Bucket: bucket, Key: previous.Key, VersionId: previous.VersionId }));
    const bytes = (await object.Body?.transformToByteArray())?.length ?? 0;
    return done(
      true,
      `read version ${previous.VersionId} of ${previous.Key} (${bytes} bytes, ${previous.LastModified?.toISOString() ?? "time unknown"}) from ${bucket}; nothing written`,
    );
  } catch (error) {
    return done(
      false,
      `could not read an earlier version in ${where}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)} — check s3:ListBucketVersions and s3:GetObjectVersion, and that versioning is Enabled`,
    );
  }
}
