/**
 * The object identifiers hocba's CMS and certificate code speaks, in one place so that every
 * accepted algorithm and extended key usage is visible at a glance.
 */

export const OID = {
  // CMS content types and signed attributes (RFC 5652)
  data: "1.2.840.113549.1.7.1",
  signedData: "1.2.840.113549.1.7.2",
  contentType: "1.2.840.113549.1.9.3",
  messageDigest: "1.2.840.113549.1.9.4",
  signingTime: "1.2.840.113549.1.9.5",
  // RFC 3161 timestamps: the TSTInfo content type and CAdES' signature-timestamp unsigned attribute
  tstInfo: "1.2.840.113549.1.9.16.1.4",
  signatureTimeStampToken: "1.2.840.113549.1.9.16.2.14",
  // CAdES unsigned attribute (RFC 5126 §6.3.4): the OCSP responses and CRLs of the signer's path
  revocationValues: "1.2.840.113549.1.9.16.2.24",
  // OCSP (RFC 6960)
  ocspBasic: "1.3.6.1.5.5.7.48.1.1",
  ocspNoCheck: "1.3.6.1.5.5.7.48.1.5",
  ocspSigning: "1.3.6.1.5.5.7.3.9",
  // access methods of the authority information access extension
  adOcsp: "1.3.6.1.5.5.7.48.1",
  sha1: "1.3.14.3.2.26",
  // ESS signing-certificate-v2 signed attribute (RFC 5035), which PAdES requires
  signingCertificateV2: "1.2.840.113549.1.9.16.2.47",
  // digests
  sha256: "2.16.840.1.101.3.4.2.1",
  sha384: "2.16.840.1.101.3.4.2.2",
  sha512: "2.16.840.1.101.3.4.2.3",
  // public keys and signatures
  rsaEncryption: "1.2.840.113549.1.1.1",
  sha256WithRSAEncryption: "1.2.840.113549.1.1.11",
  sha384WithRSAEncryption: "1.2.840.113549.1.1.12",
  sha512WithRSAEncryption: "1.2.840.113549.1.1.13",
  ecPublicKey: "1.2.840.10045.2.1",
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  ecdsaWithSha384: "1.2.840.10045.4.3.3",
  ecdsaWithSha512: "1.2.840.10045.4.3.4",
  p256: "1.2.840.10045.3.1.7",
  p384: "1.3.132.0.34",
  // certificate extensions (RFC 5280)
  subjectKeyIdentifier: "2.5.29.14",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  issuerAltName: "2.5.29.18",
  basicConstraints: "2.5.29.19",
  cRLDistributionPoints: "2.5.29.31",
  certificatePolicies: "2.5.29.32",
  authorityKeyIdentifier: "2.5.29.35",
  extKeyUsage: "2.5.29.37",
  authorityInfoAccess: "1.3.6.1.5.5.7.1.1",
  // access methods of authorityInfoAccess
  caIssuers: "1.3.6.1.5.5.7.48.2",
  // extended key usages
  anyExtendedKeyUsage: "2.5.29.37.0",
  serverAuth: "1.3.6.1.5.5.7.3.1",
  clientAuth: "1.3.6.1.5.5.7.3.2",
  codeSigning: "1.3.6.1.5.5.7.3.3",
  emailProtection: "1.3.6.1.5.5.7.3.4",
  timeStamping: "1.3.6.1.5.5.7.3.8",
  documentSigning: "1.3.6.1.5.5.7.3.36",
  msDocumentSigning: "1.3.6.1.4.1.311.10.3.12",
  adobeAuthenticDocumentsTrust: "1.2.840.113583.1.1.5",
} as const;

/**
 * Extended key usages that allow signing a document (checked on the signer's certificate when it
 * carries an EKU extension; a certificate without one may be used for any purpose, RFC 5280).
 * emailProtection is accepted because it is the S/MIME purpose OpenSSL checks for CMS and the one
 * Vietnamese CAs put on signing certificates; TLS, code-signing and time-stamping purposes are not.
 */
export const DOCUMENT_SIGNING_EKUS: readonly string[] = [
  OID.anyExtendedKeyUsage,
  OID.emailProtection,
  OID.documentSigning,
  OID.msDocumentSigning,
  OID.adobeAuthenticDocumentsTrust,
];

/**
 * Extensions hocba understands. RFC 5280 §4.2: a certificate with a critical extension the
 * verifier does not process must be rejected — name and policy constraints among them.
 */
export const KNOWN_EXTENSIONS: readonly string[] = [
  OID.subjectKeyIdentifier,
  OID.keyUsage,
  OID.subjectAltName,
  OID.issuerAltName,
  OID.basicConstraints,
  OID.cRLDistributionPoints,
  OID.certificatePolicies,
  OID.authorityKeyIdentifier,
  OID.extKeyUsage,
  OID.authorityInfoAccess,
];
