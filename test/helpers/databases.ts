/**
 * The backends every data-layer test runs on: embedded PGlite always, real PostgreSQL when it is
 * reachable (always under CI). Use with `describe.each(await databaseBackends())`... — see
 * test/adapters/db/database.test.ts.
 */
import { createPGliteDatabase, type Database } from "../../service/src/adapters/db/database";
import { migrate } from "../../service/src/adapters/db/migrate";
import { isolatedPostgres, serviceAvailable } from "./services";

export interface Backend {
  name: "pglite" | "postgres";
  open(): Promise<{ db: Database; dispose: () => Promise<void> }>;
}

export async function databaseBackends(): Promise<Backend[]> {
  const backends: Backend[] = [
    {
      name: "pglite",
      async open() {
        const db = await createPGliteDatabase();
        return { db, dispose: () => db.close() };
      },
    },
  ];
  if (await serviceAvailable("postgres")) backends.push({ name: "postgres", open: isolatedPostgres });
  return backends;
}

/** `backend`'s database, opened and migrated. */
export async function openMigrated(backend: Backend): Promise<Awaited<ReturnType<Backend["open"]>>> {
  const opened = await backend.open();
  try {
    await migrate(opened.db);
  } catch (error) {
    await opened.dispose();
    throw error;
  }
  return opened;
}
