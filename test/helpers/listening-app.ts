/**
 * The test API of test/helpers/app.ts listening on 127.0.0.1 (a random port), on PGlite and a
 * fresh anvil registry whose anchoring account may also write the issuer registry — for CLI
 * commands that talk HTTP, in-process and as real `hocba` processes.
 */
import net from "node:net";
import { Wallet, ZeroHash, type ContractTransactionResponse } from "ethers";
import { expect } from "vitest";
import { createPGliteDatabase, type Database } from "../../service/src/adapters/db/database";
import { migrate } from "../../service/src/adapters/db/migrate";
import { buildTestApp, disclosableItem, settle, type TestApp, type TestAppOptions } from "./app";
import { allowSchoolSigner, ANCHOR_KEY, startChain, stopChain, type TestChain } from "./chain";
import { tempDir } from "./files";
import { fingerprintOf, makeSchoolPki, type SchoolPki } from "./pki";

export interface ListeningApp extends TestApp {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  db: Database;
  chain: TestChain;
  pki: SchoolPki;
  dispose(): Promise<void>;
}

/** Gives the anchoring account DEFAULT_ADMIN_ROLE, which issuer-registry writes need. */
export async function grantIssuerAdmin(chain: TestChain): Promise<void> {
  const grant = (await chain.admin.getFunction("grantRole")(
    ZeroHash,
    new Wallet(ANCHOR_KEY).address,
  )) as ContractTransactionResponse;
  await grant.wait();
}

export interface ListeningAppOptions {
  /** The built pages to serve; default verifier-web/dist (see test/helpers/pages.ts for a private build). */
  pagesDir?: string | null;
  /** A logger for every request (buildApp's loggerInstance); default none. */
  loggerInstance?: TestAppOptions["loggerInstance"];
  /** Trusted TSAs and REQUIRE_TIMESTAMP of submissions; default none. */
  timestamps?: TestAppOptions["timestamps"];
  /** Staff sign-in (test/helpers/staff.ts); default none. */
  staffSignIn?: TestAppOptions["staffSignIn"];
  /** The roots signers must chain to; default the school PKI's. */
  trustAnchors?: TestAppOptions["trustAnchors"];
  /** Citizen sign-in (test/helpers/staff.ts); default none. */
  citizenSignIn?: TestAppOptions["citizenSignIn"];
  /** Certificate status of submissions (CERT_STATUS); default none. */
  certStatus?: TestAppOptions["certStatus"];
}

export async function startListeningApp(
  label: string,
  options: ListeningAppOptions = {},
): Promise<ListeningApp> {
  const tmp = tempDir(label);
  const db = await createPGliteDatabase();
  await migrate(db);
  const pki = await makeSchoolPki();
  const chain = await startChain(tmp.path("chain.json"));
  await grantIssuerAdmin(chain);
  const t = await buildTestApp({ db, chain, pki, ...options });
  const url = await t.app.listen({ host: "127.0.0.1", port: 0 });
  return {
    ...t,
    url,
    db,
    chain,
    pki,
    dispose: async () => {
      await t.app.close();
      await stopChain(chain);
      await db.close();
      tmp.dispose();
    },
  };
}

/** A URL on 127.0.0.1 where nothing listens (a port just released), for "API unreachable" tests. */
export async function closedPortUrl(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

/**
 * The test school's transcripts as a registered school submits them: its principal on the chain's
 * allow list, each transcript signed by the principal in the disclosable form and accepted (202),
 * then every one anchored — the records their students then find as theirs.
 */
export async function submitAnchoredTranscripts(api: ListeningApp, transcripts: readonly unknown[]) {
  await allowSchoolSigner(api.chain, fingerprintOf(api.pki.principal));
  for (const transcript of transcripts) {
    const res = await api.app.inject({
      method: "POST",
      url: "/api/v1/transcripts",
      headers: { authorization: `Bearer ${api.schoolKey}` },
      payload: await disclosableItem(api.pki, transcript),
    });
    expect(res.statusCode).toBe(202);
  }
  await settle(api.anchoring);
}
