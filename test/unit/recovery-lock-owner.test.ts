import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { processAlive } from "../../automation/recovery.js";

describe("a lock's owner process", () => {
  it("counts as alive while it runs, and as gone once it is a zombie nobody reaped yet", async () => {
    // `sleep 0.05` becomes a zombie: its parent execs into `sleep 5`, which never reaps it
    // (what a SIGKILLed pulumi looks like while a VM's init has not reaped it yet).
    const parent = execa("bash", ["-c", "sleep 0.05 & echo $!; exec sleep 5"], { reject: false });
    const zombiePid = await new Promise<number>((resolve) =>
      parent.stdout!.once("data", (chunk: Buffer) => resolve(Number(chunk.toString().trim()))),
    );
    try {
      expect(processAlive(process.pid)).toBe(true);
      expect(processAlive(parent.pid!)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(() => process.kill(zombiePid, 0), "signal 0 still reaches the zombie").not.toThrow();
      expect(processAlive(zombiePid)).toBe(false);
    } finally {
      parent.kill("SIGKILL");
      await parent;
    }
  });
});
