/**
 * Reading a `hocba/1` credential file (docs/formats.md) from untrusted JSON, in two layers:
 *  - its structure: a JSON object with `format` "hocba/1", a `document` object, a base64
 *    `signature` and a well-formed `anchor`. A value without it is not a hocba file at all;
 *  - its document's rules (schema and Thông tư 22): a file with the structure but a document that
 *    breaks them is still a hocba file — most often one whose content was changed after signing —
 *    so the other checks run on it and say what else is wrong (integrity first of all).
 * Every problem is collected with its path, so the format check can say all that is wrong at once.
 */
import { Value } from "@sinclair/typebox/value";
import { validateDocument, type HocbaDocument, type ValidationOptions } from "../documents";
import { disclose, isSelectivelyDisclosable, SD_ALG, type Disclosed } from "../documents/disclosure";
import { decodeBase64 } from "../encoding";
import {
  CredentialAnchorSchema,
  CredentialSchema,
  CREDENTIAL_FORMAT,
  DISCLOSABLE_CREDENTIAL_FORMAT,
  MAX_DISCLOSURES,
  MAX_PROOF_LENGTH,
  type CredentialAnchor,
  type CredentialFormat,
} from "./credential";

/** A credential whose structure is right; its document may break the rules; nothing is trusted yet. */
export interface SignedCredential {
  format: CredentialFormat;
  /** The document as the file holds it and the school signed it (a JSON object). */
  document: Readonly<Record<string, unknown>>;
  /** The disclosures the file holds (hocba/2; [] for hocba/1). */
  disclosures: readonly string[];
  /**
   * What a reader sees: for hocba/1 the document itself; for hocba/2 the document with the
   * disclosed parts put back, `withheld` the pointers of the others, `problems` the disclosures
   * that do not belong (the integrity check reports them).
   */
  disclosed: Pick<Disclosed, "view" | "withheld" | "problems">;
  /** The detached CMS SignedData, decoded from base64. */
  cms: Uint8Array;
  anchor: CredentialAnchor;
  /** `anchor.anchoredAt` parsed. */
  anchoredAt: Date;
}

/** A credential whose structure and document are right; nothing in it is trusted yet. */
export interface ParsedCredential extends SignedCredential {
  /** The disclosed view, valid by its format's rules (withheld parts aside). */
  view: HocbaDocument;
}

export interface FormatProblem {
  /** JSON pointer into the credential. */
  path: string;
  message: string;
}

/**
 * Which layer failed: `structure` (not a hocba/1 file; `problems` lists the document's too when
 * it is an object) or `rules` (a hocba/1 file whose document breaks its format's rules).
 */
export type FormatFailure = "structure" | "rules";

export type ParseResult =
  | { ok: true; credential: ParsedCredential }
  | { ok: false; failed: "structure"; problems: FormatProblem[] }
  | { ok: false; failed: "rules"; problems: FormatProblem[]; credential: SignedCredential };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** What each anchor field must be, as the format check says it (the rule itself is the schema's). */
const ANCHOR_FIELD_MUST_BE: Record<keyof CredentialAnchor, string> = {
  chainId: "a positive integer",
  registry: "a 0x address",
  merkleRoot: "a 0x bytes32 hex value",
  leaf: "a 0x bytes32 hex value",
  proof: `an array of at most ${MAX_PROOF_LENGTH} bytes32 hex values`,
  txHash: "a 0x transaction hash",
  blockNumber: "a block number",
  anchoredAt: "an ISO-8601 date-time",
};
const PROOF_NODE_MUST_BE = "a 0x bytes32 hex value";

/**
 * Checks `value` against CredentialAnchorSchema field by field (a proof node by node): the `anchor`
 * of a credential or of a `hocba/pdf-1` proof (core/verification/pdf.ts), its problems collected.
 */
export function readAnchor(value: unknown, problems: FormatProblem[]): CredentialAnchor | undefined {
  if (!isRecord(value)) {
    problems.push({ path: "/anchor", message: "anchor must be an object" });
    return undefined;
  }
  const before = problems.length;
  const expect = (field: string, ok: boolean, what: string): void => {
    if (!ok) problems.push({ path: `/anchor/${field}`, message: `${field} must be ${what}` });
  };
  const fields = CredentialAnchorSchema.properties;
  for (const field of Object.keys(fields) as (keyof CredentialAnchor)[]) {
    const given = value[field];
    if (field === "proof" && Array.isArray(given) && given.length <= MAX_PROOF_LENGTH)
      given.forEach((node, i) =>
        expect(`proof/${i}`, Value.Check(fields.proof.items, node), PROOF_NODE_MUST_BE),
      );
    else expect(field, Value.Check(fields[field], given), ANCHOR_FIELD_MUST_BE[field]);
  }
  return problems.length === before ? (value as unknown as CredentialAnchor) : undefined;
}

/**
 * Reads a credential file's JSON value: `format` is "hocba/1" (a plain document) or "hocba/2" (a
 * selectively disclosable document and its `disclosures`), the document — as disclosed — passes
 * `validateDocument` (withheld parts aside), the signature is base64 and the anchor fields are
 * well-formed.
 * @example
 * const parsed = parseCredential(JSON.parse(text));
 * if (!parsed.ok) for (const p of parsed.problems) console.log(parsed.failed, p.path, p.message);
 */
export function parseCredential(value: unknown, validation: ValidationOptions = {}): ParseResult {
  if (!isRecord(value))
    return {
      ok: false,
      failed: "structure",
      problems: [{ path: "", message: "a credential is a JSON object" }],
    };
  // In file order: format, document, disclosures, signature, anchor.
  const problems: FormatProblem[] = [];
  const format = value.format;
  if (format !== CREDENTIAL_FORMAT && format !== DISCLOSABLE_CREDENTIAL_FORMAT) {
    problems.push({
      path: "/format",
      message: `format must be "${CREDENTIAL_FORMAT}" or "${DISCLOSABLE_CREDENTIAL_FORMAT}", not ${JSON.stringify(format) ?? "missing"}`,
    });
  }
  const document = value.document;
  if (!isRecord(document)) problems.push({ path: "/document", message: "document must be a JSON object" });
  const disclosable = format === DISCLOSABLE_CREDENTIAL_FORMAT;
  let disclosures: string[] = [];
  if (disclosable) {
    if (isRecord(document) && document._sd_alg !== SD_ALG)
      problems.push({ path: "/document/_sd_alg", message: `a hocba/2 document carries _sd_alg "${SD_ALG}"` });
    const given = value.disclosures;
    if (!Value.Check(CredentialSchema.properties.disclosures, given))
      problems.push({
        path: "/disclosures",
        message: `disclosures must be an array of at most ${MAX_DISCLOSURES} strings`,
      });
    else disclosures = given;
  } else if (isRecord(document) && isSelectivelyDisclosable(document)) {
    problems.push({
      path: "/format",
      message: `a document with _sd_alg travels in a "${DISCLOSABLE_CREDENTIAL_FORMAT}" credential`,
    });
  } else if (value.disclosures !== undefined) {
    problems.push({
      path: "/disclosures",
      message: `a "${CREDENTIAL_FORMAT}" credential has no disclosures`,
    });
  }
  // A hocba/1 file carrying the disclosable form is not read further: its rules would only repeat
  // that the parts are missing.
  const misfiled = !disclosable && isRecord(document) && isSelectivelyDisclosable(document);
  const disclosed: SignedCredential["disclosed"] | undefined =
    !isRecord(document) || misfiled
      ? undefined
      : disclosable
        ? disclose(document, disclosures)
        : { view: document, withheld: [], problems: [] };
  const validated =
    disclosed === undefined
      ? undefined
      : validateDocument(disclosed.view, { ...validation, withheld: disclosed.withheld });
  const rules =
    validated === undefined || validated.ok
      ? []
      : validated.problems.map((problem) => ({
          path: `/document${problem.path}`,
          message: `${problem.code}: ${problem.message}`,
        }));
  problems.push(...rules);
  const cms = decodeBase64(value.signature);
  if (cms === undefined)
    problems.push({ path: "/signature", message: "signature must be the base64 of a DER CMS SignedData" });
  const anchor = readAnchor(value.anchor, problems);
  const structural = problems.length - rules.length;
  if (
    structural > 0 ||
    !isRecord(document) ||
    disclosed === undefined ||
    cms === undefined ||
    anchor === undefined
  )
    return { ok: false, failed: "structure", problems };
  const credential: SignedCredential = {
    format: disclosable ? DISCLOSABLE_CREDENTIAL_FORMAT : CREDENTIAL_FORMAT,
    document,
    disclosures,
    disclosed,
    cms,
    anchor,
    anchoredAt: new Date(anchor.anchoredAt),
  };
  if (validated === undefined || !validated.ok) return { ok: false, failed: "rules", problems, credential };
  return { ok: true, credential: { ...credential, view: validated.document } };
}

/**
 * What a reader of a credential file sees: the document as disclosed (for hocba/2, the disclosed
 * parts put back) and the JSON pointers of the parts the holder withheld. For display only —
 * whether any of it can be trusted is what verifyCredential says.
 * @example
 * const { document, withheld } = readableDocument(JSON.parse(text));
 */
export function readableDocument(credential: unknown): { document: unknown; withheld: string[] } {
  const value = isRecord(credential) ? credential : {};
  const document = value.document;
  if (value.format !== DISCLOSABLE_CREDENTIAL_FORMAT || !isRecord(document))
    return { document, withheld: [] };
  const disclosures = Array.isArray(value.disclosures) ? (value.disclosures as unknown[]) : [];
  const { view, withheld } = disclose(document, disclosures);
  return { document: view, withheld };
}
