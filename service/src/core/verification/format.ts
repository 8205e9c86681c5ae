/**
 * Reading a `hocba/1` credential file (docs/formats.md) from untrusted JSON: every problem is
 * collected with its path, so the format check can say all that is wrong at once, and the later
 * checks receive typed values they can trust the shape of.
 */
import { validateDocument, type HocbaDocument, type ValidationOptions } from "../documents";
import { isBytes32 } from "../merkle/bytes32";

export const CREDENTIAL_FORMAT = "hocba/1";

export interface CredentialAnchor {
  chainId: number;
  registry: string;
  merkleRoot: string;
  leaf: string;
  proof: string[];
  txHash: string;
  blockNumber: number;
  anchoredAt: string;
}

/** A credential whose shape is right; nothing in it is trusted yet. */
export interface ParsedCredential {
  document: HocbaDocument;
  /** The detached CMS SignedData, decoded from base64. */
  cms: Uint8Array;
  anchor: CredentialAnchor;
  /** `anchor.anchoredAt` parsed. */
  anchoredAt: Date;
}

export interface FormatProblem {
  /** JSON pointer into the credential. */
  path: string;
  message: string;
}

export type ParseResult =
  { ok: true; credential: ParsedCredential } | { ok: false; problems: FormatProblem[] };

/** The longest proof accepted: a tree of 2^64 leaves is far beyond any batch. */
const MAX_PROOF_LENGTH = 64;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Base64 to bytes without Buffer (atob exists in browsers and Node ≥ 16); undefined when malformed. */
export function decodeBase64(text: unknown): Uint8Array | undefined {
  if (typeof text !== "string" || text.length === 0 || text.length % 4 !== 0 || !BASE64.test(text))
    return undefined;
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function readAnchor(value: unknown, problems: FormatProblem[]): CredentialAnchor | undefined {
  if (!isRecord(value)) {
    problems.push({ path: "/anchor", message: "anchor must be an object" });
    return undefined;
  }
  const before = problems.length;
  const expect = (field: string, ok: boolean, what: string): void => {
    if (!ok) problems.push({ path: `/anchor/${field}`, message: `${field} must be ${what}` });
  };
  const isCount = (v: unknown): boolean => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
  expect("chainId", isCount(value.chainId) && value.chainId !== 0, "a positive integer");
  expect("registry", typeof value.registry === "string" && ADDRESS.test(value.registry), "a 0x address");
  expect("merkleRoot", isBytes32(value.merkleRoot), "a 0x bytes32 hex value");
  expect("leaf", isBytes32(value.leaf), "a 0x bytes32 hex value");
  const proof = value.proof;
  if (!Array.isArray(proof) || proof.length > MAX_PROOF_LENGTH) {
    expect("proof", false, `an array of at most ${MAX_PROOF_LENGTH} bytes32 hex values`);
  } else {
    proof.forEach((sibling, i) => expect(`proof/${i}`, isBytes32(sibling), "a 0x bytes32 hex value"));
  }
  expect("txHash", isBytes32(value.txHash), "a 0x transaction hash");
  expect("blockNumber", isCount(value.blockNumber), "a block number");
  const anchoredAt = value.anchoredAt;
  expect(
    "anchoredAt",
    typeof anchoredAt === "string" && ISO_DATE_TIME.test(anchoredAt) && !Number.isNaN(Date.parse(anchoredAt)),
    "an ISO-8601 date-time",
  );
  return problems.length === before ? (value as unknown as CredentialAnchor) : undefined;
}

/**
 * Reads a credential file's JSON value: `format` is "hocba/1", the document passes
 * `validateDocument`, the signature is base64 and the anchor fields are well-formed.
 * @example
 * const parsed = parseCredential(JSON.parse(text));
 * if (!parsed.ok) for (const p of parsed.problems) console.log(p.path, p.message);
 */
export function parseCredential(value: unknown, validation: ValidationOptions = {}): ParseResult {
  if (!isRecord(value))
    return { ok: false, problems: [{ path: "", message: "a credential is a JSON object" }] };
  const problems: FormatProblem[] = [];
  if (value.format !== CREDENTIAL_FORMAT) {
    problems.push({
      path: "/format",
      message: `format must be "${CREDENTIAL_FORMAT}", not ${JSON.stringify(value.format) ?? "missing"}`,
    });
  }
  const validated = validateDocument(value.document, validation);
  if (!validated.ok) {
    for (const problem of validated.problems)
      problems.push({ path: `/document${problem.path}`, message: `${problem.code}: ${problem.message}` });
  }
  const cms = decodeBase64(value.signature);
  if (cms === undefined)
    problems.push({ path: "/signature", message: "signature must be the base64 of a DER CMS SignedData" });
  const anchor = readAnchor(value.anchor, problems);
  if (problems.length > 0 || !validated.ok || cms === undefined || anchor === undefined)
    return { ok: false, problems };
  return {
    ok: true,
    credential: { document: validated.document, cms, anchor, anchoredAt: new Date(anchor.anchoredAt) },
  };
}
