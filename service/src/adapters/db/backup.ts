/**
 * Backups of hocba's database (`hocba backup`, `hocba restore`; docs/operations.md), the same on
 * PostgreSQL and on the embedded PGlite: every table of hocba's schema read in ONE transaction,
 * REPEATABLE READ READ ONLY, so the copy is one consistent moment however busy the service is;
 * rows as PostgreSQL's own JSON of them (`row_to_json`) and loaded back with
 * `json_populate_recordset`, so every type (bytea, jsonb, timestamptz, multiranges) comes back
 * exactly as it was, with no driver in between. Sequence positions are kept too.
 *
 * The file: gzip of JSON lines —
 *   {"format":"hocba-backup","version":1}
 *   {"meta":{createdAt, database, migrations, deployment, keysIncluded}}
 *   {"table":"<name>","rows":[…]}            (up to ROWS_PER_LINE rows a line, tables in load order)
 *   {"sequence":"<name>","value":<n|null>}
 *   {"key":"<path under DATA_DIR>","data":"<base64>"}   (only with --include-keys)
 *   {"end":true,"sha256":"<hex of every byte above>","tables":{"<name>":<rows>}}
 * written to a temporary file, owner-only (0600), and renamed into place when complete.
 */
import { createHash } from "node:crypto";
import { createWriteStream, readFileSync, renameSync, rmSync } from "node:fs";
import { once } from "node:events";
import { gunzipSync, createGzip } from "node:zlib";
import { HocbaError } from "../../core/errors";
import type { Database, Queryable } from "./database";
import { listMigrations, migrate } from "./migrate";

export const BACKUP_FORMAT = "hocba-backup";
export const BACKUP_VERSION = 1;
const ROWS_PER_LINE = 1_000;

/** The chain the database belongs to: its anchors and revocations are in this registry. */
export interface DeploymentRecord {
  chainId: number | null;
  registry: string | null;
  embedded: boolean;
  /** The registry's deployment block, when known (the embedded chain's deployment.json). */
  blockNumber?: number;
  deployTx?: string;
}

export interface BackupMeta {
  createdAt: string;
  database: "postgres" | "pglite";
  /** The schema migrations applied when the backup was taken. */
  migrations: number[];
  deployment: DeploymentRecord;
  keysIncluded: boolean;
}

/** A file to carry with the backup (a key), by its path under DATA_DIR. */
export interface BackupKeyFile {
  path: string;
  data: Uint8Array;
}

export interface Backup {
  meta: BackupMeta;
  tables: { name: string; rows: unknown[] }[];
  sequences: { name: string; value: number | null }[];
  keys: BackupKeyFile[];
}

/** hocba's tables in the current schema, parents before children (foreign keys), and their self-references. */
async function schemaTables(db: Queryable): Promise<{ order: string[]; selfRefs: Map<string, string[]> }> {
  const { rows: tables } = await db.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables
      WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  const { rows: keys } = await db.query<{ child: string; parent: string; cols: string[] }>(
    `SELECT ch.relname AS child, pa.relname AS parent,
            ARRAY(SELECT a.attname::text FROM pg_attribute a
                   WHERE a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)) AS cols
       FROM pg_constraint c
       JOIN pg_class ch ON ch.oid = c.conrelid
       JOIN pg_class pa ON pa.oid = c.confrelid
      WHERE c.contype = 'f' AND ch.relnamespace = current_schema()::regnamespace`,
  );
  const selfRefs = new Map<string, string[]>();
  const parents = new Map<string, Set<string>>(tables.map((t) => [t.name, new Set<string>()]));
  for (const k of keys) {
    if (k.child === k.parent) selfRefs.set(k.child, [...(selfRefs.get(k.child) ?? []), ...k.cols]);
    else parents.get(k.child)?.add(k.parent);
  }
  const order: string[] = [];
  const visit = (name: string, path: Set<string>): void => {
    if (order.includes(name)) return;
    if (path.has(name)) throw new HocbaError("INTERNAL", `foreign keys form a cycle through ${name}`);
    path.add(name);
    for (const parent of parents.get(name) ?? []) visit(parent, path);
    path.delete(name);
    order.push(name);
  };
  for (const t of tables) visit(t.name, new Set());
  return { order, selfRefs };
}

const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/**
 * Writes a backup of `db` to `file` (0600): the consistent dump, `meta` and `keys`.
 * Returns the rows written per table. @throws HocbaError IO when the file cannot be written.
 */
export async function writeBackup(
  file: string,
  db: Database,
  meta: Omit<BackupMeta, "database" | "migrations" | "keysIncluded" | "createdAt">,
  keys: readonly BackupKeyFile[] = [],
): Promise<Record<string, number>> {
  const temporary = `${file}.partial-${process.pid}`;
  const gzip = createGzip();
  const out = createWriteStream(temporary, { mode: 0o600, flags: "wx" });
  const piped = new Promise<void>((resolve, reject) => {
    gzip.pipe(out);
    out.on("finish", resolve);
    out.on("error", reject);
    gzip.on("error", reject);
  });
  const hash = createHash("sha256");
  const line = async (value: unknown, raw?: string): Promise<void> => {
    const text = (raw ?? JSON.stringify(value)) + "\n";
    hash.update(text);
    if (!gzip.write(text)) await once(gzip, "drain");
  };
  const counts: Record<string, number> = {};
  try {
    await line({ format: BACKUP_FORMAT, version: BACKUP_VERSION });
    await db.transaction(async (tx) => {
      await tx.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
      const { order } = await schemaTables(tx);
      const migrations = order.includes("schema_migrations")
        ? (
            await tx.query<{ version: number }>("SELECT version FROM schema_migrations ORDER BY version")
          ).rows.map((r) => r.version)
        : [];
      const header: BackupMeta = {
        createdAt: new Date().toISOString(),
        database: db.kind,
        migrations,
        deployment: meta.deployment,
        keysIncluded: keys.length > 0,
      };
      await line({ meta: header });
      for (const name of order) {
        counts[name] = 0;
        await tx.exec(
          `DECLARE hocba_backup NO SCROLL CURSOR FOR SELECT row_to_json(t)::text AS j FROM ${ident(name)} t`,
        );
        for (;;) {
          const { rows } = await tx.query<{ j: string }>(`FETCH ${ROWS_PER_LINE} FROM hocba_backup`);
          if (rows.length === 0) break;
          counts[name] += rows.length;
          await line(
            undefined,
            `{"table":${JSON.stringify(name)},"rows":[${rows.map((r) => r.j).join(",")}]}`,
          );
        }
        await tx.exec("CLOSE hocba_backup");
      }
      const { rows: sequences } = await tx.query<{ name: string; value: string | number | null }>(
        `SELECT sequencename AS name, last_value AS value FROM pg_sequences
          WHERE schemaname = current_schema() ORDER BY sequencename`,
      );
      for (const s of sequences)
        await line({ sequence: s.name, value: s.value === null ? null : Number(s.value) });
    });
    for (const key of keys) await line({ key: key.path, data: Buffer.from(key.data).toString("base64") });
    const end = JSON.stringify({ end: true, sha256: hash.digest("hex"), tables: counts }) + "\n";
    gzip.end(end);
    await piped;
    renameSync(temporary, file);
    return counts;
  } catch (error) {
    gzip.destroy();
    out.destroy();
    rmSync(temporary, { force: true });
    if (error instanceof HocbaError) throw error;
    const code = (error as { code?: string }).code;
    if (code === "ENOENT" || code === "EACCES" || code === "EEXIST" || code === "EISDIR")
      throw new HocbaError("IO", `cannot write the backup ${file}: ${(error as Error).message}`, {
        cause: error,
      });
    throw error;
  }
}

const invalid = (file: string, why: string, cause?: unknown): HocbaError =>
  new HocbaError("BACKUP_INVALID", `${file} is not a usable hocba backup: ${why}`, {
    ...(cause === undefined ? {} : { cause }),
  });

/**
 * Reads and checks a backup file: format, version, checksum, completeness.
 * @throws HocbaError IO (unreadable), BACKUP_INVALID (not a backup, damaged, truncated, newer format).
 */
export function readBackup(file: string): Backup {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new HocbaError("IO", `cannot read the backup ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  let text: string;
  try {
    text = gunzipSync(bytes).toString("utf8");
  } catch (error) {
    throw invalid(file, "not a gzip file, or a damaged one", error);
  }
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  const parse = (at: number): Record<string, unknown> => {
    try {
      return JSON.parse(lines[at] ?? "") as Record<string, unknown>;
    } catch (error) {
      throw invalid(file, `line ${at + 1} is not JSON`, error);
    }
  };
  const head = parse(0);
  if (head.format !== BACKUP_FORMAT) throw invalid(file, "no hocba-backup header");
  if (head.version !== BACKUP_VERSION)
    throw invalid(file, `format version ${String(head.version)}; this hocba reads version ${BACKUP_VERSION}`);
  const end = parse(lines.length - 1);
  if (end.end !== true) throw invalid(file, "it is incomplete (no end line): the backup did not finish");
  const body = lines.slice(0, -1).join("\n") + "\n";
  if (createHash("sha256").update(body).digest("hex") !== end.sha256)
    throw invalid(file, "its checksum does not match: the file was changed or damaged");
  const backup: Backup = { meta: undefined as unknown as BackupMeta, tables: [], sequences: [], keys: [] };
  for (let i = 1; i < lines.length - 1; i++) {
    const entry = parse(i);
    if (entry.meta) backup.meta = entry.meta as BackupMeta;
    else if (typeof entry.table === "string") {
      const last = backup.tables.at(-1);
      if (last?.name === entry.table) last.rows.push(...(entry.rows as unknown[]));
      else backup.tables.push({ name: entry.table, rows: [...(entry.rows as unknown[])] });
    } else if (typeof entry.sequence === "string")
      backup.sequences.push({ name: entry.sequence, value: entry.value as number | null });
    else if (typeof entry.key === "string")
      backup.keys.push({ path: entry.key, data: new Uint8Array(Buffer.from(String(entry.data), "base64")) });
  }
  if (!backup.meta) throw invalid(file, "no meta line");
  const counts = (end.tables ?? {}) as Record<string, number>;
  for (const [name, expected] of Object.entries(counts)) {
    const found = backup.tables.find((t) => t.name === name)?.rows.length ?? 0;
    if (found !== expected)
      throw invalid(file, `table ${name} has ${found} rows; the backup wrote ${expected}`);
  }
  return backup;
}

/** The hocba tables of the current schema that hold rows (schema_migrations aside). */
export async function nonEmptyTables(db: Queryable): Promise<string[]> {
  const { order } = await schemaTables(db);
  const full: string[] = [];
  for (const name of order) {
    if (name === "schema_migrations") continue;
    const { rows } = await db.query<{ any: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${ident(name)}) AS any`);
    if (rows[0]?.any) full.push(name);
  }
  return full;
}

/**
 * Loads `backup` into `db`, which must hold no hocba data: migrates it to the backup's schema,
 * loads every row and sequence in one transaction, then applies the migrations this build adds.
 * @throws HocbaError DATABASE_NOT_EMPTY when it holds data (or a newer schema than the backup's);
 *   BACKUP_INVALID when the backup's schema is newer than this build knows.
 */
export async function restoreDatabase(db: Database, backup: Backup): Promise<Record<string, number>> {
  const full = await nonEmptyTables(db);
  if (full.length > 0)
    throw new HocbaError(
      "DATABASE_NOT_EMPTY",
      `the database already holds hocba data (${full.join(", ")}): restore only onto an empty database`,
      { details: { tables: full } },
    );
  const shipped = listMigrations();
  const unknown = backup.meta.migrations.filter((v) => !shipped.some((m) => m.version === v));
  if (unknown.length > 0)
    throw new HocbaError(
      "BACKUP_INVALID",
      `the backup's schema has migrations ${unknown.join(", ")} this hocba does not know: restore it with a newer hocba`,
    );
  const { order } = await schemaTables(db);
  if (order.includes("schema_migrations")) {
    const { rows } = await db.query<{ version: number }>("SELECT version FROM schema_migrations");
    const ahead = rows.map((r) => r.version).filter((v) => !backup.meta.migrations.includes(v));
    if (ahead.length > 0)
      throw new HocbaError(
        "DATABASE_NOT_EMPTY",
        `the database's schema already has migrations ${ahead.join(", ")} the backup's lacks: restore into a database without hocba tables`,
      );
  }
  await migrate(
    db,
    shipped.filter((m) => backup.meta.migrations.includes(m.version)),
  );
  const counts: Record<string, number> = {};
  await db.transaction(async (tx) => {
    const { order: loadOrder, selfRefs } = await schemaTables(tx);
    const rowsOf = new Map(backup.tables.map((t) => [t.name, t.rows]));
    for (const name of loadOrder) {
      if (name === "schema_migrations") continue;
      const rows = rowsOf.get(name) ?? [];
      counts[name] = rows.length;
      const later = selfRefs.get(name) ?? [];
      for (let i = 0; i < rows.length; i += ROWS_PER_LINE) {
        const chunk = rows.slice(i, i + ROWS_PER_LINE) as Record<string, unknown>[];
        // A row may point at a row of its own table not loaded yet: those columns are set after.
        const first =
          later.length === 0
            ? chunk
            : chunk.map((r) => ({ ...r, ...Object.fromEntries(later.map((c) => [c, null])) }));
        await tx.query(
          `INSERT INTO ${ident(name)} SELECT * FROM json_populate_recordset(null::${ident(name)}, $1::json)`,
          [JSON.stringify(first)],
        );
      }
      if (later.length > 0) {
        const { rows: pk } = await tx.query<{ col: string }>(
          `SELECT a.attname::text AS col FROM pg_index i
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
            WHERE i.indisprimary AND i.indrelid = $1::regclass`,
          [ident(name)],
        );
        const match = pk.map((p) => `t.${ident(p.col)} = v.${ident(p.col)}`).join(" AND ");
        for (let i = 0; i < rows.length; i += ROWS_PER_LINE) {
          await tx.query(
            `UPDATE ${ident(name)} t SET ${later.map((c) => `${ident(c)} = v.${ident(c)}`).join(", ")}
               FROM json_populate_recordset(null::${ident(name)}, $1::json) v WHERE ${match}`,
            [JSON.stringify(rows.slice(i, i + ROWS_PER_LINE))],
          );
        }
      }
    }
    for (const s of backup.sequences)
      if (s.value !== null) await tx.query("SELECT setval($1::regclass, $2, true)", [ident(s.name), s.value]);
  });
  await migrate(db);
  return counts;
}
