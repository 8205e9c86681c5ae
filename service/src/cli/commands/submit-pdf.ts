/**
 * `hocba submit-pdf`: a school sends a học bạ it signed as a PDF (PAdES, from its software and USB
 * tokens) to the hocba API as it is — POST /api/v1/transcripts/pdf with the file as the body — and
 * prints the file, its id, docHash (SHA-256 of the file) and status. The service checks every
 * signature as it checks a JSON submission and refuses with the code of the first problem.
 */
import { defineCommand, type ParsedArgs } from "../command";
import { readInput, STRING, usageError, type CliIo } from "../io";
import { HocbaError } from "../../core/errors";
import { looksLikePdf } from "../../core/verification/pdf";
import { API_KEY_ENV, submitOne, submitTarget, SUBMIT_OPTIONS } from "./submit";

const SUMMARY = "submit PDFs the school signed (PAdES) to the hocba API";

const HELP = `usage: hocba submit-pdf <signed.pdf>... [--api <url>] [--api-key <key>] [--school <code>]

Submits PDFs the school signed (PAdES: the principal's and the school's signatures) to the hocba
API, each as it is, and prints one tab-separated line per file: the file, its id, docHash (the
SHA-256 of the file) and status. The same file again answers with the same id.

  --api      the hocba API (default $HOCBA_API_URL, else http://127.0.0.1:8080)
  --api-key  the school's API key (default $${API_KEY_ENV}); the admin token with --school
  --school   the school the PDF is for (the admin only; a school key submits for its own)

Exit code 0 when every file was accepted; otherwise the exit code of the first refusal's error
(91 not signed, 92 a signature's byte range, 93 changed after signing, 29 a required role missing,
37 a certificate revoked, 13 not a PDF…).`;

const ARGS = { options: { ...SUBMIT_OPTIONS, school: STRING }, allowPositionals: true } as const;

export const command = defineCommand(SUMMARY, HELP, ARGS, submitPdfs);

/** Runs the command with `io` (tests pass a captured one). Returns the exit code. */
export const submitPdf = command.run;

async function submitPdfs({ values, positionals }: ParsedArgs<typeof ARGS>, io: CliIo): Promise<number> {
  if (positionals.length === 0) throw usageError("no signed PDF given", HELP);
  const target = submitTarget(values, io, HELP);
  const files = positionals.map((path) => {
    const bytes = new Uint8Array(readInput(path, "signed PDF"));
    if (!looksLikePdf(bytes)) throw new HocbaError("PDF_INVALID", `${path} is not a PDF`);
    return { path, bytes };
  });
  const query = values.school === undefined ? "" : `?school=${encodeURIComponent(values.school)}`;
  for (const { path, bytes } of files)
    await submitOne(target, io, path, `/api/v1/transcripts/pdf${query}`, bytes);
  return 0;
}
