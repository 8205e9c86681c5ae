/**
 * `hocba verify`: the eight checks (docs/verification.md) on a `hocba/1` credential file, from the command
 * line (or on the credential embedded in a PDF that hocba printed), in one of three places:
 *  - offline (default): `verifyCredential` here, against the roots of `--trust`; the chain is not
 *    asked, so anchoring, revocation and the signer's authorization (issuer registry) are not
 *    checked and supersession (known only to the service) is skipped — the output says so;
 *  - against a JSON-RPC node (`--rpc`): the same, with a read-only chain port over the registry
 *    the credential names (or the one given, which the credential must then name);
 *  - against the hocba API (`--api`): POST /api/v1/verify, whose checks are printed as they came.
 * The command adds no verification logic of its own: it prints the checks and turns the core's
 * verdict (`verdictOf`) into the exit status — 0 valid, 1 invalid or revoked, 2 could not be
 * checked (chain or API unreachable), 66 not a hocba file at all.
 */
import { ADDRESS_PATTERN } from "../../core/encoding";
import { createChainStatus, type ChainStatus } from "../../adapters/chain/chain-status";
import { createRegistryClient, type RegistryClient } from "../../adapters/chain/registry";
import { nodeCrypto } from "../../adapters/pki/node-crypto";
import { aiaFetcher } from "../../adapters/pki/aia-fetcher";
import { loadTrustAnchorsDir } from "../../adapters/pki/trust-dir";
import { HocbaError, isHocbaError } from "../../core/errors";
import { signerStatusText, type SignerStatus } from "../../core/pki";
import { extractCredentialFromPdf } from "../../core/pdf/extract";
import { findPdfSignatures } from "../../core/pdf/signatures";
import { verifySignedPdf, type PdfProofSource } from "../../core/verification/pdf";
import {
  verdictOf,
  verifyCredential,
  type ChainStatusPort,
  type Verdict,
  type VerificationContext,
  type VerificationResult,
} from "../../core/verification";
import { API_URL_ENV, apiBaseUrl, callApi } from "../api-client";
import { defineCommand, type ParsedArgs } from "../command";
import { EXIT_CHECK_ERROR, EXIT_CHECK_FAILED, EXIT_OK, exitCodeFor } from "../exit-codes";
import { FLAG, parseJsonInput, readInput, STRING, usageError, type CliIo } from "../io";

export const TRUST_DIR_ENV = "HOCBA_TRUST_DIR";
export const API_KEY_ENV = "HOCBA_API_KEY";

const SUMMARY = "verify a hocba/1 or hocba/2 credential (offline, against a chain node, or through the API)";

const HELP = `usage: hocba verify <credential.hocba.json | transcript.pdf> [--proof <proof.json>] [--trust <dir>] [--json]
       hocba verify <credential.hocba.json> --rpc <url> [--registry <0x…>] [--chain-id <n>] [--trust <dir>] [--json]
       hocba verify <credential.hocba.json> --api <url> [--api-key <key>] [--json]

Runs the checks of a hocba/1 credential — format, integrity, signature, signer, inclusion,
anchored, revocation, supersession — and prints one line per check, then the verdict. A PDF
printed by hocba works too: the credential embedded in it is checked. A PDF the school signed
itself (PAdES) is checked with its hocba/pdf-1 proof: the file given with --proof, else (with
--api) the service's, found by the PDF's SHA-256; each signature is checked and named.

Offline (the default) every check runs here except those that need the chain or the service:
anchored, revocation and supersession are skipped and the signer's authorization for the school
(issuer registry) is not checked.

  --trust <dir>       folder of trusted root certificates (*.pem, *.crt, *.cer, *.der);
                      default $${TRUST_DIR_ENV}; required offline and with --rpc. A CA
                      certificate missing from the signature is fetched through its AIA URL
  --rpc <url>         also read the registry on this JSON-RPC node: anchored, revocation and the
                      signer's authorization are checked (supersession stays skipped)
  --registry <0x…>    the registry to trust (default: the one the credential names)
  --chain-id <n>      the chain to trust (default: the one the credential names)
  --api <url>         let the hocba API verify it (POST /api/v1/verify) and print its checks;
                      without --trust, --rpc or --api, $${API_URL_ENV} selects this mode
  --api-key <key>     an API key (verifier keys lift the public rate limit); default $${API_KEY_ENV}
  --proof <file>      the hocba/pdf-1 proof of a signed PDF (GET /api/v1/pdf-proofs/<sha256>)
  --json              print the whole result as JSON
  -h, --help          this text

Exit status: 0 valid; 1 not valid (a check failed: changed after signing, forged, revoked,
untrusted…); 2 could not be checked (chain or API unreachable); 66 not a hocba file at all (not a
JSON object, or no hocba/1 structure); 64 usage, 65 not JSON, 67 unreadable file, 13 not a readable PDF, 14 a PDF without a credential, 78 unusable trust folder; 40–45
refusals of the API (rate limited 44…).`;

type Mode =
  | { kind: "offline"; trust: string }
  | { kind: "rpc"; trust: string; rpc: string; registry?: string; chainId?: number }
  | { kind: "api"; api: string; apiKey?: string };

interface Options {
  file: string;
  proof?: string;
  json: boolean;
  mode: Mode;
}

const ARGS = {
  options: {
    trust: STRING,
    rpc: STRING,
    registry: STRING,
    "chain-id": STRING,
    api: STRING,
    "api-key": STRING,
    proof: STRING,
    json: FLAG,
  },
  allowPositionals: true,
} as const;

export const command = defineCommand(SUMMARY, HELP, ARGS, verifyFile);

/** Runs `hocba verify` with `io` (tests pass a captured one); resolves the exit status. */
export const verify = command.run;

async function verifyFile(args: ParsedArgs<typeof ARGS>, io: CliIo): Promise<number> {
  const options = parse(args, io);
  const credential = await readCredential(options.file, options.proof !== undefined);
  const result =
    credential instanceof SignedPdf
      ? await verifyPdfIn(options, credential.bytes, io)
      : await verifyCredentialIn(options, credential, io);
  if (typeof result === "number") return result;
  io.stdout(options.json ? JSON.stringify(result, null, 2) + "\n" : formatResult(result, options.mode.kind));
  return exitStatusOf(result);
}

/** A credential's JSON value, through the API or here. @throws SCHEMA_INVALID when not an object. */
async function verifyCredentialIn(
  options: Options,
  credential: unknown,
  io: CliIo,
): Promise<VerificationResult | number> {
  if (typeof credential !== "object" || credential === null || Array.isArray(credential))
    throw new HocbaError("SCHEMA_INVALID", `${options.file} is not a hocba file (not a JSON object)`);
  const { mode } = options;
  if (mode.kind === "api") return verifyThroughApi(mode, credential, io);
  const fields = credential as Record<string, unknown>;
  return verifyHere(mode, fields, (context) => verifyCredential(fields, context));
}

/** A PDF the school signed itself: verified with its hocba/pdf-1 proof, not as a credential. */
class SignedPdf {
  constructor(readonly bytes: Uint8Array) {}
}

/**
 * The credential's JSON value: the file itself, or the `*.hocba.json` attachment of a PDF that
 * hocba printed (a file named *.pdf, or starting as PDFs do); a PDF without that attachment, or
 * given with its proof, is a signed PDF.
 */
async function readCredential(file: string, withProof: boolean): Promise<unknown> {
  const bytes = readInput(file, "credential");
  if (/\.pdf$/i.test(file) || bytes.subarray(0, 5).toString("latin1") === "%PDF-") {
    const pdf = new Uint8Array(bytes);
    if (withProof) return new SignedPdf(pdf);
    try {
      return await extractCredentialFromPdf(pdf);
    } catch (error) {
      // A PDF with neither a credential nor a signature is neither kind: PDF_NO_CREDENTIAL stands.
      if (isHocbaError(error) && error.code === "PDF_NO_CREDENTIAL" && findPdfSignatures(pdf).length > 0)
        return new SignedPdf(pdf);
      throw error;
    }
  }
  if (withProof) throw usage("--proof goes with a signed PDF");
  return parseJsonInput(bytes, file);
}

/**
 * A signed PDF, here (with the proof given; offline the service is not asked for one) or through
 * the API (the proof given in the header, else found there by the PDF's hash).
 */
async function verifyPdfIn(
  options: Options,
  pdf: Uint8Array,
  io: CliIo,
): Promise<VerificationResult | number> {
  const { mode } = options;
  const proof =
    options.proof === undefined
      ? undefined
      : parseJsonInput(readInput(options.proof, "proof"), options.proof);
  if (mode.kind === "api")
    return verifyThroughApi(
      mode,
      pdf,
      io,
      proof === undefined ? {} : { "hocba-pdf-proof": Buffer.from(JSON.stringify(proof)).toString("base64") },
    );
  const source: PdfProofSource =
    proof === undefined
      ? {
          absent: {
            status: "error",
            message:
              "no proof was given (--proof <file>), and only the service (--api) can find it by the PDF's hash",
          },
        }
      : { proof };
  // Without a proof there is no anchor to read on a chain.
  const anchor = proof === undefined ? undefined : (proof as Record<string, unknown>);
  return verifyHere(mode, anchor, (context) => verifySignedPdf(pdf, source, context));
}

const EXIT_STATUS: Record<Verdict, number> = {
  valid: EXIT_OK,
  invalid: EXIT_CHECK_FAILED,
  revoked: EXIT_CHECK_FAILED,
  error: EXIT_CHECK_ERROR,
  "not-hocba": exitCodeFor("SCHEMA_INVALID"),
};

/** The exit status of the core's verdict: 0 valid, 1 invalid or revoked, 2 error, 66 not a hocba file. */
export function exitStatusOf(result: VerificationResult): number {
  return EXIT_STATUS[verdictOf(result.checks)];
}

/**
 * Offline or with a chain port: `check` (the core's pipeline) in this process, against the roots
 * of --trust and, with --rpc, the chain and registry that the flags or `anchored` (the credential,
 * or the PDF's proof) name.
 */
async function verifyHere(
  mode: Extract<Mode, { kind: "offline" | "rpc" }>,
  anchored: Record<string, unknown> | undefined,
  check: (context: VerificationContext) => Promise<VerificationResult>,
): Promise<VerificationResult> {
  const trustAnchors = loadTrustAnchorsDir(mode.trust, { fetchIssuer: aiaFetcher() });
  // Without a registry to ask (no flag, and none readable in the file) the format check fails anyway.
  const target = mode.kind === "rpc" && anchored !== undefined ? chainTarget(mode, anchored) : undefined;
  if (mode.kind === "offline" || target === undefined) return check({ trustAnchors, crypto: nodeCrypto });
  const rpc = readOnlyChain(mode.rpc, target.chainId, target.registry);
  try {
    return await check({ trustAnchors, crypto: nodeCrypto, chain: rpc.chain });
  } finally {
    rpc.close();
  }
}

/**
 * The chain and registry to trust: the flags, else what the credential's anchor names. A
 * credential naming another registry than the flags is not anchored where the verifier trusts:
 * the `anchored` check reports it invalid (the core's rule), it is not silently followed.
 */
function chainTarget(
  mode: Extract<Mode, { kind: "rpc" }>,
  credential: Record<string, unknown>,
): { chainId: number; registry: string } | undefined {
  const anchor = credential.anchor as { chainId?: unknown; registry?: unknown } | null | undefined;
  const chainId =
    mode.chainId ??
    (typeof anchor?.chainId === "number" && Number.isSafeInteger(anchor.chainId) && anchor.chainId > 0
      ? anchor.chainId
      : undefined);
  const registry =
    mode.registry ??
    (typeof anchor?.registry === "string" && ADDRESS.test(anchor.registry) ? anchor.registry : undefined);
  return chainId === undefined || registry === undefined ? undefined : { chainId, registry };
}

/**
 * A read-only chain port over the registry at `rpcUrl` (no key), with the service's cache. The
 * node's own chain id is compared with the expected one before the first read: answers from
 * another chain would mean nothing, so a mismatch makes the chain checks `error`, never `valid`.
 */
function readOnlyChain(
  rpcUrl: string,
  chainId: number,
  registry: string,
): { chain: ChainStatusPort; close(): void } {
  const client: RegistryClient = createRegistryClient({ rpcUrl, chainId, address: registry });
  const status: ChainStatus = createChainStatus(client);
  let checked: Promise<void> | undefined;
  const sameChain = (): Promise<void> =>
    (checked ??= (async () => {
      let answered: unknown;
      try {
        answered = await client.provider.send("eth_chainId", []);
      } catch (cause) {
        throw new HocbaError(
          "CHAIN_UNAVAILABLE",
          `cannot reach the chain node at ${rpcUrl}: ${message(cause)}`,
          {
            cause,
          },
        );
      }
      if (Number(answered) !== chainId)
        throw new HocbaError(
          "CHAIN_UNAVAILABLE",
          `the node at ${rpcUrl} serves chain ${Number(answered)}, not chain ${chainId}`,
        );
    })());
  const chain: ChainStatusPort = {
    chainId,
    registry,
    anchoredAt: async (root) => (await sameChain(), status.anchoredAt(root)),
    revokedAt: async (leaf) => (await sameChain(), status.revokedAt(leaf)),
    isIssuerCertificate: async (code, fingerprint, at) => (
      await sameChain(),
      status.isIssuerCertificate(code, fingerprint, at)
    ),
  };
  return { chain, close: () => client.close() };
}

/**
 * POST /api/v1/verify with a credential (JSON) or a PDF (its proof, if given, in `headers`). The
 * service unreachable or failing (5xx, no JSON) is "could not be checked" (exit 2, message on
 * stderr); a refusal (429, 401, 413…) throws its own code.
 */
async function verifyThroughApi(
  mode: Extract<Mode, { kind: "api" }>,
  body: object,
  io: CliIo,
  headers: Record<string, string> = {},
): Promise<VerificationResult | number> {
  try {
    const answered = await callApi<VerificationResult>(
      mode.api,
      mode.apiKey,
      "POST",
      "/api/v1/verify",
      body,
      headers,
    );
    return answered.body;
  } catch (error) {
    if (
      !isHocbaError(error) ||
      !["API_UNAVAILABLE", "IO", "INTERNAL", "CHAIN_UNAVAILABLE"].includes(error.code)
    )
      throw error;
    io.stderr(`hocba verify: could not verify through the API: ${error.code}: ${error.message}\n`);
    return EXIT_CHECK_ERROR;
  }
}

const NOT_CHECKED: Record<Mode["kind"], string | undefined> = {
  offline:
    "offline: anchored, revocation and supersession were skipped and the signer's authorization for the school was not checked (they need the chain or the service: use --rpc or --api)",
  rpc: "supersession was skipped: corrections are known only to the issuing service (use --api)",
  api: undefined,
};

const VERDICT_LINES: Record<Exclude<Verdict, "valid">, string> = {
  "not-hocba": "result: NOT A HOCBA FILE (this is not a hocba/1 credential; nothing was verified)",
  invalid: "result: NOT VALID",
  revoked: "result: NOT VALID (revoked by its issuer)",
  error: "result: NOT VERIFIED (a check could not be made; try again later)",
};

interface SignerData {
  role?: string;
  name?: string;
  organisation?: string;
  /** The signer certificate's status, when the signature, the PDF's DSS or its proof carried evidence. */
  status?: SignerStatus;
}

/**
 * One line per signer the signer check reports: "signed by principal: Nguyễn Văn Hùng (Trường
 * THCS Nguyễn Du)"; the role is the issuer registry's, unknown offline. When there was status
 * evidence: "…; certificate good at <time>, per OCSP responder "<subject>"".
 */
function signerLines(result: VerificationResult): string[] {
  const signers = result.checks.find((check) => check.name === "signer")?.data?.signers;
  if (!Array.isArray(signers)) return [];
  return (signers as SignerData[]).map(
    ({ role, name, organisation, status }) =>
      `signed by ${role ?? "(role not checked)"}: ${name ?? "?"}${organisation ? ` (${organisation})` : ""}` +
      (status ? `; certificate ${signerStatusText(status)}` : ""),
  );
}

/** One line per check (name, status, message), one per signer (role and name), then the verdict. */
export function formatResult(result: VerificationResult, mode: Mode["kind"]): string {
  const width = Math.max(...result.checks.map((check) => check.name.length));
  const lines = result.checks.map(
    (check) => `${check.name.padEnd(width)}  ${check.status.toUpperCase().padEnd(7)}  ${check.message}`,
  );
  lines.push(...signerLines(result));
  const note = NOT_CHECKED[mode];
  const verdict = verdictOf(result.checks);
  if (verdict === "valid") {
    lines.push(`result: VALID${note === undefined ? "" : ` (${mode})`}`);
    if (note !== undefined) lines.push(`note: ${note}`);
  } else {
    lines.push(VERDICT_LINES[verdict]);
  }
  return lines.join("\n") + "\n";
}

const ADDRESS = new RegExp(ADDRESS_PATTERN);

function parse({ values, positionals }: ParsedArgs<typeof ARGS>, io: CliIo): Options {
  if (positionals.length !== 1)
    throw usage(
      positionals.length === 0 ? "the credential file is missing" : "give exactly one credential file",
    );
  const file = positionals[0]!;
  const json = values.json === true;
  const proofFile = values.proof === undefined ? {} : { proof: values.proof };
  if (values.api !== undefined && values.rpc !== undefined) throw usage("give --rpc or --api, not both");
  if (values.rpc === undefined && (values.registry !== undefined || values["chain-id"] !== undefined))
    throw usage("--registry and --chain-id go with --rpc");
  if (values.api === undefined && values["api-key"] !== undefined) throw usage("--api-key goes with --api");
  const trust = values.trust ?? nonEmpty(io.env[TRUST_DIR_ENV]);

  if (
    values.api !== undefined ||
    (values.rpc === undefined && trust === undefined && nonEmpty(io.env[API_URL_ENV]))
  ) {
    if (values.trust !== undefined)
      throw usage("--trust is not used with --api: the service checks against its own roots");
    const apiKey = values["api-key"] ?? nonEmpty(io.env[API_KEY_ENV]);
    return {
      file,
      json,
      ...proofFile,
      mode: { kind: "api", api: apiUrl(values.api, io), ...(apiKey ? { apiKey } : {}) },
    };
  }
  if (trust === undefined)
    throw usage(
      `--trust <dir of PEM roots> (or ${TRUST_DIR_ENV}) is required to verify here; or let the service verify with --api <url>`,
    );
  if (values.rpc === undefined) return { file, json, ...proofFile, mode: { kind: "offline", trust } };
  return {
    file,
    json,
    ...proofFile,
    mode: {
      kind: "rpc",
      trust,
      rpc: httpUrl(values.rpc, "--rpc"),
      ...(values.registry === undefined ? {} : { registry: address(values.registry) }),
      ...(values["chain-id"] === undefined ? {} : { chainId: chainIdOf(values["chain-id"]) }),
    },
  };
}

function apiUrl(flag: string | undefined, io: CliIo): string {
  try {
    return apiBaseUrl(flag, io);
  } catch (error) {
    throw isHocbaError(error) ? usage(error.message) : error;
  }
}

function httpUrl(value: string, option: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw usage(`${option} must be a URL, not ${JSON.stringify(value)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw usage(`${option} must be an http(s) URL, not ${JSON.stringify(value)}`);
  return value;
}

function address(value: string): string {
  if (!ADDRESS.test(value))
    throw usage(`--registry must be a 0x address of 40 hex digits, not ${JSON.stringify(value)}`);
  return value;
}

function chainIdOf(value: string): number {
  const chainId = /^[1-9]\d{0,15}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(chainId))
    throw usage(`--chain-id must be a positive whole number, not ${JSON.stringify(value)}`);
  return chainId;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function usage(text: string): HocbaError {
  return usageError(text, HELP);
}
