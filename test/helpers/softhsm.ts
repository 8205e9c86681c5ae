/**
 * SoftHSM2 tokens for the PKCS#11 tests, made with the tools a school's IT person would use:
 * softhsm2-util initialises a token in a folder of its own (SOFTHSM2_CONF), pkcs11-tool generates
 * key pairs on it (sensitive, never extractable), reads public keys off it and writes certificates
 * to it, and OpenSSL certifies the token's public key with a test CA.
 *
 * Under CI=true a missing SoftHSM2 or OpenSC fails the test file instead of skipping it.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { IssuedCertificate } from "../../service/src/adapters/pki/certificates";
import { IN_CI } from "./services";

export const SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so";
export const USER_PIN = "123456";
const SO_PIN = "12345678";

/** Whether SoftHSM2 and pkcs11-tool are installed; under CI they must be (throws otherwise). */
export function softhsmAvailable(): boolean {
  const ok = existsSync(SOFTHSM_MODULE) && onPath("softhsm2-util") && onPath("pkcs11-tool");
  if (!ok && IN_CI)
    throw new Error(
      `SoftHSM2 (${SOFTHSM_MODULE}, softhsm2-util) or OpenSC's pkcs11-tool is missing and CI=true: apt-get install softhsm2 opensc`,
    );
  return ok;
}

function onPath(command: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export interface SoftToken {
  label: string;
  /** The SOFTHSM2_CONF file that points at this token's own folder. */
  conf: string;
  dir: string;
}

/** A fresh token in `dir`/tokens, with its own SOFTHSM2_CONF; the user PIN is USER_PIN. */
export function createToken(dir: string, label: string): SoftToken {
  mkdirSync(join(dir, "tokens"), { recursive: true });
  const conf = join(dir, "softhsm2.conf");
  writeFileSync(
    conf,
    `directories.tokendir = ${join(dir, "tokens")}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`,
  );
  const token = { label, conf, dir };
  run(token, "softhsm2-util", [
    "--init-token",
    "--free",
    "--label",
    label,
    "--pin",
    USER_PIN,
    "--so-pin",
    SO_PIN,
  ]);
  return token;
}

/**
 * Generates a key pair on the token (`rsa:2048` or `EC:prime256v1`), private key sensitive and
 * not extractable, and returns the public key's SubjectPublicKeyInfo as PEM.
 */
export function generateKeyPair(token: SoftToken, keyType: string, id: string, label: string): string {
  pkcs11Tool(token, [
    "--login",
    "--keypairgen",
    "--key-type",
    keyType,
    "--id",
    id,
    "--label",
    label,
    "--usage-sign",
    "--sensitive",
  ]);
  const der = join(token.dir, `${id}.pub.der`);
  pkcs11Tool(token, ["--read-object", "--type", "pubkey", "--id", id, "--output-file", der]);
  return execFileSync("openssl", ["pkey", "-pubin", "-inform", "DER", "-in", der]).toString("utf8");
}

/** The private key objects as pkcs11-tool lists them ("Access: sensitive, …, never extractable"). */
export function listPrivateKeys(token: SoftToken): string {
  return pkcs11Tool(token, ["--login", "--list-objects", "--type", "privkey"]);
}

/**
 * A certificate for `publicKeyPem` issued by `issuer` with OpenSSL (digitalSignature and
 * nonRepudiation, as a CA issues signing certificates), DER.
 */
export function certify(
  dir: string,
  publicKeyPem: string,
  subject: string,
  issuer: IssuedCertificate,
): Uint8Array {
  const file = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const name = `cert-${Math.random().toString(36).slice(2)}`;
  const out = join(dir, `${name}.der`);
  execFileSync("openssl", [
    "x509",
    "-new",
    "-subj",
    subject,
    "-utf8",
    "-force_pubkey",
    file(`${name}.pub.pem`, publicKeyPem),
    "-CA",
    file(`${name}.ca.pem`, issuer.certificatePem),
    "-CAkey",
    file(`${name}.ca.key`, issuer.privateKeyPkcs8Pem),
    "-days",
    "365",
    "-sha256",
    "-extfile",
    file(
      `${name}.ext`,
      "keyUsage = critical, digitalSignature, nonRepudiation\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n",
    ),
    "-outform",
    "DER",
    "-out",
    out,
  ]);
  return new Uint8Array(readFileSync(out));
}

/** Writes a certificate object to the token with the given CKA_ID. */
export function writeCertificate(token: SoftToken, der: Uint8Array, id: string, label: string): void {
  const path = join(token.dir, `${id}-${label}.cert.der`);
  writeFileSync(path, der);
  pkcs11Tool(token, ["--login", "--write-object", path, "--type", "cert", "--id", id, "--label", label]);
}

/** Removes the public key object with this CKA_ID (tokens that keep only the private key and certificate). */
export function deletePublicKey(token: SoftToken, id: string): void {
  pkcs11Tool(token, ["--login", "--delete-object", "--type", "pubkey", "--id", id]);
}

function pkcs11Tool(token: SoftToken, args: string[]): string {
  return run(token, "pkcs11-tool", [
    "--module",
    SOFTHSM_MODULE,
    "--token-label",
    token.label,
    "--pin",
    USER_PIN,
    ...args,
  ]);
}

function run(token: SoftToken, command: string, args: string[]): string {
  return execFileSync(command, args, {
    env: { ...process.env, SOFTHSM2_CONF: token.conf },
    stdio: ["ignore", "pipe", "pipe"],
  }).toString("utf8");
}
