/**
 * Share links as the API shows them (issuance/shares.ts): the citizen's own links (citizens.ts) and
 * the links a school's staff make for a student's parents (drafts.ts) are the same links, answered
 * with the same schemas.
 */
import { Type } from "@sinclair/typebox";
import type { Share } from "../../issuance/shares";

/** A part a link may leave out (hocba/2 disclosure keys). */
export const DISCLOSURE_KEY = "^(citizenId|ethnicity|placeOfBirth|years/(0|[1-9][0-9]{0,2}))$";

export const ShareView = Type.Object({
  id: Type.String({ description: "public id of the link (to revoke it, read its log)" }),
  documentId: Type.String(),
  withhold: Type.Array(Type.String(), { description: "the parts the link leaves out" }),
  kind: Type.Union([Type.Literal("link"), Type.Literal("pdf")], {
    description: "pdf: made for the QR code of a downloaded PDF",
  }),
  createdAt: Type.String({ format: "date-time" }),
  expiresAt: Type.String({ format: "date-time" }),
  revokedAt: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
  state: Type.Union([Type.Literal("active"), Type.Literal("expired"), Type.Literal("revoked")]),
  opened: Type.Integer({ minimum: 0, description: "how many times it was opened" }),
});

export const ShareCreated = Type.Object({
  share: ShareView,
  token: Type.String({ description: "the secret, shown once" }),
  url: Type.String({ description: "the verifier page opening the reduced credential (give this out)" }),
});

export const ShareParams = Type.Object({ shareId: Type.String({ pattern: "^[0-9a-f]{16}$" }) });

/** A link as the API answers it, with how many times it was opened. */
export function shareView(share: Share, opened = 0) {
  return {
    id: share.id,
    documentId: share.documentId,
    withhold: share.withhold,
    kind: share.kind,
    createdAt: share.createdAt.toISOString(),
    expiresAt: share.expiresAt.toISOString(),
    revokedAt: share.revokedAt === null ? null : share.revokedAt.toISOString(),
    state: share.state,
    opened,
  };
}
