/**
 * Lints the OpenAPI document the service serves at /docs/json with Redocly CLI's recommended rules
 * (part of `npm run lint`): writes it to a temporary file and runs `redocly lint --extends
 * recommended`, offline — no telemetry, no update check. Prints every problem and exits 1 on any
 * error or warning, so that the document stays clean, not merely valid.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { openApiDocument } from "./lib/openapi-document";

interface LintReport {
  totals: { errors: number; warnings: number };
  problems: Array<{
    ruleId: string;
    severity: string;
    message: string;
    location: Array<{ pointer: string }>;
  }>;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "hocba-openapi-"));
  try {
    const file = path.join(dir, "openapi.json");
    writeFileSync(file, JSON.stringify(await openApiDocument(), null, 2));
    const cli = path.join(path.dirname(require.resolve("@redocly/cli/package.json")), "bin", "cli.js");
    const run = spawnSync(
      process.execPath,
      [cli, "lint", "--extends", "recommended", "--max-problems", "1000", "--format", "json", file],
      {
        encoding: "utf8",
        env: {
          ...process.env,
          REDOCLY_TELEMETRY: "off",
          REDOCLY_SUPPRESS_NOTIFICATIONS: "true",
          REDOCLY_SUPPRESS_UPDATE_NOTICE: "true",
        },
      },
    );
    let report: LintReport;
    try {
      report = JSON.parse(run.stdout) as LintReport;
    } catch {
      throw new Error(`redocly lint gave no report (exit ${run.status}):\n${run.stderr}`);
    }
    for (const p of report.problems)
      console.error(`${p.severity} ${p.ruleId} ${p.location[0]?.pointer ?? ""}: ${p.message}`);
    const { errors, warnings } = report.totals;
    console.log(`OpenAPI (/docs/json), Redocly recommended rules: ${errors} errors, ${warnings} warnings`);
    if (errors + warnings > 0) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
