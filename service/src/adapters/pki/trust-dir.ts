/**
 * Reads a folder of PEM roots into a trust store: trust anchors are configuration, never code
 * (docs/school-records.md), and a folder is what operators manage — drop a CA's root in, restart.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { HocbaError, isHocbaError } from "../../core/errors";
import { createTrustStore, type TrustStore } from "../../core/pki";

/** File names read as trust anchors; anything else (keys, READMEs) is ignored. */
const CERTIFICATE_FILE = /\.(pem|crt|cer)$/i;

/**
 * Builds a trust store from every `*.pem`, `*.crt` and `*.cer` file of `dir` (each may hold
 * several PEM certificates, or be one DER certificate).
 * @throws HocbaError IO when the folder cannot be read; CONFIG_INVALID when it holds no
 *   certificate or a file holds no or a malformed PEM certificate (the message names the file).
 * @example
 * const store = loadTrustAnchorsDir("data/demo/trust");
 */
export function loadTrustAnchorsDir(dir: string): TrustStore {
  let names: string[];
  try {
    names = readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isFile() && CERTIFICATE_FILE.test(entry.name))
      .map((entry) => entry.name)
      .sort();
  } catch (error) {
    throw new HocbaError("IO", `cannot read the trust anchors folder ${dir}: ${String(error)}`, {
      cause: error,
    });
  }
  if (names.length === 0)
    throw new HocbaError("CONFIG_INVALID", `the trust anchors folder ${dir} holds no .pem/.crt/.cer file`);
  const roots = names.map((name) => {
    const path = join(dir, name);
    try {
      const bytes = readFileSync(path);
      // .cer/.crt files from Windows CAs are often DER rather than PEM.
      const root = bytes.includes("-----BEGIN") ? bytes.toString("utf8") : new Uint8Array(bytes);
      createTrustStore([root]); // checked one by one so that the error names the file
      return root;
    } catch (error) {
      if (isHocbaError(error))
        throw new HocbaError(error.code, `${path}: ${error.message}`, { cause: error });
      throw new HocbaError("IO", `cannot read ${path}: ${String(error)}`, { cause: error });
    }
  });
  return createTrustStore(roots);
}
