/**
 * The test API of test/helpers/app.ts on one of the data-layer backends (databases.ts): the
 * backend's database opened and migrated, and a fresh anvil registry whose state file is
 * `<dir>/<backend>.json` — what the HTTP tests run on PGlite and on PostgreSQL share.
 */
import path from "node:path";
import type { Database } from "../../service/src/adapters/db/database";
import { buildTestApp, type TestApp, type TestAppOptions } from "./app";
import { startChain, stopChain, type TestChain } from "./chain";
import { openMigrated, type Backend } from "./databases";

export interface BackendApp extends TestApp {
  db: Database;
  chain: TestChain;
  /** Closes the app, stops the chain and disposes of the database. */
  dispose(): Promise<void>;
}

export async function startBackendApp(
  backend: Backend,
  dir: string,
  options: Omit<TestAppOptions, "db" | "chain">,
): Promise<BackendApp> {
  const opened = await openMigrated(backend);
  let chain: TestChain | undefined;
  try {
    chain = await startChain(path.join(dir, `${backend.name}.json`));
    const t = await buildTestApp({ db: opened.db, chain, ...options });
    const started = chain;
    return {
      ...t,
      db: opened.db,
      chain,
      dispose: async () => {
        await t.app.close();
        await stopChain(started);
        await opened.dispose();
      },
    };
  } catch (error) {
    if (chain) await stopChain(chain);
    await opened.dispose();
    throw error;
  }
}
