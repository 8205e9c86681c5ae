/**
 * `hocba sign`: what school software (or a clerk) runs to sign a transcript before submitting it
 * (docs/formats.md, signed submission). It validates the document first — a school should learn about a wrong
 * score before it signs, not after — then signs its RFC 8785 canonical bytes as a detached CMS
 * with one or several signers (the principal, and the homeroom teacher when they co-sign).
 */
import { loadSignerFromP12, loadSignerFromPem, type LoadedSigner } from "../../adapters/pki/keys";
import { canonicalBytes } from "../../core/documents/hash";
import { validateDocument } from "../../core/documents/validate";
import { HocbaError, isHocbaError } from "../../core/errors";
import { signDetached } from "../../core/pki";
import type { Command } from "../command";
import {
  parseCommandArgs,
  parseJsonInput,
  processIo,
  readInput,
  usageError,
  writeOutput,
  type CliIo,
} from "../io";

export const PASSWORD_ENV = "HOCBA_P12_PASSWORD";

const HELP = `usage: hocba sign <document.json> (--p12 <file> [--password <pw>] | --key <pem> --cert <pem> [--chain <pem>])... [--out <file>]

Validates the document (hocba.transcript/v1 or hocba.graduation/v1; the embedded default writes an
unsigned sample to data/demo/sample-transcript.json), signs its RFC 8785
canonical bytes as a detached CMS SignedData (SHA-256, signer certificate and chain included)
and writes {"document": …, "signature": "<base64 DER>"} to stdout or --out.

Signer options (repeat them to co-sign, e.g. principal then homeroom teacher):
  --p12 <file>        a .p12/.pfx file (OpenSSL 3 AES or legacy 3DES/RC2)
  --password <pw>     password of the --p12 (or of an encrypted --key) just before it;
                      default: the environment variable ${PASSWORD_ENV}, which keeps the
                      password out of the process list
  --key <pem>         private key, PKCS#8 or "EC/RSA PRIVATE KEY" PEM
  --cert <pem>        the signer's certificate (may hold the chain too)
  --chain <pem>       intermediate certificates
Other options:
  --out <file>        write the signed JSON here instead of stdout
  -h, --help          this text

Keys: RSA ≥ 2048 or ECDSA P-256.`;

/** One signer as given on the command line. */
export type SignerSource =
  | { kind: "p12"; p12: string; password?: string }
  | { kind: "pem"; key?: string; cert?: string; chain?: string; password?: string };

export const command: Command = {
  summary: "sign a document (.p12 or PEM key) → {document, signature}",
  run: (args) => sign(args),
};

/** Runs `hocba sign` with the given arguments; returns the exit code (0) or throws a HocbaError. */
export async function sign(args: string[], io: CliIo = processIo): Promise<number> {
  const parsed = parse(args);
  if (parsed === "help") {
    io.stdout(HELP + "\n");
    return 0;
  }
  const { documentPath, sources, out } = parsed;
  const document = parseJsonInput(readInput(documentPath, "document"), documentPath);
  refuseSignedFile(document, documentPath);
  const validation = validateDocument(document);
  if (!validation.ok) {
    const problems = validation.problems;
    const lines = problems.map((p) => `  ${p.path || "/"}  ${p.code}  ${p.message}`);
    throw new HocbaError(
      "SCHEMA_INVALID",
      `${documentPath} is not a valid document (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${lines.join("\n")}`,
      { details: problems },
    );
  }
  const signers: LoadedSigner[] = [];
  for (const [index, source] of sources.entries()) {
    signers.push(await loadSigner(source, io, sources.length > 1 ? `signer ${index + 1}: ` : ""));
  }
  const signature = await signDetached(canonicalBytes(document), signers);
  const output =
    JSON.stringify({ document, signature: Buffer.from(signature).toString("base64") }, null, 2) + "\n";
  if (out === undefined) io.stdout(output);
  else writeOutput(out, output);
  return 0;
}

/**
 * A file that already holds a signature is not a document to sign: say what it is and what to do
 * instead of listing its fields as schema problems.
 * @throws HocbaError SCHEMA_INVALID for a `{document, signature}` file or a hocba/1 credential.
 */
function refuseSignedFile(value: unknown, file: string): void {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return;
  const fields = value as Record<string, unknown>;
  if (!("document" in fields) || !("signature" in fields)) return;
  if (fields.format === "hocba/1")
    throw new HocbaError(
      "SCHEMA_INVALID",
      `${file} is a hocba/1 credential (a document already signed and anchored), not a document to sign: check it with \`hocba verify ${file}\``,
    );
  throw new HocbaError(
    "SCHEMA_INVALID",
    `${file} is already signed ({document, signature}), not a document to sign: submit it with \`hocba submit ${file}\`; to co-sign, sign the unsigned document once with every signer (repeat --p12 or --key/--cert, e.g. principal then homeroom teacher), or sign its "document" field alone again`,
  );
}

function parse(args: string[]): "help" | { documentPath: string; sources: SignerSource[]; out?: string } {
  const parsed = parseCommandArgs(
    {
      args,
      options: {
        p12: { type: "string", multiple: true },
        password: { type: "string", multiple: true },
        key: { type: "string", multiple: true },
        cert: { type: "string", multiple: true },
        chain: { type: "string", multiple: true },
        out: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      allowPositionals: true,
      tokens: true,
    },
    HELP,
  );
  if (parsed.values.help) return "help";
  if (parsed.positionals.length !== 1)
    throw usage(
      parsed.positionals.length === 0 ? "the document file is missing" : "give exactly one document file",
    );
  const options = parsed.tokens.flatMap((token) =>
    token.kind === "option" && token.value !== undefined ? [{ name: token.name, value: token.value }] : [],
  );
  return { documentPath: parsed.positionals[0]!, sources: signerSources(options), out: parsed.values.out };
}

/**
 * Groups signer options in command-line order: `--p12` starts a signer; `--key`, `--cert` and
 * `--chain` fill the current PEM signer or start a new one when theirs is taken; `--password`
 * belongs to the signer just before it (or, given first, to the next one).
 * @throws HocbaError USAGE when no signer is given or one is incomplete or ambiguous.
 */
export function signerSources(options: { name: string; value: string }[]): SignerSource[] {
  const sources: SignerSource[] = [];
  let pendingPassword: string | undefined;
  const current = (): SignerSource | undefined => sources.at(-1);
  const startWith = (source: SignerSource): void => {
    if (pendingPassword !== undefined) source.password = pendingPassword;
    pendingPassword = undefined;
    sources.push(source);
  };
  for (const { name, value } of options) {
    const last = current();
    switch (name) {
      case "p12":
        startWith({ kind: "p12", p12: value });
        break;
      case "key":
      case "cert":
      case "chain":
        if (last?.kind === "pem" && last[name] === undefined) last[name] = value;
        else startWith({ kind: "pem", [name]: value });
        break;
      case "password":
        if (last === undefined) {
          if (pendingPassword !== undefined) throw usage("two --password options before any signer");
          pendingPassword = value;
        } else if (last.password !== undefined) {
          throw usage("two --password options for one signer");
        } else last.password = value;
        break;
    }
  }
  if (pendingPassword !== undefined) throw usage("--password without a --p12 or --key");
  if (sources.length === 0) throw usage("no signer: give --p12 <file> or --key <pem> --cert <pem>");
  for (const [index, source] of sources.entries()) {
    if (source.kind === "pem" && (source.key === undefined || source.cert === undefined)) {
      const which = sources.length > 1 ? `signer ${index + 1}: ` : "";
      throw usage(
        `${which}${source.key === undefined ? "--cert/--chain without --key" : "--key without --cert"} (a PEM signer needs both; do not mix --p12 and --key for one signer)`,
      );
    }
  }
  return sources;
}

/** Loads one signer's key and certificates; errors name the file (and `label`, e.g. "signer 2: "). */
export async function loadSigner(source: SignerSource, io: CliIo, label: string): Promise<LoadedSigner> {
  try {
    if (source.kind === "p12") {
      const password = source.password ?? io.env[PASSWORD_ENV];
      try {
        return await loadSignerFromP12(readInput(source.p12, ".p12 file"), password ?? "");
      } catch (error) {
        if (isHocbaError(error) && error.code === "P12_PASSWORD_INVALID" && password === undefined)
          throw new HocbaError(
            error.code,
            `${error.message} (no password given: use --password or ${PASSWORD_ENV})`,
          );
        throw error;
      }
    }
    return await loadSignerFromPem({
      keyPem: readInput(source.key!, "key file").toString("utf8"),
      certPem: readInput(source.cert!, "certificate file").toString("utf8"),
      chainPem:
        source.chain === undefined ? undefined : readInput(source.chain, "chain file").toString("utf8"),
      passphrase: source.password ?? io.env[PASSWORD_ENV],
    });
  } catch (error) {
    if (!isHocbaError(error)) throw error;
    const file = source.kind === "p12" ? source.p12 : source.key!;
    const message = error.code === "IO" ? error.message : `${file}: ${error.message}`;
    throw new HocbaError(error.code, label + message, { cause: error });
  }
}

function usage(message: string): HocbaError {
  return usageError(message, HELP);
}
