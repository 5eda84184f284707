/**
 * Data checks in the restored database (the runbook's monthly record counts):
 * each query returns one number, compared with its expectation (min, max,
 * equals, within N % of the last successful drill). The credentials are those
 * of the DR connection secret, read in the target region and never shown.
 *
 * Two runners: `direct` (the tool connects with `pg`) and `ecs-task` (a one-off
 * task in the DR cluster with the secret injected by ECS, psql per check, the
 * output read back from its log).
 */
import pg from "pg";
import type { AwsClients } from "./aws.js";
import { awsErrorName, sleep, wrapAwsError } from "./aws.js";
import { PreconditionError } from "./errors.js";
import type { Plan } from "./plan.js";
import type { RunReport } from "./report/model.js";
import { CloudWatchLogs, ECS, SecretsManager } from "./sdk.js";

export type SqlCheck = NonNullable<Plan["verification"]["sql"]>["checks"][number];

/** One row of the report's data-check table. */
export interface SqlCheckResult {
  name: string;
  query: string;
  /** The number the query returned (undefined when it failed). */
  value?: number;
  /** What the value had to be, in words, e.g. "≥ 1, within 5 % of 4800 (drill r-…)". */
  expectation: string;
  ok: boolean;
  /** Why it failed (the query's error, or the expectation missed); "ok" otherwise. */
  detail: string;
  /** The last successful drill's value a `within` compared with. */
  baseline?: { value: number; runId: string };
}

/** The DR connection secret's content (stacks/secrets.ts writes it). */
export interface DatabaseConnection {
  engine?: string;
  host: string;
  port: number;
  database: string;
  username: string;
  password: string;
}

/**
 * The connection as the tool reaches it from outside the DR VPC: the secret holds the stack's
 * private connection name (db.<app>.dr.internal), which resolves only inside that VPC, to the
 * instance's address; any other host is kept.
 */
export function reachableFromTool(
  connection: DatabaseConnection,
  outputs: { connectionName?: string; databaseAddress: string },
): DatabaseConnection {
  return outputs.connectionName !== undefined && connection.host === outputs.connectionName
    ? { ...connection, host: outputs.databaseAddress }
    : connection;
}

/** Reads the DR connection secret in the target region; the caller registers the password for redaction at once. */
export async function readConnectionSecret(
  aws: AwsClients,
  region: string,
  secretArn: string,
): Promise<DatabaseConnection> {
  let text: string | undefined;
  try {
    const answer = await aws.secrets(region).send(new SecretsManager.GetSecretValueCommand({ SecretId: secretArn }));
    text = answer.SecretString;
  } catch (error) {
    throw wrapAwsError(`reading the DR connection secret ${secretArn}`, error);
  }
  const parsed = (() => {
    try {
      return JSON.parse(text ?? "") as Partial<DatabaseConnection>;
    } catch {
      return undefined;
    }
  })();
  if (!parsed || typeof parsed.host !== "string" || typeof parsed.password !== "string" || !parsed.username) {
    throw new PreconditionError(
      "CONNECTION_SECRET_UNREADABLE",
      `the DR connection secret ${secretArn} is not the JSON the stack writes (host, port, database, username, password)`,
      { hint: "Check the secret in the Secrets Manager console of the target region." },
    );
  }
  return {
    engine: parsed.engine,
    host: parsed.host,
    port: Number(parsed.port),
    database: String(parsed.database),
    username: String(parsed.username),
    password: parsed.password,
  };
}

/** Each check's value from the last successful drill of this app and target region that measured it. */
export function baselinesFrom(
  reports: readonly RunReport[],
  where: { app: string; targetRegion: string; emulator: boolean },
): Map<string, { value: number; runId: string }> {
  const baselines = new Map<string, { value: number; runId: string }>();
  const drills = reports
    .filter(
      (report) =>
        report.journey === "drill" &&
        report.result === "succeeded" &&
        report.app === where.app &&
        report.targetRegion === where.targetRegion &&
        report.emulator === where.emulator,
    )
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  for (const report of drills) {
    for (const check of report.dataChecks ?? []) {
      if (check.ok && check.value !== undefined) baselines.set(check.name, { value: check.value, runId: report.runId });
    }
  }
  return baselines;
}

const format = (value: number) => (Number.isInteger(value) ? String(value) : value.toPrecision(6));

/** The check's expectation in words, with the baseline a `within` compares with. */
export function describeExpectation(check: SqlCheck, baseline?: { value: number; runId: string }): string {
  const parts: string[] = [];
  if (check.equals !== undefined) parts.push(`= ${format(check.equals)}`);
  if (check.min !== undefined) parts.push(`≥ ${format(check.min)}`);
  if (check.max !== undefined) parts.push(`≤ ${format(check.max)}`);
  if (check.within !== undefined)
    parts.push(
      baseline
        ? `within ${check.within} % of ${format(baseline.value)} (drill ${baseline.runId})`
        : `within ${check.within} % of the last drill (none yet)`,
    );
  return parts.join(", ");
}

/** The check's result for the value its query returned (or the error it failed with). */
export function evaluateSqlCheck(
  check: SqlCheck,
  outcome: { value: number } | { error: string },
  baseline?: { value: number; runId: string },
): SqlCheckResult {
  const expectation = describeExpectation(check, baseline);
  const base = { name: check.name, query: check.query, expectation, ...(baseline ? { baseline } : {}) };
  if ("error" in outcome) return { ...base, ok: false, detail: outcome.error };
  const { value } = outcome;
  const missed: string[] = [];
  if (check.equals !== undefined && value !== check.equals) missed.push(`not ${format(check.equals)}`);
  if (check.min !== undefined && value < check.min) missed.push(`below ${format(check.min)}`);
  if (check.max !== undefined && value > check.max) missed.push(`above ${format(check.max)}`);
  if (check.within !== undefined && baseline) {
    const change =
      baseline.value === 0 ? (value === 0 ? 0 : Infinity) : ((value - baseline.value) / baseline.value) * 100;
    if (Math.abs(change) > check.within)
      missed.push(
        `${change > 0 ? "+" : ""}${Number.isFinite(change) ? change.toFixed(1) : "∞"} % from ${format(baseline.value)} (drill ${baseline.runId}), more than ${check.within} %`,
      );
  }
  return {
    ...base,
    value,
    ok: missed.length === 0,
    detail: missed.length ? `${format(value)}: ${missed.join(", ")}` : "ok",
  };
}

/** The one number of a query's one row and one column, or why there is none. */
export function singleNumber(rows: readonly unknown[][]): { value: number } | { error: string } {
  if (rows.length !== 1 || rows[0].length !== 1)
    return { error: `the query returned ${rows.length} row(s) of ${rows[0]?.length ?? 0} column(s), not one number` };
  const raw = rows[0][0];
  const value = typeof raw === "number" ? raw : typeof raw === "string" && raw.trim() !== "" ? Number(raw) : Number.NaN;
  return Number.isFinite(value)
    ? { value }
    : { error: `the query returned ${JSON.stringify(String(raw)).slice(0, 80)}, not a number` };
}

/** Runs each check's query over one connection; a check's failure is its result, never the others'. */
export async function queryDirect(
  connection: DatabaseConnection,
  checks: readonly SqlCheck[],
  options: { timeoutMs: number },
): Promise<Map<string, { value: number } | { error: string }>> {
  const outcomes = new Map<string, { value: number } | { error: string }>();
  const client = new pg.Client({
    host: connection.host,
    port: connection.port,
    database: connection.database,
    user: connection.username,
    password: connection.password,
    connectionTimeoutMillis: Math.min(options.timeoutMs, 30_000),
    query_timeout: options.timeoutMs,
    application_name: "dr-failover-verify",
  });
  client.on("error", () => undefined);
  const deadline = Date.now() + options.timeoutMs;
  try {
    await client.connect();
  } catch (error) {
    const reason = `cannot connect to ${connection.host}:${connection.port} as ${connection.username}: ${error instanceof Error ? error.message : String(error)}`;
    for (const check of checks) outcomes.set(check.name, { error: reason });
    return outcomes;
  }
  try {
    for (const check of checks) {
      if (Date.now() > deadline) {
        outcomes.set(check.name, { error: "not run: verification.sql.timeout was spent" });
        continue;
      }
      try {
        const result = await client.query({ text: check.query, rowMode: "array" });
        outcomes.set(check.name, singleNumber(result.rows as unknown[][]));
      } catch (error) {
        outcomes.set(check.name, {
          error: `the query failed: ${error instanceof Error ? error.message : String(error)}`,
        });
      }
    }
  } finally {
    await client.end().catch(() => undefined);
  }
  return outcomes;
}

// ── The ecs-task runner: a one-off task beside the service's, its output read from its log ──

export interface SqlTaskOptions {
  region: string;
  /** The DR cluster and service: the task runs in the service's subnets and security groups, with its execution role. */
  cluster: string;
  service: string;
  secretArn: string;
  image: string;
  checks: readonly SqlCheck[];
  timeoutMs: number;
  signal?: AbortSignal;
  /** How often DescribeTasks is asked while the task runs; default 2 s. */
  pollIntervalMs?: number;
  /**
   * A failover keeps the task's log (LOG_RETENTION_DAYS) as evidence beside the DR environment it
   * verified, and deletes nothing; a drill removes it with everything else it created.
   */
  keepLog: boolean;
}

/** How long a failover's data-check log is kept. */
const LOG_RETENTION_DAYS = 30;

/**
 * Runs the checks as a one-off Fargate task in the DR cluster: the service's
 * network (the database is reachable from there, as it is from the app) and
 * execution role (already allowed to read the connection secret, which ECS
 * injects as PG* variables: the tool never handles the password for this
 * runner). Its lines are read back from CloudWatch Logs. The task definition
 * is deregistered afterwards; the log group is removed by a drill and kept
 * (30 days) by a failover.
 */
export async function queryByTask(
  aws: AwsClients,
  options: SqlTaskOptions,
): Promise<Map<string, { value: number } | { error: string }>> {
  const ecs = aws.ecs(options.region);
  const logs = aws.logs(options.region);
  const failAll = (error: string) => new Map(options.checks.map((check) => [check.name, { error }] as const));
  const step = async <T>(what: string, call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      throw wrapAwsError(`the data-check task: ${what}`, error);
    }
  };
  const service = (
    await step("DescribeServices", () =>
      ecs.send(new ECS.DescribeServicesCommand({ cluster: options.cluster, services: [options.service] })),
    )
  ).services?.find((candidate) => candidate.status === "ACTIVE");
  if (!service?.networkConfiguration || !service.taskDefinition)
    return failAll(`the DR service ${options.service} is not running in ${options.cluster}: no network to run in`);
  const serviceTask = (
    await step("DescribeTaskDefinition", () =>
      ecs.send(new ECS.DescribeTaskDefinitionCommand({ taskDefinition: service.taskDefinition })),
    )
  ).taskDefinition;
  const family = `${options.service}-sql-checks`.slice(0, 255);
  const logGroup = `/dr-failover/${family}`;
  await step("CreateLogGroup", () =>
    logs.send(new CloudWatchLogs.CreateLogGroupCommand({ logGroupName: logGroup })).catch((error: unknown) => {
      if (awsErrorName(error) !== "ResourceAlreadyExistsException") throw error;
    }),
  );
  if (options.keepLog)
    await step("PutRetentionPolicy", () =>
      logs.send(
        new CloudWatchLogs.PutRetentionPolicyCommand({ logGroupName: logGroup, retentionInDays: LOG_RETENTION_DAYS }),
      ),
    );
  let taskDefinitionArn: string | undefined;
  try {
    taskDefinitionArn = (
      await step("RegisterTaskDefinition", () =>
        ecs.send(
          new ECS.RegisterTaskDefinitionCommand({
            family,
            requiresCompatibilities: ["FARGATE"],
            networkMode: "awsvpc",
            cpu: "256",
            memory: String(SQL_TASK_MEMORY_MIB),
            executionRoleArn: serviceTask?.executionRoleArn,
            containerDefinitions: [
              sqlTaskContainer({
                image: options.image,
                checks: options.checks,
                secretArn: options.secretArn,
                logGroup,
                region: options.region,
                streamPrefix: "dr-failover",
              }),
            ],
          }),
        ),
      )
    ).taskDefinition?.taskDefinitionArn;
    const started = await step("RunTask", () =>
      ecs.send(
        new ECS.RunTaskCommand({
          cluster: options.cluster,
          taskDefinition: taskDefinitionArn,
          launchType: "FARGATE",
          count: 1,
          networkConfiguration: service.networkConfiguration,
          startedBy: "dr-failover",
        }),
      ),
    );
    const taskArn = started.tasks?.[0]?.taskArn;
    if (!taskArn)
      return failAll(
        `the task did not start: ${started.failures?.map((f) => `${f.arn ?? ""} ${f.reason}`).join("; ")}`,
      );
    const deadline = Date.now() + options.timeoutMs;
    let task: import("@aws-sdk/client-ecs").Task | undefined;
    for (;;) {
      task = (
        await step("DescribeTasks", () =>
          ecs.send(new ECS.DescribeTasksCommand({ cluster: options.cluster, tasks: [taskArn] })),
        )
      ).tasks?.[0];
      if (task?.lastStatus === "STOPPED") break;
      if (Date.now() > deadline) {
        await ecs
          .send(
            new ECS.StopTaskCommand({ cluster: options.cluster, task: taskArn, reason: "verification.sql.timeout" }),
          )
          .catch(() => undefined);
        return failAll(`the task ${taskArn} did not finish within verification.sql.timeout`);
      }
      await sleep(options.pollIntervalMs ?? 2_000, options.signal);
    }
    const stream = `dr-failover/sql-checks/${taskArn.split("/").pop()}`;
    const lines: string[] = [];
    let token: string | undefined;
    for (;;) {
      const page = await step("GetLogEvents", () =>
        logs.send(
          new CloudWatchLogs.GetLogEventsCommand({
            logGroupName: logGroup,
            logStreamName: stream,
            startFromHead: true,
            nextToken: token,
          }),
        ),
      ).catch(() => undefined);
      lines.push(...(page?.events ?? []).map((event) => event.message ?? ""));
      if (!page?.nextForwardToken || page.nextForwardToken === token || !page.events?.length) break;
      token = page.nextForwardToken;
    }
    const outcomes = parseSqlTaskOutput(lines, options.checks);
    const container = task.containers?.[0];
    const why = task.stoppedReason ?? container?.reason;
    if (lines.length === 0 && why) return failAll(`the task stopped without output: ${why}`);
    return outcomes;
  } finally {
    if (taskDefinitionArn)
      await ecs
        .send(new ECS.DeregisterTaskDefinitionCommand({ taskDefinition: taskDefinitionArn }))
        .catch(() => undefined);
    if (!options.keepLog)
      await logs.send(new CloudWatchLogs.DeleteLogGroupCommand({ logGroupName: logGroup })).catch(() => undefined);
  }
}

/** The data-check task's memory: Fargate's smallest size (with 0.25 vCPU). */
const SQL_TASK_MEMORY_MIB = 512;

/** A line the task prints per check: `DR_SQL_CHECK <index> ok <value>` or `DR_SQL_CHECK <index> error <message>`. */
export const TASK_LINE_PREFIX = "DR_SQL_CHECK";

/**
 * The task's shell script: psql -tAc per check (the queries come in as
 * DR_SQL_CHECK_<i> variables, so no quoting of SQL in the script), one
 * result line each. Connection from PGHOST/PGPORT/PGDATABASE/PGUSER and the
 * injected PGPASSWORD; psql never prints the password.
 */
export function sqlTaskScript(count: number): string {
  const lines = ["set -u"];
  for (let index = 0; index < count; index++) {
    lines.push(
      `if out=$(psql -v ON_ERROR_STOP=1 -X -tAc "$DR_SQL_CHECK_${index}" 2>&1); then echo "${TASK_LINE_PREFIX} ${index} ok $out" | tr '\\n' ' '; echo; else echo "${TASK_LINE_PREFIX} ${index} error $out" | tr '\\n' ' '; echo; fi`,
    );
  }
  return lines.join("\n");
}

/** The container of the one-off task: psql, the secret's fields injected by ECS, output to CloudWatch Logs. */
export function sqlTaskContainer(options: {
  image: string;
  checks: readonly SqlCheck[];
  secretArn: string;
  logGroup: string;
  region: string;
  streamPrefix: string;
}) {
  const field = (key: string) => `${options.secretArn}:${key}::`;
  return {
    name: "sql-checks",
    image: options.image,
    essential: true,
    // The whole task's (SQL_TASK_MEMORY_MIB): psql needs little, and a hard limit is explicit.
    memory: SQL_TASK_MEMORY_MIB,
    entryPoint: ["sh", "-c"],
    command: [sqlTaskScript(options.checks.length)],
    environment: options.checks.map((check, index) => ({ name: `DR_SQL_CHECK_${index}`, value: check.query })),
    secrets: [
      { name: "PGHOST", valueFrom: field("host") },
      { name: "PGPORT", valueFrom: field("port") },
      { name: "PGDATABASE", valueFrom: field("database") },
      { name: "PGUSER", valueFrom: field("username") },
      { name: "PGPASSWORD", valueFrom: field("password") },
    ],
    logConfiguration: {
      logDriver: "awslogs" as const,
      options: {
        "awslogs-group": options.logGroup,
        "awslogs-region": options.region,
        "awslogs-stream-prefix": options.streamPrefix,
      },
    },
  };
}

/** Each check's outcome from the task's log lines; a check without a line failed (the task died before it). */
export function parseSqlTaskOutput(
  lines: readonly string[],
  checks: readonly SqlCheck[],
): Map<string, { value: number } | { error: string }> {
  const outcomes = new Map<string, { value: number } | { error: string }>();
  const pattern = new RegExp(`^${TASK_LINE_PREFIX} (\\d+) (ok|error) ?(.*)$`);
  for (const line of lines) {
    const match = pattern.exec(line.trim());
    const check = match ? checks[Number(match[1])] : undefined;
    if (!match || !check) continue;
    const text = match[3].trim();
    outcomes.set(
      check.name,
      match[2] === "ok"
        ? singleNumber(text.includes("|") ? [text.split("|")] : [[text]])
        : { error: `the query failed: ${text.replace(/^psql:\s*/, "")}` },
    );
  }
  for (const check of checks)
    if (!outcomes.has(check.name)) outcomes.set(check.name, { error: "the check task printed no result for it" });
  return outcomes;
}
