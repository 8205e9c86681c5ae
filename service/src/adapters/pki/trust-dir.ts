/**
 * Reads folders of certificates into a trust store: trust anchors are configuration, never code
 * (docs/school-records.md), and a folder is what operators manage — drop a CA's root (or, for
 * intermediates, a licensed CA's certificate) in, restart.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { HocbaError, isHocbaError } from "../../core/errors";
import { createTrustStore, type TrustStore, type TrustStoreOptions } from "../../core/pki";

/** File names read as certificates; anything else (keys, READMEs) is ignored. */
const CERTIFICATE_FILE = /\.(pem|crt|cer|der)$/i;

/**
 * The certificate entries of every `*.pem`, `*.crt`, `*.cer` and `*.der` file of `dir` (each may
 * hold several PEM certificates, or be one DER certificate), each checked so that an error names
 * its file.
 * @throws HocbaError IO when the folder cannot be read; CONFIG_INVALID when it holds no
 *   certificate file or a file holds no or a malformed certificate.
 */
export function readCertificateDir(dir: string, what: string): (string | Uint8Array)[] {
  let names: string[];
  try {
    names = readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isFile() && CERTIFICATE_FILE.test(entry.name))
      .map((entry) => entry.name)
      .sort();
  } catch (error) {
    throw new HocbaError("IO", `cannot read the ${what} folder ${dir}: ${String(error)}`, {
      cause: error,
    });
  }
  if (names.length === 0)
    throw new HocbaError("CONFIG_INVALID", `the ${what} folder ${dir} holds no .pem/.crt/.cer/.der file`);
  return names.map((name) => {
    const path = join(dir, name);
    try {
      const bytes = readFileSync(path);
      // .cer/.crt files from Windows CAs are often DER rather than PEM.
      const entry = bytes.includes("-----BEGIN") ? bytes.toString("utf8") : new Uint8Array(bytes);
      createTrustStore([entry]); // checked one by one so that the error names the file
      return entry;
    } catch (error) {
      if (isHocbaError(error))
        throw new HocbaError(error.code, `${path}: ${error.message}`, { cause: error });
      throw new HocbaError("IO", `cannot read ${path}: ${String(error)}`, { cause: error });
    }
  });
}

/**
 * Builds a trust store from the certificate files of `dir` (see readCertificateDir).
 * @example
 * const store = loadTrustAnchorsDir("data/demo/trust");
 */
export function loadTrustAnchorsDir(dir: string, options: TrustStoreOptions = {}): TrustStore {
  return createTrustStore(readCertificateDir(dir, "trust anchors"), options);
}
