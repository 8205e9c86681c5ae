/**
 * Signing with a key on a PKCS#11 token (the USB tokens Vietnamese CAs issue; SoftHSM2 in tests),
 * through pkcs11js. The private key never leaves the token: hocba finds it, reads the certificate
 * stored beside it (same CKA_ID), and asks the token to sign each SignerInfo's signed attributes
 * (C_Sign with CKM_SHA256_RSA_PKCS for RSA, CKM_ECDSA over the SHA-256 digest for P-256).
 *
 * Every signature is checked against the certificate's public key before it is used, so a token
 * whose certificate belongs to another key is refused instead of producing a CMS no one can verify.
 */
import { createHash, createPublicKey, verify, X509Certificate } from "node:crypto";
import * as pkcs11js from "pkcs11js";
import * as pkijs from "pkijs";
import { HocbaError } from "../../core/errors";
import type { CmsSigner } from "../../core/pki";
import { chainFromPem, MIN_RSA_MODULUS_BITS, type LoadedSigner } from "./keys";

export interface Pkcs11SignerOptions {
  /** Path of the token's PKCS#11 module (e.g. /usr/lib/softhsm/libsofthsm2.so). */
  module: string;
  /** The token's label (CKA_LABEL of the token, as `pkcs11-tool --list-tokens` shows it). */
  token: string;
  /** The private key's label; may be omitted when the token holds exactly one private key. */
  key?: string;
  /** The user PIN. */
  pin: string;
  /** Intermediate CA certificates to include, PEM (the token usually holds only the signer's). */
  chainPem?: string;
}

/** A token signer: a LoadedSigner whose key stays on the token, and the session to close. */
export interface Pkcs11Signer extends LoadedSigner<CmsSigner> {
  /** Logs out and unloads the module; call it when the document is signed. */
  close(): void;
}

/** P-256's OID, DER-encoded as CKA_EC_PARAMS holds it. */
const P256_PARAMS = Buffer.from("06082a8648ce3d030107", "hex");

/**
 * Opens the token, logs in and finds the key and its certificate.
 * @throws HocbaError IO when the module cannot be loaded; PKCS11_TOKEN_NOT_FOUND, PKCS11_PIN_INCORRECT,
 *   PKCS11_KEY_NOT_FOUND (also when several keys are there and none is named),
 *   PKCS11_CERT_MISMATCH when no certificate on the token belongs to the key; KEY_INVALID for a key
 *   hocba does not sign with (RSA < 2048, EC other than P-256).
 * @example
 * const signer = openPkcs11Signer({ module: "/usr/lib/softhsm/libsofthsm2.so", token: "school", pin });
 * try { cms = await signDetached(bytes, [signer]); } finally { signer.close(); }
 */
export function openPkcs11Signer(options: Pkcs11SignerOptions): Pkcs11Signer {
  const pkcs11 = new pkcs11js.PKCS11();
  try {
    pkcs11.load(options.module);
  } catch (error) {
    throw new HocbaError("IO", `cannot load the PKCS#11 module ${options.module}: ${describe(error)}`, {
      cause: error,
    });
  }
  let initialized = false;
  let session: Buffer | undefined;
  const close = (): void => {
    if (session !== undefined) {
      quietly(() => pkcs11.C_Logout(session!));
      quietly(() => pkcs11.C_CloseSession(session!));
      session = undefined;
    }
    if (initialized) quietly(() => pkcs11.C_Finalize());
    initialized = false;
    quietly(() => pkcs11.close());
  };
  try {
    pkcs11.C_Initialize();
    initialized = true;
    const slot = findSlot(pkcs11, options.token);
    session = pkcs11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
    login(pkcs11, session, options.pin, options.token);
    const key = findKey(pkcs11, session, options);
    const certificate = findCertificate(pkcs11, session, key);
    const signer = tokenSigner(pkcs11, session, key, certificate);
    return {
      certificate: new Uint8Array(certificate.raw),
      chain: options.chainPem === undefined ? [] : chainFromPem(certificate, options.chainPem),
      privateKey: signer,
      keyAlgorithm: key.algorithm === "ECDSA" ? "P-256" : `RSA-${key.bits}`,
      subject: (certificate.subject ?? "").replace(/\n/g, ", "),
      close,
    };
  } catch (error) {
    close();
    throw error;
  }
}

interface TokenKey {
  handle: Buffer;
  id: Buffer;
  label: string;
  algorithm: "RSA" | "ECDSA";
  bits: number;
}

function findSlot(pkcs11: pkcs11js.PKCS11, label: string): Buffer {
  const labels: string[] = [];
  for (const slot of pkcs11.C_GetSlotList(true)) {
    const info = pkcs11.C_GetTokenInfo(slot);
    if ((info.flags & pkcs11js.CKF_TOKEN_INITIALIZED) === 0) continue; // an empty slot (SoftHSM's spare)
    const tokenLabel = info.label.trim();
    if (tokenLabel === label) return slot;
    labels.push(tokenLabel);
  }
  throw new HocbaError(
    "PKCS11_TOKEN_NOT_FOUND",
    `no token labelled "${label}" is present (${labels.length === 0 ? "no token at all: is it plugged in?" : `tokens present: ${labels.map((l) => `"${l}"`).join(", ")}`})`,
  );
}

function login(pkcs11: pkcs11js.PKCS11, session: Buffer, pin: string, token: string): void {
  try {
    pkcs11.C_Login(session, pkcs11js.CKU_USER, pin);
  } catch (error) {
    const code = pkcs11Code(error);
    if (code === "CKR_USER_ALREADY_LOGGED_IN") return;
    if (code === "CKR_PIN_INCORRECT" || code === "CKR_PIN_LEN_RANGE")
      throw new HocbaError("PKCS11_PIN_INCORRECT", `the PIN of token "${token}" is wrong`, { cause: error });
    if (code === "CKR_PIN_LOCKED")
      throw new HocbaError(
        "PKCS11_PIN_INCORRECT",
        `the PIN of token "${token}" is locked after too many wrong tries (unlock it with the SO PIN)`,
        { cause: error },
      );
    throw new HocbaError("IO", `cannot log in to token "${token}": ${describe(error)}`, { cause: error });
  }
}

function findKey(pkcs11: pkcs11js.PKCS11, session: Buffer, options: Pkcs11SignerOptions): TokenKey {
  const keys = findObjects(pkcs11, session, [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
    { type: pkcs11js.CKA_SIGN, value: true },
  ]).map((handle) => {
    const [id, label, type] = pkcs11.C_GetAttributeValue(session, handle, [
      { type: pkcs11js.CKA_ID },
      { type: pkcs11js.CKA_LABEL },
      { type: pkcs11js.CKA_KEY_TYPE },
    ]);
    return {
      handle,
      id: bufferOf(id?.value),
      label: bufferOf(label?.value).toString("utf8"),
      type: ulongOf(bufferOf(type?.value)),
    };
  });
  const chosen = options.key === undefined ? keys : keys.filter((key) => key.label === options.key);
  const labels =
    keys
      .map((key) => `"${key.label}"`)
      .sort()
      .join(", ") || "none";
  if (chosen.length === 0)
    throw new HocbaError(
      "PKCS11_KEY_NOT_FOUND",
      options.key === undefined
        ? `token "${options.token}" holds no private key that can sign`
        : `token "${options.token}" holds no private key labelled "${options.key}" (signing keys: ${labels})`,
    );
  if (chosen.length > 1)
    throw new HocbaError(
      "PKCS11_KEY_NOT_FOUND",
      `token "${options.token}" holds ${chosen.length} signing keys (${labels}): choose one with --key <label>`,
    );
  const key = chosen[0]!;
  const where = `key "${key.label}" on token "${options.token}"`;
  if (key.type === Number(pkcs11js.CKK_RSA)) {
    const [modulus] = pkcs11.C_GetAttributeValue(session, key.handle, [{ type: pkcs11js.CKA_MODULUS }]);
    const bits = modulusBits(bufferOf(modulus?.value));
    if (bits < MIN_RSA_MODULUS_BITS)
      throw new HocbaError(
        "KEY_INVALID",
        `${where} is RSA-${bits}, too weak: hocba requires RSA ≥ ${MIN_RSA_MODULUS_BITS} or P-256`,
      );
    return { handle: key.handle, id: key.id, label: key.label, algorithm: "RSA", bits };
  }
  if (key.type === Number(pkcs11js.CKK_EC)) {
    const [params] = pkcs11.C_GetAttributeValue(session, key.handle, [{ type: pkcs11js.CKA_EC_PARAMS }]);
    if (!bufferOf(params?.value).equals(P256_PARAMS))
      throw new HocbaError(
        "KEY_INVALID",
        `${where} is on an EC curve other than P-256, which hocba requires`,
      );
    return { handle: key.handle, id: key.id, label: key.label, algorithm: "ECDSA", bits: 256 };
  }
  throw new HocbaError(
    "KEY_INVALID",
    `${where} is neither RSA nor EC: hocba signs with P-256 or RSA ≥ ${MIN_RSA_MODULUS_BITS}`,
  );
}

/** The X.509 certificate with the key's CKA_ID whose public key is the key's. */
function findCertificate(pkcs11: pkcs11js.PKCS11, session: Buffer, key: TokenKey): X509Certificate {
  const handles = findObjects(pkcs11, session, [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_CERTIFICATE },
    { type: pkcs11js.CKA_CERTIFICATE_TYPE, value: pkcs11js.CKC_X_509 },
    { type: pkcs11js.CKA_ID, value: key.id },
  ]);
  const certificates = handles.flatMap((handle) => {
    const [value] = pkcs11.C_GetAttributeValue(session, handle, [{ type: pkcs11js.CKA_VALUE }]);
    try {
      return [new X509Certificate(bufferOf(value?.value))];
    } catch {
      return [];
    }
  });
  const publicKey = tokenPublicKey(pkcs11, session, key);
  const matching =
    publicKey === undefined
      ? certificates.filter((certificate) => keyAlgorithmMatches(certificate, key))
      : certificates.filter((certificate) => certificate.publicKey.equals(publicKey));
  const where = `key "${key.label}" (CKA_ID ${key.id.toString("hex") || "empty"})`;
  if (matching.length === 0)
    throw new HocbaError(
      "PKCS11_CERT_MISMATCH",
      certificates.length === 0
        ? `the token holds no certificate for ${where}: write the signer's certificate to it with the key's CKA_ID`
        : `the certificate stored for ${where} (${certificates.map((c) => (c.subject ?? "").replace(/\n/g, ", ")).join("; ")}) does not match the key`,
    );
  return matching[0]!;
}

/** The public key object beside the private key (same CKA_ID), when the token keeps one. */
function tokenPublicKey(pkcs11: pkcs11js.PKCS11, session: Buffer, key: TokenKey) {
  const [handle] = findObjects(pkcs11, session, [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY },
    { type: pkcs11js.CKA_ID, value: key.id },
  ]);
  if (handle === undefined) return undefined;
  try {
    if (key.algorithm === "RSA") {
      const [n, e] = pkcs11.C_GetAttributeValue(session, handle, [
        { type: pkcs11js.CKA_MODULUS },
        { type: pkcs11js.CKA_PUBLIC_EXPONENT },
      ]);
      return createPublicKey({
        key: { kty: "RSA", n: base64url(bufferOf(n?.value)), e: base64url(bufferOf(e?.value)) },
        format: "jwk",
      });
    }
    const [point] = pkcs11.C_GetAttributeValue(session, handle, [{ type: pkcs11js.CKA_EC_POINT }]);
    const raw = unwrapOctetString(bufferOf(point?.value));
    return createPublicKey({
      key: Buffer.concat([Buffer.from("3059301306072a8648ce3d020106082a8648ce3d030107034200", "hex"), raw]),
      format: "der",
      type: "spki",
    });
  } catch {
    return undefined;
  }
}

function keyAlgorithmMatches(certificate: X509Certificate, key: TokenKey): boolean {
  return certificate.publicKey.asymmetricKeyType === (key.algorithm === "RSA" ? "rsa" : "ec");
}

/**
 * The CmsSigner that has the token sign. Each signature is verified with the certificate's public
 * key (it is cheap and catches a certificate that does not belong to a key without a public key
 * object on the token).
 */
function tokenSigner(
  pkcs11: pkcs11js.PKCS11,
  session: Buffer,
  key: TokenKey,
  certificate: X509Certificate,
): CmsSigner {
  return {
    algorithm: key.algorithm,
    sign: (data) => {
      let signature: Buffer;
      if (key.algorithm === "RSA") {
        pkcs11.C_SignInit(session, { mechanism: pkcs11js.CKM_SHA256_RSA_PKCS }, key.handle);
        signature = pkcs11.C_Sign(session, Buffer.from(data), Buffer.alloc(key.bits / 8 + 16));
      } else {
        const digest = createHash("sha256").update(data).digest();
        pkcs11.C_SignInit(session, { mechanism: pkcs11js.CKM_ECDSA }, key.handle);
        const raw = pkcs11.C_Sign(session, digest, Buffer.alloc(64));
        signature = Buffer.from(pkijs.createCMSECDSASignature(new Uint8Array(raw).buffer));
      }
      const ok = verify(
        "sha256",
        data,
        key.algorithm === "RSA" ? certificate.publicKey : { key: certificate.publicKey, dsaEncoding: "der" },
        signature,
      );
      if (!ok)
        throw new HocbaError(
          "PKCS11_CERT_MISMATCH",
          `the certificate stored for key "${key.label}" (${(certificate.subject ?? "").replace(/\n/g, ", ")}) does not match the key: its public key does not verify the token's signature`,
        );
      return new Uint8Array(signature);
    },
  };
}

function findObjects(pkcs11: pkcs11js.PKCS11, session: Buffer, template: pkcs11js.Template): Buffer[] {
  pkcs11.C_FindObjectsInit(session, template);
  try {
    const handles: Buffer[] = [];
    for (;;) {
      const batch = pkcs11.C_FindObjects(session, 16);
      handles.push(...batch);
      if (batch.length < 16) return handles;
    }
  } finally {
    pkcs11.C_FindObjectsFinal(session);
  }
}

/** A CK_ULONG attribute (8 bytes on 64-bit platforms, 4 on others), host byte order. */
function ulongOf(value: Buffer): number {
  if (value.length === 8) return Number(value.readBigUInt64LE());
  return value.length === 4 ? value.readUInt32LE() : -1;
}

function modulusBits(modulus: Buffer): number {
  const start = modulus.findIndex((byte) => byte !== 0);
  if (start < 0) return 0;
  return (modulus.length - start) * 8 - Math.clz32(modulus[start]!) + 24;
}

/** CKA_EC_POINT is the DER OCTET STRING around the uncompressed point (some tokens omit it). */
function unwrapOctetString(value: Buffer): Buffer {
  if (value.length === 67 && value[0] === 0x04 && value[1] === 0x41) return value.subarray(2);
  return value;
}

function bufferOf(value: unknown): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.alloc(0);
}

function base64url(bytes: Buffer): string {
  return bytes.toString("base64url");
}

/** The CKR_… name of a pkcs11js error ("CKR_PIN_INCORRECT"), or "" for anything else. */
function pkcs11Code(error: unknown): string {
  return /CKR_[A-Z_]+/.exec(describe(error))?.[0] ?? "";
}

function quietly(action: () => void): void {
  try {
    action();
  } catch {
    // closing a token that has gone away: nothing left to do
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
