/**
 * The class workbook import (issue 13, item 2; target: 1,000 students in ≤ 5 s): a THCS class
 * workbook of 1,000 students over four school years (the template filled by the service's writer:
 * about 215,000 cells, ~2 MB) imported into drafts by the use case, on PGlite and — when it answers
 * on 127.0.0.1:5432 — PostgreSQL. Each run is timed whole (`importWorkbook`: read in the worker
 * thread, map and validate every student, store in one transaction) and by phase (the reader alone,
 * with the worker thread started and warm, the mapping and validation alone), after one warm-up
 * import; then the same as CSV. The CPU time
 * of the process is printed beside the wall time: on a shared machine it is the steadier figure.
 *
 *   npm run bench -- workbook
 *   npm run bench -- workbook --documents 300     (students; default 1,000)
 */
import { loadavg } from "node:os";
import { createPGliteDatabase, type Database } from "../service/src/adapters/db/database";
import { migrate } from "../service/src/adapters/db/migrate";
import { readWorkbookFile } from "../service/src/adapters/files/sheet";
import { writeWorkbook } from "../service/src/adapters/files/workbook-writer";
import { csvTable, tableToCsv, workbookTables } from "../service/src/core/workbook/layout";
import { readClassWorkbook } from "../service/src/core/workbook/read";
import { makeClass } from "../service/src/demo/class";
import { importWorkbook, type DraftDeps } from "../service/src/issuance/drafts";
import { compiledSchemaCheck } from "../service/src/issuance/schema-check";
import { isolatedPostgres, serviceAvailable } from "../test/helpers/services";
import type { BenchOptions } from "./run";

const SCHOOL = { code: "BENCH01", name: "Trường THCS Bench", province: "01", level: "THCS" } as const;

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number; cpuMs: number }> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const value = await fn();
  const used = process.cpuUsage(cpu);
  return { value, ms: performance.now() - start, cpuMs: (used.user + used.system) / 1000 };
}

export async function run(options: BenchOptions): Promise<void> {
  const size = options.documents ?? 1000;
  const { info, transcripts } = makeClass({ school: SCHOOL, size, seed: 13 });
  const xlsx = await writeWorkbook(workbookTables(info, transcripts));
  const csv = new TextEncoder().encode(tableToCsv(csvTable(info, transcripts)));
  const sheets = workbookTables(info, transcripts);
  const cells = sheets.reduce((n, t) => n + (t.rows.length + 1) * t.header.length, 0);
  console.log(
    `class of ${size} students, ${info.years.length} school years: ${cells} cells; XLSX ${(xlsx.length / 1024).toFixed(0)} KB, CSV ${(csv.length / 1024).toFixed(0)} KB; load ${loadavg()[0]!.toFixed(1)}`,
  );
  const limits = { maxUncompressedBytes: 52_428_800, maxCells: 500_000 };
  const rows: string[] = [];
  // The first read starts the worker thread and loads ExcelJS in it; the service keeps that worker
  // warm between imports (sheet.ts), so the second read is what an import usually pays.
  const cold = await timed(() => readWorkbookFile(xlsx, limits));
  const read = await timed(() => readWorkbookFile(xlsx, limits));
  const mapped = await timed(() =>
    Promise.resolve().then(() =>
      readClassWorkbook(read.value.sheets, {
        issuedAt: "2025-06-01T00:00:00Z",
        identity: () => ({ id: crypto.randomUUID(), nonce: "AAAAAAAAAAAAAAAAAAAAAA" }),
        validation: { schemaCheck: compiledSchemaCheck },
      }),
    ),
  );
  if (mapped.value.problems.length > 0) throw new Error(mapped.value.problems[0]!.messageEn);
  rows.push(`| read the XLSX, worker started (cold) | ${cold.ms.toFixed(0)} | ${cold.cpuMs.toFixed(0)} |`);
  rows.push(`| read the XLSX, worker warm | ${read.ms.toFixed(0)} | ${read.cpuMs.toFixed(0)} |`);
  rows.push(`| map and validate ${size} students | ${mapped.ms.toFixed(0)} | ${mapped.cpuMs.toFixed(0)} |`);

  const backends: [string, () => Promise<{ db: Database; dispose: () => Promise<void> } | undefined>][] = [
    [
      "PGlite",
      async () => {
        const db = await createPGliteDatabase();
        return { db, dispose: () => db.close() };
      },
    ],
    ["PostgreSQL", async () => ((await serviceAvailable("postgres")) ? isolatedPostgres() : undefined)],
  ];
  for (const [name, open] of backends) {
    const opened = await open();
    if (!opened) {
      rows.push(`| ${name}: not reachable | | |`);
      continue;
    }
    const { db } = opened;
    try {
      await migrate(db);
      await db.query("INSERT INTO issuers (code, kind, name) VALUES ($1, 'school', $2)", [
        SCHOOL.code,
        SCHOOL.name,
      ]);
      const deps: DraftDeps = { db, readWorkbook: (bytes) => readWorkbookFile(bytes, limits) };
      await importWorkbook(deps, SCHOOL.code, xlsx, "bench"); // warm-up (and the drafts a re-import replaces)
      for (const [format, bytes] of [
        ["XLSX", xlsx],
        ["CSV", csv],
      ] as const) {
        const t = await timed(() => importWorkbook(deps, SCHOOL.code, bytes, "bench"));
        rows.push(
          `| **import ${format} into drafts on ${name}** (${t.value.counts.replaced} replaced) | **${t.ms.toFixed(0)}** | ${t.cpuMs.toFixed(0)} |`,
        );
      }
    } finally {
      await opened.dispose();
    }
  }
  console.log("| step | wall ms | CPU ms (this process) |");
  console.log("|---|---|---|");
  for (const row of rows) console.log(row);
  console.log(
    `load average after: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}`,
  );
}
