/**
 * `hocba sign-pending`: what a principal or homeroom teacher runs on a signing station (a PC with
 * their USB token, or a .p12) to sign every draft that awaits their signature in the school
 * workspace (docs/school-signing.md). It acts as the person who made the device token
 * (HOCBA_DEVICE_TOKEN; never on the command line), lists the drafts awaiting one of their roles,
 * shows a summary, asks to confirm (`--yes` for scripts), signs each draft's signing input with the
 * same signers as `hocba sign` (PKCS#11 token, .p12, PEM) and uploads the signatures; the service
 * merges them with the other signers' and submits each document once every required role signed.
 */
import type { LoadedSigner } from "../../adapters/pki/keys";
import type { Pkcs11Signer } from "../../adapters/pki/pkcs11";
import { HocbaError } from "../../core/errors";
import type { DraftListItem } from "../../issuance/draft-signing";
import { signDetached, type CmsSigner } from "../../core/pki";
import { apiBaseUrl, callApi } from "../api-client";
import { defineCommand, type ParsedArgs } from "../command";
import { FLAG, STRING, usageError, type CliIo } from "../io";
import { loadSigner, PASSWORD_ENV, SIGNER_OPTIONS, signerSourcesOf, signOptions } from "./sign";

export const DEVICE_TOKEN_ENV = "HOCBA_DEVICE_TOKEN";
/** Signatures per upload request (the API takes up to 500). */
const UPLOAD_BATCH = 100;

const SUMMARY = "sign every draft awaiting your signature (device token; .p12 or PKCS#11 token) and upload";

const HELP = `usage: hocba sign-pending (--p12 <file> [--password <pw>] | --key <pem> --cert <pem> [--chain <pem>]
                            | --pkcs11 <module.so> --token <label> [--key <label>] [--pin-env <VAR>] [--chain <pem>])
                           [--school <code>] [--class <name>] [--year <yyyy-yyyy>] [--tsa <url>] [--yes] [--api <url>]

Signs every draft that awaits your signature in the school workspace and uploads the signatures.
Authenticated by a device token you make in the workspace (Trường → Thiết bị ký), read from the
environment variable ${DEVICE_TOKEN_ENV} (never from the command line). Lists the drafts awaiting
one of your roles (homeroom teacher of their class, principal, seal holder), shows a summary and
asks to confirm; then signs each draft's exact signing input as a detached CMS, as \`hocba sign\`
does, and uploads it. The service merges your signature with the others' and submits each document
by itself once every role the school requires has signed.

Signer (one: yours): the options of \`hocba sign\` — --p12 (password from --password or
${PASSWORD_ENV}), --key/--cert/--chain, or --pkcs11 <module> --token <label> [--key <label>]
[--pin-env <VAR>] (the PIN is asked on the terminal otherwise, never taken on the command line).
Other options:
  --school <code>     only this school's drafts (needed when you act for several schools)
  --class <name>      only this class, e.g. 9A1
  --year <y>          only this school year, e.g. 2024-2025
  --tsa <url>         add an RFC 3161 signature timestamp from this TSA to each signature
  --yes               do not ask: sign everything listed (for scripts)
  --api <url>         the hocba API (default $HOCBA_API_URL, else http://127.0.0.1:$PORT)
  -h, --help          this text

Prints one JSON line per draft ({id, studentCode, ok, status, awaitingRoles | error}) and a summary
on stderr. Exit codes: 0 all signed (or nothing awaited), 60 device token invalid, 61 a certificate
of a role you do not hold, 62 already signed, 63 answered "no", 76 your signature completed a draft
but its submission was refused (its line carries the refusal; the workspace retries or asks for a
new signature); a draft refused for another reason exits with that reason's code after the others
were uploaded.`;

const ARGS = {
  options: {
    ...SIGNER_OPTIONS,
    school: STRING,
    class: STRING,
    year: STRING,
    tsa: STRING,
    yes: { ...FLAG, short: "y" },
    api: STRING,
  },
} as const;

export const command = defineCommand(SUMMARY, HELP, ARGS, signAwaiting);

/** Runs `hocba sign-pending`; resolves the exit code (0) or rejects with a HocbaError. */
export const signPending = command.run;

/** What GET /api/v1/drafts?awaiting=me lists of a draft, as far as this command reads it. */
type Pending = Pick<
  DraftListItem,
  "id" | "schoolCode" | "schoolYear" | "className" | "studentCode" | "fullName" | "awaitingRoles"
>;

interface Uploaded {
  ok: boolean;
  id: string;
  status?: string;
  awaitingRoles?: string[];
  submitted?: { docHash: string; status: string };
  refusal?: { code: string; message: string; transient: boolean };
  error?: { code: string; message: string };
}

async function signAwaiting(args: ParsedArgs<typeof ARGS>, io: CliIo): Promise<number> {
  const parsed = parse(args);
  const token = io.env[DEVICE_TOKEN_ENV]?.trim();
  if (!token)
    throw usage(
      `no device token: make one in the workspace and set ${DEVICE_TOKEN_ENV} (it is never taken on the command line)`,
    );
  const base = apiBaseUrl(parsed.api, io);
  const query = new URLSearchParams({ awaiting: "me" });
  if (parsed.school !== undefined) query.set("school", parsed.school);
  if (parsed.className !== undefined) query.set("class", parsed.className);
  if (parsed.year !== undefined) query.set("year", parsed.year);
  const { body } = await callApi<{ drafts: Pending[] }>(base, token, "GET", `/api/v1/drafts?${query}`);
  const pending = body.drafts;
  if (pending.length === 0) {
    io.stderr("Không có học bạ nào chờ chữ ký của bạn. / Nothing awaits your signature.\n");
    return 0;
  }
  io.stderr(summary(pending));
  if (!parsed.yes) {
    const answer = await io.readLine?.(
      `Ký ${pending.length} học bạ? / Sign ${pending.length} transcripts? [y/N] `,
    );
    if (answer === undefined)
      throw usage("no answer to the confirmation (stdin ended): answer y, or give --yes in scripts");
    if (!/^(y|yes|c|có|co)$/i.test(answer.trim()))
      throw new HocbaError("SIGNING_DECLINED", "nothing was signed: the confirmation was answered no");
  }

  const signer: LoadedSigner<CryptoKey | CmsSigner> = await loadSigner(parsed.source, io, "");
  const options = signOptions(parsed.tsa);
  const results: Uploaded[] = [];
  try {
    for (let start = 0; start < pending.length; start += UPLOAD_BATCH) {
      const chunk = pending.slice(start, start + UPLOAD_BATCH);
      const signatures: { draftId: string; signature: string }[] = [];
      for (const draft of chunk) {
        const input = await callApi<{ content: string }>(
          base,
          token,
          "GET",
          `/api/v1/drafts/${draft.id}/signing-input`,
        );
        const cms = await signDetached(
          new Uint8Array(Buffer.from(input.body.content, "base64")),
          [signer],
          options,
        );
        signatures.push({ draftId: draft.id, signature: Buffer.from(cms).toString("base64") });
      }
      const uploaded = await callApi<{ results: Uploaded[] }>(
        base,
        token,
        "POST",
        "/api/v1/drafts/signatures",
        {
          signatures,
        },
      );
      results.push(...uploaded.body.results);
    }
  } finally {
    (signer as Partial<Pkcs11Signer>).close?.();
  }

  const byId = new Map(pending.map((d) => [d.id, d]));
  for (const result of results) {
    const draft = byId.get(result.id);
    io.stdout(
      JSON.stringify(
        result.ok
          ? {
              id: result.id,
              studentCode: draft?.studentCode,
              ok: true,
              status: result.status,
              awaitingRoles: result.awaitingRoles,
              ...(result.refusal ? { refusal: result.refusal } : {}),
            }
          : { id: result.id, studentCode: draft?.studentCode, ok: false, error: result.error },
      ) + "\n",
    );
  }
  const failed = results.filter((r) => !r.ok);
  const submitted = results.filter((r) => r.ok && r.submitted !== undefined).length;
  io.stderr(
    `Đã ký ${results.length - failed.length}/${results.length}, đã gửi ${submitted} học bạ đủ chữ ký. / ` +
      `Signed ${results.length - failed.length} of ${results.length}; ${submitted} fully signed and submitted.\n`,
  );
  const [first] = failed;
  if (first?.error)
    throw new HocbaError(
      first.error.code as HocbaError["code"],
      `${failed.length} of ${results.length} signatures were refused; first: ${first.error.message}`,
    );
  const refused = results.filter((r) => r.ok && r.refusal);
  if (refused[0]?.refusal)
    throw new HocbaError(
      "DRAFT_SUBMISSION_REFUSED",
      `${refused.length} document(s) signed by everyone were refused at submission (${refused[0].refusal.code}: ` +
        `${refused[0].refusal.message}); the workspace shows them as refused, to submit again or to sign again`,
    );
  return 0;
}

/** Counts by school, year and class, with the roles awaited — what the person is about to sign. */
function summary(pending: readonly Pending[]): string {
  const groups = new Map<string, { count: number; roles: Set<string> }>();
  for (const d of pending) {
    const key = `${d.schoolCode} ${d.schoolYear} lớp ${d.className}`;
    const group = groups.get(key) ?? { count: 0, roles: new Set<string>() };
    group.count++;
    for (const role of d.awaitingRoles) group.roles.add(role);
    groups.set(key, group);
  }
  const lines = [...groups].map(
    ([key, g]) => `  ${key}: ${g.count} học bạ (chờ / awaiting: ${[...g.roles].join(", ")})`,
  );
  return `Chờ chữ ký của bạn / Awaiting your signature:\n${lines.join("\n")}\n`;
}

function parse(parsed: ParsedArgs<typeof ARGS>) {
  const sources = signerSourcesOf(parsed.tokens);
  if (sources.length !== 1) throw usage("give one signer: yours (sign-pending signs as one person)");
  return {
    source: sources[0]!,
    school: parsed.values.school,
    className: parsed.values.class,
    year: parsed.values.year,
    tsa: parsed.values.tsa,
    api: parsed.values.api,
    yes: parsed.values.yes === true,
  };
}

function usage(message: string): HocbaError {
  return usageError(message, HELP);
}
