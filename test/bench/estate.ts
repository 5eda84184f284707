/**
 * Bench figure 5: costs that grow with the user's estate — a big hosted zone,
 * many stacks in the backend, many reports, the memory of a drill. Helpers
 * only; test/bench/bench.ts prints the figures and their targets.
 */
import { ChangeResourceRecordSetsCommand, Route53Client } from "@aws-sdk/client-route-53";
import { execa } from "execa";
import { readdirSync, readFileSync } from "node:fs";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** Adds `count` simple A records (host-00000 …) to the zone, 1,000 changes per batch (the Route53 limit). */
export async function seedZoneRecords(endpoint: string, zoneId: string, zoneName: string, count: number) {
  const route53 = new Route53Client({
    region: "us-east-1",
    endpoint,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  try {
    for (let start = 0; start < count; start += 1000) {
      const changes = Array.from({ length: Math.min(1000, count - start) }, (_, offset) => {
        const index = start + offset;
        return {
          Action: "CREATE" as const,
          ResourceRecordSet: {
            Name: `host-${String(index).padStart(5, "0")}.${zoneName}`,
            Type: "A" as const,
            TTL: 300,
            ResourceRecords: [{ Value: `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}` }],
          },
        };
      });
      await route53.send(
        new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: changes } }),
      );
    }
  } finally {
    route53.destroy();
  }
}

// ── memory of a process tree ────────────────────────────────────────────────

export type ProcessRole = "cli" | "engine" | "plugin" | "language host";

export interface RolePeak {
  role: ProcessRole;
  /** Highest VmHWM (peak resident set) seen of one process of this role, in KiB. */
  peakKb: number;
  processes: number;
}

function readProc(pid: string, file: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, "utf8");
  } catch {
    return undefined;
  }
}

/**
 * Samples /proc every `intervalMs`: every descendant of `rootPid` is
 * classified by its command line and its VmHWM (the kernel's own peak RSS of
 * that process) kept at its highest, so a peak between two samples still
 * counts as long as the process lives until the next one.
 */
export function sampleProcessTree(
  rootPid: number,
  classify: (cmdline: string) => ProcessRole | undefined,
  intervalMs = 50,
) {
  const peaks = new Map<string, { role: ProcessRole; peakKb: number }>();
  const tick = () => {
    const parents = new Map<string, string>();
    for (const pid of readdirSync("/proc")) {
      if (!/^\d+$/.test(pid)) continue;
      const stat = readProc(pid, "stat");
      // The command name (field 2) may hold spaces: the parent pid is the 2nd field after its ")".
      const ppid = stat?.slice(stat.lastIndexOf(")") + 2).split(" ")[1];
      if (ppid) parents.set(pid, ppid);
    }
    const isDescendant = (pid: string) => {
      for (let current = parents.get(pid), depth = 0; current && depth < 20; current = parents.get(current), depth++)
        if (current === String(rootPid)) return true;
      return false;
    };
    for (const pid of parents.keys()) {
      if (!isDescendant(pid)) continue;
      const role = classify((readProc(pid, "cmdline") ?? "").replaceAll("\0", " "));
      if (!role) continue;
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readProc(pid, "status") ?? "")?.[1];
      if (!hwm) continue;
      const previous = peaks.get(pid);
      peaks.set(pid, { role, peakKb: Math.max(previous?.peakKb ?? 0, Number(hwm)) });
    }
  };
  const timer = setInterval(tick, intervalMs);
  return {
    stop(): RolePeak[] {
      clearInterval(timer);
      const byRole = new Map<ProcessRole, RolePeak>();
      for (const { role, peakKb } of peaks.values()) {
        const entry = byRole.get(role) ?? { role, peakKb: 0, processes: 0 };
        entry.peakKb = Math.max(entry.peakKb, peakKb);
        entry.processes += 1;
        byRole.set(role, entry);
      }
      return [...byRole.values()];
    },
  };
}

/** The roles of a drill's processes, by command line. */
export function drillProcessRole(cmdline: string): ProcessRole | undefined {
  if (cmdline.includes("dist/index.js")) return "cli";
  if (cmdline.includes("aws-standin/main.js")) return "plugin";
  if (/(^|\/)pulumi-language-nodejs\b/.test(cmdline)) return "language host";
  if (/(^|\/)pulumi( |$)/.test(cmdline)) return "engine";
  return undefined;
}

// ── a file backend with many stacks, a state dir with many reports ──────────

/** The stack checkpoints of a file backend (project-scoped layout). */
async function stackFiles(stateDir: string): Promise<string[]> {
  const root = join(stateDir, "backend", ".pulumi", "stacks");
  const entries = await readdir(root, { recursive: true });
  return entries.filter((entry) => entry.endsWith(".json")).map((entry) => join(root, entry));
}

/**
 * Clones the one stack of a file backend until it holds `count` stacks: the
 * same checkpoint under new names (the stack name replaced everywhere, URNs
 * included) — what a backend with many kept drills looks like to `status`.
 */
export async function cloneStacks(stateDir: string, count: number): Promise<string[]> {
  const [file] = await stackFiles(stateDir);
  const text = await readFile(file, "utf8");
  const stackName = file
    .split("/")
    .pop()!
    .replace(/\.json$/, "");
  const names = [stackName];
  for (let i = 1; i < count; i++) {
    const name = `${stackName.replace(/-[a-z0-9]+$/, "")}-c${String(i).padStart(3, "0")}`;
    await writeFile(join(file, "..", `${name}.json`), text.replaceAll(stackName, name));
    names.push(name);
  }
  return names;
}

/** Clones the one report of a state dir until it holds `count`, one per day before it. */
export async function cloneReports(stateDir: string, count: number): Promise<void> {
  const runs = join(stateDir, "runs");
  const [runId] = (await readdir(runs)).filter((entry) => !entry.startsWith("."));
  const report = JSON.parse(await readFile(join(runs, runId, "report.json"), "utf8")) as {
    runId: string;
    startedAt: string;
    finishedAt: string;
  };
  const started = Date.parse(report.startedAt);
  for (let i = 1; i < count; i++) {
    const clone = { ...report, runId: `${runId}-h${String(i).padStart(4, "0")}` };
    clone.startedAt = new Date(started - i * 86_400_000).toISOString();
    clone.finishedAt = new Date(Date.parse(report.finishedAt) - i * 86_400_000).toISOString();
    await mkdir(join(runs, clone.runId), { recursive: true });
    await writeFile(join(runs, clone.runId, "report.json"), JSON.stringify(clone, null, 2));
  }
}

/** Wall time of one CLI command (ms) and its stdout. */
export async function timeCli(
  cli: string,
  cwd: string,
  args: string[],
  env: Record<string, string | undefined>,
): Promise<{ ms: number; stdout: string }> {
  const started = performance.now();
  const { stdout } = await execa(process.execPath, [cli, ...args], { cwd, env, stdin: "ignore" });
  return { ms: performance.now() - started, stdout };
}
