/**
 * The run journal: one NDJSON line per step of every run in the state
 * directory, so an operator can see what happened after a crash.
 */
import { appendFileSync, mkdirSync } from "node:fs";
import { appendFile, mkdir, readFile } from "node:fs/promises";
import { hostname, userInfo } from "node:os";
import { join } from "node:path";

export interface JournalEntry {
  time: string;
  user: string;
  host: string;
  runId: string;
  journey: string;
  stackName: string;
  step: string;
  result: "started" | "ok" | "failed" | "info";
  detail?: string;
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return "unknown";
  }
}

export class Journal {
  private readonly path: string;

  constructor(
    private readonly stateDir: string,
    private readonly base: Pick<JournalEntry, "runId" | "journey" | "stackName">,
    /** false for a run that must leave no trace (preview): every write is a no-op. */
    private readonly enabled = true,
  ) {
    this.path = join(stateDir, "journal.ndjson");
  }

  private last: Promise<void> = Promise.resolve();

  private entry(step: string, result: JournalEntry["result"], detail?: string): string {
    const entry: JournalEntry = {
      time: new Date().toISOString(),
      user: currentUser(),
      host: hostname(),
      ...this.base,
      step,
      result,
      detail,
    };
    return `${JSON.stringify(entry)}\n`;
  }

  /** Appends one line; writes are chained so lines keep their order even when a caller does not await. */
  write(step: string, result: JournalEntry["result"], detail?: string): Promise<void> {
    if (!this.enabled) return Promise.resolve();
    if (step === "run" && result === "started") unfinished.add(this);
    if (step === "finished") unfinished.delete(this);
    const line = this.entry(step, result, detail);
    const next = this.last
      .catch(() => undefined)
      .then(async () => {
        await mkdir(this.stateDir, { recursive: true });
        await appendFile(this.path, line);
      });
    this.last = next;
    return next;
  }

  /** The closing line, written before the process exits (no event loop turn left for the chained writes). */
  closeNow(detail: string): void {
    unfinished.delete(this);
    mkdirSync(this.stateDir, { recursive: true });
    appendFileSync(this.path, this.entry("finished", "failed", detail));
  }
}

/** Runs of this process that started and have not finished. */
const unfinished = new Set<Journal>();

/**
 * For an exit that cannot wait (a second Ctrl-C): every unfinished run gets its
 * closing line now, so the journal says how it ended.
 */
export function closeUnfinishedRuns(detail: string): void {
  for (const journal of [...unfinished]) {
    try {
      journal.closeNow(detail);
    } catch {
      // An unwritable state dir must not turn an abort into a crash: the next run's recovery lines still explain.
    }
  }
}

export async function readJournal(stateDir: string): Promise<JournalEntry[]> {
  try {
    const text = await readFile(join(stateDir, "journal.ndjson"), "utf8");
    return text
      .split("\n")
      .filter((line) => line.trim())
      .map((line) => JSON.parse(line) as JournalEntry);
  } catch {
    return [];
  }
}
