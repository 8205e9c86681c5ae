/**
 * A worker of the bulk page (pool.ts): reads one file — a credential's JSON, a hocba PDF (its
 * attachment, core/pdf/extract), or a ZIP of them — and verifies it with the core pipeline
 * `verifyCredential` and the verifier page's ports, exactly as the verifier page does for one file.
 * Each worker keeps one verification context (trust anchors, chain identity) for all its files,
 * and remembers the chain's answer per anchored batch root (many files share one).
 */
import { isHocbaError } from "../../../service/src/core/errors";
import { extractCredentialFromPdf } from "../../../service/src/core/pdf/extract";
import {
  readableDocument,
  verifyCredential,
  type VerificationContext,
} from "../../../service/src/core/verification";
import { retryWhenRateLimited, verificationContext, type PortSettings } from "../verifier/ports";
import { readCredentialBytes } from "../verifier/source";
import type { Answer, AnswerMessage, Job, JobMessage } from "./protocol";
import { unzipEntries, type ZipProblem } from "./zip";

/** A thousand files ask the public read routes thousands of times: wait out a 429 and ask again. */
retryWhenRateLimited(20);

let context: { key: string; value: Promise<VerificationContext> } | undefined;

/** The context for these settings, made once (again after a failure). */
function contextFor(settings: PortSettings): Promise<VerificationContext> {
  const key = JSON.stringify(settings);
  if (context?.key !== key) {
    const value = verificationContext(settings).then((made) => {
      if (!made.chain) return made;
      const chain = made.chain;
      const roots = new Map<string, Promise<number>>();
      const anchoredAt = (root: string) => {
        let answer = roots.get(root);
        if (!answer) {
          answer = chain.anchoredAt(root);
          answer.catch(() => roots.delete(root));
          roots.set(root, answer);
        }
        return answer;
      };
      return {
        ...made,
        chain: {
          chainId: chain.chainId,
          registry: chain.registry,
          anchoredAt,
          revokedAt: (leaf) => chain.revokedAt(leaf),
          isIssuerCertificate: (code, fingerprint, at) => chain.isIssuerCertificate(code, fingerprint, at),
        },
      };
    });
    value.catch(() => {
      if (context?.value === value) context = undefined;
    });
    context = { key, value };
  }
  return context.value;
}

function problem(error: unknown): Answer {
  if (isHocbaError(error) && (error.code === "PDF_NO_CREDENTIAL" || error.code === "PDF_INVALID"))
    return { kind: "problem", status: "not-hocba", problem: { code: error.code, message: error.message } };
  return {
    kind: "problem",
    status: "error",
    problem: { code: "READ_FAILED", message: error instanceof Error ? error.message : String(error) },
  };
}

async function handle(job: Job): Promise<{ answer: Answer; transfer: ArrayBuffer[] }> {
  if (job.kind === "unzip") {
    try {
      const entries = unzipEntries(job.name, new Uint8Array(job.bytes)).map((entry) => ({
        name: entry.name,
        bytes: entry.bytes.buffer.slice(
          entry.bytes.byteOffset,
          entry.bytes.byteOffset + entry.bytes.byteLength,
        ) as ArrayBuffer,
      }));
      return { answer: { kind: "entries", entries }, transfer: entries.map((entry) => entry.bytes) };
    } catch (error) {
      const zip = error as ZipProblem;
      return {
        answer: {
          kind: "problem",
          status: "not-hocba",
          problem: { code: zip.code ?? "ZIP_INVALID", message: zip.message },
        },
        transfer: [],
      };
    }
  }
  let credential: unknown;
  try {
    credential = await readCredentialBytes(new Uint8Array(job.bytes), extractCredentialFromPdf);
  } catch (error) {
    return { answer: problem(error), transfer: [] };
  }
  if (job.kind === "read") return { answer: { kind: "read", credential }, transfer: [] };
  let verification: VerificationContext;
  try {
    verification = await contextFor(job.settings);
  } catch (error) {
    return {
      answer: {
        kind: "problem",
        status: "error",
        problem: { code: "REQUEST_FAILED", message: (error as Error).message },
      },
      transfer: [],
    };
  }
  const result = await verifyCredential(credential, verification);
  const document = result.verdict === "not-hocba" ? undefined : readableDocument(credential).document;
  return {
    answer: {
      kind: "verified",
      credential: document === undefined ? {} : { document: document as never },
      result,
    },
    transfer: [],
  };
}

self.addEventListener("message", (event: MessageEvent<JobMessage>) => {
  const { id, job } = event.data;
  void handle(job).then(({ answer, transfer }) => {
    const message: AnswerMessage = { id, answer };
    (self as unknown as Worker).postMessage(message, transfer);
  });
});
