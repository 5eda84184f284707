/** One SQL statement against an emulator's PostgreSQL with a connection secret's fields (tests write and read rows). */
import pg from "pg";

export type Connection = { host: string; port: number; database: string; username: string; password: string };

export async function query(connection: Connection, text: string, values: unknown[] = []): Promise<unknown[][]> {
  const client = new pg.Client({
    host: connection.host,
    port: connection.port,
    database: connection.database,
    user: connection.username,
    password: connection.password,
  });
  await client.connect();
  try {
    return (await client.query({ text, values, rowMode: "array" })).rows as unknown[][];
  } finally {
    await client.end();
  }
}
