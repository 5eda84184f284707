/**
 * The journey lock in a file backend: one holder at a time, the second named
 * in the refusal; a holder that is provably gone (this host, no such process)
 * cleared with a warning; one of another host or a live process kept; a
 * release that removes only its own lock. (The s3:// backend, and two real
 * CLI starts at once: test/resilience/shared-backend.test.ts.)
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { backendStoreFor, type BackendStore } from "../../automation/backend-store.js";
import { isDrFailoverError } from "../../automation/errors.js";
import type { DrEvent } from "../../automation/events.js";
import { acquireJourneyLock, journeyLockKey } from "../../automation/journey-lock.js";

let dir: string;
let store: BackendStore;
const events: DrEvent[] = [];
const emit = (event: DrEvent) => events.push(event);
const lock = (runId: string) => ({
  app: "peoplebooster",
  targetRegion: "ap-northeast-3",
  holder: { journey: "drill" as const, runId, stackName: `peoplebooster-drill-ap-northeast-3-${runId}` },
});
const lockFile = () => join(dir, ".pulumi", "dr-failover", "journey-locks", "peoplebooster", "ap-northeast-3.json");
const holderWritten = async (holder: Record<string, unknown>) =>
  store.put(
    journeyLockKey("peoplebooster", "ap-northeast-3"),
    JSON.stringify({
      journey: "failover",
      runId: "r0",
      stackName: "s0",
      user: "ops",
      since: "2026-11-30T01:00:00.000Z",
      ...holder,
    }),
  );
const refusal = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!isDrFailoverError(error)) throw new Error(`expected a refusal, got ${String(error)}`);
  return error;
};

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "dr-journey-lock-"));
  store = backendStoreFor(`file://${dir}`, "us-east-1")!;
  events.length = 0;
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe("the journey lock", () => {
  it("refuses a second holder, naming the first, where and since when; free again once released", async () => {
    const first = await acquireJourneyLock(store, lock("a"), emit);
    expect(first.where).toBe(lockFile());
    const error = await refusal(acquireJourneyLock(store, lock("b"), emit));
    expect(error.code).toBe("JOURNEY_IN_PROGRESS");
    expect(error.exitCode).toBe(6);
    expect(error.message).toMatch(
      new RegExp(
        `^another journey of peoplebooster in ap-northeast-3 is running: drill a \\(stack peoplebooster-drill-ap-northeast-3-a\\), pid ${process.pid} on ${hostname()} as .+ since \\d{4}-`,
      ),
    );
    expect(error.details).toEqual([`lock: ${lockFile()}`]);
    await first.release();
    const second = await acquireJourneyLock(store, lock("b"), emit);
    expect(JSON.parse(await readFile(lockFile(), "utf8"))).toMatchObject({ runId: "b", pid: process.pid });
    await second.release();
    expect(events).toEqual([]);
  });

  it("clears the lock of a process of this host that no longer exists, and says so", async () => {
    await holderWritten({ hostname: hostname(), pid: 2 ** 22 + 12_345 });
    const held = await acquireJourneyLock(store, lock("b"), emit);
    expect(events).toEqual([
      {
        type: "warning",
        code: "JOURNEY_LOCK_STALE_CLEARED",
        message: expect.stringMatching(
          /^cleared the stale journey lock of failover r0 \(stack s0\), pid \d+ on .* since 2026-11-30T01:00:00.000Z: that process no longer exists/,
        ),
      },
    ]);
    await held.release();
  });

  it("keeps the lock of a live process, or of another host, and tells how to free a dead machine's", async () => {
    await holderWritten({ hostname: hostname(), pid: process.ppid });
    expect((await refusal(acquireJourneyLock(store, lock("b"), emit))).hint).toMatch(/^Wait for it to finish/);
    await holderWritten({ hostname: "ops-laptop-7", pid: 4242 });
    const foreign = await refusal(acquireJourneyLock(store, lock("b"), emit));
    expect(foreign.message).toContain("pid 4242 on ops-laptop-7 as ops since 2026-11-30T01:00:00.000Z");
    expect(foreign.hint).toBe(
      `Wait for it to finish. If ops-laptop-7 is gone for good and nothing runs there any more, delete ${lockFile()}, then re-run.`,
    );
    expect(events).toEqual([]);
  });

  it("refuses on an unreadable lock rather than guess, and a release never removes another run's lock", async () => {
    await holderWritten({});
    await writeFile(lockFile(), "{ torn");
    expect((await refusal(acquireJourneyLock(store, lock("b"), emit))).message).toContain(
      "a holder that left an unreadable lock",
    );
    await rm(lockFile());
    const held = await acquireJourneyLock(store, lock("a"), emit);
    await holderWritten({ runId: "someone-else", hostname: "ops-laptop-7", pid: 1 });
    await held.release();
    expect(JSON.parse(await readFile(lockFile(), "utf8")).runId).toBe("someone-else");
  });
});
