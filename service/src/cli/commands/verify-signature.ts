/**
 * `hocba verify-signature`: the offline check of a signed document — what a school runs before
 * submitting, and what anyone can run without the service. It prints every named check, never a
 * bare yes/no (docs/verification.md): the document against its schema, then the CMS checks of core/pki
 * (digest = docHash, signature, chain to the given roots, validity at signing time, key usage).
 * Authorization needs the issuer registry, which is online only, so it is reported as skipped.
 */
import { decodeBase64 } from "../../core/encoding";
import { nodeCrypto } from "../../adapters/pki/node-crypto";
import { aiaFetcher } from "../../adapters/pki/aia-fetcher";
import { loadTrustAnchorsDir } from "../../adapters/pki/trust-dir";
import { canonicalBytes, docHash } from "../../core/documents/hash";
import type { Problem } from "../../core/documents/problems";
import { validateDocument } from "../../core/documents/validate";
import { disclose, isSelectivelyDisclosable } from "../../core/documents/disclosure";
import { HocbaError, type ErrorCode } from "../../core/errors";
import { verifyDetached, type CheckStatus, type SignerReport } from "../../core/pki";
import { defineCommand, type ParsedArgs } from "../command";
import { EXIT_CHECK_FAILED, EXIT_OK } from "../exit-codes";
import { FLAG, parseJsonInput, readInput, STRING, usageError, type CliIo } from "../io";

const SUMMARY = "check a signed document offline against trusted roots";

const HELP = `usage: hocba verify-signature <signed.json> --trust <dir> [--tsa-trust <dir>] [--json]

Checks a signed document {"document": …, "signature": "<base64 CMS>"} (a hocba/1 credential
file works too) offline: the document's schema and rules, the message digest against the
document's docHash, the signature, the certificate chain to the roots in <dir>, validity at
signing time and key usage. Authorization is skipped: it needs the issuer registry (online).

  --trust <dir>   folder of trusted root certificates (*.pem, *.crt, *.cer, *.der); a CA
                  certificate missing from the signature is fetched through its AIA URL
  --tsa-trust <dir>
                  folder of trusted timestamp authority certificates: signature timestamps
                  from these TSAs are checked and their time used instead of the signing time
  --json          print the report as JSON
  -h, --help      this text

Exit status: 0 all checks pass, 1 a check fails; other codes for unusable input (see README).`;

export interface OfflineCheck {
  name: string;
  status: CheckStatus;
  code?: ErrorCode;
  message: string;
}

export interface OfflineReport {
  ok: boolean;
  docHash: string;
  checks: OfflineCheck[];
  signers: SignerReport[];
  /** The document's problems, when its check failed. */
  problems?: Problem[];
}

const ARGS = {
  options: { trust: STRING, "tsa-trust": STRING, json: FLAG },
  allowPositionals: true,
} as const;

export const command = defineCommand(SUMMARY, HELP, ARGS, verifySigned);

/** Runs `hocba verify-signature`; resolves 0 when every check passes (or for --help), 1 when one fails. */
export const verifySignature = command.run;

async function verifySigned(args: ParsedArgs<typeof ARGS>, io: CliIo): Promise<number> {
  const parsed = parse(args);
  const trustAnchors = loadTrustAnchorsDir(parsed.trust, { fetchIssuer: aiaFetcher() });
  const signed = parseJsonInput(readInput(parsed.file, "signed document"), parsed.file);
  const { document, signature, disclosures } = signedParts(signed, parsed.file);
  const tsaTrust = parsed.tsaTrust === undefined ? undefined : loadTrustAnchorsDir(parsed.tsaTrust);
  const report = await verifyOffline(document, signature, trustAnchors, disclosures, tsaTrust);
  io.stdout(parsed.json ? JSON.stringify(report, null, 2) + "\n" : formatReport(report));
  return report.ok ? EXIT_OK : EXIT_CHECK_FAILED;
}

/**
 * All offline checks of a signed document: "document" (schema and rules) followed by the CMS
 * checks, authorization and roles skipped.
 */
export async function verifyOffline(
  document: unknown,
  signatureBase64: string,
  trustAnchors: ReturnType<typeof loadTrustAnchorsDir>,
  /** The disclosures of a document in the selectively disclosable form. */
  disclosures: readonly unknown[] = [],
  tsaTrust?: ReturnType<typeof loadTrustAnchorsDir>,
): Promise<OfflineReport> {
  const sd = isSelectivelyDisclosable(document)
    ? disclose(document as Record<string, unknown>, disclosures)
    : undefined;
  const validation = validateDocument(sd?.view ?? document, { withheld: sd?.withheld ?? [] });
  const foreign = sd?.problems[0];
  const withheld = sd && sd.withheld.length > 0 ? `; withheld: ${sd.withheld.join(", ")}` : "";
  const documentCheck: OfflineCheck =
    foreign !== undefined
      ? {
          name: "document",
          status: "invalid",
          code: "DISCLOSURE_INVALID",
          message: `disclosure ${foreign.index + 1} is not one the signer signed: ${foreign.message}`,
        }
      : validation.ok
        ? {
            name: "document",
            status: "valid",
            message: `a valid ${validation.document.type} document${withheld}`,
          }
        : {
            name: "document",
            status: "invalid",
            code: "SCHEMA_INVALID",
            message: validation.problems.map((p) => `${p.path || "/"} ${p.code}: ${p.message}`).join("; "),
          };
  const signature = decodeBase64(signatureBase64.replace(/\s+/g, ""));
  const pki = await verifyDetached(canonicalBytes(document), signature ?? new Uint8Array(), {
    trustAnchors,
    crypto: nodeCrypto,
    ...(tsaTrust === undefined ? {} : { timestamps: { trustAnchors: tsaTrust } }),
  });
  const checks: OfflineCheck[] = [
    documentCheck,
    ...pki.checks.map((check) => {
      if (signature === undefined && check.name === "structure")
        return { ...check, message: `the signature is not base64 (${check.message})` };
      if (check.name === "authorization" || check.name === "roles")
        return {
          ...check,
          message: "offline: needs the issuer registry (verify the credential online with the service)",
        };
      return check;
    }),
  ];
  return {
    ok: documentCheck.status === "valid" && pki.ok,
    docHash: docHash(document),
    checks,
    signers: pki.signers,
    ...(validation.ok ? {} : { problems: validation.problems }),
  };
}

/** The human-readable report: one line per check, then the signers. */
export function formatReport(report: OfflineReport): string {
  const width = Math.max(...report.checks.map((check) => check.name.length));
  const lines = report.checks.map((check) => {
    const status = check.status.toUpperCase().padEnd(7);
    const code = check.code === undefined ? "" : `${check.code}: `;
    return `${check.name.padEnd(width)}  ${status}  ${code}${check.message}`;
  });
  for (const problem of report.problems ?? [])
    lines.push(`    ${problem.path || "/"}  ${problem.code}  ${problem.message}`);
  lines.push(`docHash ${report.docHash}`);
  for (const signer of report.signers) {
    lines.push(
      `signer  ${signer.subject}\n        fingerprint ${signer.fingerprint}, signed ${signer.signingTime}` +
        (signer.timestamp === undefined
          ? ""
          : `\n        timestamp ${signer.timestamp.time} by ${signer.timestamp.tsa}`),
    );
    const status = signer.status;
    if (status !== undefined)
      lines.push(
        `        certificate status: ${status.state} at ${status.at}${status.revokedAt === undefined ? "" : ` (revoked ${status.revokedAt})`}, per ${status.source === "ocsp" ? "OCSP responder" : "CRL of"} ${status.responder}`,
      );
  }
  lines.push(report.ok ? "result: VALID (authorization not checked offline)" : "result: NOT VALID");
  return lines.join("\n") + "\n";
}

function parse(parsed: ParsedArgs<typeof ARGS>): {
  file: string;
  trust: string;
  tsaTrust?: string;
  json: boolean;
} {
  if (parsed.positionals.length !== 1)
    throw usage(
      parsed.positionals.length === 0 ? "the signed file is missing" : "give exactly one signed file",
    );
  if (parsed.values.trust === undefined) throw usage("--trust <dir of PEM roots> is required");
  return {
    file: parsed.positionals[0]!,
    trust: parsed.values.trust,
    tsaTrust: parsed.values["tsa-trust"],
    json: parsed.values.json === true,
  };
}

function signedParts(
  value: unknown,
  path: string,
): { document: unknown; signature: string; disclosures: unknown[] } {
  const record =
    typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  if (
    record === undefined ||
    typeof record.signature !== "string" ||
    typeof record.document !== "object" ||
    record.document === null
  )
    throw new HocbaError(
      "SCHEMA_INVALID",
      `${path} is not a signed document: expected {"document": {…}, "signature": "<base64>"}`,
    );
  return {
    document: record.document,
    signature: record.signature,
    disclosures: Array.isArray(record.disclosures) ? (record.disclosures as unknown[]) : [],
  };
}

function usage(message: string): HocbaError {
  return usageError(message, HELP);
}
