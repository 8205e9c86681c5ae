/**
 * The links a share token opens, built in one place: the API path of the credential (what
 * `POST /transcripts/:id/share` answers) and the verifier page link printed as a QR code in the PDF.
 * The verifier link carries the credential URL in the fragment (`/#credential=…`): a fragment never
 * reaches a server, so the token stays out of access logs and Referer headers; the page also
 * accepts `/?credential=…` (verifier-web/src/verifier/source.ts).
 */

/** The API path of document `id`'s credential, opened by share token `token`. */
export function credentialPath(id: string, token: string): string {
  return `/api/v1/transcripts/${id}/credential?token=${encodeURIComponent(token)}`;
}

/**
 * The verifier page link that checks document `id`'s credential through `token`.
 * @param publicUrl the service's public base URL, without a trailing slash
 *
 * @example
 * verifierLink("https://hocba.example.vn", id, token)
 * // "https://hocba.example.vn/#credential=https%3A%2F%2Fhocba.example.vn%2Fapi%2Fv1%2Ftranscripts%2F…"
 */
export function verifierLink(publicUrl: string, id: string, token: string): string {
  return `${publicUrl}/#credential=${encodeURIComponent(publicUrl + credentialPath(id, token))}`;
}
