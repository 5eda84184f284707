import { readFile } from "node:fs/promises";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../automation/errors.js";
import {
  checkSameRegionRecovery,
  loadPlan,
  parseDuration,
  parsePlan,
  planJsonSchema,
  targetOf,
} from "../../automation/plan.js";

const example = async () => parse(await readFile("examples/peoplebooster.yaml", "utf8"));

/** The UsageError parsePlan throws for `doc`, or undefined when it is valid. */
function parseError(doc: unknown, source?: string): UsageError | undefined {
  try {
    parsePlan(doc, source);
  } catch (caught) {
    return caught as UsageError;
  }
  return undefined;
}

describe("the DR plan", () => {
  it("accepts the example built from the seed runbook, with its identifiers and objectives", async () => {
    const plan = await loadPlan("examples/peoplebooster.yaml");
    expect(plan.sourceRegion).toBe("ap-northeast-1");
    expect(plan.database.sourceIdentifier).toBe("peoplebooster-production");
    expect(plan.database.instanceClass).toBe("db.t3.medium");
    expect(plan.targets["ap-northeast-3"].database.subnetGroup).toBe("peoplebooster-production-db");
    expect(plan.secrets.databaseSecretName).toBe("peoplebooster/production/database");
    expect(plan.service).toMatchObject({ cluster: "peoplebooster-production", name: "peoplebooster-backend" });
    expect(plan.objectives).toMatchObject({ rto: 4 * 3600_000, rpo: 3600_000 });
    expect(plan.objectives.expectedPhaseDurations).toMatchObject({ database: 30 * 60_000, service: 10 * 60_000 });
  });

  it("lists every problem at once as path: message", async () => {
    const doc = await example();
    doc.sourceRegion = "tokyo";
    doc.database.port = "5432";
    doc.dns.drillRecord = doc.dns.productionRecord;
    doc.service.surprise = true;
    doc.objectives.rto = "four hours";
    let error: unknown;
    try {
      parsePlan(doc, "bad.yaml");
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UsageError);
    const details = (error as UsageError).details.join("\n");
    expect((error as UsageError).code).toBe("PLAN_INVALID");
    expect(details).toContain("sourceRegion: must be an AWS region code");
    expect(details).toMatch(/database\.port: .*number/);
    expect(details).toMatch(/service: .*surprise/);
    expect(details).toContain('objectives.rto: objectives.rto must be a duration like "4h"');
    expect((error as UsageError).details.length).toBeGreaterThanOrEqual(4);
  });

  it("lists cross-field problems together with per-field ones (validate shows them all in one pass)", async () => {
    const doc = await example();
    doc.database.port = "x";
    doc.objectives.rto = "banana";
    doc.dns.drillRecord = doc.dns.productionRecord;
    const error = parseError(doc);
    expect(error?.details).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^database\.port: /),
        expect.stringMatching(/^objectives\.rto: /),
        expect.stringMatching(/^dns\.drillRecord: must differ from dns\.productionRecord/),
      ]),
    );
  });

  it("refuses names a drill could use to touch production, and records outside the zone", async () => {
    const doc = await example();
    doc.dns.drillRecord = "api.peoplebooster.example.com.";
    doc.dns.productionRecord = "api.other.example.org";
    const error = parseError(doc);
    expect(error?.details).toEqual(
      expect.arrayContaining([expect.stringContaining("dns.productionRecord: must be inside the hosted zone")]),
    );
  });

  it("rejects the source region as a target, and unknown target regions with the allowed ones", async () => {
    const plan = await loadPlan("examples/peoplebooster.yaml");
    expect(() => targetOf(plan, "ap-northeast-1")).toThrow(expect.objectContaining({ code: "TARGET_IS_SOURCE" }));
    expect(() => targetOf(plan, "eu-west-1")).toThrow(
      expect.objectContaining({
        code: "TARGET_NOT_IN_PLAN",
        hint: expect.stringContaining("ap-northeast-3, us-west-2"),
      }),
    );
  });

  it("takes an entry for the source region as a same-region recovery, which needs --restore-time and no --snapshot", async () => {
    const doc = await example();
    doc.targets[doc.sourceRegion] = doc.targets["ap-northeast-3"];
    const plan = parsePlan(doc, "same-region.yaml");
    expect(targetOf(plan, "ap-northeast-1")).toBe(plan.targets["ap-northeast-1"]);
    expect(() => checkSameRegionRecovery(plan, "ap-northeast-1", {})).toThrow(
      expect.objectContaining({
        code: "SAME_REGION_NEEDS_RESTORE_TIME",
        hint: expect.stringContaining("peoplebooster-production's automated backups"),
      }),
    );
    expect(() =>
      checkSameRegionRecovery(plan, "ap-northeast-1", { restoreTime: "2026-11-29T00:00:00Z", snapshotIdentifier: "s" }),
    ).toThrow(expect.objectContaining({ message: expect.stringContaining("not --snapshot") }));
    expect(() =>
      checkSameRegionRecovery(plan, "ap-northeast-1", { restoreTime: "2026-11-29T00:00:00Z" }),
    ).not.toThrow();
    // Another region is no same-region recovery: nothing asked of it.
    expect(() => checkSameRegionRecovery(plan, "ap-northeast-3", {})).not.toThrow();
  });

  it("takes the DR primary's backups from the plan: retention 1–35 days, a daily UTC window of at least 30 minutes", async () => {
    const plan = await loadPlan("examples/peoplebooster.yaml");
    expect(plan.database.backup).toEqual({ retentionDays: 7, window: "18:00-19:00" });
    const doc = await example();
    delete doc.database.backup;
    expect(parsePlan(doc, "defaults.yaml").database.backup).toEqual({ retentionDays: 7 });
    for (const [backup, problem] of [
      [{ retentionDays: 0 }, /database\.backup\.retentionDays: .*>=1/],
      [{ retentionDays: 36 }, /database\.backup\.retentionDays: .*<=35/],
      [{ window: "3:00-4:00" }, /database\.backup\.window: must be a daily UTC window "hh:mm-hh:mm"/],
      [{ window: "18:00-18:15" }, /database\.backup\.window: must be at least 30 minutes long/],
    ] as const) {
      doc.database.backup = backup;
      const error = parseError(doc, "bad.yaml");
      expect(error?.details.join("\n"), JSON.stringify(backup)).toMatch(problem);
    }
    doc.database.backup = { window: "23:45-00:15" };
    expect(parsePlan(doc, "wraps.yaml").database.backup.window).toBe("23:45-00:15");
  });

  it("accepts only a KMS key ARN of the target's own region as targets.<region>.database.kmsKeyId", async () => {
    const problemsFor = async (keys: Record<string, string>) => {
      const doc = await example();
      for (const [region, key] of Object.entries(keys)) doc.targets[region].database.kmsKeyId = key;
      try {
        parsePlan(doc);
        return [];
      } catch (caught) {
        expect(caught).toMatchObject({ code: "PLAN_INVALID" });
        return (caught as UsageError).details;
      }
    };
    const key = (region: string) => `arn:aws:kms:${region}:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    expect(await problemsFor({ "ap-northeast-3": key("ap-northeast-3"), "us-west-2": key("us-west-2") })).toEqual([]);
    const details = await problemsFor({
      "ap-northeast-3": "alias/peoplebooster-dr",
      "us-west-2": "arn:aws:kms:us-west-2:123456789012:alias/peoplebooster-dr",
    });
    expect(details).toEqual([
      expect.stringMatching(
        /^targets\.ap-northeast-3\.database\.kmsKeyId: must be the ARN of a KMS key, arn:aws:kms:ap-northeast-3:<account>:key\/<key id> \(got "alias\/peoplebooster-dr"; an alias or a bare key id is not accepted/,
      ),
      expect.stringMatching(/^targets\.us-west-2\.database\.kmsKeyId: must be the ARN of a KMS key/),
    ]);
    expect(await problemsFor({ "ap-northeast-3": "1234abcd-12ab-34cd-56ef-1234567890ab" })).toEqual([
      expect.stringContaining("targets.ap-northeast-3.database.kmsKeyId: must be the ARN of a KMS key"),
    ]);
    expect(await problemsFor({ "ap-northeast-3": key("ap-northeast-1") })).toEqual([
      "targets.ap-northeast-3.database.kmsKeyId: must be a KMS key of ap-northeast-3 (got a key of ap-northeast-1): a KMS key does not leave its region",
    ]);
  });

  it("leaves the database's engine, port and master user to the snapshot when the plan does not name them", async () => {
    const doc = await example();
    delete doc.database.engine;
    delete doc.database.port;
    delete doc.database.credentials.username;
    const plan = parsePlan(doc);
    expect([plan.database.engine, plan.database.port]).toEqual([undefined, undefined]);
    expect(plan.database.credentials).toEqual({ mode: "reset" });
  });

  it("takes the cache from the plan, and names every cache section that does not fit", async () => {
    const plan = await loadPlan("examples/peoplebooster.yaml");
    expect(plan.cache).toMatchObject({
      sourceReplicationGroupId: "peoplebooster-production-redis",
      numCacheClusters: 2,
      port: 6379,
      backup: { source: "rdb-in-s3", maxAge: 26 * 3600_000 },
    });
    expect(plan.targets["ap-northeast-3"].cache?.backup).toEqual({ prefix: "elasticache/" });

    const doc = await example();
    doc.cache.sourceReplicationGroupId = "Peoplebooster_Redis";
    doc.cache.backup = { source: "snapshot", maxAge: "a day" };
    delete doc.targets["us-west-2"].cache;
    doc.targets["ap-northeast-3"].cache.backup = { prefix: "elasticache/" };
    const details = parseError(doc)?.details ?? [];
    expect(details).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^cache\.sourceReplicationGroupId: must be an ElastiCache replication group id/),
        'cache.backup.maxAge: cache.backup.maxAge must be a duration like "4h", "90m" or "1h30m" (got "a day")',
        "targets.ap-northeast-3.cache.backup.snapshotName: cache.backup.source is snapshot: name the ElastiCache snapshot in ap-northeast-3 to restore",
        "targets.us-west-2.cache: the plan has a cache section: say where the cache is restored in us-west-2 (subnetGroup, securityGroups, backup)",
      ]),
    );
    expect(details).toHaveLength(4);

    const noCache = await example();
    delete noCache.cache;
    expect(parseError(noCache)?.details).toEqual([
      "targets.ap-northeast-3.cache: the plan has no cache section: add cache (sourceReplicationGroupId, backup.source) or remove this",
      "targets.us-west-2.cache: the plan has no cache section: add cache (sourceReplicationGroupId, backup.source) or remove this",
    ]);
  });

  it("parses durations and rejects nonsense", () => {
    expect(parseDuration("4h")).toBe(14_400_000);
    expect(parseDuration("1h30m")).toBe(5_400_000);
    expect(parseDuration(90)).toBe(90_000);
    expect(parseDuration("0m")).toBeUndefined();
    expect(parseDuration("soon")).toBeUndefined();
  });

  it("ships a JSON Schema for editors that matches the schema in code", async () => {
    const committed = JSON.parse(await readFile("examples/dr-plan.schema.json", "utf8"));
    expect(committed).toEqual(planJsonSchema());
  });
});
