/**
 * The one place that turns the outcome of a command into an exit code: 0 ok,
 * a DrFailoverError's own code (2 usage, 3 precondition, 4 AWS, 5 verification,
 * 6 refused, 1 tool), 130 after Ctrl-C, 1 for a bug. Also owns SIGINT: the first
 * Ctrl-C aborts the journey cleanly through its AbortSignal, a second exits now.
 */
import { CommanderError } from "commander";
import { ExitCode, isDrFailoverError } from "../automation/errors.js";
import { closeUnfinishedRuns } from "../automation/journal.js";
import { outJson } from "./render/json.js";
import { err } from "./render/output.js";

/** Runs a command's work and exits with its code. The only exit of the program besides usage errors. */
export async function execute(
  options: { json?: boolean },
  work: (signal: AbortSignal) => Promise<void>,
): Promise<never> {
  const controller = new AbortController();
  let interrupts = 0;
  process.on("SIGINT", () => {
    interrupts += 1;
    if (interrupts > 1) {
      err("second interrupt: aborting now");
      closeUnfinishedRuns(
        "ABORTED: second Ctrl-C, the engine was not waited for; re-run the command (a drill: dr-failover destroy --stack <its stack>)",
      );
      process.exit(ExitCode.interrupted);
    }
    err("interrupt: stopping the engine cleanly (press Ctrl-C again to abort at once)");
    controller.abort();
  });
  try {
    await work(controller.signal);
    process.exit(ExitCode.ok);
  } catch (error) {
    if (options.json) {
      outJson(
        isDrFailoverError(error)
          ? { type: "error", code: error.code, message: error.message, details: error.details, hint: error.hint }
          : { type: "error", code: "UNEXPECTED", message: String(error) },
      );
    }
    if (isDrFailoverError(error)) {
      err(`error ${error.code}: ${error.message}`);
      for (const detail of error.details) err(`  - ${detail}`);
      if (error.hint) err(`  hint: ${error.hint}`);
      // Whatever failed after a Ctrl-C failed because of it: 130, and the re-run resumes.
      process.exit(controller.signal.aborted ? ExitCode.interrupted : error.exitCode);
    }
    if (controller.signal.aborted) {
      err(`error INTERRUPTED: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(ExitCode.interrupted);
    }
    err(
      `unexpected error (a bug in dr-failover): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    process.exit(ExitCode.tool);
  }
}

/** commander's own errors (unknown option, missing argument): exit 2 in our format; --help and --version exit 0. */
export function exitOnCommanderError(error: unknown): never {
  if (!(error instanceof CommanderError)) throw error;
  if (error.exitCode === 0) process.exit(ExitCode.ok);
  // commander appends its suggestion on a line of its own: "(Did you mean --plan?)".
  const [message, suggestion] = error.message.replace(/^error: /, "").split(/\n\((Did you mean [^)]*)\)/);
  err(`error USAGE: ${message.trim()}`);
  err(
    `  hint: ${suggestion ? `${suggestion} ` : ""}\`dr-failover --help\` and \`dr-failover <command> --help\` list the commands and options.`,
  );
  process.exit(ExitCode.usage);
}
