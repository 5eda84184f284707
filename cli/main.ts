/** Runs the program on the process's arguments; every way out of it is an exit code (cli/exit-codes.ts). */
import { exitOnCommanderError } from "./exit-codes.js";
import { buildProgram } from "./program.js";

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    exitOnCommanderError(error);
  }
}
