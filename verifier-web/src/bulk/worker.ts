/**
 * A worker of the bulk page (pool.ts): reads one file — a credential's JSON, a hocba PDF (its
 * attachment, core/pdf/extract), or a ZIP of them — and verifies it with the core pipeline
 * `verifyCredential` and the verifier page's ports, exactly as the verifier page does for one file.
 * Each worker keeps one verification context (trust anchors, chain identity) for all its files,
 * and remembers the chain's answer per anchored batch root (many files share one).
 * What goes back to the page is small: the row's document (`documentSummary`) and the verdict, or,
 * for the service path, the credential already serialised as JSON bytes for the batch body — the
 * page never parses, copies or serialises a whole credential.
 */
import { isHocbaError } from "../../../service/src/core/errors";
import { extractCredentialFromPdf } from "../../../service/src/core/pdf/extract";
import { verifyCredential, type VerificationContext } from "../../../service/src/core/verification";
import { retryWhenRateLimited, verificationContext, type PortSettings } from "../verifier/ports";
import { readCredentialBytes } from "../verifier/source";
import type { Answer, AnswerMessage, FileBytes, Job, JobMessage } from "./protocol";
import { documentSummary } from "./rows";
import { packEntries, unzipEntries, type ZipProblem } from "./zip";

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

/** The bytes of a job's file: a File is read here, off the page's thread. */
async function bytesOf(bytes: FileBytes): Promise<Uint8Array> {
  return new Uint8Array(bytes instanceof ArrayBuffer ? bytes : await bytes.arrayBuffer());
}

async function handle(job: Job): Promise<{ answer: Answer; transfer: ArrayBuffer[] }> {
  if (job.kind === "unzip") {
    try {
      const { entries, chunks } = packEntries(unzipEntries(job.name, await bytesOf(job.bytes)));
      return { answer: { kind: "entries", entries, chunks }, transfer: chunks };
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
    credential = await readCredentialBytes(await bytesOf(job.bytes), extractCredentialFromPdf);
  } catch (error) {
    return { answer: problem(error), transfer: [] };
  }
  const document = documentSummary(credential);
  if (job.kind === "read") {
    const json = new TextEncoder().encode(JSON.stringify(credential) ?? "null").buffer;
    return { answer: { kind: "read", json, document }, transfer: [json] };
  }
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
  return { answer: { kind: "verified", document, result }, transfer: [] };
}

self.addEventListener("message", (event: MessageEvent<JobMessage>) => {
  const { id, job } = event.data;
  void handle(job)
    // A job that fails unexpectedly still gets its answer: the file could not be checked.
    .catch((error: unknown) => ({ answer: problem(error), transfer: [] as ArrayBuffer[] }))
    .then(({ answer, transfer }) => {
      const message: AnswerMessage = { id, answer };
      (self as unknown as Worker).postMessage(message, transfer);
    });
});
