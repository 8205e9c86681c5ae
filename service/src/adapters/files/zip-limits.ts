/**
 * How big an XLSX (a ZIP archive) is once inflated, learned before anything reads it: the sizes
 * its central directory declares are summed first, and then every entry is inflated as a stream
 * — on libuv's thread pool, chunk by chunk, never held whole — only to count its bytes (and the
 * cells of its worksheets), stopping at the first byte beyond what was declared. A ZIP bomb (1 MB
 * that inflates to gigabytes) or an archive lying about its sizes is refused with
 * PAYLOAD_TOO_LARGE before the spreadsheet reader inflates a single entry.
 */
import { createInflateRaw } from "node:zlib";
import { HocbaError } from "../../core/errors";

export interface ZipLimits {
  /** Largest sum of the entries' uncompressed sizes (bytes). */
  maxUncompressedBytes: number;
  /** Most cells (`<c>` elements) in all worksheets together. */
  maxCells: number;
}

/** Entries an XLSX of one sheet needs are about a dozen; more is not a spreadsheet we read. */
const MAX_ENTRIES = 1000;

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

interface Entry {
  name: string;
  method: number;
  compressedSize: number;
  uncompressedSize: number;
  localOffset: number;
}

/** The refusal of a file over a limit, with the import's per-row details shape. */
export function fileTooLarge(code: "FILE_TOO_LARGE" | "TOO_MANY_CELLS", message: string): HocbaError {
  return new HocbaError("PAYLOAD_TOO_LARGE", message, {
    details: [{ row: 1, column: null, code, message }],
  });
}

function unreadableZip(message: string): HocbaError {
  return new HocbaError("IMPORT_INVALID", `the file is not a readable XLSX: ${message}`, {
    details: [{ row: 1, column: null, code: "FILE_UNREADABLE", message }],
  });
}

/** The central directory's entries (no ZIP64: an XLSX that needs it is over any limit anyway). */
function centralDirectory(bytes: Uint8Array): Entry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65_535); i--) {
    if (view.getUint32(i, true) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw unreadableZip("no ZIP end of central directory");
  const count = view.getUint16(eocd + 10, true);
  const size = view.getUint32(eocd + 12, true);
  let offset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff)
    throw fileTooLarge("FILE_TOO_LARGE", "the XLSX is a ZIP64 archive: far over the import's size limit");
  if (count > MAX_ENTRIES)
    throw fileTooLarge("FILE_TOO_LARGE", `the XLSX has ${count} parts (at most ${MAX_ENTRIES})`);
  if (offset + size > eocd) throw unreadableZip("the central directory lies outside the file");
  const entries: Entry[] = [];
  for (let n = 0; n < count; n++) {
    if (offset + 46 > eocd || view.getUint32(offset, true) !== CENTRAL)
      throw unreadableZip("a central directory entry is damaged");
    const nameLength = view.getUint16(offset + 28, true);
    const extraLength = view.getUint16(offset + 30, true);
    const commentLength = view.getUint16(offset + 32, true);
    entries.push({
      name: Buffer.from(bytes.subarray(offset + 46, offset + 46 + nameLength)).toString("utf8"),
      method: view.getUint16(offset + 10, true),
      compressedSize: view.getUint32(offset + 20, true),
      uncompressedSize: view.getUint32(offset + 24, true),
      localOffset: view.getUint32(offset + 42, true),
    });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** The compressed bytes of `entry` (after its local header). */
function dataOf(bytes: Uint8Array, entry: Entry): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = entry.localOffset;
  if (at + 30 > bytes.length || view.getUint32(at, true) !== LOCAL)
    throw unreadableZip(`the part ${entry.name} is damaged`);
  const start = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
  if (start + entry.compressedSize > bytes.length) throw unreadableZip(`the part ${entry.name} is cut short`);
  return bytes.subarray(start, start + entry.compressedSize);
}

/** Counts `<c ` / `<c>` (worksheet cells) across chunk boundaries. */
function cellCounter(): { add(chunk: Buffer): void; readonly count: number } {
  let tail = "";
  let count = 0;
  return {
    add(chunk) {
      const text = tail + chunk.toString("latin1");
      count += text.match(/<c[\s>/]/g)?.length ?? 0;
      tail = text.slice(-2);
      if (/<c[\s>/]/.test(tail)) tail = tail.slice(1);
    },
    get count() {
      return count;
    },
  };
}

/** Inflates `data` as a stream, calling `onChunk`; rejects beyond `limit` bytes (as soon as it passes). */
function inflateCounting(data: Uint8Array, limit: number, onChunk: (chunk: Buffer) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    const inflate = createInflateRaw();
    let total = 0;
    inflate.on("data", (chunk: Buffer) => {
      total += chunk.length;
      if (total > limit) {
        inflate.destroy();
        reject(new RangeError("larger than declared"));
        return;
      }
      onChunk(chunk);
    });
    inflate.on("end", () => resolve(total));
    inflate.on("error", reject);
    inflate.end(data);
  });
}

/**
 * Checks an XLSX against the limits without holding more than a chunk of inflated data.
 * @throws HocbaError PAYLOAD_TOO_LARGE (FILE_TOO_LARGE, TOO_MANY_CELLS) over a limit,
 *   IMPORT_INVALID (FILE_UNREADABLE) for a damaged archive.
 */
export async function assertZipWithinLimits(bytes: Uint8Array, limits: ZipLimits): Promise<void> {
  const entries = centralDirectory(bytes);
  const declared = entries.reduce((sum, entry) => sum + entry.uncompressedSize, 0);
  const mb = (n: number) => `${Math.ceil(n / 1_048_576)} MB`;
  if (declared > limits.maxUncompressedBytes) {
    throw fileTooLarge(
      "FILE_TOO_LARGE",
      `the XLSX is ${mb(declared)} uncompressed (at most ${mb(limits.maxUncompressedBytes)})`,
    );
  }
  let cells = 0;
  for (const entry of entries) {
    if (entry.method !== 0 && entry.method !== 8)
      throw unreadableZip(`the part ${entry.name} uses compression method ${entry.method}`);
    const data = dataOf(bytes, entry);
    const counter = /^xl\/worksheets\/[^/]+\.xml$/.test(entry.name) ? cellCounter() : undefined;
    if (entry.method === 0) {
      if (entry.compressedSize !== entry.uncompressedSize)
        throw unreadableZip(`the stored part ${entry.name} has two sizes`);
      counter?.add(Buffer.from(data));
    } else {
      try {
        await inflateCounting(data, entry.uncompressedSize, (chunk) => counter?.add(chunk));
      } catch (error) {
        if (error instanceof RangeError)
          throw fileTooLarge("FILE_TOO_LARGE", `the part ${entry.name} inflates beyond its declared size`);
        throw unreadableZip(`the part ${entry.name} does not inflate`);
      }
    }
    cells += counter?.count ?? 0;
    if (cells > limits.maxCells)
      throw fileTooLarge("TOO_MANY_CELLS", `the XLSX has more than ${limits.maxCells} cells`);
  }
}
