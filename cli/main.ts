/** Runs the program on the process's arguments; every way out of it is an exit code (cli/exit-codes.ts). */
import { exitOnCommanderError } from "./exit-codes.js";
import { buildProgram } from "./program.js";

export async function main(argv: string[]): Promise<void> {
  // The SDK's notice about its Node version plans is noise for an operator at 3 a.m.; the lockfile pins the SDK.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    exitOnCommanderError(error);
  }
}
