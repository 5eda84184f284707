/**
 * Read replicas in the emulator hold their own copy of the data: a copy at creation, re-copied
 * every second while a replica (replication lag ~1 s), a final copy at promotion. After that the
 * two servers part: a write to the old source never shows in the promoted instance.
 *
 * moto (emulator/substrate/moto-server.py, restored_instances_reach_emulator_postgres) asks for a
 * replica of an instance that answers at one of our servers by writing
 * <folder>/<region>-<id>.json {"source": address, "request": token} and keeps the replica
 * `creating` until <region>-<id>.address names the new server; a promotion writes
 * <region>-<id>.promote and stays `modifying` until <region>-<id>.promoted.
 *
 * The copy is generic, by the superuser: the tables of schema public (columns, defaults,
 * primary key / unique / check constraints; no foreign keys, indexes or views) and its sequences,
 * then each table's rows as JSON when they changed, in one transaction of the replica; and the
 * master user's password (its SCRAM verifier), as long as no ModifyDBInstance set the replica's own.
 */
import { existsSync } from "node:fs";
import { readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import pg from "pg";
import type { RestorePointServer } from "./postgres.js";

const POLL_MS = 100;
const REPLICATION_MS = 1000;

interface Replica {
  prefix: string;
  request: string;
  server?: RestorePointServer;
  promote: boolean;
  /** table → its definition and the fingerprint of its rows, as last copied. */
  copied: Map<string, { definition: string; fingerprint: string }>;
  /** The master user's password verifier, as last copied. */
  password?: string;
  done: Promise<void>;
}

export function watchReplicas(options: {
  folder: string;
  sources: readonly RestorePointServer[];
  database: string;
  username: string;
  passwordFile: (address: string) => string;
  /** A new, empty server: same port, database and master user as the sources. */
  start: () => Promise<RestorePointServer>;
}): { stop(): Promise<void> } {
  const servers = new Map(options.sources.map((server) => [server.address, server]));
  const replicas = new Map<string, Replica>(); // by file prefix: the latest request
  const started: Replica[] = [];
  let stopped = false;
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());

  const write = async (file: string, text: string) => {
    await writeFile(`${file}.new`, text);
    await rename(`${file}.new`, file);
  };
  const current = async (replica: Replica) => {
    const text = await readFile(`${replica.prefix}.json`, "utf8").catch(() => "{}");
    return (JSON.parse(text) as { request?: string }).request === replica.request;
  };

  /** One copy of the source's schema public, rows and password into the replica. */
  const copy = async (source: RestorePointServer, replica: Replica) => {
    const from = new pg.Client(source.superuser(options.database));
    const to = new pg.Client(replica.server!.superuser(options.database));
    await from.connect();
    try {
      await to.connect();
      await from.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      const sequences = await from.query<{ name: string }>(
        "SELECT format('%I', c.relname) AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'S' AND n.nspname = 'public'",
      );
      const tables = await from.query<{ name: string; definition: string }>(`
        SELECT format('%I', c.relname) AS name,
          (SELECT string_agg(format('%I %s', a.attname, format_type(a.atttypid, a.atttypmod))
                || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END
                || coalesce(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), ''), ', ' ORDER BY a.attnum)
             FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)
          || coalesce((SELECT string_agg(', ' || pg_get_constraintdef(k.oid), '' ORDER BY k.conname)
             FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype IN ('p', 'u', 'c')), '') AS definition
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind = 'r' AND n.nspname = 'public' ORDER BY c.relname`);
      const [role] = (
        await from.query<{ password: string | null }>(
          "SELECT rolpassword AS password FROM pg_authid WHERE rolname = $1",
          [options.username],
        )
      ).rows;
      const owner = to.escapeIdentifier(options.username);
      await to.query("BEGIN");
      for (const { name } of sequences.rows) {
        const [state] = (await from.query(`SELECT last_value, is_called FROM ${name}`)).rows;
        await to.query(`CREATE SEQUENCE IF NOT EXISTS ${name}`);
        await to.query(`ALTER SEQUENCE ${name} OWNER TO ${owner}`);
        await to.query("SELECT setval($1, $2, $3)", [name, state.last_value, state.is_called]);
      }
      const present = new Set(tables.rows.map((table) => table.name));
      for (const name of replica.copied.keys()) {
        if (present.has(name)) continue;
        await to.query(`DROP TABLE IF EXISTS ${name}`);
        replica.copied.delete(name);
      }
      for (const { name, definition } of tables.rows) {
        const [{ fingerprint }] = (
          await from.query<{ fingerprint: string }>(
            `SELECT md5(coalesce(json_agg(t)::text, '')) AS fingerprint FROM ${name} t`,
          )
        ).rows;
        const seen = replica.copied.get(name);
        if (seen?.definition === definition && seen.fingerprint === fingerprint) continue;
        if (seen?.definition !== definition) {
          await to.query(`DROP TABLE IF EXISTS ${name}`);
          await to.query(`CREATE TABLE ${name} (${definition})`);
          await to.query(`ALTER TABLE ${name} OWNER TO ${owner}`);
        } else await to.query(`TRUNCATE ${name}`);
        const [{ rows }] = (
          await from.query<{ rows: string }>(`SELECT coalesce(json_agg(t), '[]')::text AS rows FROM ${name} t`)
        ).rows;
        await to.query(`INSERT INTO ${name} SELECT * FROM json_populate_recordset(NULL::${name}, $1::json)`, [rows]);
        replica.copied.set(name, { definition, fingerprint });
      }
      // The master user's password replicates, until the instance has its own (a ModifyDBInstance).
      const password = role?.password ?? undefined;
      const own = existsSync(options.passwordFile(replica.server!.address));
      if (password && password !== replica.password && !own) {
        await to.query(`ALTER ROLE ${owner} PASSWORD ${to.escapeLiteral(password)}`);
      }
      await to.query("COMMIT");
      replica.password = password;
    } finally {
      await from.end().catch(() => undefined);
      await to.end().catch(() => undefined);
    }
  };

  const replicate = async (replica: Replica, source: RestorePointServer) => {
    replica.server = await options.start();
    servers.set(replica.server.address, replica.server);
    let last = 0;
    let answered = false;
    let finalAttempts = 0;
    while (!stopped) {
      const promote = replica.promote;
      if (promote || Date.now() - last >= REPLICATION_MS) {
        last = Date.now();
        if (!(await current(replica))) return; // another replica of the same name replaced this one
        // A failed copy (the source stopped, a table changing shape) is retried at the next one; at the
        // promotion a few times, then the replica stands alone with its last copy (its source is gone).
        const copied = await copy(source, replica).then(
          () => true,
          () => false,
        );
        if (!answered && copied) {
          await write(`${replica.prefix}.address`, replica.server.address);
          answered = true;
        }
        if (promote && answered && (copied || ++finalAttempts >= 5)) {
          await write(`${replica.prefix}.promoted`, "");
          return;
        }
      }
      await sleep(POLL_MS);
    }
  };

  const poll = async () => {
    const names = await readdir(options.folder).catch(() => [] as string[]);
    for (const name of names.filter((entry) => entry.endsWith(".json"))) {
      const prefix = join(options.folder, name.slice(0, -".json".length));
      const request = await readFile(`${prefix}.json`, "utf8")
        .then((text) => JSON.parse(text) as { source?: string; request?: string })
        .catch(() => undefined);
      const known = replicas.get(prefix);
      if (known && known.request === request?.request) {
        if (!known.promote && existsSync(`${prefix}.promote`)) known.promote = true;
        continue;
      }
      const source = request?.source ? servers.get(request.source) : undefined;
      if (!request?.request || !source) continue; // not ours (or half-written: seen again next time)
      const replica: Replica = {
        prefix,
        request: request.request,
        promote: false,
        copied: new Map(),
        done: Promise.resolve(),
      };
      replica.done = replicate(replica, source).catch(() => undefined);
      replicas.set(prefix, replica);
      started.push(replica);
    }
  };

  const watching = (async () => {
    while (!stopped) {
      await poll().catch(() => undefined);
      await sleep(POLL_MS);
    }
  })();

  return {
    async stop() {
      stopped = true;
      await watching;
      await Promise.all(started.map((replica) => replica.done));
      await Promise.all(started.map((replica) => replica.server?.stop()));
      // Only our requests' files: another world's watcher may share the folder.
      const suffixes = [".json", ".address", ".promote", ".promoted"];
      await Promise.all(
        started.flatMap((replica) => suffixes.map((suffix) => rm(`${replica.prefix}${suffix}`, { force: true }))),
      );
    },
  };
}
