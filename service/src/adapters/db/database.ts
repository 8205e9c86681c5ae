/**
 * The one data-access seam: the use cases' Database port (issuance/ports.ts). PostgreSQL (`pg`,
 * production) and PGlite (embedded default, tests) sit behind it so that every repository and every
 * test runs unchanged on both. Type differences between the drivers are normalised here and nowhere else:
 *   int8 / count(*) → number (ids and counts stay far below 2^53), bytea → Uint8Array,
 *   timestamptz → Date, json/jsonb → parsed values, numeric → string.
 */
import { types as pgTypes, Pool, type PoolClient, type PoolConfig } from "pg";
import type { PGlite } from "@electric-sql/pglite";
import type { Database, Queryable, QueryResult } from "../../issuance/ports";

export type { Database, Queryable, QueryResult };

const INT8 = 20;
const BYTEA = 17;

function parseInt8(value: string): number {
  return Number(value);
}

function parseBytea(value: string): Uint8Array {
  // text format is "\x" followed by hex
  return new Uint8Array(Buffer.from(value.slice(2), "hex"));
}

const pgTypeParsers = {
  getTypeParser(oid: number, format?: "text" | "binary"): (value: string) => unknown {
    if (oid === INT8) return parseInt8;
    if (oid === BYTEA) return parseBytea;
    // pg's own parser table is typed loosely; its parsers return plain values
    return (format === "binary" ? pgTypes.getTypeParser(oid, "binary") : pgTypes.getTypeParser(oid)) as (
      value: string,
    ) => unknown;
  },
} as PoolConfig["types"];

function normaliseParams(params: readonly unknown[] | undefined): unknown[] | undefined {
  // pg sends Uint8Array as text unless it is a Buffer; PGlite accepts both.
  return params?.map((p) => (p instanceof Uint8Array && !Buffer.isBuffer(p) ? Buffer.from(p) : p));
}

export interface PostgresOptions {
  url: string;
  poolSize?: number;
  /** Schema to use (search_path); tests isolate themselves with one schema per file. */
  schema?: string;
}

/** A PostgreSQL database through a `pg` pool. */
export function createPostgresDatabase(options: PostgresOptions): Database {
  const pool = new Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    types: pgTypeParsers,
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on("error", () => undefined);
  const run = async <R>(client: Pool | PoolClient, sql: string, params?: readonly unknown[]) => {
    const result = await client.query(sql, normaliseParams(params));
    return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
  };
  return {
    kind: "postgres",
    query: (sql, params) => run(pool, sql, params),
    exec: async (sql) => {
      await pool.query(sql);
    },
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const result = await fn({
          query: (sql, params) => run(client, sql, params),
          exec: async (sql) => {
            await client.query(sql);
          },
        });
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

export interface PGliteOptions {
  /** A directory for a persistent database, or undefined for an in-memory one. */
  dataDir?: string;
}

/**
 * An embedded PGlite database (PostgreSQL in WebAssembly). It keeps ~750 MB that is not released
 * on close (docs/decisions.md): open one per process, not one per request or test.
 */
export async function createPGliteDatabase(options: PGliteOptions = {}): Promise<Database> {
  const { PGlite: PGliteClass } = await import("@electric-sql/pglite");
  const db: PGlite = await PGliteClass.create(options.dataDir ?? "memory://", {
    parsers: { [INT8]: parseInt8 },
  });
  const run = async <R>(q: Pick<PGlite, "query">, sql: string, params?: readonly unknown[]) => {
    const result = await q.query<R>(sql, params as unknown[] | undefined);
    // PGlite reports 0 affected rows for a SELECT; pg reports the rows returned. Normalise to pg.
    return { rows: result.rows, rowCount: Math.max(result.affectedRows ?? 0, result.rows.length) };
  };
  // PGlite is one session: serialise transactions so one never interleaves with another's queries.
  let queue: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn, fn);
    queue = next.catch(() => undefined);
    return next;
  };
  return {
    kind: "pglite",
    query: (sql, params) => exclusive(() => run(db, sql, params)),
    exec: (sql) => exclusive(async () => void (await db.exec(sql))),
    transaction: (fn) =>
      exclusive(() =>
        db.transaction((tx) =>
          fn({
            query: (sql, params) => run(tx, sql, params),
            exec: async (sql) => void (await tx.exec(sql)),
          }),
        ),
      ),
    close: () => exclusive(() => db.close()),
  };
}
