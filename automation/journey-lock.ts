/**
 * One journey per app and target region at a time. Two drills of the same app
 * and target would both pass preflight and both build (on AWS: both sit
 * through a database restore) before one failed late; a destroy beside a
 * failover of the same target would tear down what the failover is building.
 * So every journey that changes anything takes a lock in the state backend
 * before it creates anything, and the second start is refused naming the
 * holder. The lock is one object, created atomically (O_EXCL in a file
 * backend, If-None-Match in S3), beside Pulumi's own stack locks; a holder
 * that is provably gone (same host, no such process) is cleared, as stale
 * engine locks are (recovery.ts).
 */
import { hostname, userInfo } from "node:os";
import type { BackendStore } from "./backend-store.js";
import { RefusedError } from "./errors.js";
import type { EventSink } from "./events.js";
import { processAlive } from "./recovery.js";
import type { Journey } from "./vocabulary.js";

/** What a lock says about its holder. */
export interface JourneyLockHolder {
  journey: Journey;
  runId: string;
  stackName: string;
  hostname: string;
  pid: number;
  user: string;
  /** ISO time the lock was taken. */
  since: string;
}

/** `.pulumi/dr-failover/journey-locks/<app>/<target region>.json` in the backend. */
export const journeyLockKey = (app: string, targetRegion: string) =>
  `.pulumi/dr-failover/journey-locks/${app}/${targetRegion}.json`;

export interface HeldJourneyLock {
  where: string;
  /** Removes the lock if it is still this run's; never throws (a lock left behind is stale once the process ends). */
  release(): Promise<void>;
}

/**
 * Takes the lock of `app` in `targetRegion` for this run, or refuses
 * (JOURNEY_IN_PROGRESS) naming who holds it, where and since when.
 */
export async function acquireJourneyLock(
  store: BackendStore,
  lock: { app: string; targetRegion: string; holder: Pick<JourneyLockHolder, "journey" | "runId" | "stackName"> },
  emit: EventSink,
): Promise<HeldJourneyLock> {
  const key = journeyLockKey(lock.app, lock.targetRegion);
  const where = store.where(key);
  const mine: JourneyLockHolder = {
    ...lock.holder,
    hostname: hostname(),
    pid: process.pid,
    user: safeUser(),
    since: new Date().toISOString(),
  };
  const held: HeldJourneyLock = {
    where,
    async release() {
      try {
        const current = parseHolder(await store.get(key));
        if (current?.runId === mine.runId) await store.delete(key);
      } catch {
        // Best effort: the lock names this process, which is gone soon; the next start clears it.
      }
    },
  };
  // Twice at most: the second attempt only after clearing a holder that is provably gone.
  for (let attempt = 0; attempt < 2; attempt++) {
    if (await store.create(key, `${JSON.stringify(mine, null, 2)}\n`)) return held;
    const holder = parseHolder(await store.get(key));
    if (holder === undefined) continue; // Released between our two calls: try again.
    const owner = holder
      ? `${holder.journey} ${holder.runId} (stack ${holder.stackName}), pid ${holder.pid} on ${holder.hostname} as ${holder.user} since ${holder.since}`
      : "a holder that left an unreadable lock";
    if (holder && holder.hostname === mine.hostname && !processAlive(holder.pid)) {
      await store.delete(key);
      emit({
        type: "warning",
        code: "JOURNEY_LOCK_STALE_CLEARED",
        message: `cleared the stale journey lock of ${owner}: that process no longer exists (${where})`,
      });
      continue;
    }
    throw new RefusedError(
      "JOURNEY_IN_PROGRESS",
      `another journey of ${lock.app} in ${lock.targetRegion} is running: ${owner}`,
      {
        details: [`lock: ${where}`],
        hint:
          holder?.hostname === mine.hostname
            ? "Wait for it to finish (or stop it with Ctrl-C), then re-run."
            : `Wait for it to finish. If ${holder?.hostname ?? "its machine"} is gone for good and nothing runs there any more, delete ${where}, then re-run.`,
      },
    );
  }
  throw new RefusedError(
    "JOURNEY_IN_PROGRESS",
    `the journey lock of ${lock.app} in ${lock.targetRegion} keeps changing hands (${where})`,
    { hint: "Another journey of the same app and target is starting: wait for it, then re-run." },
  );
}

/** The holder, undefined when there is no lock, null when the object cannot be read as one. */
function parseHolder(text: string | undefined): JourneyLockHolder | null | undefined {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as JourneyLockHolder;
  } catch {
    return null;
  }
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return "?";
  }
}
