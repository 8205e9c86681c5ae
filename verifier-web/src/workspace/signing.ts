/**
 * In-browser signing (docs/school-workspace.md): every document of the shown class that awaits the
 * signed-in person's role is signed with their `.p12`, in the page — the signing input's exact bytes
 * (GET /api/v1/drafts/{id}/signing-input) signed by the core's CMS signer (core/pki/sign.ts,
 * WebCrypto) — and the detached CMS signatures are sent together (POST /api/v1/drafts/signatures,
 * at most 500 per request). The .p12 file, its password and the key stay in the page.
 */
import { signDetached } from "../../../service/src/core/pki/sign";
import { decodeBase64 } from "../../../service/src/core/encoding";
import { errorCode, getJson, postJson } from "./api";

/** The most signatures one request carries (the API's MAX_BATCH). */
const BATCH = 500;

export interface SignOutcome {
  id: string;
  ok: boolean;
  /** The document was submitted (every required role has signed). */
  submitted?: boolean;
  code?: string;
  message?: string;
}

function encodeBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/**
 * Opens the .p12 (the reader and pkijs are loaded on first use) and signs each of `ids`.
 * `progress(done, total)` after each signature made. Errors opening the file are thrown
 * (HocbaError P12_PASSWORD_INVALID, P12_INVALID, KEY_INVALID); each document's own refusal is in
 * its outcome.
 */
export async function signDocuments(
  ids: readonly string[],
  p12: Uint8Array,
  password: string,
  progress: (done: number, total: number) => void,
): Promise<{ signer: string; outcomes: SignOutcome[] }> {
  const { signerFromP12 } = await import("./p12-signer");
  const signer = await signerFromP12(p12, password);
  const outcomes: SignOutcome[] = [];
  const made: { draftId: string; signature: string }[] = [];
  for (const [index, id] of ids.entries()) {
    const input = await getJson<{ content: string }>(
      `/api/v1/drafts/${encodeURIComponent(id)}/signing-input`,
    );
    const content = input.status === 200 ? decodeBase64(input.body.content) : undefined;
    if (!content) {
      outcomes.push({ id, ok: false, code: errorCode(input), message: input.body.error?.message ?? "" });
      continue;
    }
    const cms = await signDetached(content, [signer]);
    made.push({ draftId: id, signature: encodeBase64(cms) });
    progress(index + 1, ids.length);
  }
  for (let start = 0; start < made.length; start += BATCH) {
    const batch = made.slice(start, start + BATCH);
    const answer = await postJson<{
      results: { ok: boolean; id: string; submitted?: unknown; error?: { code: string; message: string } }[];
    }>("/api/v1/drafts/signatures", { signatures: batch });
    if (answer.status !== 200) {
      for (const item of batch)
        outcomes.push({
          id: item.draftId,
          ok: false,
          code: errorCode(answer),
          message: answer.body.error?.message ?? "",
        });
      continue;
    }
    answer.body.results.forEach((result, i) => {
      const id = batch[i]!.draftId;
      outcomes.push(
        result.ok
          ? { id, ok: true, submitted: result.submitted !== undefined }
          : { id, ok: false, code: result.error?.code ?? "", message: result.error?.message ?? "" },
      );
    });
  }
  return { signer: signer.name, outcomes };
}
