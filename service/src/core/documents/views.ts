/**
 * What the API shows of stored documents, shared by the service and the pages (type-only: the
 * pages import nothing of the server but the core).
 */
import type { CredentialAnchor } from "../verification/format";

/** Where a stored document stands. */
export type DocumentStatus = "pending" | "anchored" | "revoked" | "superseded";

/** One graduate as the public search answers it: never the citizen ID, never the ethnicity. */
export interface GraduateView {
  id: string;
  fullName: string;
  dateOfBirth: string;
  gender: string;
  placeOfBirth: string;
  school: { code: string; name: string };
  district: { code: string; name: string };
  graduationYear: number;
  decision: { number: string; date: string };
  diplomaSerial: string;
  registryNumber: string;
  status: DocumentStatus;
  anchor: CredentialAnchor | null;
  provenance: { fileSha256: string; signerFingerprint: string; importedAt: string };
}
