/**
 * Opens the database the configuration names: PostgreSQL when DATABASE_URL is set, otherwise the
 * embedded PGlite kept under DATA_DIR/pglite (created on first use).
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Config } from "../../config/config";
import { createPGliteDatabase, createPostgresDatabase, type Database } from "./database";

export async function openDatabase(
  config: Pick<Config, "DATABASE_URL" | "DATABASE_POOL_SIZE" | "DATA_DIR">,
): Promise<Database> {
  if (config.DATABASE_URL) {
    return createPostgresDatabase({ url: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE });
  }
  const dataDir = path.join(config.DATA_DIR, "pglite");
  mkdirSync(dataDir, { recursive: true });
  return createPGliteDatabase({ dataDir });
}
