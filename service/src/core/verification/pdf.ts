/**
 * Verifying a signed PDF (docs/verification.md, signed PDFs; docs/formats.md, `hocba/pdf-1`),
 * browser-safe: a học bạ the school signed as a PDF (PAdES) cannot carry its anchoring inside it
 * without breaking its signatures, so its proof travels beside it — the `hocba/pdf-1` file defined
 * here, or the same proof the service finds by the PDF's SHA-256. The checks are the credential's
 * eight, by name, over the PDF's own signatures (core/pdf/signatures.ts):
 *  - format: the file is a PDF, and the proof (when there is one) is a `hocba/pdf-1` file;
 *  - integrity: the file's SHA-256 is the proof's docHash and its leaf the anchored leaf; every
 *    signature's digest matches the bytes it covers; nothing but validation data follows the last;
 *  - signature: each signature's byte range, SubFilter and CMS signature;
 *  - signer: each signer's certificate path, validity, status, key usage, authorization for the
 *    school at the anchoring time, and the school's required roles over all signatures together;
 *  - inclusion, anchored, revocation, supersession: the credential's checks over the proof's anchor.
 * Without a proof (the service knows no PDF with this hash) inclusion and anchored say plainly that
 * the PDF was never anchored, and the signatures are still checked (without the school's registry).
 */
import { Type, type Static } from "@sinclair/typebox";
import { leafOf, toHex } from "../documents";
import {
  BASE64_PATTERN,
  BYTES32_PATTERN,
  decodeBase64,
  ISSUER_CODE_PATTERN,
  matches,
  UUID_PATTERN,
} from "../encoding";
import { HocbaError, isHocbaError } from "../errors";
import { verifyPdfSignatures, type PdfVerification } from "../pdf/signatures";
import { webCrypto, type SignatureCheckName } from "../pki";
import type { RevocationValues } from "../pki/revocation-values";
import { isBytes32 } from "../merkle/bytes32";
import {
  anchored,
  fold,
  inclusion,
  revocation,
  SIGNER_CHECKS,
  signerView,
  supersession,
  type Fragment,
} from "./checks";
import { CredentialAnchorSchema } from "./credential";
import { readAnchor, type FormatProblem } from "./format";
import { CHECK_NAMES } from "./types";
import type { Check, CheckName, VerificationContext, VerificationResult } from "./types";
import { verdictOf } from "./verify";

/** The proof file of a signed PDF. */
export const PDF_PROOF_FORMAT = "hocba/pdf-1";
/** The `type` of a signed PDF's row among the service's documents. */
export const SIGNED_PDF_TYPE = "hocba.signed-pdf/v1";

/** Most signatures a proof carries evidence for, and answers per signature: a bound on untrusted input. */
const MAX_EVIDENCE_SIGNATURES = 64;
const MAX_ANSWERS = 16;

/**
 * The certificate status answers the service obtained for one signature of the PDF when it
 * accepted it (docs/formats.md, `hocba/pdf-1`): evidence signed by the OCSP responders and CAs
 * themselves, so carrying it in an unsigned file changes nothing about its worth — as for the
 * revocation values a CMS carries (CAdES-LT).
 */
export const PdfStatusEvidenceSchema = Type.Object(
  {
    signature: Type.Integer({ minimum: 1, description: "the signature's number in the file, 1 = first" }),
    ocsp: Type.Array(
      Type.String({ pattern: BASE64_PATTERN, description: "base64 of a DER BasicOCSPResponse (RFC 6960)" }),
      { maxItems: MAX_ANSWERS },
    ),
    crl: Type.Array(
      Type.String({ pattern: BASE64_PATTERN, description: "base64 of a DER CertificateList (RFC 5280)" }),
      { maxItems: MAX_ANSWERS },
    ),
  },
  { additionalProperties: false },
);
export type PdfStatusEvidence = Static<typeof PdfStatusEvidenceSchema>;

/**
 * `hocba/pdf-1`, defined once: the type here and the API's response schema derive from it. What a
 * verifier needs beside the PDF — nothing personal: the document's id (for corrections), the
 * school's code (whose registry authorizes the signers), whether the service holds a structured
 * transcript for it, the PDF's SHA-256 and where that is anchored (the credential's `anchor`).
 */
export const PdfProofSchema = Type.Object(
  {
    format: Type.Literal(PDF_PROOF_FORMAT),
    documentId: Type.String({ pattern: UUID_PATTERN, description: "the document's id at the service" }),
    issuerCode: Type.String({
      pattern: ISSUER_CODE_PATTERN,
      description: "the school whose registry authorizes the signers",
    }),
    docHash: Type.String({ pattern: BYTES32_PATTERN, description: "SHA-256 of the exact PDF file" }),
    structured: Type.Boolean({
      description: "whether the PDF carried a hocba.transcript/v1 attachment the service validated and keeps",
    }),
    anchor: CredentialAnchorSchema,
    statusEvidence: Type.Optional(
      Type.Array(PdfStatusEvidenceSchema, {
        maxItems: MAX_EVIDENCE_SIGNATURES,
        description:
          "per signature, the OCSP responses and CRLs the service obtained for its signer's certificates when it accepted the PDF",
      }),
    ),
  },
  { description: "the hocba/pdf-1 proof of a signed PDF (docs/formats.md)" },
);
export type PdfProof = Static<typeof PdfProofSchema>;

/** Reads a `hocba/pdf-1` proof from untrusted JSON; every problem with its JSON pointer. */
export function parsePdfProof(
  value: unknown,
): { ok: true; proof: PdfProof } | { ok: false; problems: FormatProblem[] } {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return { ok: false, problems: [{ path: "", message: "the proof must be a JSON object" }] };
  const proof = value as Record<string, unknown>;
  const problems: FormatProblem[] = [];
  const expect = (field: string, ok: boolean, what: string): void => {
    if (!ok) problems.push({ path: `/${field}`, message: `${field} must be ${what}` });
  };
  expect("format", proof.format === PDF_PROOF_FORMAT, `"${PDF_PROOF_FORMAT}"`);
  expect("documentId", matches(UUID_PATTERN, proof.documentId), "a lowercase UUID");
  expect("issuerCode", matches(ISSUER_CODE_PATTERN, proof.issuerCode), "a school code");
  expect("docHash", isBytes32(proof.docHash), "a 0x SHA-256 hex value");
  expect("structured", typeof proof.structured === "boolean", "true or false");
  readAnchor(proof.anchor, problems);
  if (proof.statusEvidence !== undefined) readStatusEvidence(proof.statusEvidence, problems);
  return problems.length === 0 ? { ok: true, proof: value as PdfProof } : { ok: false, problems };
}

/** Checks a proof's `statusEvidence` (each problem with its JSON pointer). */
function readStatusEvidence(value: unknown, problems: FormatProblem[]): void {
  if (!Array.isArray(value) || value.length > MAX_EVIDENCE_SIGNATURES) {
    problems.push({
      path: "/statusEvidence",
      message: `statusEvidence must be an array of at most ${MAX_EVIDENCE_SIGNATURES} entries`,
    });
    return;
  }
  const seen = new Set<number>();
  value.forEach((entry: unknown, i) => {
    const at = `/statusEvidence/${i}`;
    const item = (typeof entry === "object" && entry !== null ? entry : {}) as Record<string, unknown>;
    const extra = Object.keys(item).filter((key) => !["signature", "ocsp", "crl"].includes(key));
    if (typeof entry !== "object" || entry === null || Array.isArray(entry) || extra.length > 0)
      problems.push({ path: at, message: "an entry is an object of signature, ocsp and crl" });
    const index = item.signature;
    if (typeof index !== "number" || !Number.isInteger(index) || index < 1 || seen.has(index))
      problems.push({
        path: `${at}/signature`,
        message: "signature must be a signature number (1, 2…), once",
      });
    else seen.add(index);
    for (const list of ["ocsp", "crl"] as const) {
      const answers = item[list];
      if (
        !Array.isArray(answers) ||
        answers.length > MAX_ANSWERS ||
        !answers.every((answer) => decodeBase64(answer) !== undefined)
      )
        problems.push({
          path: `${at}/${list}`,
          message: `${list} must be an array of at most ${MAX_ANSWERS} base64 DER values`,
        });
    }
  });
}

/** The proof's evidence by signature number, decoded (the proof has been read by parsePdfProof). */
function statusEvidenceOf(proof: PdfProof | undefined): Map<number, RevocationValues> | undefined {
  if (proof?.statusEvidence === undefined) return undefined;
  const decode = (answers: string[]) => answers.map((answer) => decodeBase64(answer)!);
  return new Map(
    proof.statusEvidence.map((entry): [number, RevocationValues] => [
      entry.signature,
      { ocsp: decode(entry.ocsp), crl: decode(entry.crl) },
    ]),
  );
}

/**
 * Where the proof comes from: the file given beside the PDF (or the service's answer by hash), or
 * why there is none — `invalid` when the service knows no anchored PDF with this hash, `error`
 * when it could not be asked.
 */
export type PdfProofSource =
  { proof: unknown } | { absent: { status: "invalid" | "error"; message: string } };

/** What a person reads first when the bytes are not what was signed or anchored. */
const CHANGED = "the PDF was changed after it was signed";

function pdfFailure(error: unknown, checks: CheckName[]): VerificationResult {
  const message = error instanceof Error ? error.message : String(error);
  const code = isHocbaError(error) ? error.code : "PDF_INVALID";
  const result: Check[] = [
    {
      name: "format",
      status: "invalid",
      message: `not a signed PDF: ${message}`,
      data: { failed: "structure", code },
    },
    ...checks.map((name) => ({
      name,
      status: "skipped" as const,
      message: "not checked: the file is not a PDF",
    })),
  ];
  return { valid: false, verdict: verdictOf(result), checks: result };
}

const AFTER_FORMAT: CheckName[] = CHECK_NAMES.filter((name) => name !== "format");

/** The signature report's sub-checks each named check reads (as for a credential). */
const SIGNATURE_PARTS: SignatureCheckName[] = ["structure", "signature"];
const SIGNER_PARTS: SignatureCheckName[] = SIGNER_CHECKS.filter((name) => name !== "roles");

/** The first failing fragment of several (in order), else the valid one joining their messages. */
function firstOf(fragments: Fragment[], data: Record<string, unknown>, empty: Fragment): Fragment {
  const failed = fragments.find((f) => f.status === "invalid") ?? fragments.find((f) => f.status === "error");
  if (failed) return { ...failed, data: { ...data, ...failed.data } };
  const ran = fragments.filter((f) => f.status === "valid");
  if (ran.length === 0) return { ...empty, data };
  return { status: "valid", message: ran.map((f) => f.message).join("; "), data };
}

/** "signature 2: …" unless the message already names its signature. */
const numbered = (index: number, fragment: Fragment): Fragment =>
  fragment.message.startsWith("signature ")
    ? fragment
    : { ...fragment, message: `signature ${index}: ${fragment.message}` };

/**
 * Verifies a signed PDF with its proof (or why it has none); never throws.
 * @example
 * const result = await verifySignedPdf(bytes, { proof: JSON.parse(proofText) }, context);
 */
export async function verifySignedPdf(
  pdf: Uint8Array,
  source: PdfProofSource,
  context: VerificationContext,
): Promise<VerificationResult> {
  const crypto = context.crypto ?? webCrypto;
  let proof: PdfProof | undefined;
  if ("proof" in source) {
    const parsed = parsePdfProof(source.proof);
    if (!parsed.ok) {
      const first = parsed.problems[0]!;
      const checks: Check[] = [
        {
          name: "format",
          status: "invalid",
          message: `the proof is not a ${PDF_PROOF_FORMAT} file: ${parsed.problems.length} problem(s), first at ${first.path || "/"}: ${first.message}`,
          data: { failed: "structure", problems: parsed.problems },
        },
        ...AFTER_FORMAT.map((name) => ({
          name,
          status: "skipped" as const,
          message: `not checked: the proof is not a ${PDF_PROOF_FORMAT} file`,
        })),
      ];
      return { valid: false, verdict: verdictOf(checks), checks };
    }
    proof = parsed.proof;
  }
  const anchoredAt = proof ? new Date(proof.anchor.anchoredAt) : undefined;
  let roles: { requiredRoles: string[]; roles: Record<string, string> } | null | undefined;
  let rolesFailure: { error: unknown } | undefined;
  if (proof && context.chain && context.issuerRoles) {
    try {
      roles = await context.issuerRoles(proof.issuerCode);
    } catch (error) {
      rolesFailure = { error };
    }
  }
  const chain = context.chain;
  const statusEvidence = statusEvidenceOf(proof);
  let verification: PdfVerification;
  try {
    verification = await verifyPdfSignatures(pdf, {
      trustAnchors: context.trustAnchors,
      crypto,
      ...(statusEvidence ? { statusEvidence } : {}),
      ...(context.at ? { at: context.at } : {}),
      ...(context.timestamps ? { timestamps: context.timestamps } : {}),
      ...(proof && chain && anchoredAt
        ? {
            authorization: {
              issuerCode: proof.issuerCode,
              lookup: async (code: string, fingerprint: string) => {
                if (rolesFailure !== undefined) throw rolesFailure.error;
                const authorized = await chain.isIssuerCertificate(code, fingerprint, anchoredAt);
                const role = roles?.roles[fingerprint];
                return role === undefined ? { authorized } : { authorized, role };
              },
            },
            requiredRoles: roles?.requiredRoles ?? context.policy?.requiredRoles ?? ["principal"],
          }
        : {}),
    });
  } catch (error) {
    return pdfFailure(error, AFTER_FORMAT);
  }
  const docHash = toHex(crypto.sha256(pdf));
  const leaf = leafOf(docHash);
  const { signatures, problems } = verification;

  const format: Check = {
    name: "format",
    status: "valid",
    message: proof
      ? `a PDF with ${signatures.length} signature(s) and its ${PDF_PROOF_FORMAT} proof${proof.structured ? " (a structured transcript is kept with it)" : " (it carries no structured data)"}`
      : `a PDF with ${signatures.length} signature(s), without a ${PDF_PROOF_FORMAT} proof`,
    data: {
      documentType: SIGNED_PDF_TYPE,
      signatures: signatures.length,
      ...(proof
        ? {
            documentId: proof.documentId,
            issuerCode: proof.issuerCode,
            structured: proof.structured,
            chainId: proof.anchor.chainId,
            registry: proof.anchor.registry,
          }
        : {}),
    },
  };

  // integrity: the file is the one anchored, each signature's digest holds, nothing added after.
  const integrityData = { docHash, leaf, ...(proof ? { provenHash: proof.docHash } : {}) };
  const digestFailure = signatures
    .map((s) => (s.report ? numbered(s.index, fold(s.report, ["digest"], {})) : undefined))
    .find((f) => f?.status === "invalid");
  const modified = problems.find((p) => p.code === "PDF_MODIFIED_AFTER_SIGNING");
  let integrity: Fragment;
  if (digestFailure)
    integrity = {
      status: "invalid",
      message: `${CHANGED}: ${digestFailure.message}`,
      data: { ...integrityData, code: "DIGEST_MISMATCH" },
    };
  else if (modified)
    integrity = {
      status: "invalid",
      message: `${CHANGED}: ${modified.message}`,
      data: { ...integrityData, code: modified.code },
    };
  else if (proof && proof.docHash.toLowerCase() !== docHash)
    integrity = {
      status: "invalid",
      message: `this is not the PDF the proof is for: it hashes to ${docHash}, the proof is for ${proof.docHash}`,
      data: integrityData,
    };
  else if (proof && proof.anchor.leaf.toLowerCase() !== leaf)
    integrity = {
      status: "invalid",
      message: `the proof's leaf ${proof.anchor.leaf} is not the leaf of this PDF's hash (${leaf})`,
      data: integrityData,
    };
  else if (signatures.length === 0)
    integrity = {
      status: "invalid",
      message: "the PDF carries no signature",
      data: { ...integrityData, code: "PDF_NOT_SIGNED" },
    };
  else
    integrity = {
      status: "valid",
      message: `the PDF hashes to ${docHash}${proof ? ", the anchored document" : ""}; every signature covers the bytes it names, and nothing but validation data follows the last`,
      data: integrityData,
    };

  // signature: each signature's byte range and CMS.
  const signatureData = {
    signatures: signatures.map((s) => ({
      index: s.index,
      subFilter: s.subFilter,
      coversWholeFile: s.coversWholeFile,
      ...(s.claimedTime ? { claimedTime: s.claimedTime } : {}),
    })),
    ...(verification.dss ? { dss: verification.dss } : {}),
  };
  const signature =
    signatures.length === 0
      ? {
          status: "invalid" as const,
          message: "the PDF carries no signature",
          data: { ...signatureData, code: "PDF_NOT_SIGNED" },
        }
      : firstOf(
          signatures.map((s) => {
            if (!s.report)
              return {
                status: "invalid" as const,
                message: s.problem!.message,
                data: { code: s.problem!.code },
              };
            const digest = fold(s.report, ["digest"], {});
            const folded = numbered(s.index, fold(s.report, SIGNATURE_PARTS, {}));
            if (folded.status === "valid" && digest.status === "invalid")
              return {
                status: "invalid" as const,
                message: `signature ${s.index} does not sign this content: it was made over other bytes (see integrity)`,
                data: { code: "DIGEST_MISMATCH" },
              };
            return folded;
          }),
          signatureData,
          { status: "skipped", message: "no signature could be read" },
        );

  // signer: each signer's path and authorization, then the roles over all signatures.
  const signerData = {
    ...(proof ? { issuerCode: proof.issuerCode, authorizedAt: proof.anchor.anchoredAt } : {}),
    signers: signatures.flatMap((s) =>
      (s.report?.signers ?? []).map((signer) => ({
        signature: s.index,
        ...signerView(signer, signer.authorized === true ? signer.role : undefined),
      })),
    ),
    roles: verification.roles,
  };
  const missingRole = problems.find((p) => p.code === "SIGNER_ROLE_MISSING");
  const signerFragments = signatures.flatMap((s) =>
    s.report ? [numbered(s.index, fold(s.report, SIGNER_PARTS, {}))] : [],
  );
  if (missingRole)
    signerFragments.push({
      status: "invalid",
      message: missingRole.message,
      data: { code: missingRole.code },
    });
  const signer = firstOf(signerFragments, signerData, {
    status: "skipped",
    message: "no signer could be checked",
  });

  const named = (name: CheckName, fragment: Fragment): Check => ({ name, ...fragment });
  if (!proof) {
    const absent = "absent" in source ? source.absent : { status: "invalid" as const, message: "" };
    const why =
      absent.status === "error"
        ? `the proof could not be found: ${absent.message}`
        : `this PDF was never anchored: ${absent.message || `no ${PDF_PROOF_FORMAT} proof for its hash ${docHash}`}`;
    const checks: Check[] = [
      format,
      named("integrity", integrity),
      named("signature", signature),
      named("signer", signer),
      named("inclusion", {
        status: absent.status,
        message: why,
        data: { docHash, neverAnchored: absent.status === "invalid" },
      }),
      named("anchored", {
        status: absent.status,
        message: why,
        data: { docHash, neverAnchored: absent.status === "invalid" },
      }),
      named("revocation", {
        status: "skipped",
        message: "not checked: no anchoring to look revocations up by",
      }),
      named("supersession", {
        status: "skipped",
        message: "not checked: no document id to look corrections up by",
      }),
    ];
    return { valid: false, verdict: verdictOf(checks), checks };
  }
  const input = {
    credential: { anchor: proof.anchor, anchoredAt: anchoredAt!, document: { id: proof.documentId } },
    context,
  };
  const guarded = async (name: CheckName, run: () => Fragment | Promise<Fragment>): Promise<Check> => {
    try {
      return named(name, await run());
    } catch (error) {
      return named(name, {
        status: "error",
        message: `the ${name} check could not be made: ${error instanceof Error ? error.message : String(error)}`,
        data: { code: isHocbaError(error) ? error.code : "INTERNAL" },
      });
    }
  };
  const checks: Check[] = [
    format,
    named("integrity", integrity),
    named("signature", signature),
    named("signer", signer),
    ...(await Promise.all([
      guarded("inclusion", () => inclusion(input)),
      guarded("anchored", () => anchored(input)),
      guarded("revocation", () => revocation(input)),
      guarded("supersession", () => supersession(input)),
    ])),
  ];
  const verdict = verdictOf(checks);
  return { valid: verdict === "valid", verdict, checks };
}

/** The SHA-256 of a PDF as the proof and the lookup route name it (0x-hex). */
export function pdfDocHash(pdf: Uint8Array, crypto = webCrypto): string {
  return toHex(crypto.sha256(pdf));
}

/** Whether `bytes` start as a PDF does (within the first kilobyte, as readers allow). */
export function looksLikePdf(bytes: Uint8Array): boolean {
  const head = new TextDecoder("latin1").decode(bytes.subarray(0, Math.min(bytes.length, 1024)));
  return head.includes("%PDF-");
}

/** @throws HocbaError PDF_INVALID unless `bytes` look like a PDF. */
export function assertPdf(bytes: Uint8Array): void {
  if (!looksLikePdf(bytes)) throw new HocbaError("PDF_INVALID", "the file is not a PDF");
}
