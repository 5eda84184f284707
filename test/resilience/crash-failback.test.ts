/**
 * The failback's kill matrix through the real CLI (real engine for the
 * failover, stand-in plugin, moto, the world's PostgreSQL): after one failover
 * and a write in DR, the CLI's process group is SIGKILLed as each phase of the
 * failback starts (the phases listed in FAILBACK_PHASES: a method's list is its
 * matrix), a Ctrl-C lands in the cutover, and a data check that fails keeps DNS
 * on DR; the same command is run again each time. Pinned after every kill: at
 * most one final snapshot, one copy and one new primary; the production record
 * points at DR or, only once the data check passed and the production service
 * is steady on the new primary, back home; the DR service is never deleted (the
 * roll-back stays possible); the journal says where the killed run stopped.
 * At the end: every DR write in the new primary, 0 orphaned resources.
 */
import { DescribeDBInstancesCommand, DescribeDBSnapshotsCommand } from "@aws-sdk/client-rds";
import { DescribeServicesCommand } from "@aws-sdk/client-ecs";
import { GetSecretValueCommand, ListSecretsCommand } from "@aws-sdk/client-secrets-manager";
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { readNameRecords, recordTarget } from "../../automation/dns.js";
import { readJournal } from "../../automation/journal.js";
import { FAILBACK_METHODS, FAILBACK_PHASES, type FailbackMethod } from "../../automation/vocabulary.js";
import { diffMotoState } from "../support/moto-state.js";
import { spawnCli, TARGET, type CliRun } from "../support/cli-world.js";
import { phaseStarted, PROD, runStarted, show, useResilienceWorld } from "../support/resilience.js";
import { type Connection, query } from "../support/pg.js";

const FAILBACK = "-failback-";

/** Per method: before which phase a failing data check is injected (the first that changes production), where
 * a Ctrl-C lands (in the cutover), and what the failback leaves in AWS by design besides the new primary
 * (its final snapshot and copy; the restored primary's automated snapshot: moto makes none for a promoted replica). */
const MATRIX: Record<
  FailbackMethod,
  { failDataCheckBefore: string; interruptAt: string; dataSnapshots: 0 | 1; automatedSnapshots: 0 | 1 }
> = {
  replica: {
    failDataCheckBefore: "production-secret",
    interruptAt: "catch-up",
    dataSnapshots: 0,
    automatedSnapshots: 0,
  },
  snapshot: {
    failDataCheckBefore: "production-secret",
    interruptAt: "final-snapshot",
    dataSnapshots: 1,
    automatedSnapshots: 1,
  },
};

// One world per method: a failback leaves production on its new primary, so each method starts from its own failover.
describe.each(FAILBACK_METHODS)(
  "SIGKILL at every phase boundary of a failback --method %s, Ctrl-C in its cutover, then the same command again",
  (method) => {
    const r = useResilienceWorld(`crash matrix (failback ${method})`);
    it(`failback --method ${method} resumes from every kill without a second snapshot, copy or instance, and moves DNS only onto a verified, healthy primary`, async () => {
      const { killed, completes, failover, failback, invariants, matrix } = r.kit;
      const { aws, plan, world } = r.w;
      const source = plan.sourceRegion;
      await completes(failover());
      const afterFailover = await r.w.summary();
      const home = world.productionRecordValue;
      const targets = async () =>
        (await readNameRecords(aws.route53(), world.hostedZoneId!, PROD)).routing.map((value) => recordTarget(value));
      const drTargets = await targets();
      expect(drTargets.every((target) => target?.endsWith("elb.amazonaws.com"))).toBe(true);

      // The outage's write, in the DR database through its connection secret.
      const secrets = (await aws.secrets(TARGET).send(new ListSecretsCommand({}))).SecretList ?? [];
      const drSecret = secrets.find((secret) => secret.Name?.startsWith(`${plan.secrets.databaseSecretName}/dr-`));
      // Its host is the private connection name (it resolves inside the DR VPC only): the instance's address.
      const drDatabase = (
        await aws
          .rds(TARGET)
          .send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: `${plan.database.sourceIdentifier}-dr` }))
      ).DBInstances![0];
      const drConnection = {
        ...(JSON.parse(
          (await aws.secrets(TARGET).send(new GetSecretValueCommand({ SecretId: drSecret!.ARN }))).SecretString!,
        ) as Connection),
        host: drDatabase.Endpoint!.Address!,
      };
      await query(drConnection, "INSERT INTO users (id) VALUES ($1)", [515151]);

      const failbackSnapshots = async (region: string) =>
        ((await aws.rds(region).send(new DescribeDBSnapshotsCommand({ SnapshotType: "manual" }))).DBSnapshots ?? [])
          .map((snapshot) => snapshot.DBSnapshotIdentifier!)
          .filter((id) => id.includes(FAILBACK));
      const newPrimaries = async () =>
        ((await aws.rds(source).send(new DescribeDBInstancesCommand({}))).DBInstances ?? []).filter((instance) =>
          instance.DBInstanceIdentifier?.includes(FAILBACK),
        );
      const productionSecret = async () =>
        JSON.parse(
          (await aws.secrets(source).send(new GetSecretValueCommand({ SecretId: plan.secrets.databaseSecretName })))
            .SecretString!,
        ) as Connection;
      const service = async (region: string, cluster: string, name: string) =>
        (await aws.ecs(region).send(new DescribeServicesCommand({ cluster, services: [name] }))).services?.[0];
      const dataCheckPassed = async () =>
        (await readJournal(r.w.stateDir)).some(
          (entry) => entry.journey === "failback" && entry.step === "data-check" && entry.result === "ok",
        );

      /** What must hold wherever a failback stopped. */
      const failbackInvariants = async () => {
        await invariants();
        // Never a second snapshot, copy or instance.
        expect((await failbackSnapshots(TARGET)).length).toBeLessThanOrEqual(1);
        expect((await failbackSnapshots(source)).length).toBeLessThanOrEqual(1);
        const primaries = await newPrimaries();
        expect(primaries.length).toBeLessThanOrEqual(1);
        // The DR service (and with it the roll-back) is never deleted.
        expect((await service(TARGET, "peoplebooster-production", "peoplebooster-backend"))?.status).toBe("ACTIVE");
        const now = await targets();
        if (now.every((target) => target === home)) {
          // Home only onto a verified primary, the production service steady on it.
          expect(await dataCheckPassed()).toBe(true);
          const secret = await productionSecret();
          expect(secret.host).toBe(primaries[0]?.Endpoint?.Address);
          expect(primaries[0]?.DBInstanceStatus).toBe("available");
          const production = await service(source, plan.service.cluster, plan.service.name);
          expect(production?.runningCount).toBe(production?.desiredCount);
        } else expect(now).toEqual(drTargets);
      };
      /** The killed run's journal ends where it was killed: `phase` started, never finished. */
      const stoppedAt = async (run: CliRun, phase: string) => {
        const lines = (await readJournal(r.w.stateDir)).filter((entry) => entry.runId === runStarted(run)?.runId);
        expect(lines.at(-1), show(run)).toMatchObject({ step: phase, result: "started" });
      };

      let freeze: string | undefined;
      const phases: readonly string[] = FAILBACK_PHASES[method];
      for (const phase of phases) {
        if (phase === MATRIX[method].failDataCheckBefore) {
          // The new primary counts one row more than the DR database's last count: the comparison fails, nothing moves.
          // (It has the production secret's password; in the emulator a restored one is the DR database's PostgreSQL
          // too, a promoted replica a server of its own.)
          const [restored] = await newPrimaries();
          const primary = {
            ...(await productionSecret()),
            host: restored.Endpoint!.Address!,
            port: restored.Endpoint!.Port!,
          };
          await query(primary, "INSERT INTO users (id) VALUES ($1)", [616161]);
          const mismatch = await spawnCli(failback(method), { env: r.w.env() });
          expect(mismatch.exitCode, show(mismatch)).toBe(5);
          expect(mismatch.stderr).toMatch(/FAILBACK_DATA_MISMATCH/);
          expect(await targets()).toEqual(drTargets);
          expect((await productionSecret()).host).not.toBe((await newPrimaries())[0]?.Endpoint?.Address);
          await failbackInvariants();
          await query(primary, "DELETE FROM users WHERE id = $1", [616161]);
        }
        if (phase === MATRIX[method].interruptAt) {
          // Ctrl-C in the cutover: a safe stop that says where production is and both ways out.
          const interrupted = await spawnCli(failback(method), { env: r.w.env(), interruptWhen: phaseStarted(phase) });
          expect(interrupted.triggered).toBe(true);
          expect(interrupted.exitCode, show(interrupted)).toBe(130);
          expect(interrupted.stderr).toMatch(/INTERRUPTED/);
          expect(interrupted.stderr).toMatch(
            new RegExp(
              `still points at ${TARGET}.*Re-run the same command to continue.*roll back: scale peoplebooster-backend`,
              "s",
            ),
          );
          matrix.interrupts += 1;
          const journal = (await readJournal(r.w.stateDir)).filter(
            (entry) => entry.runId === runStarted(interrupted)?.runId,
          );
          expect(journal.at(-1)).toMatchObject({ step: "finished", result: "failed", detail: "INTERRUPTED" });
          await failbackInvariants();
        }
        const run = await killed(failback(method), phaseStarted(phase));
        freeze ??= run.events.find((event) => event.type === "downtime")?.startedAt as string | undefined;
        await stoppedAt(run, phase);
        await failbackInvariants();
      }

      const last = await completes(failback(method));
      matrix.resumed += 1;
      const finished = last.events.find((event) => event.type === "run-finished") as unknown as {
        reportPaths: string[];
      };
      const report = JSON.parse(await readFile(finished.reportPaths[0], "utf8"));
      // The downtime counts from the first run's write freeze, against the plan's budget.
      expect(report.downtime).toMatchObject({ startedAt: freeze, budgetMs: plan.objectives.failbackDowntime });
      expect(await targets()).toEqual([home, home]);
      await failbackInvariants();
      const production = await productionSecret();
      expect(await query(production, "SELECT count(*) FROM users WHERE id = $1", [515151])).toEqual([["1"]]);

      // 0 orphaned: exactly the failback's final snapshot, its copy and the new primary (with its backup) were added.
      const [primary] = await newPrimaries();
      const diff = diffMotoState(afterFailover, await r.w.summary());
      // The production record's sets moved from the DR load balancer back to their pre-failover value.
      const recordSets = (target: string | undefined) => [`${PROD}. A ${target}`, `${PROD}. AAAA ${target}`];
      expect(diff.removed).toEqual({ "route53/global/recordSets": recordSets(drTargets[0]) });
      // By snapshot: one final snapshot in DR and its copy at home, no more.
      const [finals, copies] = [await failbackSnapshots(TARGET), await failbackSnapshots(source)];
      expect([finals.length, copies.length]).toEqual([MATRIX[method].dataSnapshots, MATRIX[method].dataSnapshots]);
      const expected = {
        "route53/global/recordSets": recordSets(home),
        ...(finals.length ? { [`rds/${TARGET}/snapshots`]: finals } : {}),
        ...(copies.length ? { [`rds/${source}/snapshots`]: copies } : {}),
        [`rds/${source}/instances`]: [primary.DBInstanceIdentifier],
        // The new primary keeps the plan's backups: its own automated snapshot.
        ...(MATRIX[method].automatedSnapshots
          ? {
              [`rds/${source}/automatedSnapshots`]: [
                expect.stringMatching(new RegExp(`^rds:${primary.DBInstanceIdentifier}-`)),
              ],
            }
          : {}),
      };
      matrix.orphaned += Object.values(diff.added).flat().length - Object.values(expected).flat().length;
      expect(diff.added).toEqual(expected);
    }, 600_000);
  },
);
