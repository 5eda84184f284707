import { readFile } from "node:fs/promises";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import type { UsageError } from "../../automation/errors.js";
import { DEFAULT_SQL_CHECK_IMAGE, parsePlan } from "../../automation/plan.js";
import type { RunReport } from "../../automation/report/model.js";
import {
  reachableFromTool,
  baselinesFrom,
  evaluateSqlCheck,
  parseSqlTaskOutput,
  singleNumber,
  type SqlCheck,
  sqlTaskContainer,
  sqlTaskScript,
} from "../../automation/sql-checks.js";

const example = async () => parse(await readFile("examples/peoplebooster.yaml", "utf8"));
const orders: SqlCheck = { name: "orders", query: "SELECT count(*) FROM orders", min: 1, within: 10 };

function planProblems(doc: unknown): string[] {
  try {
    parsePlan(doc);
    return [];
  } catch (error) {
    return (error as UsageError).details ?? [];
  }
}

describe("the connection the tool's own data checks use", () => {
  it("is the instance's address when the secret holds the private connection name, else the secret's host", () => {
    const held = { host: "db.peoplebooster.dr.internal", port: 5432, database: "app", username: "u", password: "p" };
    const outputs = { connectionName: "db.peoplebooster.dr.internal", databaseAddress: "db-1.rds.example" };
    expect(reachableFromTool(held, outputs)).toEqual({ ...held, host: "db-1.rds.example" });
    expect(reachableFromTool({ ...held, host: "db-1.rds.example" }, outputs).host).toBe("db-1.rds.example");
    // A stack of an older version (no connection name): the secret's host as it is.
    expect(reachableFromTool(held, { databaseAddress: "db-1.rds.example" }).host).toBe(held.host);
  });
});

describe("verification.sql in the plan", () => {
  it("takes the example's record counts, with the defaults filled in", async () => {
    const doc = await example();
    delete doc.verification.sql.runner;
    const sql = parsePlan(doc).verification.sql!;
    expect(sql).toMatchObject({ runner: "ecs-task", image: DEFAULT_SQL_CHECK_IMAGE, timeout: 5 * 60_000 });
    expect(sql.checks.map((check) => [check.name, check.within])).toEqual([
      ["users", 10],
      ["orders", 10],
    ]);
  });

  it("names each bad check: no expectation, a bad percentage, a name used twice, another engine", async () => {
    const doc = await example();
    doc.database.engine = "mysql";
    doc.verification.sql.checks = [
      { name: "users", query: "SELECT count(*) FROM users" },
      { name: "orders", query: "SELECT count(*) FROM orders", within: "ten percent" },
      { name: "orders", query: "SELECT 1", equals: 1 },
    ];
    expect(planProblems(doc)).toEqual(
      expect.arrayContaining([
        "verification.sql.checks[0]: give at least one expectation: min, max, equals or within",
        'verification.sql.checks[1].within: must be a percentage like "5%" (got "ten percent")',
        "verification.sql.checks[2].name: orders is named twice: each check needs its own name",
        "verification.sql: runs its queries with psql and pg: PostgreSQL only (database.engine is mysql); use verification.commands",
      ]),
    );
  });
});

describe("a data check's result", () => {
  const baseline = { value: 4800, runId: "r-previous" };

  it("passes within the percentage of the last drill and fails outside it, naming both values", () => {
    expect(evaluateSqlCheck(orders, { value: 4900 }, baseline)).toMatchObject({ ok: true, value: 4900 });
    const lost = evaluateSqlCheck(orders, { value: 2400 }, baseline);
    expect(lost).toMatchObject({
      ok: false,
      expectation: "≥ 1, within 10 % of 4800 (drill r-previous)",
      detail: "2400: -50.0 % from 4800 (drill r-previous), more than 10 %",
    });
  });

  it("without an earlier drill only min/max/equals count", () => {
    expect(evaluateSqlCheck(orders, { value: 3 })).toMatchObject({
      ok: true,
      expectation: "≥ 1, within 10 % of the last drill (none yet)",
    });
    expect(evaluateSqlCheck(orders, { value: 0 })).toMatchObject({ ok: false, detail: "0: below 1" });
    expect(evaluateSqlCheck({ name: "x", query: "q", equals: 2, max: 1 }, { value: 3 }).detail).toBe(
      "3: not 2, above 1",
    );
  });

  it("a query error is the check's failure", () => {
    const failed = evaluateSqlCheck(orders, { error: 'relation "orders" does not exist' });
    expect(failed).toMatchObject({ ok: false, detail: 'relation "orders" does not exist' });
    expect(failed.value).toBeUndefined();
  });

  it("wants one row of one number", () => {
    expect(singleNumber([["4800"]])).toEqual({ value: 4800 });
    expect(singleNumber([[12.5]])).toEqual({ value: 12.5 });
    expect(singleNumber([["a"]])).toEqual({ error: 'the query returned "a", not a number' });
    expect(singleNumber([["1"], ["2"]])).toEqual({
      error: "the query returned 2 row(s) of 1 column(s), not one number",
    });
    expect(singleNumber([])).toEqual({ error: "the query returned 0 row(s) of 0 column(s), not one number" });
  });
});

describe("the baseline of a within", () => {
  const report = (runId: string, startedAt: string, extra: Partial<RunReport>): RunReport =>
    ({
      runId,
      startedAt,
      journey: "drill",
      result: "succeeded",
      app: "peoplebooster",
      targetRegion: "ap-northeast-3",
      emulator: false,
      dataChecks: [
        { name: "orders", query: "q", value: Number(runId.slice(1)), expectation: "", ok: true, detail: "ok" },
      ],
      ...extra,
    }) as RunReport;

  it("is the last successful drill of the same app, target and kind (emulator or AWS)", () => {
    const reports = [
      report("r100", "2026-01-01", {}),
      report("r200", "2026-02-01", {}),
      report("r300", "2026-03-01", { result: "failed" }),
      report("r400", "2026-04-01", { emulator: true }),
      report("r500", "2026-05-01", { targetRegion: "us-west-2" }),
      report("r600", "2026-06-01", { journey: "failover" }),
    ];
    expect(
      baselinesFrom(reports, { app: "peoplebooster", targetRegion: "ap-northeast-3", emulator: false }).get("orders"),
    ).toEqual({ value: 200, runId: "r200" });
  });
});

describe("the ecs-task runner's task", () => {
  const checks: SqlCheck[] = [
    orders,
    { name: "users", query: "SELECT count(*) FROM users WHERE note = 'a\"b'", min: 1 },
  ];

  it("gets the secret's fields from ECS, never a password in its definition, and the queries as variables", () => {
    const secretArn = "arn:aws:secretsmanager:ap-northeast-3:123456789012:secret:pb/dr-drill-r1-AbCdEf";
    const container = sqlTaskContainer({
      image: DEFAULT_SQL_CHECK_IMAGE,
      checks,
      secretArn,
      logGroup: "/dr-failover/peoplebooster",
      region: "ap-northeast-3",
      streamPrefix: "sql-checks",
    });
    expect(container.secrets).toContainEqual({ name: "PGPASSWORD", valueFrom: `${secretArn}:password::` });
    expect(container.environment).toEqual([
      { name: "DR_SQL_CHECK_0", value: orders.query },
      { name: "DR_SQL_CHECK_1", value: checks[1].query },
    ]);
    expect(container.command[0]).toContain('psql -v ON_ERROR_STOP=1 -X -tAc "$DR_SQL_CHECK_1"');
    expect(container.command[0]).not.toContain("SELECT");
    expect(sqlTaskScript(2).split("\n")).toHaveLength(3);
  });

  it("reads each check's line back from the log; a missing line is a failure", () => {
    const outcomes = parseSqlTaskOutput(
      ["DR_SQL_CHECK 0 ok 4800 ", "noise", 'DR_SQL_CHECK 1 error psql: ERROR:  relation "users" does not exist '],
      checks,
    );
    expect(outcomes.get("orders")).toEqual({ value: 4800 });
    expect(outcomes.get("users")).toEqual({ error: 'the query failed: ERROR:  relation "users" does not exist' });
    expect(parseSqlTaskOutput([], checks).get("orders")).toEqual({ error: "the check task printed no result for it" });
  });
});
