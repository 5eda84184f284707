/**
 * Data checks in the restored database (the runbook's monthly record counts):
 * each query returns one number, compared with its expectation (min, max,
 * equals, within N % of the last successful drill). The credentials are those
 * of the DR connection secret, read in the target region and never shown.
 *
 * Two runners: `direct` (the tool connects with `pg`) and `ecs-task` (a one-off
 * task in the DR cluster with the secret injected by ECS, psql per check, the
 * output read back from its log). The task's request and its output format are
 * built and parsed here, purely.
 */
import pg from "pg";
import type { AwsClients } from "./aws.js";
import { wrapAwsError } from "./aws.js";
import { PreconditionError } from "./errors.js";
import type { Plan } from "./plan.js";
import type { RunReport } from "./report/model.js";
import { SecretsManager } from "./sdk.js";

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

// ── The ecs-task runner: the task's request and its output ──

/**
 * The ecs-task runner's request and output are built and parsed below, but
 * running the task (a log group, RunTask, reading its log back) is not wired
 * yet: refused before anything is created.
 */
export function sqlRunnerUnavailable(): never {
  throw new PreconditionError(
    "SQL_RUNNER_UNAVAILABLE",
    "verification.sql.runner ecs-task (the default) cannot run the data checks yet",
    {
      hint: "Set verification.sql.runner: direct and run dr-failover where the DR database is reachable (inside the VPC, over a VPN), or use verification.commands.",
    },
  );
}

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
