/**
 * `hocba submit`: a school sends signed transcripts (the `{document, signature}` files that
 * `hocba sign` writes) to the hocba API. One file goes to POST /transcripts; several go to
 * POST /transcripts/batch, 1,000 per request (halved while the body exceeds the server's limit), and each file gets its own line of result, so a
 * school can submit a whole class and see which ones were refused and why. Every file is read
 * and checked for shape before anything is sent.
 */
import { apiBaseUrl, callApi, errorFromEnvelope, secretFrom } from "../api-client";
import { defineCommand, type ParsedArgs } from "../command";
import { exitCodeFor } from "../exit-codes";
import { parseJsonInput, readInput, STRING, usageError, type CliIo } from "../io";
import { HocbaError } from "../../core/errors";

const errorEnvelope = (error: HocbaError) => ({ error: { code: error.code, message: error.message } });

export const API_KEY_ENV = "HOCBA_API_KEY";
/** Items per batch request (the API's limit, docs/http-api.md). */
export const BATCH_SIZE = 1000;

const SUMMARY = "submit signed transcripts to the hocba API";

const HELP = `usage: hocba submit <signed.json>... [--api <url>] [--api-key <key>]

Submits signed transcripts ({document, disclosures, signature}, as "hocba sign" writes them) to the hocba API
and prints one tab-separated line per file: the file, its id, docHash and status — or ERROR, the
error code and message. Several files are sent as batches of ${BATCH_SIZE} (smaller when a batch
exceeds the server's body limit).

  --api      the hocba API (default $HOCBA_API_URL, else http://127.0.0.1:8080)
  --api-key  the school's API key (default $${API_KEY_ENV})

Exit code 0 when every file was accepted; otherwise the exit code of the first refusal's error.`;

interface Item {
  document: unknown;
  disclosures?: unknown;
  signature: string;
}
/** A submission the API accepted (POST /transcripts, /transcripts/pdf, a batch item's body). */
export interface Accepted {
  id: string;
  docHash: string;
  status: string;
}
interface BatchReply {
  results: { index: number; status: number; body: Accepted | { error: unknown } }[];
}

/** The parseArgs options of the commands that submit as a school: where the API is and the key. */
export const SUBMIT_OPTIONS = { api: STRING, "api-key": STRING } as const;

const ARGS = { options: SUBMIT_OPTIONS, allowPositionals: true } as const;

export const command = defineCommand(SUMMARY, HELP, ARGS, submitFiles);

/** Runs the command with `io` (tests pass a captured one). Returns the exit code. */
export const submit = command.run;

/** Where to submit and with which key. */
export interface SubmitTarget {
  baseUrl: string;
  key: string;
}

/** `--api` (else HOCBA_API_URL, else this machine) and `--api-key` (else HOCBA_API_KEY). @throws USAGE. */
export function submitTarget(
  values: { api?: string | undefined; "api-key"?: string | undefined },
  io: CliIo,
  help: string,
): SubmitTarget {
  const baseUrl = apiBaseUrl(values.api, io);
  return { baseUrl, key: secretFrom(values["api-key"], io, API_KEY_ENV, "--api-key", help) };
}

/** The tab-separated line of an accepted file: the file, its id, docHash and status. */
function printAccepted(io: CliIo, path: string, accepted: Accepted): void {
  io.stdout(`${path}\t${accepted.id}\t${accepted.docHash}\t${accepted.status}\n`);
}

/**
 * POSTs one file's submission to `route` and prints its line ({@link printAccepted}).
 * @throws HocbaError with the code of the API's refusal.
 */
export async function submitOne(
  target: SubmitTarget,
  io: CliIo,
  path: string,
  route: string,
  body: unknown,
): Promise<void> {
  const { body: accepted } = await callApi<Accepted>(target.baseUrl, target.key, "POST", route, body);
  printAccepted(io, path, accepted);
}

function readItem(path: string): Item {
  const value = parseJsonInput(readInput(path, "signed document"), path);
  const item = value as Partial<Item> | null;
  if (
    typeof item !== "object" ||
    item === null ||
    item.document === undefined ||
    typeof item.signature !== "string"
  )
    throw new HocbaError(
      "SCHEMA_INVALID",
      `${path} is not a signed document ({document, signature}, from "hocba sign")`,
    );
  return {
    document: item.document,
    ...(item.disclosures === undefined ? {} : { disclosures: item.disclosures }),
    signature: item.signature,
  };
}

async function submitFiles({ values, positionals }: ParsedArgs<typeof ARGS>, io: CliIo): Promise<number> {
  if (positionals.length === 0) throw usageError("no signed document given", HELP);
  const target = submitTarget(values, io, HELP);
  const { baseUrl, key } = target;
  const items = positionals.map(readItem);

  if (items.length === 1) {
    await submitOne(target, io, positionals[0]!, "/api/v1/transcripts", items[0]);
    return 0;
  }
  let firstFailure: HocbaError | undefined;
  const report = (path: string, status: number, body: unknown) => {
    if (status < 300) return printAccepted(io, path, body as Accepted);
    const error = errorFromEnvelope(status, body);
    firstFailure ??= error;
    io.stdout(`${path}\tERROR\t${error.code}\t${error.message.replace(/\s+/g, " ")}\n`);
  };
  /** Sends items[start, end); a body over the server's limit is split in halves until it fits. */
  const send = async (start: number, end: number): Promise<void> => {
    let reply: BatchReply;
    try {
      ({ body: reply } = await callApi<BatchReply>(baseUrl, key, "POST", "/api/v1/transcripts/batch", {
        items: items.slice(start, end),
      }));
    } catch (error) {
      if (!(error instanceof HocbaError) || error.code !== "PAYLOAD_TOO_LARGE") throw error;
      if (end - start === 1) return report(positionals[start]!, 413, errorEnvelope(error));
      const middle = start + Math.ceil((end - start) / 2);
      await send(start, middle);
      return send(middle, end);
    }
    for (const result of reply.results)
      report(positionals[start + result.index]!, result.status, result.body);
  };
  for (let start = 0; start < items.length; start += BATCH_SIZE)
    await send(start, Math.min(items.length, start + BATCH_SIZE));
  if (firstFailure === undefined) return 0;
  io.stderr(`hocba submit: some files were refused; first: ${firstFailure.code}: ${firstFailure.message}\n`);
  return exitCodeFor(firstFailure.code);
}
