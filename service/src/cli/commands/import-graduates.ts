/**
 * `hocba import-graduates`: what a district office — or since the 2025 reform the department of its
 * province (docs/graduates.md) — runs to publish its list of lower-secondary graduates (docs/formats.md). It signs the exact bytes of the CSV or XLSX file as a detached CMS
 * with the office's certificate (.p12 or PEM key, as `hocba sign`) and uploads file and signature
 * to POST /api/v1/graduates/import in one step. A refused file prints every row's problems.
 */
import { vietnameseDateTime } from "../../core/documents/display";
import { HocbaError, isHocbaError } from "../../core/errors";
import { signDetached } from "../../core/pki";
import { apiBaseUrl, callApi, secretFrom } from "../api-client";
import { defineCommand, type ParsedArgs } from "../command";
import { readInput, STRING, usageError, type CliIo } from "../io";
import { loadSigner, signerSourcesOf, PASSWORD_ENV } from "./sign";
import { API_KEY_ENV, SUBMIT_OPTIONS } from "./submit";

const SUMMARY = "sign a district's graduates file (CSV/XLSX) and import it";

const HELP = `usage: hocba import-graduates <graduates.csv|.xlsx> (--p12 <file> [--password <pw>] | --key <pem> --cert <pem> [--chain <pem>]) [--api <url>] [--api-key <key>]

Signs the file's bytes as a detached CMS SignedData with the district office's (or department's)
certificate and imports it: one graduation record per row, anchored like transcripts. A
department's file adds the columns districtCode and decidedBy (docs/graduates.md). A file with any
invalid row imports nothing; every problem is printed as "row <n> <column> <code> <message>".

  --p12 <file>      the district office's (or department's) .p12/.pfx
  --password <pw>   its password (default $${PASSWORD_ENV})
  --key/--cert/--chain  a PEM key and certificate(s) instead of --p12
  --api             the hocba API (default $HOCBA_API_URL, else http://127.0.0.1:8080)
  --api-key         its API key (default $${API_KEY_ENV})

Prints one line per row: row, graduation year, diploma serial, record id, outcome
(created, unchanged or superseding). The same file again changes nothing: it prints the first
import's lines and says "already imported … nothing changed".`;

interface ImportReply {
  alreadyImported: boolean;
  importId: string;
  importedAt: string;
  fileSha256: string;
  counts: { rows: number; created: number; unchanged: number; superseding: number };
  results: { row: number; graduationYear: number; diplomaSerial: string; id: string; outcome: string }[];
}

interface RowProblem {
  row: number;
  column: string | null;
  code: string;
  message: string;
}

const ARGS = {
  options: { p12: STRING, password: STRING, key: STRING, cert: STRING, chain: STRING, ...SUBMIT_OPTIONS },
  allowPositionals: true,
} as const;

export const command = defineCommand(SUMMARY, HELP, ARGS, importGraduates);

/** Runs the command with `io` (tests pass a captured one). Returns the exit code. */
export const importGraduatesCommand = command.run;

async function importGraduates(parsed: ParsedArgs<typeof ARGS>, io: CliIo): Promise<number> {
  if (parsed.positionals.length !== 1) throw usageError("give exactly one graduates file", HELP);
  const path = parsed.positionals[0]!;
  const sources = signerSourcesOf(parsed.tokens);
  if (sources.length !== 1) throw usageError("a graduates file is signed by one certificate", HELP);
  const baseUrl = apiBaseUrl(parsed.values.api, io);
  const key = secretFrom(parsed.values["api-key"], io, API_KEY_ENV, "--api-key", HELP);
  const file = readInput(path, "graduates file");
  const signer = await loadSigner(sources[0]!, io, "");
  const signature = await signDetached(file, [signer]);
  let reply: ImportReply;
  try {
    ({ body: reply } = await callApi<ImportReply>(baseUrl, key, "POST", "/api/v1/graduates/import", {
      file: file.toString("base64"),
      signature: Buffer.from(signature).toString("base64"),
    }));
  } catch (error) {
    const rowCodes = ["IMPORT_INVALID", "DISTRICT_NOT_IN_PROVINCE"] as const;
    if (isHocbaError(error) && rowCodes.some((c) => c === error.code) && Array.isArray(error.details)) {
      const lines = (error.details as RowProblem[]).map(
        (p) => `row ${p.row}\t${p.column ?? "-"}\t${p.code}\t${p.message}\n`,
      );
      io.stderr(lines.join(""));
      throw new HocbaError(error.code, `${path}: ${error.message}`, { details: error.details });
    }
    throw error;
  }
  for (const r of reply.results)
    io.stdout(`${r.row}\t${r.graduationYear}\t${r.diplomaSerial}\t${r.id}\t${r.outcome}\n`);
  const { rows, created, unchanged, superseding } = reply.counts;
  io.stderr(
    reply.alreadyImported
      ? `hocba import-graduates: ${path}: already imported on ${vietnameseDateTime(new Date(reply.importedAt))} (Vietnam time; import ${reply.importId}, file SHA-256 ${reply.fileSha256}): nothing changed\n`
      : `hocba import-graduates: ${path}: ${rows} rows — ${created} created, ${superseding} corrected, ${unchanged} unchanged (import ${reply.importId}, file SHA-256 ${reply.fileSha256})\n`,
  );
  return 0;
}
