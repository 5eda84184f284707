/**
 * `npm run bench`: the modeled RTO and its critical path, the tool's own
 * overhead, snapshot discovery at scale and CLI start-up. Each figure is
 * printed with its target and PASS/FAIL; the exit code is 1 when a target is
 * missed. A script, not a test: it is slow and its numbers are machine-bound
 * (medians of several runs; RTO figures are ratios on a scaled clock).
 *
 * How time is modeled: the stand-in aws plugin sleeps each operation's
 * modeled latency × DR_BENCH_SCALE (timing-model.ts); Route53 propagation is
 * modeled by a proxy in front of moto (test/support/latency-proxy.ts) that keeps every
 * change PENDING for the modeled INSYNC time × scale — for the stack's records
 * and for the production switch automation/ does through the SDK alike (the
 * stand-in's own Route53 latency is set to 0 so it is not counted twice).
 * A run's modeled RTO = its measured RTO − the scaled modeled waits on its
 * measured critical path + the same waits unscaled (+ the DNS TTL for a
 * failover): real work (preflight, engine, API calls, polling) stays real.
 *
 * Env: DR_BENCH_SCALE (0.01), DR_BENCH_RUNS (3), DR_BENCH_SNAPSHOTS (5000),
 * DR_BENCH_RECORDS (10000), DR_BENCH_STACKS (50), DR_BENCH_REPORTS (1000),
 * DR_BENCH_SKIP (comma list of: rto, snapshots, startup, dns, estate, rpo, failback).
 */
import { CreateDBInstanceCommand, CreateDBSnapshotCommand, RDSClient } from "@aws-sdk/client-rds";
import { execa } from "execa";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AwsClients } from "../../automation/aws.js";
import { dependencyGraph, longestPath, urnName, type StateResource } from "../../automation/critical-path.js";
import {
  appHealthyAfterDatabaseSeconds,
  modeledSeconds,
  TIMING_MODEL,
} from "../../emulator/aws-standin/timing-model.js";
import { lastDailyBackup } from "../../emulator/rehearsal/seed-world.js";
import { formatDuration } from "../../automation/clock.js";
import { runPreflight } from "../../automation/preflight.js";
import { benchFailbackDowntime } from "./failback.js";
import { runbookOrderProgram } from "./runbook.js";
import { runDrill } from "../../automation/journeys/drill.js";
import { runFailover } from "../../automation/journeys/failover.js";
import type { JourneyContext } from "../../automation/run/context.js";
import type { RunReport } from "../../automation/report/model.js";
import { findRestorableSnapshot } from "../../automation/snapshots.js";
import { openWorkspace, findStack } from "../../automation/workspace.js";
import { startE2eWorld, TARGET, type E2eWorld } from "../support/e2e.js";
import { startLatencyProxy, type LatencyProxy } from "../support/latency-proxy.js";
import { spawnCli, startCliWorld } from "../support/cli-world.js";
import { cliPath } from "../support/cli.js";
import { countingPulumiRoot } from "../support/pulumi-shim.js";
import { cloneReports, cloneStacks, drillProcessRole, sampleProcessTree, seedZoneRecords, timeCli } from "./estate.js";

const root = new URL("../..", import.meta.url).pathname;
const SCALE = Number(process.env.DR_BENCH_SCALE ?? 0.01);
const RUNS = Math.max(1, Number(process.env.DR_BENCH_RUNS ?? 3));
const SNAPSHOTS = Number(process.env.DR_BENCH_SNAPSHOTS ?? 5000);
const RECORDS = Number(process.env.DR_BENCH_RECORDS ?? 10_000);
const STACKS = Number(process.env.DR_BENCH_STACKS ?? 50);
const REPORTS = Number(process.env.DR_BENCH_REPORTS ?? 1000);
const SKIP = new Set((process.env.DR_BENCH_SKIP ?? "").split(",").filter(Boolean));
const ROUTE53 = "aws:route53/record:Record";
/** Route53 INSYNC, modeled by the proxy: the timing model's number, one table for everything. */
const INSYNC_S = TIMING_MODEL[ROUTE53].create;

// ── output ──────────────────────────────────────────────────────────────────

const results: { name: string; pass: boolean }[] = [];
const out = (line = "") => process.stdout.write(`${line}\n`);
const fmtS = (seconds: number) => `${seconds.toFixed(1)} s`;
const fmtMs = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
function figure(name: string, value: string, target: string | undefined, pass?: boolean) {
  if (target === undefined || pass === undefined) {
    out(`  ${name.padEnd(44)} ${value.padStart(14)}`);
    return;
  }
  results.push({ name, pass });
  out(`  ${name.padEnd(44)} ${value.padStart(14)}   target ${target.padEnd(12)} ${pass ? "PASS" : "FAIL"}`);
}
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

// ── the substrate (as the test suite's global setup) ────────────────────────

async function lastLine(script: string): Promise<string> {
  const { stdout } = await execa("bash", [join(root, "emulator", "substrate", script)], {
    stdin: "ignore",
    stderr: "inherit",
  });
  return stdout.trim().split("\n").pop()!;
}

async function substrate() {
  const [moto, pulumi] = await Promise.all([
    process.env.DR_FAILOVER_MOTO_SERVER ?? lastLine("install-moto.sh"),
    process.env.DR_FAILOVER_PULUMI_ROOT ?? lastLine("build-pulumi-cli.sh"),
  ]);
  process.env.DR_FAILOVER_MOTO_SERVER = moto;
  process.env.DR_FAILOVER_PULUMI_ROOT = pulumi;
  process.env.PULUMI_SKIP_UPDATE_CHECK = "true";
  // Inherited by the engine and the stand-in plugin it starts.
  process.env.DR_STANDIN_LATENCY_SCALE = String(SCALE);
  // moto refuses more than 1,000 manual snapshots per region by default (AWS: 100, adjustable).
  process.env.MOTO_RDS_SNAPSHOT_LIMIT = String(Math.max(SNAPSHOTS * 2, 1000));
  process.env.DR_STANDIN_LATENCY_MODEL = JSON.stringify({ [ROUTE53]: { create: 0, update: 0, delete: 0 } });
}

// ── 1 + 2: modeled RTO, critical path, overhead ─────────────────────────────

/** "runbook": a failover whose program follows the runbook's written order (test/bench/runbook.ts). */
type BenchJourney = "drill" | "failover" | "runbook";

interface RunFigures {
  journey: BenchJourney;
  measuredRtoMs: number;
  /** Seconds of modeled AWS waits on the measured critical path (+ the DNS switch's INSYNC). */
  modeledWaitS: number;
  /** Real milliseconds outside modeled waits until recovery (preflight, workspace, engine, API calls, polling, verification). */
  overheadToRecoveryMs: number;
  /** Real milliseconds after recovery until the journey returned (critical path export, report). */
  reportingMs: number;
  ttlS: number;
  modeledRtoS: number;
  predicted: {
    path: string[];
    seconds: number;
    contributors: { name: string; seconds: number }[];
    /** The app's first healthy answer after the database: the stack's target group health check. */
    appHealthyS: number;
  };
  measuredPath: string[];
  /** The first resource operations the engine started, with their start after the provision phase began. */
  firstStarted: string[];
  breakdown: Record<string, number>;
  insyncMs?: number;
}

/** Unscaled modeled seconds of one resource create (Route53: the proxy's INSYNC). */
function modeledCreateSeconds(type: string, inputs: Record<string, unknown> = { waitForSteadyState: true }): number {
  if (type === ROUTE53) return INSYNC_S;
  return modeledSeconds(type, "create", inputs, {});
}

/** The critical path predicted from the stack's real dependency graph, weighted by the timing model. */
async function predictedPath(
  ctx: JourneyContext,
  stackName: string,
  journey: BenchJourney,
  ttlS: number,
): Promise<RunFigures["predicted"]> {
  const switched = journey !== "drill";
  const workspace = await openWorkspace(ctx.workspace);
  const stack = (await findStack(ctx.workspace, workspace, stackName))!;
  const state = await stack.exportStack();
  const resources = (state.deployment as { resources: (StateResource & { inputs?: Record<string, unknown> })[] })
    .resources;
  const graph = dependencyGraph(resources, (resource) =>
    modeledCreateSeconds(resource.type, (resource as { inputs?: Record<string, unknown> }).inputs ?? {}),
  );
  // The app's first healthy answer: the target group's checks succeed from when the database answers
  // (and the tasks run) — beside the connection record's INSYNC, which is only its status: the name
  // resolves in the VPC within seconds (moto-server.py starts the health clock when the record is written).
  const urnOf = (type: string) => resources.find((resource) => resource.type === type)?.urn;
  const targetGroup = resources.find((resource) => resource.type === "aws:lb/targetGroup:TargetGroup");
  const appHealthyS = appHealthyAfterDatabaseSeconds(
    (targetGroup?.inputs?.healthCheck ?? {}) as { interval?: number; healthyThreshold?: number },
  );
  const healthNode = `app healthy (${appHealthyS} s after the database)`;
  // The tasks register as the service is created (its steady-state wait then runs beside the checks):
  // the clock starts at max(the database, the service's start = what the service waits for).
  const database = urnOf("aws:rds/instance:Instance");
  const service = urnOf("aws:ecs/service:Service");
  graph.set(healthNode, {
    dependencies: [...(database ? [database] : []), ...(service ? (graph.get(service)?.dependencies ?? []) : [])],
    weight: appHealthyS,
  });
  const { path, total } = longestPath(graph);
  const contributors = path.map((urn) => ({
    name: urn === healthNode ? healthNode : urnName(urn),
    seconds: graph.get(urn)!.weight,
  }));
  if (switched) {
    // The production switch follows the update: INSYNC, then clients' caches expire.
    contributors.push(
      { name: "production DNS switch (INSYNC)", seconds: INSYNC_S },
      { name: "production record TTL", seconds: ttlS },
    );
  }
  return {
    path: contributors.map((item) => item.name),
    seconds: total + (switched ? INSYNC_S + ttlS : 0),
    contributors,
    appHealthyS,
  };
}

function firstStarted(report: RunReport): string[] {
  const provision = report.spans.find((span) => span.kind === "phase" && span.name === "provision")!;
  return report.spans
    .filter((span) => span.kind === "resource" && span.offsetMs >= provision.offsetMs)
    .sort((a, b) => a.offsetMs - b.offsetMs)
    .filter((span, index) => index < 3 || span.name === "database")
    .map((span) => `${span.name} +${fmtMs(span.offsetMs - provision.offsetMs)}`);
}

function spanBreakdown(report: RunReport, recoveredAtMs: number): Record<string, number> {
  const phase = (name: string) => report.spans.find((span) => span.kind === "phase" && span.name === name);
  const preflight = phase("preflight")!;
  const provision = phase("provision")!;
  const resources = report.spans.filter(
    (span) =>
      span.kind === "resource" &&
      span.offsetMs >= provision.offsetMs &&
      span.offsetMs <= provision.offsetMs + (provision.durationMs ?? 0),
  );
  const firstStart = Math.min(...resources.map((span) => span.offsetMs));
  const lastEnd = Math.max(...resources.map((span) => span.offsetMs + (span.durationMs ?? 0)));
  // A drill's "dns" phase is the stack's record (a derived phase); only a failover's is the production switch.
  const dns = report.journey === "failover" ? phase("dns") : undefined;
  const verification = phase("verification")!;
  return {
    preflight: preflight.durationMs ?? 0,
    "workspace + stack config": provision.offsetMs - (preflight.offsetMs + (preflight.durationMs ?? 0)),
    "engine start → first resource": firstStart - provision.offsetMs,
    "last resource → up returned": provision.offsetMs + (provision.durationMs ?? 0) - lastEnd,
    "readiness checks": report.spans
      .filter((span) => span.kind === "phase" && span.name === "readiness")
      .reduce((sum, span) => sum + (span.durationMs ?? 0), 0),
    ...(dns ? { "dns switch (incl. scaled INSYNC)": dns.durationMs ?? 0 } : {}),
    "verification until healthy": recoveredAtMs - verification.offsetMs,
  };
}

async function measureRun(e2e: E2eWorld, proxy: LatencyProxy, journey: BenchJourney): Promise<RunFigures> {
  const run = await e2e.seed();
  const aws = new AwsClients({ endpoint: proxy.endpoint });
  const incidentStart = new Date();
  const base = run.context();
  const ctx = run.context({
    workspace: journey === "runbook" ? { ...base.workspace, program: runbookOrderProgram } : base.workspace,
    aws,
    incidentStart,
    emit: () => undefined,
    dnsPollIntervalMs: Math.max(10, 2_000 * SCALE),
    readinessPollIntervalMs: Math.max(10, 1_000 * SCALE),
  });
  const started = performance.now();
  const report =
    journey === "drill"
      ? await runDrill(ctx, { keep: true })
      : await runFailover(ctx, { confirm: run.plan.dns.productionRecord });
  const returnedMs = performance.now() - started;
  try {
    if (report.result !== "succeeded" || !report.rto)
      throw new Error(`${journey} did not succeed: ${report.error?.code}`);
    const measuredRtoMs = report.rto.achievedMs;
    const ttlS = journey !== "drill" ? (report.rto.dnsTtlSeconds ?? run.plan.dns.ttl) : 0;
    const typeOf = new Map(
      report.spans.filter((span) => span.kind === "resource").map((span) => [span.name, span.resourceType ?? ""]),
    );
    const measuredPath = report.criticalPath ?? [];
    // The readiness wait for healthy targets is modeled time too (moto's health checks run on the
    // scaled clock); it is ~0 when they turned healthy during the update, as they should.
    const targetsWaitMs = (report.readiness ?? [])
      .filter((step) => step.step === "targets")
      .reduce((sum, step) => sum + step.durationMs, 0);
    const modeledWaitS =
      measuredPath.reduce((sum, name) => sum + modeledCreateSeconds(typeOf.get(name) ?? ""), 0) +
      (journey !== "drill" ? INSYNC_S : 0) +
      targetsWaitMs / 1000 / SCALE;
    const overheadToRecoveryMs = measuredRtoMs - modeledWaitS * SCALE * 1000;
    const modeledRtoS = overheadToRecoveryMs / 1000 + modeledWaitS + ttlS;
    const predicted = await predictedPath(ctx, report.stackName, journey, ttlS);
    // incidentStart was taken just before the call: recovery happened at measuredRtoMs on the same clock.
    const recoveredAtOffset = measuredRtoMs - (Date.parse(report.startedAt) - incidentStart.getTime());
    return {
      journey,
      measuredRtoMs,
      modeledWaitS,
      overheadToRecoveryMs,
      reportingMs: Math.max(0, returnedMs - measuredRtoMs),
      ttlS,
      modeledRtoS,
      predicted,
      measuredPath,
      firstStarted: firstStarted(report),
      breakdown: spanBreakdown(report, recoveredAtOffset),
      insyncMs: report.dns?.insyncMs,
    };
  } finally {
    aws.destroy();
    await rm(run.stateDir, { recursive: true, force: true });
  }
}

const TITLES: Record<BenchJourney, string> = {
  drill: "1a. Drill",
  failover: "1b. Failover",
  runbook: "1c. The runbook's written order (failover, sequential variant of the same program)",
};

async function benchRto(e2e: E2eWorld): Promise<void> {
  const proxy = await startLatencyProxy(e2e.moto.endpoint, { insyncMs: INSYNC_S * SCALE * 1000 });
  const modeledOf = new Map<BenchJourney, RunFigures & { median: number }>();
  try {
    for (const journey of ["drill", "failover", "runbook"] as const) {
      const runs: RunFigures[] = [];
      for (let i = 0; i < RUNS; i++) {
        const figures = await measureRun(e2e, proxy, journey);
        runs.push(figures);
        out(
          `  · ${journey} run ${i + 1}/${RUNS}: measured RTO ${fmtMs(figures.measuredRtoMs)} (scale ${SCALE}) → modeled ${fmtS(figures.modeledRtoS)}, overhead ${fmtMs(figures.overheadToRecoveryMs + figures.reportingMs)}`,
        );
      }
      const predicted = runs[0].predicted;
      const modeled = median(runs.map((run) => run.modeledRtoS));
      modeledOf.set(journey, { ...runs[0], median: modeled });
      const overheadMs = median(runs.map((run) => run.overheadToRecoveryMs + run.reportingMs));
      const ours = journey !== "runbook";
      out();
      out(`${TITLES[journey]} — modeled RTO vs critical path (median of ${RUNS}, scale ${SCALE})`);
      figure("modeled RTO (scaled back up)", fmtS(modeled), undefined);
      figure("critical path (dependency graph × model)", fmtS(predicted.seconds), undefined);
      out(`    path: ${predicted.path.join(" → ")}`);
      out(`    measured path: ${runs[0].measuredPath.join(" → ")}${journey !== "drill" ? " → DNS switch → TTL" : ""}`);
      out(`    engine started first: ${runs[0].firstStarted.join(", ")}`);
      const top = [...predicted.contributors].sort((a, b) => b.seconds - a.seconds).slice(0, 3);
      out(
        `    top 3: ${top.map((item) => `${item.name} ${fmtS(item.seconds)} (${((item.seconds / predicted.seconds) * 100).toFixed(0)} %)`).join(", ")}`,
      );
      figure(
        "modeled RTO / critical path",
        (modeled / predicted.seconds).toFixed(3),
        ours ? "≤ 1.05" : undefined,
        ours ? modeled / predicted.seconds <= 1.05 : undefined,
      );
      if (journey !== "drill")
        figure(
          "DNS switch INSYNC (scaled; modeled 60 s)",
          fmtMs(median(runs.map((run) => run.insyncMs ?? 0))),
          undefined,
        );
      out();
      if (!ours) continue;
      out(`2${journey === "drill" ? "a" : "b"}. ${journey} — overhead outside modeled AWS waits (real time, median)`);
      const keys = Object.keys(runs[0].breakdown);
      for (const key of keys) figure(`  ${key}`, fmtMs(median(runs.map((run) => run.breakdown[key] ?? 0))), undefined);
      figure("  after recovery: critical path + report", fmtMs(median(runs.map((run) => run.reportingMs))), undefined);
      figure("overhead per run", fmtMs(overheadMs), undefined);
      const percent = (overheadMs / 1000 / modeled) * 100;
      figure("overhead / modeled RTO", `${percent.toFixed(2)} %`, "< 1 %", percent < 1);
      out();
    }
  } finally {
    await proxy.stop();
  }
  const failover = modeledOf.get("failover")!;
  const runbook = modeledOf.get("runbook")!;
  out("1d. dr-failover against the runbook's order (same engine, emulator, timing model)");
  figure("runbook order, modeled RTO", fmtS(runbook.median), undefined);
  figure("dr-failover, modeled RTO", fmtS(failover.median), undefined);
  const ratio = failover.median / runbook.median;
  figure("dr-failover / runbook order", ratio.toFixed(3), "≤ 0.80", ratio <= 0.8);
  out();
  // The floor: nothing can answer before the database is restored and the app has answered healthy with it
  // (the target group's interval × healthy threshold, as the stack set them).
  const restoreS = modeledSeconds("aws:rds/instance:Instance", "create");
  const appHealthyS = failover.predicted.appHealthyS;
  const floor = restoreS + appHealthyS + INSYNC_S + failover.ttlS;
  out("1e. Failover against the critical path we aim at");
  out(
    `    database restore ${fmtS(restoreS)} + app healthy after it ${fmtS(appHealthyS)} (target group interval × healthy threshold) + Route53 INSYNC ${fmtS(INSYNC_S)} + TTL ${fmtS(failover.ttlS)} = ${fmtS(floor)}`,
  );
  const contributors = [...failover.predicted.contributors].sort((a, b) => b.seconds - a.seconds).slice(0, 5);
  out(`    top contributors today: ${contributors.map((item) => `${item.name} ${fmtS(item.seconds)}`).join(", ")}`);
  figure(
    "modeled failover RTO / that path",
    (failover.median / floor).toFixed(3),
    "≤ 1.05",
    failover.median / floor <= 1.05,
  );
  out();
}

// ── 3: snapshot discovery at scale ──────────────────────────────────────────

async function inBatches(
  count: number,
  concurrency: number,
  work: (index: number) => Promise<unknown>,
  deadline: number,
): Promise<number> {
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count && performance.now() < deadline) {
        const index = next++;
        await work(index);
        done++;
      }
    }),
  );
  return done;
}

async function benchSnapshots(e2e: E2eWorld): Promise<void> {
  out(`3. Snapshot discovery — ${SNAPSHOTS} snapshots of several DBs in ${TARGET}`);
  const run = await e2e.seed();
  const source = run.plan.database.sourceIdentifier;
  const rds = new RDSClient({
    region: TARGET,
    endpoint: e2e.moto.endpoint,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  // Four other databases share the region; the plan's database gets a fifth of the snapshots.
  const instances = [source, "billing-production", "search-production", "analytics-production", "auth-production"];
  const seedStart = performance.now();
  for (const id of instances) {
    await rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: id,
        DBInstanceClass: "db.t3.micro",
        Engine: "postgres",
        MasterUsername: "bench",
        MasterUserPassword: "bench-password-1",
        AllocatedStorage: 20,
      }),
    );
  }
  const deadline = seedStart + 240_000;
  const created = await inBatches(
    SNAPSHOTS - run.world.copiedSnapshotIds.length,
    16,
    (index) =>
      rds.send(
        new CreateDBSnapshotCommand({
          DBInstanceIdentifier: instances[index % instances.length],
          DBSnapshotIdentifier: `bench-${instances[index % instances.length]}-${index}`,
        }),
      ),
    deadline,
  );
  const total = created + run.world.copiedSnapshotIds.length;
  figure("seeding (moto, 16 concurrent CreateDBSnapshot)", fmtMs(performance.now() - seedStart), undefined);
  if (total < SNAPSHOTS) out(`    seeding stopped at its 240 s bound: ${total} snapshots`);

  const times: number[] = [];
  let calls = 0;
  let matching = 0;
  for (let i = 0; i < 5; i++) {
    let count = 0;
    const started = performance.now();
    const point = await findRestorableSnapshot(run.aws.rds(TARGET), {
      sourceIdentifier: source,
      targetRegion: TARGET,
      onCall: () => count++,
    });
    times.push(performance.now() - started);
    calls = count;
    if (!point.snapshotIdentifier) throw new Error("no restore point");
  }
  matching = Math.ceil(created / instances.length) + run.world.copiedSnapshotIds.length;
  const realPages = Math.max(1, Math.ceil(matching / 100));
  const budget = Math.ceil(total / 100) + 2;
  figure("findRestorableSnapshot (median of 5, moto)", fmtMs(median(times)), "< 2 s", median(times) < 2000);
  figure("DescribeDBSnapshots calls against moto", String(calls), undefined);
  figure(`calls against real AWS (${matching} of ${source})`, String(realPages), `≤ ${budget}`, realPages <= budget);
  out(`    moto ignores MaxRecords and answers in one page. The code asks for DBInstanceIdentifier=${source}`);
  out(`    with MaxRecords=100, so real AWS filters server-side and pages only that DB's ${matching} snapshots:`);
  out(
    `    ceil(${matching}/100) = ${realPages} calls (the other DBs' ${total - matching} snapshots are never listed);`,
  );
  out(
    `    at ~150 ms per call that is ~${fmtMs(realPages * 150)} against AWS. Unfiltered it would be ceil(${total}/100) = ${Math.ceil(total / 100)}.`,
  );
  out();
  rds.destroy();
  await rm(run.stateDir, { recursive: true, force: true });
}

// ── 4: start-up ─────────────────────────────────────────────────────────────

async function benchStartup(): Promise<void> {
  out("4. Start-up (median of 10)");
  const time = async (args: string[]) => {
    const samples: number[] = [];
    for (let i = 0; i < 10; i++) {
      const stateDir = await mkdtemp(join(tmpdir(), "dr-bench-status-"));
      const started = performance.now();
      await execa(process.execPath, ["dist/index.js", ...args.map((arg) => (arg === "{state}" ? stateDir : arg))], {
        cwd: root,
        stdin: "ignore",
      });
      samples.push(performance.now() - started);
      await rm(stateDir, { recursive: true, force: true });
    }
    return median(samples);
  };
  const help = await time(["--help"]);
  figure("dr-failover --help", fmtMs(help), "< 0.5 s", help < 500);
  const status = await time(["status", "--state-dir", "{state}"]);
  figure("dr-failover status (empty state dir)", fmtMs(status), undefined);
  out();
}

// ── 5: costs that grow with the estate ──────────────────────────────────────

/** 5a. A failover whose hosted zone holds RECORDS other records: the production switch's list calls and tool time. */
async function benchDnsAtScale(e2e: E2eWorld): Promise<void> {
  out(`5a. Production switch in a hosted zone of ${RECORDS} records (failover, scale ${SCALE})`);
  const run = await e2e.seed();
  const seedStart = performance.now();
  await seedZoneRecords(e2e.moto.endpoint, run.world.hostedZoneId!, run.plan.dns.hostedZone, RECORDS);
  figure("seeding (moto, batches of 1,000)", fmtMs(performance.now() - seedStart), undefined);
  const insyncMs = INSYNC_S * SCALE * 1000;
  const proxy = await startLatencyProxy(e2e.moto.endpoint, { insyncMs });
  const aws = new AwsClients({ endpoint: proxy.endpoint });
  const lists = () => proxy.calls.get("ListResourceRecordSets") ?? 0;
  let listsAtStart = 0;
  let switchLists = -1;
  let switchMs = 0;
  try {
    const ctx = run.context({
      aws,
      emit: (event) => {
        if (event.type === "phase-started" && event.phase === "dns") listsAtStart = lists();
        if (event.type === "phase-finished" && event.phase === "dns") {
          switchLists = lists() - listsAtStart;
          switchMs = event.durationMs;
        }
      },
      dnsPollIntervalMs: Math.max(10, 2_000 * SCALE),
      readinessPollIntervalMs: Math.max(10, 1_000 * SCALE),
    });
    const report = await runFailover(ctx, { confirm: run.plan.dns.productionRecord });
    if (report.result !== "succeeded") throw new Error(`failover did not succeed: ${report.error?.code}`);
    // The proxy holds the change PENDING for the scaled INSYNC: everything else in the phase is the tool's.
    const toolMs = switchMs - insyncMs;
    figure("ListResourceRecordSets in the whole failover", String(lists()), undefined);
    figure("ListResourceRecordSets in the switch", String(switchLists), "≤ 3", switchLists >= 0 && switchLists <= 3);
    figure("switch tool time (phase − scaled INSYNC)", fmtMs(toolMs), "< 1 s", toolMs < 1000);
  } finally {
    aws.destroy();
    await proxy.stop();
    await rm(run.stateDir, { recursive: true, force: true });
  }
  out();
}

/** 5b–d. Through the real CLI: peak memory of a drill, then `history` and `status` over a grown state dir. */
async function benchEstate(): Promise<void> {
  const world = await startCliWorld();
  const statusCalls: number[] = [];
  try {
    out("5b. Peak memory during a drill (real CLI, VmHWM sampled every 50 ms)");
    const sampler = sampleProcessTree(process.pid, drillProcessRole);
    const drill = await spawnCli([...world.globals(), "drill", "-p", world.planPath, "-r", TARGET, "--keep"], {
      env: world.env(),
      timeoutMs: 600_000,
    });
    const peaks = sampler.stop();
    if (drill.exitCode !== 0) throw new Error(`drill failed (exit ${drill.exitCode}): ${drill.stderr.slice(-2000)}`);
    const mb = (role: string) => (peaks.find((peak) => peak.role === role)?.peakKb ?? 0) / 1024;
    const count = (role: string) => peaks.find((peak) => peak.role === role)?.processes ?? 0;
    figure(
      "CLI process (node dist/index.js)",
      `${mb("cli").toFixed(0)} MB`,
      "< 300 MB",
      mb("cli") > 0 && mb("cli") < 300,
    );
    figure(`Pulumi engine (${count("engine")} process(es), max)`, `${mb("engine").toFixed(0)} MB`, undefined);
    figure(`aws plugin, stand-in (${count("plugin")} process(es), max)`, `${mb("plugin").toFixed(0)} MB`, undefined);
    if (count("language host")) figure("language host (max)", `${mb("language host").toFixed(0)} MB`, undefined);
    out();

    const env = world.env();
    const shim = await countingPulumiRoot(process.env.DR_FAILOVER_PULUMI_ROOT!);
    const statusRun = async () => {
      const before = (await shim.calls()).length;
      const { ms, stdout } = await timeCli(cliPath, root, ["--json", ...world.globals(), "status"], {
        ...env,
        DR_FAILOVER_PULUMI_ROOT: shim.root,
      });
      const stacks = (JSON.parse(stdout.trim().split("\n").pop()!) as { stacks: { endpoints?: unknown }[] }).stacks;
      return { ms, calls: (await shim.calls()).length - before, stacks };
    };
    const one = await statusRun();
    statusCalls.push(one.calls);

    out(`5c. history over ${REPORTS} reports (real CLI, median of 3)`);
    await cloneReports(world.stateDir, REPORTS);
    const history: number[] = [];
    for (let i = 0; i < 3; i++)
      history.push((await timeCli(cliPath, root, ["--json", "--state-dir", world.stateDir, "history"], env)).ms);
    figure(`dr-failover history (${REPORTS} reports)`, fmtMs(median(history)), "< 1 s", median(history) < 1000);
    out();

    out(`5d. status with ${STACKS} stacks in the backend and ${REPORTS} reports (real CLI, median of 3)`);
    await cloneStacks(world.stateDir, STACKS);
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await statusRun());
    const statusMs = median(runs.map((item) => item.ms));
    const listed = runs[0].stacks;
    figure(
      `stacks listed (with endpoints)`,
      `${listed.length} (${listed.filter((s) => s.endpoints).length})`,
      undefined,
    );
    figure(`dr-failover status (${STACKS} stacks)`, fmtMs(statusMs), "< 3 s", statusMs < 3000);
    figure(
      `Pulumi CLI calls: 1 stack → ${STACKS} stacks`,
      `${one.calls} → ${runs[0].calls}`,
      "constant",
      runs[0].calls === one.calls && listed.length === STACKS,
    );
    out();
    await shim.remove();
  } finally {
    await world.stop();
    await rm(world.stateDir, { recursive: true, force: true });
  }
}

// ── main ────────────────────────────────────────────────────────────────────

/**
 * The reference world's RPO by each restore source, as the runbook leaves it: the daily
 * snapshot (taken at the start of the plan's backup window, copied to the target region) and
 * the automated backups replicated there (minutes behind). Preflight's own figure, at "now".
 */
async function benchRpo(e2e: E2eWorld): Promise<void> {
  out("6. RPO of the reference world by restore source (incident now)");
  const now = new Date();
  const run = await e2e.seed(undefined, undefined, { dailySnapshotAt: lastDailyBackup(e2e.plan, now) });
  const aws = new AwsClients({ endpoint: e2e.moto.endpoint });
  const rpoMs = run.plan.objectives.rpo;
  for (const restoreFrom of ["snapshot", "point-in-time", "auto"] as const) {
    const plan = { ...run.plan, database: { ...run.plan.database, restoreFrom } };
    const result = await runPreflight(aws, {
      plan,
      targetRegion: TARGET,
      journey: "failover",
      incidentStart: now,
      acceptDataLoss: true,
    });
    const lossMs = result.dataLossWindowMs;
    const label = `RPO by ${restoreFrom === "auto" ? `auto (${result.restorePoint.source})` : restoreFrom}`;
    // The snapshot's figure is the runbook's daily copy: shown, not ours to meet; the others gate.
    if (restoreFrom === "snapshot") figure(label, formatDuration(lossMs), undefined);
    else figure(label, formatDuration(lossMs), `≤ ${formatDuration(rpoMs)}`, lossMs <= rpoMs);
  }
  aws.destroy();
  out();
}

async function main(): Promise<number> {
  await substrate();
  out(`dr-failover benchmark — latency scale ${SCALE}, ${RUNS} run(s) per journey`);
  out();
  if (!SKIP.has("startup")) await benchStartup();
  if (["rto", "snapshots", "dns", "rpo", "failback"].some((part) => !SKIP.has(part))) {
    // moto's target health checks run on the same scaled clock as the stand-in (moto-server.py).
    const e2e = await startE2eWorld({ motoEnv: { DR_STANDIN_LATENCY_SCALE: String(SCALE) } });
    try {
      if (!SKIP.has("rto")) await benchRto(e2e);
      if (!SKIP.has("snapshots")) await benchSnapshots(e2e);
      if (!SKIP.has("dns")) await benchDnsAtScale(e2e);
      if (!SKIP.has("rpo")) await benchRpo(e2e);
      if (!SKIP.has("failback")) await benchFailbackDowntime(e2e, { out, figure }, SCALE);
    } finally {
      await e2e.stop();
    }
  }
  if (!SKIP.has("estate")) await benchEstate();
  const failed = results.filter((result) => !result.pass);
  out(
    failed.length
      ? `${failed.length} of ${results.length} targets missed: ${failed.map((result) => result.name).join(", ")}`
      : `all ${results.length} targets met`,
  );
  return failed.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(2);
  },
);
