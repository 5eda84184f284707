/**
 * A run killed before it could write its report (SIGKILL, a lost machine) gets
 * one from the run that continues it: what the journal says it did and the step
 * it stopped in, so history and the reports show the interruption.
 */
import { readJournal } from "../journal.js";
import type { RunReport } from "../report/model.js";
import { writeReport } from "../report/publish.js";
import { readReport } from "../report/store.js";
import type { JourneyContext } from "./context.js";
import { newReport } from "./run.js";

/**
 * Writes a report for every earlier run of this stack that the journal shows
 * unfinished and that has none (a failover may be killed more than once);
 * returns the run ids with where each stopped.
 */
export async function reportInterruptedRuns(
  ctx: JourneyContext,
  stackName: string,
  incidentStart: Date,
  continuedBy: string,
): Promise<string[]> {
  const { stateDir } = ctx.workspace;
  const byRun = new Map<string, Awaited<ReturnType<typeof readJournal>>>();
  for (const entry of await readJournal(stateDir)) {
    if (entry.stackName !== stackName || entry.runId === continuedBy || entry.journey !== "failover") continue;
    byRun.set(entry.runId, [...(byRun.get(entry.runId) ?? []), entry]);
  }
  const reported: string[] = [];
  for (const [runId, entries] of byRun) {
    if (entries.some((entry) => entry.step === "finished") || (await readReport(stateDir, runId))) continue;
    const last = entries[entries.length - 1];
    const done = new Set(entries.filter((entry) => entry.result !== "started").map((entry) => entry.step));
    const stoppedIn = [...entries].reverse().find((entry) => entry.result === "started" && !done.has(entry.step));
    const where = stoppedIn ? `during ${stoppedIn.step}` : `after ${last.step}`;
    const report: RunReport = {
      ...newReport(ctx, { journey: "failover", runId, stackName }),
      error: {
        code: "INTERRUPTED",
        message: `interrupted ${where} (its last journal line: ${last.time}); run ${continuedBy} continued it`,
      },
      incidentStart: incidentStart.toISOString(),
      startedAt: entries[0].time,
      finishedAt: last.time,
    };
    // Not appended to the CI job summary: that is the continuing run's.
    await writeReport(stateDir, report, { lang: ctx.reportLanguage, stepSummaryPath: "" });
    reported.push(`${runId} (${where})`);
  }
  return reported;
}
