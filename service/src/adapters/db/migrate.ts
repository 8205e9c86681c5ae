/**
 * Schema migrations: numbered SQL files in ./migrations, applied in order, each in its own
 * transaction, recorded in `schema_migrations`. An advisory lock lets any number of service and
 * worker processes start at once: one migrates, the others wait and then find nothing to do.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Database } from "./database";

// Beside this file in the sources, beside the bundle in dist/ (scripts/build.ts copies them).
const MIGRATIONS_DIR = path.join(__dirname, "migrations");
/** Arbitrary constant naming hocba's migration lock, keyed by schema like the signer lock. */
const MIGRATION_LOCK_KEY = 1_751_343_714;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The migrations shipped with this build, ordered by version. */
export function listMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{3,}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((file) => ({
      version: Number(file.slice(0, file.indexOf("_"))),
      name: file.slice(file.indexOf("_") + 1, -4),
      sql: readFileSync(path.join(dir, file), "utf8"),
    }));
}

/** Applies every migration not yet applied; returns the versions it applied. */
export async function migrate(db: Database, migrations: Migration[] = listMigrations()): Promise<number[]> {
  return db.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock(hashtext(current_schema()), $1)", [MIGRATION_LOCK_KEY]);
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await tx.query<{ version: number }>("SELECT version FROM schema_migrations");
    const done = new Set(rows.map((r) => r.version));
    const applied: number[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await tx.exec(m.sql);
      await tx.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [m.version, m.name]);
      applied.push(m.version);
    }
    return applied;
  });
}
