/**
 * Temporary folders and the real `openssl` command for tests of key files: .p12 files made by
 * OpenSSL itself are the ones schools receive, so the loader is tested against those, not against
 * files hocba wrote.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A fresh folder under the OS temp dir; `dispose` removes it. */
export function tempDir(label: string): {
  dir: string;
  path(name: string): string;
  write(name: string, data: string | Uint8Array): string;
  dispose(): void;
} {
  const dir = mkdtempSync(join(tmpdir(), `hocba-${label}-`));
  return {
    dir,
    path: (name) => join(dir, name),
    write(name, data) {
      const path = join(dir, name);
      writeFileSync(path, data);
      return path;
    },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Runs openssl with the arguments; returns stdout+stderr (OpenSSL prints its info on stderr). Throws on failure. */
export function openssl(...args: string[]): string {
  return execFileSync("openssl", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** Like `openssl` but merges stderr into the result and never throws (for `-info`, which reports on stderr). */
export function opensslReport(...args: string[]): string {
  try {
    return execFileSync("sh", ["-c", 'openssl "$@" 2>&1', "openssl", ...args], { encoding: "utf8" });
  } catch (error) {
    return String((error as { stdout?: unknown }).stdout ?? error);
  }
}
