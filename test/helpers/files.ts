/**
 * Temporary folders and the real `openssl` command for tests of key files: .p12 files made by
 * OpenSSL itself are the ones schools receive, so the loader is tested against those, not against
 * files hocba wrote.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateRawSync } from "node:zlib";

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

/** A ZIP archive of the entries (deflated), each declaring `declared` bytes uncompressed if given. */
export function zipOf(entries: { name: string; content: Buffer; declared?: number }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name);
    const data = deflateRawSync(entry.content);
    const size = entry.declared ?? entry.content.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, data);
    centrals.push(central, name);
    offset += local.length + name.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}
