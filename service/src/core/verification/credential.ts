/**
 * The credential file (docs/formats.md) as one TypeBox schema: `hocba/1` (a plain document, its
 * detached CMS, its anchor) and `hocba/2` (the same with a selectively disclosable document and its
 * `disclosures`). The route schemas, the TypeScript types, the PDF and the pages derive from it; the
 * format check (`parseCredential`) reads a file's structure by it, and the document's own rules by
 * `validateDocument`.
 */
import { FormatRegistry, Type, type Static } from "@sinclair/typebox";
import { ADDRESS_PATTERN, BASE64_PATTERN, BYTES32_PATTERN } from "../encoding";

/** A credential whose document is in the plain form. */
export const CREDENTIAL_FORMAT = "hocba/1";
/** A credential whose document is in the selectively disclosable form, with its disclosures. */
export const DISCLOSABLE_CREDENTIAL_FORMAT = "hocba/2";
/** More disclosures than any transcript has parts (3 student fields and one per school year). */
export const MAX_DISCLOSURES = 64;
/** The longest proof accepted: a tree of 2^64 leaves is far beyond any batch. */
export const MAX_PROOF_LENGTH = 64;

/** ISO-8601 date-time with an explicit offset; `date-time` also asks that it is a real moment. */
const ISO_DATE_TIME_PATTERN = "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$";
if (!FormatRegistry.Has("date-time"))
  FormatRegistry.Set("date-time", (value) => !Number.isNaN(Date.parse(value)));

const Bytes32 = Type.String({ pattern: BYTES32_PATTERN });

export const CredentialFormatSchema = Type.Union(
  [Type.Literal(CREDENTIAL_FORMAT), Type.Literal(DISCLOSABLE_CREDENTIAL_FORMAT)],
  { description: "hocba/2 when the transcript was signed in the selectively disclosable form" },
);

/** Where the document's leaf is anchored, with its Merkle proof (also the graduate search's `anchor`). */
export const CredentialAnchorSchema = Type.Object({
  chainId: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
  registry: Type.String({ pattern: ADDRESS_PATTERN }),
  merkleRoot: Bytes32,
  leaf: Bytes32,
  proof: Type.Array(Bytes32, { maxItems: MAX_PROOF_LENGTH }),
  txHash: Bytes32,
  blockNumber: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
  anchoredAt: Type.String({ format: "date-time", pattern: ISO_DATE_TIME_PATTERN }),
});

/**
 * The credential file. The document is not described here: it is exactly what was signed, a JSON
 * object checked by its own format (`validateDocument`, which reports every problem with its code).
 */
export const CredentialSchema = Type.Object({
  format: CredentialFormatSchema,
  document: Type.Unknown({ description: "exactly the signed document" }),
  disclosures: Type.Optional(
    Type.Array(Type.String(), {
      maxItems: MAX_DISCLOSURES,
      description: "hocba/2: the disclosures handed out (all but those withheld)",
    }),
  ),
  signature: Type.String({
    pattern: BASE64_PATTERN,
    description: "base64 of the detached CMS SignedData (DER)",
  }),
  anchor: CredentialAnchorSchema,
});

export type CredentialFormat = Static<typeof CredentialFormatSchema>;
export type CredentialAnchor = Static<typeof CredentialAnchorSchema>;
/** A credential file as written (its document typed as unknown: see `parseCredential` for reading one). */
export type Credential = Static<typeof CredentialSchema>;
