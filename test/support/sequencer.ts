/**
 * Runs the longest test files first, so that three workers finish together
 * instead of one starting a 70-second engine file at the end. Deterministic
 * (a clean CI clone has no timings cached): the order of this list, then the
 * default order.
 */
import { BaseSequencer, type TestSpecification } from "vitest/node";

// Measured on the CI machine (3 workers): 70–100 s, 60 s, 45–55 s, 35–40 s, 10–25 s.
const LONGEST_FIRST = [
  "test/resilience/crash-failover",
  "test/resilience/crash-failback",
  "test/resilience/shared-backend",
  "test/resilience/faults-failover",
  "test/resilience/interrupts",
  "test/resilience/faults-drill",
  "test/e2e/failover-safety",
  "test/resilience/crash-drill",
  "test/e2e/",
  "test/cli/bad-input",
  "test/ux/journey-ux",
  "test/emulator/preflight",
  "test/emulator/seed-world",
  "test/standin/engine",
  "test/unit/stack",
];

export default class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (file: TestSpecification) => {
      const index = LONGEST_FIRST.findIndex((prefix) => file.moduleId.includes(`/${prefix}`));
      return index < 0 ? LONGEST_FIRST.length : index;
    };
    return sorted
      .map((file, position) => ({ file, position }))
      .sort((a, b) => rank(a.file) - rank(b.file) || a.position - b.position)
      .map(({ file }) => file);
  }
}
