/**
 * The printable PDF of an anchored document (README, Printable PDF; `GET /transcripts/:id/pdf`), for
 * whoever may fetch its credential: its school, the admin, or anyone holding a share token. The QR
 * code printed in it must open the credential for whoever holds the paper, so it carries a share
 * token: the caller's own when they came with one, otherwise a new one made for this PDF — audited
 * like any share token, and revocable by the school through its id (returned beside the PDF).
 */
import type { Database, PdfRenderer } from "./ports";
import { credentialFor, type CredentialAccess, type CredentialChain } from "./credential";
import { createShareToken, revokeShareToken } from "./share";
import { verifierLink } from "./share-links";
import { HocbaError } from "../core/errors";

export interface PdfDeps {
  db: Database;
  chain: CredentialChain;
  /** The service's public base URL, without a trailing slash. */
  publicUrl: string;
  render: PdfRenderer;
}

export interface DocumentPdf {
  bytes: Uint8Array;
  /** The public id of the share token made for this PDF; undefined when the caller brought one. */
  shareTokenId: string | undefined;
}

/**
 * The PDF of document `id` with its credential embedded and a QR code to the verifier.
 * @throws HocbaError NOT_FOUND (unknown, other school's, bad token), NOT_ANCHORED_YET; the
 *   renderer's errors (PDF_TIMESTAMP_UNAVAILABLE…), after revoking the share token made for the PDF.
 */
export async function documentPdf(
  deps: PdfDeps,
  access: CredentialAccess,
  id: string,
  /** For `granted` access: the verifier link the QR code opens (a share link made for the PDF). */
  link?: () => Promise<string>,
): Promise<DocumentPdf> {
  const credential = await credentialFor(deps.db, deps.chain, access, id);
  let qr: string;
  let shareTokenId: string | undefined;
  if ("shareToken" in access) {
    qr = verifierLink(deps.publicUrl, id, access.shareToken);
  } else if ("caller" in access) {
    const created = await createShareToken(deps.db, access.caller, id);
    qr = verifierLink(deps.publicUrl, id, created.token);
    shareTokenId = created.tokenId;
  } else {
    if (!link) throw new HocbaError("INTERNAL", "a PDF for granted access needs its verifier link");
    qr = await link();
  }
  try {
    const bytes = await deps.render(credential, {
      verifierLink: qr,
      verifierPage: `${deps.publicUrl}/`,
    });
    return { bytes, shareTokenId };
  } catch (error) {
    // The token was never handed out: it goes (audited) rather than stay active unseen.
    if (shareTokenId !== undefined && "caller" in access)
      await revokeShareToken(deps.db, access.caller, id, shareTokenId);
    throw error;
  }
}
