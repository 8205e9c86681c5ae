/**
 * Anchored credentials from a real test API (test/helpers/app.ts): submit signed transcripts of
 * school 79000701 as the school does, run anchoring rounds until they are on chain, and fetch each
 * credential file — what a graduate holds, for tests of verification in the API and the browser.
 */
import { Wallet, id, type ContractTransactionResponse } from "ethers";
import { expect } from "vitest";
import type { Transcript } from "../../service/src/core/documents";
import type { Credential } from "../../service/src/issuance/credential";
import { settle, signedItem, type TestApp } from "./app";
import { ANCHOR_KEY, type TestChain } from "./chain";
import { makeTranscript, type TranscriptOverrides } from "./fixtures";
import { SCHOOL_CODE, type SchoolPki } from "./pki";

export const TEST_SCHOOL = {
  code: SCHOOL_CODE,
  name: "Trường THCS Nguyễn Du",
  province: "79",
  level: "THCS",
} as const;

/** A valid transcript of the test school (seeded). */
export function schoolTranscript(seed: number, overrides: TranscriptOverrides = {}): Transcript {
  return makeTranscript({ seed, school: TEST_SCHOOL, ...overrides });
}

/** Submits the documents (in order), anchors them and returns their credential files. */
export async function anchoredCredentials(
  t: TestApp,
  pki: SchoolPki,
  documents: readonly { id: string }[],
): Promise<Credential[]> {
  const school = { authorization: `Bearer ${t.schoolKey}` };
  for (const document of documents) {
    const res = await t.app.inject({
      method: "POST",
      url: "/api/v1/transcripts",
      headers: school,
      payload: await signedItem(pki, document),
    });
    expect(res.statusCode).toBe(202);
  }
  await settle(t.anchoring);
  return Promise.all(
    documents.map(async (document) => {
      const res = await t.app.inject({
        method: "GET",
        url: `/api/v1/transcripts/${document.id}/credential`,
        headers: school,
      });
      expect(res.statusCode).toBe(200);
      return res.json<Credential>();
    }),
  );
}

/** Revokes a document as its school and waits until the revocation is on chain. */
export async function revokeDocument(t: TestApp, id: string, reason = "cấp nhầm"): Promise<void> {
  const res = await t.app.inject({
    method: "POST",
    url: `/api/v1/transcripts/${id}/revoke`,
    headers: { authorization: `Bearer ${t.schoolKey}` },
    payload: { reason },
  });
  expect(res.statusCode).toBe(202);
  await settle(t.anchoring);
}

/** Gives the anchoring account REVOKER_ROLE on an already deployed registry (revocation tests). */
export async function grantRevoker(chain: TestChain): Promise<void> {
  const grant = (await chain.admin.getFunction("grantRole")(
    id("REVOKER_ROLE"),
    new Wallet(ANCHOR_KEY).address,
  )) as ContractTransactionResponse;
  await grant.wait();
}
