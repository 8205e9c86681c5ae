/**
 * One ZIP archive of credential files, unpacked in a worker with fflate. Limits keep a hostile or
 * mistaken archive (a "zip bomb", a whole disk zipped) from exhausting the browser: at most
 * ZIP_LIMITS.entries files and ZIP_LIMITS.bytes unpacked in all, as the archive declares them, and
 * never more than declared (fflate writes into a buffer of the declared size). Folders and the
 * metadata macOS adds (`__MACOSX/`, `._name`) are not files of the office's and are left out; every
 * other entry becomes a row, a stray one as "not a hocba file".
 */
import { unzipSync } from "fflate";

export const ZIP_LIMITS = {
  /** Files in one archive. */
  entries: 20_000,
  /** Bytes unpacked, all files together. */
  bytes: 2 * 1024 * 1024 * 1024,
} as const;

/** Why an archive was refused: ZIP_TOO_MANY, ZIP_TOO_LARGE or ZIP_INVALID. */
export class ZipProblem extends Error {
  constructor(
    readonly code: "ZIP_TOO_MANY" | "ZIP_TOO_LARGE" | "ZIP_INVALID",
    message: string,
  ) {
    super(message);
  }
}

/** Whether the bytes start like a ZIP archive (local file header, or an empty archive). */
export function isZip(bytes: Uint8Array): boolean {
  return bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 0x03 || bytes[2] === 0x05);
}

function skipped(name: string): boolean {
  const base = name.slice(name.lastIndexOf("/") + 1);
  return name.endsWith("/") || name.startsWith("__MACOSX/") || base.startsWith("._") || base === ".DS_Store";
}

/**
 * The archive's files in archive order, as `archive.zip/path/name`.
 * @throws ZipProblem when the archive is over a limit or cannot be read.
 */
export function unzipEntries(
  archiveName: string,
  bytes: Uint8Array,
  limits: { entries: number; bytes: number } = ZIP_LIMITS,
): { name: string; bytes: Uint8Array }[] {
  let count = 0;
  let total = 0;
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, {
      filter: (entry) => {
        if (skipped(entry.name)) return false;
        count += 1;
        total += entry.originalSize;
        if (count > limits.entries)
          throw new ZipProblem("ZIP_TOO_MANY", `more than ${limits.entries} files in ${archiveName}`);
        if (total > limits.bytes)
          throw new ZipProblem("ZIP_TOO_LARGE", `more than ${limits.bytes} bytes unpacked in ${archiveName}`);
        return true;
      },
    });
  } catch (error) {
    if (error instanceof ZipProblem) throw error;
    throw new ZipProblem("ZIP_INVALID", `${archiveName}: ${(error as Error).message}`);
  }
  return Object.entries(files).map(([name, data]) => ({ name: `${archiveName}/${name}`, bytes: data }));
}

/** An unpacked file of an archive, as the worker hands it over: a span of one of the chunks. */
export interface PackedEntry {
  name: string;
  chunk: number;
  start: number;
  end: number;
}

/** Bytes per chunk of `packEntries`. */
export const CHUNK_BYTES = 16 * 1024 * 1024;

/**
 * The files packed into a few large buffers (a file larger than `chunkBytes` alone in one), so
 * that handing thousands of files from the worker to the page moves a few buffers, not one per file.
 */
export function packEntries(
  entries: readonly { name: string; bytes: Uint8Array }[],
  chunkBytes: number = CHUNK_BYTES,
): { entries: PackedEntry[]; chunks: ArrayBuffer[] } {
  const packed: PackedEntry[] = [];
  const chunks: ArrayBuffer[] = [];
  let from = 0;
  while (from < entries.length) {
    let to = from;
    let size = 0;
    while (to < entries.length && (to === from || size + entries[to]!.bytes.byteLength <= chunkBytes))
      size += entries[to++]!.bytes.byteLength;
    const chunk = new Uint8Array(size);
    let at = 0;
    for (const { name, bytes } of entries.slice(from, to)) {
      chunk.set(bytes, at);
      packed.push({ name, chunk: chunks.length, start: at, end: at + bytes.byteLength });
      at += bytes.byteLength;
    }
    chunks.push(chunk.buffer);
    from = to;
  }
  return { entries: packed, chunks };
}
