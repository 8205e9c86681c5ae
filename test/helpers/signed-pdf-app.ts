/**
 * A listening test API (listening-app.ts) for signed PDFs: it trusts the root of an OpenSSL-made
 * PKI (signed-pdf.ts) the project never saw, and school 79000701 has that PKI's principal
 * (role principal) and school seal (role organisation) registered — in the database and on the
 * chain — and requires both roles. With the PDFs a school's software makes: one signature, two
 * (principal then seal), and the two-signature PDF with a byte changed or a page appended.
 */
import { createTrustStore } from "../../service/src/core/pki";
import { allowSchoolSigner } from "./chain";
import { tempDir } from "./files";
import { startListeningApp, type ListeningApp, type ListeningAppOptions } from "./listening-app";
import { httpStatusChecker, makeStatusPki, type StatusPki } from "./ocsp";
import { SCHOOL_CODE } from "./pki";
import {
  appendUpdate,
  makeOpensslPdfPki,
  opensslIdentityOf,
  signPdf,
  unsignedPdf,
  type OpensslIdentity,
  type OpensslPdfPki,
} from "./signed-pdf";

export interface SignedPdfApp {
  api: ListeningApp;
  pki: OpensslPdfPki;
  pdfs: {
    unsigned: Uint8Array;
    byPrincipal: Uint8Array;
    twoSignatures: Uint8Array;
    byteChanged: Uint8Array;
    pageAppended: Uint8Array;
  };
  dispose(): Promise<void>;
}

const der = (pem: string) => Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ""), "base64");

/** The two-signature PDF with one byte of the first signed revision flipped. */
export function withByteChanged(pdf: Uint8Array): Uint8Array {
  const changed = pdf.slice();
  const at = Buffer.from(changed).indexOf("/MediaBox") + 2;
  changed[at] = changed[at]! ^ 0x01;
  return changed;
}

/** Registers `who` for school 79000701 in `role`, in the database and on the chain. */
async function registerSigner(api: ListeningApp, who: OpensslIdentity, role: string): Promise<void> {
  await api.db.query(
    `INSERT INTO issuer_certificates (issuer_code, fingerprint, certificate, subject, role, added_at)
     VALUES ($1, $2, $3, $4, $5, now() - interval '1 day')`,
    [SCHOOL_CODE, who.fingerprint, der(who.pem), role, role],
  );
  await allowSchoolSigner(api.chain, who.fingerprint);
}

/** POST /api/v1/transcripts/pdf with `pdf` as the body, with the school's API key (or `key`; null: none). */
export function submitSignedPdf(api: ListeningApp, pdf: Uint8Array, key: string | null = api.schoolKey) {
  return api.app.inject({
    method: "POST",
    url: "/api/v1/transcripts/pdf",
    headers: {
      "content-type": "application/pdf",
      ...(key !== null ? { authorization: `Bearer ${key}` } : {}),
    },
    payload: Buffer.from(pdf),
  });
}

export async function startSignedPdfApp(
  label: string,
  options: ListeningAppOptions = {},
): Promise<SignedPdfApp> {
  const pki = makeOpensslPdfPki();
  const api = await startListeningApp(label, { ...options, trustAnchors: createTrustStore([pki.root.pem]) });
  await api.db.query("UPDATE issuers SET required_roles = '{principal,organisation}' WHERE code = $1", [
    SCHOOL_CODE,
  ]);
  await registerSigner(api, pki.principal, "principal");
  await registerSigner(api, pki.seal, "organisation");
  const unsigned = await unsignedPdf();
  const byPrincipal = await signPdf(unsigned, pki.principal, pki.dir, "Phạm Văn Đức");
  const twoSignatures = await signPdf(byPrincipal, pki.seal, pki.dir, "Trường THPT Lê Lợi");
  return {
    api,
    pki,
    pdfs: {
      unsigned,
      byPrincipal,
      twoSignatures,
      byteChanged: withByteChanged(twoSignatures),
      pageAppended: appendUpdate(twoSignatures, [
        "<< /Type /Page /MediaBox [0 0 595 842] /Contents 1 0 R >>",
      ]),
    },
    dispose: async () => {
      await api.dispose();
      pki.dispose();
    },
  };
}

export interface StatusPdfApp {
  api: ListeningApp;
  status: StatusPki;
  /** The principal (a certificate naming OpenSSL's OCSP responder) and the seal (one naming only a CRL). */
  principal: OpensslIdentity;
  seal: OpensslIdentity;
  /** A one-page PDF signed by the principal, then the seal. */
  twoSignatures: Uint8Array;
  dispose(): Promise<void>;
}

/**
 * A listening test API that checks certificate status on submission (CERT_STATUS=require) against
 * a CA run with the openssl command line (test/helpers/ocsp.ts: OCSP responder, CRLs): school
 * 79000701 has that CA's "good" leaf as principal and its CRL-only leaf as its seal, both required.
 */
export async function startStatusPdfApp(
  label: string,
  options: ListeningAppOptions = {},
): Promise<StatusPdfApp> {
  const status = await makeStatusPki();
  const ids = tempDir(`${label}-signers`);
  const principal = opensslIdentityOf(ids.dir, "good", status.leaves.good, status.intermediate.pem);
  const seal = opensslIdentityOf(ids.dir, "crlOnly", status.leaves.crlOnly, status.intermediate.pem);
  const api = await startListeningApp(label, {
    ...options,
    trustAnchors: status.store,
    certStatus: httpStatusChecker("require", 5000),
  });
  await api.db.query("UPDATE issuers SET required_roles = '{principal,organisation}' WHERE code = $1", [
    SCHOOL_CODE,
  ]);
  await registerSigner(api, principal, "principal");
  await registerSigner(api, seal, "organisation");
  const twoSignatures = await signPdf(
    await signPdf(await unsignedPdf(), principal, ids.dir, "Người ký good"),
    seal,
    ids.dir,
    "Trường THCS Nguyễn Du",
  );
  return {
    api,
    status,
    principal,
    seal,
    twoSignatures,
    dispose: async () => {
      await api.dispose();
      await status.dispose();
      ids.dispose();
    },
  };
}
