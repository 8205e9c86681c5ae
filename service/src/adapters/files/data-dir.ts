/**
 * DATA_DIR holds data at rest that belongs to the service's user alone: PGlite's files (citizen
 * IDs, names with birth dates), the embedded chain's state and service key, the demo keys, the
 * admin token and API keys. It and everything under it are directories 0700 and files 0600.
 *
 * `secureDataDir` creates the folder so and fixes the modes of an existing installation — files
 * written before this rule, or copied in with the usual 0644 — in DATA_DIR itself and in the
 * folders hocba keeps there (DATA_ENTRIES), not in anything else a user may keep beside them (a
 * DATA_DIR of "." must not chmod a whole project). Symbolic links are left alone (their targets
 * are not the service's to change). `privateUmask` narrows the process's umask to 077 so that
 * whatever the service, PGlite and the anvil child write later is private from the start.
 */
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync } from "node:fs";
import path from "node:path";
import { HocbaError } from "../../core/errors";

export const DATA_DIR_MODE = 0o700;
export const DATA_FILE_MODE = 0o600;
/** What hocba keeps in DATA_DIR: PGlite's database, the embedded chain, the demo PKI and tokens. */
export const DATA_ENTRIES = ["pglite", "chain", "demo"] as const;

/**
 * Creates DATA_DIR `dir` (0700) if needed, makes it 0700, and gives every directory under its
 * DATA_ENTRIES 0700 and every file there 0600. Returns the paths whose mode was changed.
 * @throws HocbaError IO when a mode cannot be changed (a DATA_DIR owned by another user).
 */
export function secureDataDir(dir: string): string[] {
  const fixed: string[] = [];
  const walk = (at: string, deep: boolean): void => {
    const stat = lstatSync(at);
    if (stat.isSymbolicLink()) return;
    const wanted = stat.isDirectory() ? DATA_DIR_MODE : DATA_FILE_MODE;
    if ((stat.mode & 0o7777) !== wanted) {
      chmodSync(at, wanted);
      fixed.push(at);
    }
    if (deep && stat.isDirectory()) for (const name of readdirSync(at)) walk(path.join(at, name), true);
  };
  try {
    mkdirSync(dir, { recursive: true, mode: DATA_DIR_MODE });
    walk(dir, false);
    for (const entry of DATA_ENTRIES) {
      const at = path.join(dir, entry);
      if (existsSync(at)) walk(at, true);
    }
  } catch (error) {
    throw new HocbaError("IO", `cannot make DATA_DIR ${dir} private (0700/0600): ${String(error)}`, {
      cause: error,
    });
  }
  return fixed;
}

/**
 * Sets the process's umask to 077 (files 0600, directories 0700 unless asked otherwise); the
 * previous umask, or undefined where a process may not change it (a worker thread).
 */
export function privateUmask(): number | undefined {
  try {
    return process.umask(0o077);
  } catch {
    return undefined;
  }
}
