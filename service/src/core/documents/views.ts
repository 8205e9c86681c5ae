/**
 * What the API shows of stored documents, as TypeBox schemas shared by the routes, the service and
 * the pages (the pages import their types only: nothing of the server but the core).
 */
import { Type, type Static } from "@sinclair/typebox";
import { HEX32_PATTERN } from "../encoding";
import { CredentialAnchorSchema } from "../verification/credential";

/** Where a stored document stands. */
export const DocumentStatusSchema = Type.Union(
  [Type.Literal("pending"), Type.Literal("anchored"), Type.Literal("revoked"), Type.Literal("superseded")],
  { description: "revoked and superseded take precedence over anchored" },
);
export type DocumentStatus = Static<typeof DocumentStatusSchema>;

const anchor = CredentialAnchorSchema.properties;
const Pair = Type.Object({ code: Type.String(), name: Type.String() });

/** One graduate as the public search answers it: never the citizen ID, never the ethnicity. */
export const GraduateViewSchema = Type.Object(
  {
    id: Type.String(),
    fullName: Type.String(),
    dateOfBirth: Type.String(),
    gender: Type.String(),
    placeOfBirth: Type.String(),
    school: Pair,
    district: Pair,
    decidedBy: Type.Object(
      {
        kind: Type.Union([Type.Literal("district"), Type.Literal("department")]),
        code: Type.String(),
        name: Type.String(),
      },
      {
        description:
          "the authority that decided the record: the district office (Phòng GDĐT) for records decided before the 2025 reform, the department (Sở GDĐT) after",
      },
    ),
    graduationYear: Type.Integer(),
    decision: Type.Object({ number: Type.String(), date: Type.String() }),
    diplomaSerial: Type.String(),
    registryNumber: Type.String(),
    status: DocumentStatusSchema,
    // A credential's anchor, its fields in the order the search has always answered them; the root
    // and leaf as this service writes them (lowercase).
    anchor: Type.Union([
      Type.Object({
        merkleRoot: Type.String({ pattern: HEX32_PATTERN }),
        leaf: Type.String({ pattern: HEX32_PATTERN }),
        proof: anchor.proof,
        txHash: anchor.txHash,
        blockNumber: anchor.blockNumber,
        anchoredAt: anchor.anchoredAt,
        chainId: anchor.chainId,
        registry: anchor.registry,
      }),
      Type.Null(),
    ]),
    provenance: Type.Object({
      fileSha256: Type.String(),
      signerFingerprint: Type.String(),
      importedAt: Type.String({ format: "date-time" }),
      signedBy: Type.Object(Pair.properties, {
        description: "the issuer that signed and imported the list: the district office or the department",
      }),
    }),
  },
  { description: "never the citizen ID, never the ethnicity" },
);
export type GraduateView = Static<typeof GraduateViewSchema>;
