/**
 * Verification of the DR environment: the service answers healthy through its
 * DNS name, ECS runs what was asked, and the operator's own checks pass (the
 * seed runbook's monthly check compares record counts).
 */
import { execa } from "execa";
import { request } from "node:http";
import { sleep, type AwsClients } from "./aws.js";
import type { Plan } from "./plan.js";
import { ECS } from "./sdk.js";

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
  durationMs: number;
}

/** Like curl's --connect-to: send requests for a host to another address (the emulator's app stand-in). */
export type ConnectTo = (host: string) => { host: string; port: number } | undefined;

function httpGet(url: URL, connectTo: ConnectTo | undefined, timeoutMs: number): Promise<number> {
  const target = connectTo?.(url.hostname);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target?.host ?? url.hostname,
        port: target?.port ?? (url.port || 80),
        path: url.pathname + url.search,
        method: "GET",
        headers: { host: url.host, "user-agent": "dr-failover-verify" },
        timeout: timeoutMs,
      },
      (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      },
    );
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

/** Polls until the expected status or the timeout; the result says how long it took. */
export async function checkHealth(options: HealthCheckOptions): Promise<CheckResult> {
  const started = performance.now();
  const url = new URL(`http://${options.hostname}${options.path}`);
  const deadline = Date.now() + options.timeoutMs;
  let last = "no attempt";
  let interval = 1_000;
  let attempts = 0;
  while (!options.signal?.aborted) {
    attempts += 1;
    try {
      const status = await httpGet(url, options.connectTo, 5_000);
      if (status === options.expectStatus) {
        return {
          name: `HTTP ${url}`,
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
    name: `HTTP ${url}`,
    ok: false,
    detail: `expected ${options.expectStatus}, last answer: ${last} (${attempts} attempts)`,
    durationMs: Math.round(performance.now() - started),
  };
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
