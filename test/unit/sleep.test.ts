import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { sleep } from "../../automation/aws.js";

describe("sleep", () => {
  it("leaves no abort listener behind, so a long wait never warns about a listener leak", async () => {
    const controller = new AbortController();
    for (let i = 0; i < 20; i++) await sleep(1, controller.signal);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
  });

  it("wakes at once when the signal aborts", async () => {
    const controller = new AbortController();
    const started = performance.now();
    const sleeping = sleep(60_000, controller.signal);
    controller.abort();
    await sleeping;
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});
