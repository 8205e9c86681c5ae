/** `hocba migrate`: applies the database migrations the configuration's database lacks. */
import { loadConfig } from "../../config/config";
import { migrate } from "../../adapters/db/migrate";
import { openDatabase } from "../../adapters/db/open";
import { defineCommand } from "../command";

const SUMMARY = "apply database migrations";

const HELP = `usage: hocba migrate

Applies pending schema migrations to the database: PostgreSQL when DATABASE_URL is set,
otherwise the embedded PGlite under DATA_DIR. Safe to run from several processes at once.`;

export const command = defineCommand(SUMMARY, HELP, {}, migrateDatabase);

async function migrateDatabase(): Promise<number> {
  const config = loadConfig(process.env);
  const db = await openDatabase(config);
  try {
    const applied = await migrate(db);
    process.stdout.write(
      applied.length === 0 ? "database is up to date\n" : `applied migrations ${applied.join(", ")}\n`,
    );
    return 0;
  } finally {
    await db.close();
  }
}
