/**
 * The signatures of a signed PDF (PAdES, ETSI EN 319 142-1; ISO 32000 §12.8), found and checked the
 * way a PDF reader does, browser-safe (no node APIs): every signature dictionary's /ByteRange and
 * /Contents, read from the file's bytes; the range must start at 0, leave out exactly the
 * /Contents hex string, and end where a revision of the file ends (a `%%EOF`); the signature
 * covering the most must cover the final revision, with nothing after it but validation data (a
 * Document Security Store update); and each CMS is verified over its ranges by core/pki's
 * verifyDetached — signature, chain, validity, key usage and the signer's authorization by the
 * issuer registry. The roles a document requires are judged over all its signatures together
 * (the principal signs one, the school's seal another).
 *
 * Limits, stated: signature dictionaries are found by their /ByteRange in the file's bytes, so one
 * stored in a compressed object stream is not seen (readers and signers write them uncompressed,
 * since the offsets must be patched in place); what may follow the last signature is judged by the
 * object types it defines (DSS, VRI, xref and untyped streams, and the catalog as it was but for
 * its /DSS), not by a full object diff. The DSS's OCSP responses and CRLs (core/pdf/dss.ts) are
 * status evidence for the signatures, judged with each CMS's own.
 */
import { HocbaError, type ErrorCode } from "../errors";
import { readTlv } from "../pki/der";
import { mergeRevocationValues, type RevocationValues } from "../pki/revocation-values";
import { readDss } from "./dss";
import type { AuthorizationLookup, SignatureReport, VerifyContext } from "../pki/verify";
import { verifyDetached } from "../pki/verify";

/** The SubFilters whose /Contents is a detached CMS SignedData over the byte ranges. */
export const CMS_SUBFILTERS: readonly string[] = ["ETSI.CAdES.detached", "adbe.pkcs7.detached"];

export interface PdfSignature {
  /** 1-based, in file order. */
  index: number;
  subFilter: string;
  byteRange: [number, number, number, number];
  /** The CMS (DER), the hex of /Contents decoded and its zero padding removed. */
  cms: Uint8Array;
  /** The dictionary's /M: the claimed signing time PAdES puts there. */
  claimedTime?: Date;
  /** The dictionary's /Name, /Reason, when present. */
  name?: string;
  reason?: string;
}

export interface PdfSignatureFinding {
  signature: PdfSignature;
  /** The ranges leave out exactly /Contents and end at the end of a revision (or of the file). */
  problem?: { code: ErrorCode; message: string };
}

const latin1 = new TextDecoder("latin1");

function text(bytes: Uint8Array, from = 0, to = bytes.length): string {
  return latin1.decode(bytes.subarray(from, to));
}

/**
 * Where each revision ends: just past each `%%EOF` marker, and past its end-of-line when it has one
 * (signers differ on whether the signed range includes it).
 */
export function revisionEnds(bytes: Uint8Array): number[] {
  const whole = text(bytes);
  const ends: number[] = [];
  for (const match of whole.matchAll(/%%EOF(\r\n|\r|\n)?/g)) {
    ends.push(match.index + 5);
    if (match[1]) ends.push(match.index + match[0].length);
  }
  return ends;
}

/** A PDF date (ISO 32000 §7.9.4), "D:YYYYMMDDHHmmSS+HH'mm'" with any tail omitted. */
export function parsePdfDate(value: string): Date | undefined {
  const m =
    /^(?:D:)?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:([Zz+-])(?:(\d{2})'?(\d{2})?'?)?)?/.exec(
      value,
    );
  if (!m) return undefined;
  const [, y, mo = "01", d = "01", h = "00", mi = "00", s = "00", sign, oh = "00", om = "00"] = m;
  const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  const offset = (Number(oh) * 60 + Number(om)) * 60_000;
  const time = sign === "+" ? utc - offset : sign === "-" ? utc + offset : utc;
  return Number.isNaN(time) ? undefined : new Date(time);
}

/** The value of a literal string or name entry `/Key (..)` / `/Key /Name` in a dictionary's text. */
function entry(dictionary: string, key: string): string | undefined {
  const literal = new RegExp(`/${key}\\s*\\(((?:[^()\\\\]|\\\\.)*)\\)`).exec(dictionary);
  if (literal) return literal[1]!.replace(/\\([()\\])/g, "$1");
  const name = new RegExp(`/${key}\\s*/([^\\s/<>\\[\\]()]+)`).exec(dictionary);
  return name?.[1];
}

/** Decodes the hex of /Contents and cuts the zero padding after the DER element. */
function cmsOf(hex: string): Uint8Array {
  const clean = hex.replace(/\s+/g, "");
  if (!/^[0-9a-fA-F]*$/.test(clean) || clean.length % 2 !== 0)
    throw new Error("/Contents is not a hex string");
  const bytes = new Uint8Array(clean.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  const tlv = readTlv(bytes, 0);
  if (bytes.subarray(tlv.end).some((byte) => byte !== 0))
    throw new Error("/Contents has bytes after its CMS");
  return bytes.subarray(0, tlv.end);
}

/**
 * Every signature dictionary of the PDF, in file order, each with the first problem of its byte
 * range. A PDF without one gives [].
 * @throws HocbaError PDF_INVALID when the bytes are not a PDF.
 */
export function findPdfSignatures(bytes: Uint8Array): PdfSignatureFinding[] {
  if (text(bytes, 0, Math.min(bytes.length, 1024)).indexOf("%PDF-") < 0)
    throw new HocbaError("PDF_INVALID", "the file is not a PDF");
  const whole = text(bytes);
  const ends = revisionEnds(bytes);
  const findings: PdfSignatureFinding[] = [];
  const pattern = /\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g;
  for (const match of whole.matchAll(pattern)) {
    const index = findings.length + 1;
    const byteRange = match.slice(1, 5).map(Number) as [number, number, number, number];
    const [start, length1, offset2, length2] = byteRange;
    const objectStart = Math.max(0, whole.lastIndexOf(" obj", match.index));
    const objectEnd = whole.indexOf("endobj", match.index);
    const dictionary = whole.slice(objectStart, objectEnd < 0 ? whole.length : objectEnd);
    const claimed = entry(dictionary, "M");
    const signature: PdfSignature = {
      index,
      subFilter: entry(dictionary, "SubFilter") ?? "",
      byteRange,
      cms: new Uint8Array(0),
      ...(claimed && parsePdfDate(claimed) ? { claimedTime: parsePdfDate(claimed) } : {}),
      ...(entry(dictionary, "Name") ? { name: entry(dictionary, "Name") } : {}),
      ...(entry(dictionary, "Reason") ? { reason: entry(dictionary, "Reason") } : {}),
    };
    const fail = (code: ErrorCode, message: string): void => {
      findings.push({ signature, problem: { code, message: `signature ${index}: ${message}` } });
    };
    const end = offset2 + length2;
    if (start !== 0 || length1 <= 0 || offset2 <= length1 || end > bytes.length) {
      fail("PDF_SIGNATURE_INVALID", `its byte range [${byteRange.join(" ")}] does not fit the file`);
      continue;
    }
    if (bytes[length1] !== 0x3c || bytes[offset2 - 1] !== 0x3e) {
      fail("PDF_SIGNATURE_INVALID", "its byte range does not leave out exactly the /Contents hex string");
      continue;
    }
    const contentsAt = whole.lastIndexOf("/Contents", length1);
    if (contentsAt < objectStart || !/^\/Contents\s*$/.test(whole.slice(contentsAt, length1))) {
      fail("PDF_SIGNATURE_INVALID", "its byte range does not leave out exactly the /Contents hex string");
      continue;
    }
    try {
      signature.cms = cmsOf(whole.slice(length1 + 1, offset2 - 1));
    } catch (cause) {
      fail("SIGNATURE_MALFORMED", `its /Contents is not a DER CMS (${(cause as Error).message})`);
      continue;
    }
    if (!CMS_SUBFILTERS.includes(signature.subFilter)) {
      fail(
        "PDF_SIGNATURE_INVALID",
        `its SubFilter ${signature.subFilter || "(none)"} is not ${CMS_SUBFILTERS.join(" or ")}`,
      );
      continue;
    }
    if (end !== bytes.length && !ends.includes(end)) {
      fail("PDF_SIGNATURE_INVALID", "its byte range does not end where a revision of the file ends");
      continue;
    }
    findings.push({ signature });
  }
  return findings;
}

/** Object types an update after the last signature may define: validation data only. */
const VALIDATION_TYPES = new Set(["DSS", "VRI", "Catalog", "XRef"]);

/** A dictionary's text with whitespace normalised and its /DSS entry left out, for comparing. */
function comparable(dictionary: string): string {
  return dictionary
    .replace(/\/DSS\s+\d+\s+\d+\s+R/g, "")
    .replace(/\s+/g, " ")
    .replace(/ ?(<<|>>|\[|\]|\/) ?/g, "$1")
    .trim();
}

/** The text of the last definition of object `number generation` in `text`, up to its endobj. */
function lastDefinition(text: string, number: string, generation: string): string | undefined {
  const definitions = [...text.matchAll(new RegExp(`(?<![0-9])${number}\\s+${generation}\\s+obj\\b`, "g"))];
  const last = definitions.at(-1);
  if (last === undefined) return undefined;
  const start = last.index + last[0].length;
  const end = text.indexOf("endobj", start);
  return end < 0 ? undefined : text.slice(start, end);
}

/**
 * Whether the bytes after the last signed revision are only validation data (PAdES B-LT/LTA: a
 * DSS with certificates, OCSP responses and CRLs, and the catalog that points to it). The
 * catalog is rewritten by such an update: it passes when, but for its new /DSS entry, it is the
 * catalog the last signature covers (same entries, same references — its /AcroForm included).
 * Stream data (the DER of responses and CRLs) is not read as PDF syntax.
 */
/**
 * The text with each stream's data cut out — only where the stream's dictionary states its /Length
 * directly and `endstream` follows exactly that many bytes, so nothing but real stream data is
 * hidden from the checks; any other stream stays as it is (read as syntax: refused, not missed).
 */
function withoutStreamData(appended: string): string {
  let out = "";
  let from = 0;
  for (const keyword of appended.matchAll(/>>\s*stream(\r\n|\n)/g)) {
    const start = keyword.index + keyword[0].length;
    if (start <= from) continue;
    const object = appended.lastIndexOf(" obj", keyword.index);
    const length = /\/Length\s+(\d+)\b(?!\s+\d+\s+R)/.exec(
      appended.slice(Math.max(object, from), keyword.index),
    );
    if (object < 0 || length === null) continue;
    const end = start + Number(length[1]);
    if (!/^(\r\n|\r|\n)?endstream/.test(appended.slice(end, end + 11))) continue;
    out += appended.slice(from, start);
    from = end;
  }
  return out + appended.slice(from);
}

function onlyValidationData(bytes: Uint8Array, lastEnd: number): boolean {
  let appended = withoutStreamData(text(bytes, lastEnd));
  if (!/\/DSS\b/.test(appended)) return false;
  const signed = text(bytes, 0, lastEnd);
  appended = appended.replace(
    /(?<![0-9])(\d+)\s+(\d+)\s+obj\b([\s\S]*?)endobj/g,
    (whole, number: string, generation: string, body: string) => {
      if (!/\/Type\s*\/Catalog\b/.test(body)) return whole;
      const before = lastDefinition(signed, number, generation);
      return before !== undefined && comparable(before) === comparable(body)
        ? `${number} ${generation} obj << /Type /Catalog >> endobj`
        : whole;
    },
  );
  for (const type of appended.matchAll(/\/Type\s*\/([A-Za-z]+)/g)) {
    if (!VALIDATION_TYPES.has(type[1]!)) return false;
  }
  return !/\/(Annots|Contents|Kids|AcroForm|EmbeddedFiles|OpenAction|AA|JS|JavaScript)\b/.test(appended);
}

export interface PdfSignatureResult {
  index: number;
  subFilter: string;
  byteRange: [number, number, number, number];
  /** Whether this signature's ranges reach the end of the file. */
  coversWholeFile: boolean;
  claimedTime?: string;
  /** The CMS verification (absent when the byte range already failed). */
  report?: SignatureReport;
  /** The CMS of /Contents (DER); empty when it could not be read. */
  cms: Uint8Array;
  /** The first failure, named: byte range, then the CMS checks in order. */
  problem?: { code: ErrorCode; message: string };
}

export interface PdfVerification {
  /** True when the PDF is signed, every signature holds, the last covers the final revision and the roles are covered. */
  ok: boolean;
  signatures: PdfSignatureResult[];
  /** Problems of the file as a whole: not signed, changed after the last signature, a role missing. */
  problems: { code: ErrorCode; message: string }[];
  /** Authorized roles covered by the signatures together. */
  roles: string[];
  /** What the PDF's Document Security Store holds (PAdES B-LT), when it has one. */
  dss?: { ocsp: number; crl: number; certificates: number; vri: number };
}

export interface PdfVerifyContext extends Omit<
  VerifyContext,
  "authorization" | "policy" | "claimedTime" | "statusEvidence"
> {
  /** The school (or district office) whose registry entries authorize the signers. */
  authorization?: { issuerCode: string; lookup: AuthorizationLookup };
  /** Roles the signatures must cover together; default ["principal"]. Ignored without authorization. */
  requiredRoles?: string[];
  /**
   * Certificate status evidence from outside the PDF, by signature number: the OCSP responses and
   * CRLs the service obtained when it accepted the PDF (its hocba/pdf-1 proof). Judged with the
   * PDF's own DSS and each CMS's revocation values, at each signature's trusted time.
   */
  statusEvidence?: ReadonlyMap<number, RevocationValues>;
}

/** The first failing check of a report, as a coded problem. */
function firstFailure(report: SignatureReport): { code: ErrorCode; message: string } | undefined {
  const failed = report.checks.find((check) => check.status === "invalid" || check.status === "error");
  return failed && { code: failed.code ?? "INTERNAL", message: failed.message };
}

/**
 * Verifies every signature of a PDF and the file as a whole. Never throws for a bad signature:
 * everything wrong is in the result, by signature.
 * @throws HocbaError PDF_INVALID when the bytes are not a PDF.
 * @example
 * const result = await verifyPdfSignatures(bytes, { trustAnchors, authorization: { issuerCode, lookup } });
 */
export async function verifyPdfSignatures(
  bytes: Uint8Array,
  context: PdfVerifyContext,
): Promise<PdfVerification> {
  const findings = findPdfSignatures(bytes);
  const problems: { code: ErrorCode; message: string }[] = [];
  if (findings.length === 0) {
    problems.push({ code: "PDF_NOT_SIGNED", message: "the PDF carries no signature" });
    return { ok: false, signatures: [], problems, roles: [] };
  }
  const dss = await readDss(bytes);
  const signatures = await Promise.all(
    findings.map(async ({ signature, problem }): Promise<PdfSignatureResult> => {
      const [, length1, offset2, length2] = signature.byteRange;
      const base = {
        index: signature.index,
        subFilter: signature.subFilter,
        byteRange: signature.byteRange,
        coversWholeFile: offset2 + length2 === bytes.length,
        cms: signature.cms,
        ...(signature.claimedTime ? { claimedTime: signature.claimedTime.toISOString() } : {}),
      };
      if (problem) return { ...base, problem };
      const content = new Uint8Array(length1 + length2);
      content.set(bytes.subarray(0, length1), 0);
      content.set(bytes.subarray(offset2, offset2 + length2), length1);
      const report = await verifyDetached(content, signature.cms, {
        trustAnchors: context.trustAnchors,
        ...(context.at ? { at: context.at } : {}),
        ...(context.crypto ? { crypto: context.crypto } : {}),
        // a seal's signature timestamp (PAdES B-T) replaces the claimed /M as the trusted time
        ...(context.timestamps ? { timestamps: context.timestamps } : {}),
        ...(context.authorization ? { authorization: context.authorization } : {}),
        policy: { requiredRoles: [] },
        ...(signature.claimedTime ? { claimedTime: signature.claimedTime } : {}),
        statusEvidence: mergeRevocationValues(dss, context.statusEvidence?.get(signature.index)),
      });
      const failure = firstFailure(report);
      return {
        ...base,
        report,
        ...(failure
          ? { problem: { code: failure.code, message: `signature ${signature.index}: ${failure.message}` } }
          : {}),
      };
    }),
  );
  const lastEnd = Math.max(...findings.map(({ signature: s }) => s.byteRange[2] + s.byteRange[3]));
  if (lastEnd < bytes.length && !onlyValidationData(bytes, lastEnd)) {
    problems.push({
      code: "PDF_MODIFIED_AFTER_SIGNING",
      message: `the PDF was changed after its last signature: ${bytes.length - lastEnd} bytes added that are not validation data`,
    });
  }
  const roles = [
    ...new Set(
      signatures.flatMap((s) =>
        s.problem
          ? []
          : (s.report?.signers ?? []).flatMap((signer) =>
              signer.authorized && signer.role ? [signer.role] : [],
            ),
      ),
    ),
  ];
  if (context.authorization) {
    const missing = (context.requiredRoles ?? ["principal"]).filter((role) => !roles.includes(role));
    if (missing.length > 0)
      problems.push({
        code: "SIGNER_ROLE_MISSING",
        message: `no valid signature by an authorized signer in role(s) ${missing.join(", ")}`,
      });
  }
  return {
    ok: problems.length === 0 && signatures.every((s) => s.problem === undefined),
    signatures,
    problems,
    roles,
    ...(dss
      ? {
          dss: {
            ocsp: dss.ocsp.length,
            crl: dss.crl.length,
            certificates: dss.certificates.length,
            vri: dss.vri,
          },
        }
      : {}),
  };
}
