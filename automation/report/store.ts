/** Reports on disk: <state>/runs/<runId>/report.json (and its renderings, see publish.ts). */
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import type { RunReport } from "./model.js";

export function runsDir(stateDir: string): string {
  return join(stateDir, "runs");
}

export async function readReport(stateDir: string, runId: string): Promise<RunReport | undefined> {
  try {
    return JSON.parse(await readFile(join(runsDir(stateDir), runId, "report.json"), "utf8")) as RunReport;
  } catch {
    return undefined;
  }
}

/** Every report in the state directory, oldest first. */
export async function listReports(stateDir: string): Promise<RunReport[]> {
  let runIds: string[];
  try {
    runIds = await readdir(runsDir(stateDir));
  } catch {
    return [];
  }
  const reports = await Promise.all(runIds.map((runId) => readReport(stateDir, runId)));
  return reports
    .filter((report): report is RunReport => report !== undefined)
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt));
}
