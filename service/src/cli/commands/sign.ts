/**
 * `hocba sign`: what school software (or a clerk) runs to sign a transcript before submitting it
 * (docs/formats.md, signed submission). It validates the document first — a school should learn about a wrong
 * score before it signs, not after — then signs its RFC 8785 canonical bytes as a detached CMS
 * with one or several signers (the principal, and the homeroom teacher when they co-sign).
 */
import { loadSignerFromP12, loadSignerFromPem, type LoadedSigner } from "../../adapters/pki/keys";
import { openPkcs11Signer, type Pkcs11Signer } from "../../adapters/pki/pkcs11";
import { httpTimestamper } from "../../adapters/pki/tsa-http";
import { canonicalBytes } from "../../core/documents/hash";
import { makeDisclosable } from "../../core/documents/disclosure";
import { TRANSCRIPT_TYPE } from "../../core/documents/schema";
import { validateDocument } from "../../core/documents/validate";
import { HocbaError, isHocbaError } from "../../core/errors";
import { signDetached, type CmsSigner, type SignOptions } from "../../core/pki";
import { defineCommand, type ParsedArgs } from "../command";
import { FLAG, parseJsonInput, readInput, STRING, STRINGS, usageError, writeOutput, type CliIo } from "../io";

export const PASSWORD_ENV = "HOCBA_P12_PASSWORD";

const SUMMARY = "sign a document (.p12, PEM key or PKCS#11 token) → {document, disclosures, signature}";

const HELP = `usage: hocba sign <document.json> (--p12 <file> [--password <pw>] | --key <pem> --cert <pem> [--chain <pem>]
                                  | --pkcs11 <module.so> --token <label> [--key <label>] [--pin-env <VAR>] [--chain <pem>])...
                                 [--tsa <url>] [--out <file>]

Validates the document (hocba.transcript/v1 or hocba.graduation/v1; the embedded default writes an
unsigned sample to data/demo/sample-transcript.json), signs its RFC 8785
canonical bytes as a detached CMS SignedData (SHA-256, signer certificate and chain included)
and writes {"document": …, "disclosures": […], "signature": "<base64 DER>"} to stdout or --out.
A transcript is signed in the selectively disclosable form: its citizen ID, ethnicity, place of
birth and each school year are replaced by salted digests, and "disclosures" holds the parts
(docs/selective-disclosure.md), so the graduate can later withhold any of them. Submit the whole
output: the service keeps every part.

Signer options (repeat them to co-sign, e.g. principal then homeroom teacher):
  --p12 <file>        a .p12/.pfx file (OpenSSL 3 AES or legacy 3DES/RC2)
  --password <pw>     password of the --p12 (or of an encrypted --key) just before it;
                      default: the environment variable ${PASSWORD_ENV}, which keeps the
                      password out of the process list
  --key <pem>         private key, PKCS#8 or "EC/RSA PRIVATE KEY" PEM
  --cert <pem>        the signer's certificate (may hold the chain too)
  --chain <pem>       intermediate certificates
  --pkcs11 <module>   sign on a PKCS#11 token (USB token, HSM) through this module, e.g.
                      /usr/lib/softhsm/libsofthsm2.so; the private key never leaves the token
  --token <label>     the token's label (pkcs11-tool --list-token-slots shows it)
  --key <label>       after --pkcs11: the label of the private key (needed when the token holds
                      several); the certificate with the key's CKA_ID is read from the token
  --pin-env <VAR>     the environment variable holding the token's user PIN; without it the PIN
                      is asked on the terminal (echo off). A PIN is never taken on the command line
  --chain <pem>       after --pkcs11: intermediate certificates to include
  A --key, --chain, --token or --pin-env right after --pkcs11 belongs to that token signer; to
  follow it with a PEM signer, give that signer's --cert first.
Other options:
  --plain             sign a transcript in the plain form (hocba/1, nothing withholdable)
  --tsa <url>         add an RFC 3161 signature timestamp from this TSA to every signer (CAdES-T):
                      the SHA-256 of each signature value is sent by HTTP POST
                      (application/timestamp-query); verifiers then use the TSA's time instead
                      of the signing-time the signer claims
  --out <file>        write the signed JSON here instead of stdout
  -h, --help          this text

Keys: RSA ≥ 2048 or ECDSA P-256.`;

/** One signer as given on the command line. */
export type SignerSource =
  | { kind: "p12"; p12: string; password?: string }
  | { kind: "pem"; key?: string; cert?: string; chain?: string; password?: string }
  | {
      kind: "pkcs11";
      module: string;
      token?: string;
      key?: string;
      pinEnv?: string;
      chain?: string;
      password?: undefined;
    };

/**
 * The parseArgs options that name signers (`--p12`, `--key`, `--pkcs11` …, each repeatable): those of
 * `hocba sign`, shared by the commands that sign the same way. Parse with `tokens: true` and read
 * the signers with {@link signerSourcesOf}.
 */
export const SIGNER_OPTIONS = {
  p12: STRINGS,
  password: STRINGS,
  key: STRINGS,
  cert: STRINGS,
  chain: STRINGS,
  pkcs11: STRINGS,
  token: STRINGS,
  "pin-env": STRINGS,
  pin: STRINGS,
} as const;

const ARGS = {
  options: { ...SIGNER_OPTIONS, out: STRING, plain: FLAG, tsa: STRING },
  allowPositionals: true,
} as const;

export const command = defineCommand(SUMMARY, HELP, ARGS, signDocument);

/** Runs `hocba sign` with the given arguments; resolves the exit code (0) or rejects with a HocbaError. */
export const sign = command.run;

async function signDocument(args: ParsedArgs<typeof ARGS>, io: CliIo): Promise<number> {
  const { documentPath, sources, out, plain, tsa } = parse(args);
  const options = signOptions(tsa);
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
  // A transcript is signed in the selectively disclosable form unless --plain asks otherwise: the
  // graduate can then withhold their citizen ID, ethnicity, place of birth or a school year.
  const disclosable =
    validation.document.type === TRANSCRIPT_TYPE && !plain ? makeDisclosable(validation.document) : undefined;
  const signed = disclosable?.document ?? validation.document;
  const signers: LoadedSigner<CryptoKey | CmsSigner>[] = [];
  let signature: Uint8Array;
  try {
    for (const [index, source] of sources.entries()) {
      signers.push(await loadSigner(source, io, sources.length > 1 ? `signer ${index + 1}: ` : ""));
    }
    signature = await signDetached(canonicalBytes(signed), signers, options);
  } finally {
    for (const signer of signers) (signer as Partial<Pkcs11Signer>).close?.();
  }
  const output =
    JSON.stringify(
      {
        document: signed,
        ...(disclosable ? { disclosures: disclosable.disclosures } : {}),
        signature: Buffer.from(signature).toString("base64"),
      },
      null,
      2,
    ) + "\n";
  if (out === undefined) io.stdout(output);
  else writeOutput(out, output);
  return 0;
}

/** The signing options of `--tsa <url>` (none without it): TSA errors name the TSA. */
export function signOptions(tsa: string | undefined): SignOptions {
  return tsa === undefined ? {} : { timestamp: httpTimestamper(tsa) };
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
  if (fields.format === "hocba/1" || fields.format === "hocba/2")
    throw new HocbaError(
      "SCHEMA_INVALID",
      `${file} is a ${String(fields.format)} credential (a document already signed and anchored), not a document to sign: check it with \`hocba verify ${file}\``,
    );
  throw new HocbaError(
    "SCHEMA_INVALID",
    `${file} is already signed ({document, signature}), not a document to sign: submit it with \`hocba submit ${file}\`; to co-sign, sign the unsigned document once with every signer (repeat --p12 or --key/--cert, e.g. principal then homeroom teacher), or sign its "document" field alone again`,
  );
}

function parse(parsed: ParsedArgs<typeof ARGS>): {
  documentPath: string;
  sources: SignerSource[];
  out?: string;
  plain: boolean;
  tsa?: string;
} {
  if (parsed.positionals.length !== 1)
    throw usage(
      parsed.positionals.length === 0 ? "the document file is missing" : "give exactly one document file",
    );
  return {
    documentPath: parsed.positionals[0]!,
    sources: signerSourcesOf(parsed.tokens),
    out: parsed.values.out,
    plain: parsed.values.plain === true,
    tsa: parsed.values.tsa,
  };
}

/**
 * The signers named by the parsed option tokens, in command-line order ({@link signerSources});
 * options other than {@link SIGNER_OPTIONS} are passed over.
 * @throws HocbaError USAGE as {@link signerSources}.
 */
export function signerSourcesOf(
  tokens: readonly { kind: string; name?: string; value?: string | undefined }[],
): SignerSource[] {
  return signerSources(
    tokens.flatMap((token) =>
      token.kind === "option" &&
      token.name !== undefined &&
      token.value !== undefined &&
      Object.hasOwn(SIGNER_OPTIONS, token.name)
        ? [{ name: token.name, value: token.value }]
        : [],
    ),
  );
}

/**
 * Groups signer options in command-line order: `--p12` and `--pkcs11` start a signer; `--token`
 * and `--pin-env` belong to the token signer just before them; `--key` and `--chain` fill the
 * current token signer while it has none, otherwise they and `--cert` fill the current PEM signer
 * or start a new one when theirs is taken; `--password` belongs to the signer just before it (or,
 * given first, to the next one) and never to a token signer.
 * @throws HocbaError USAGE when no signer is given or one is incomplete or ambiguous, and for `--pin`.
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
      case "pkcs11":
        if (pendingPassword !== undefined) throw usage(TOKEN_PASSWORD);
        sources.push({ kind: "pkcs11", module: value });
        break;
      case "token":
      case "pin-env": {
        const field = name === "token" ? "token" : "pinEnv";
        if (last?.kind !== "pkcs11") throw usage(`--${name} without a --pkcs11 before it`);
        if (last[field] !== undefined) throw usage(`two --${name} options for one --pkcs11 signer`);
        last[field] = value;
        break;
      }
      case "pin":
        throw usage(
          "a PIN is never taken on the command line (other users can read it there): use --pin-env <VAR> or type it at the prompt",
        );
      case "key":
      case "cert":
      case "chain":
        if (name !== "cert" && last?.kind === "pkcs11" && last[name] === undefined) last[name] = value;
        else if (last?.kind === "pem" && last[name] === undefined) last[name] = value;
        else startWith({ kind: "pem", [name]: value });
        break;
      case "password":
        if (last?.kind === "pkcs11") throw usage(TOKEN_PASSWORD);
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
    const which = sources.length > 1 ? `signer ${index + 1}: ` : "";
    if (source.kind === "pkcs11" && source.token === undefined)
      throw usage(`${which}--pkcs11 without --token <label>`);
    if (source.kind === "pem" && (source.key === undefined || source.cert === undefined)) {
      throw usage(
        `${which}${source.key === undefined ? "--cert/--chain without --key" : "--key without --cert"} (a PEM signer needs both; do not mix --p12 and --key for one signer)`,
      );
    }
  }
  return sources;
}

const TOKEN_PASSWORD =
  "--password is not for a --pkcs11 signer: its PIN comes from --pin-env <VAR> or the terminal prompt";

/** Loads one signer's key and certificates; errors name the file (and `label`, e.g. "signer 2: "). */
export async function loadSigner(
  source: SignerSource,
  io: CliIo,
  label: string,
): Promise<LoadedSigner<CryptoKey | CmsSigner>> {
  try {
    if (source.kind === "pkcs11") {
      return openPkcs11Signer({
        module: source.module,
        token: source.token!,
        key: source.key,
        pin: await tokenPin(source, io),
        chainPem:
          source.chain === undefined ? undefined : readInput(source.chain, "chain file").toString("utf8"),
      });
    }
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
    // token errors name the token themselves; file errors get the file's name in front
    const file = source.kind === "p12" ? source.p12 : source.kind === "pem" ? source.key : undefined;
    const message = file === undefined || error.code === "IO" ? error.message : `${file}: ${error.message}`;
    throw new HocbaError(error.code, label + message, { cause: error });
  }
}

/**
 * The token's PIN: from the variable --pin-env names, else typed at the terminal.
 * @throws HocbaError USAGE when the variable is unset or there is no terminal to ask on.
 */
async function tokenPin(source: { token?: string; pinEnv?: string }, io: CliIo): Promise<string> {
  if (source.pinEnv !== undefined) {
    const pin = io.env[source.pinEnv];
    if (pin === undefined)
      throw usage(`--pin-env ${source.pinEnv}: the environment variable ${source.pinEnv} is not set`);
    return pin;
  }
  const pin = await io.readSecret?.(`PIN of token "${source.token}": `);
  if (pin === undefined)
    throw usage(`no PIN for token "${source.token}": give --pin-env <VAR> or run hocba sign on a terminal`);
  return pin;
}

function usage(message: string): HocbaError {
  return usageError(message, HELP);
}
