/**
 * What the bulk page and its workers say to each other (worker.ts, pool.ts). A job carries a file
 * (a File, which the worker reads) or a ZIP entry's bytes (transferred, not copied); the answer carries what the table and the export need — the
 * row's document (`RowDocument`), never the whole credential — and, for the service path, the
 * credential as UTF-8 JSON bytes ready to go into a batch body (transferred too).
 */
import type { VerificationResult } from "../../../service/src/core/verification";
import type { PortSettings } from "../verifier/ports";
import type { ReadProblem, RowDocument } from "./rows";
import type { PackedEntry } from "./zip";

export type Job =
  /** Read the file and verify it here, with the ports of `settings`. */
  | { kind: "verify"; name: string; bytes: FileBytes; settings: PortSettings }
  /** Only read the file (a PDF's attachment, a JSON file): the service verifies it. */
  | { kind: "read"; name: string; bytes: FileBytes }
  /** Unpack a ZIP archive, within the limits of zip.ts. */
  | { kind: "unzip"; name: string; bytes: FileBytes };

/** A chosen file (read in the worker) or the bytes of a ZIP's file. */
export type FileBytes = Blob | ArrayBuffer;

export type Answer =
  | { kind: "verified"; document?: RowDocument; result: VerificationResult }
  /** The credential as compact JSON (UTF-8), and the row's document. */
  | { kind: "read"; json: ArrayBuffer; document?: RowDocument }
  /** The archive's files, packed in a few buffers (zip.ts `packEntries`). */
  | { kind: "entries"; entries: PackedEntry[]; chunks: ArrayBuffer[] }
  /** The file gave no credential (`not-hocba`) or could not be checked (`error`). */
  | { kind: "problem"; status: "not-hocba" | "error"; problem: ReadProblem };

/** A job's message to a worker, numbered so that answers find their job. */
export interface JobMessage {
  id: number;
  job: Job;
}

export interface AnswerMessage {
  id: number;
  answer: Answer;
}
