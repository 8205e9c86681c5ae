/**
 * Opens the database the configuration names: PostgreSQL when DATABASE_URL is set, otherwise the
 * embedded PGlite kept under DATA_DIR/pglite (created on first use; its files hold personal data,
 * so the folder is the service user's alone, 0700/0600, whoever opens it: serve, worker, migrate).
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Config } from "../../config/config";
import { privateUmask, secureDataDir } from "../files/data-dir";
import { createPGliteDatabase, createPostgresDatabase, type Database } from "./database";

export async function openDatabase(
  config: Pick<Config, "DATABASE_URL" | "DATABASE_POOL_SIZE" | "DATA_DIR">,
): Promise<Database> {
  if (config.DATABASE_URL) {
    return createPostgresDatabase({ url: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE });
  }
  const dataDir = path.join(config.DATA_DIR, "pglite");
  privateUmask();
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  secureDataDir(config.DATA_DIR);
  return createPGliteDatabase({ dataDir });
}
