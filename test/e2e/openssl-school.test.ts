/**
 * Issue 5's acceptance path, as a Department and a school would walk it: the admin registers a
 * school and its principal's certificate through the admin API; the school signs a transcript with
 * plain OpenSSL (`openssl cms -sign`) and submits it with its new API key; hocba anchors it, puts
 * the certificate's fingerprint on the chain's issuer registry, and hands back a credential whose
 * proof the registry contract itself accepts.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { Contract } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueCertificate } from "../../service/src/adapters/pki/certificates";
import { REGISTRY_ABI } from "../../service/src/adapters/chain/registry";
import { loadConfig } from "../../service/src/config/config";
import { canonicalBytes, docHash, leafOf } from "../../service/src/core/documents";
import { makeTranscript } from "../../service/src/demo/documents";
import { startServer, type RunningServer } from "../../service/src/server/server";
import { eventually } from "../helpers/chain";
import { openssl, tempDir } from "../helpers/files";

const SCHOOL = { code: "79000701", name: "Trường THCS Nguyễn Du" };
const ADMIN_TOKEN = "e2e-admin-token-0123456789abcdef";
const files = tempDir("hocba-openssl-e2e");
let server: RunningServer;

beforeAll(async () => {
  const root = await issueCertificate({
    subject: "CN=Root CA thử nghiệm, O=Bộ GDĐT, C=VN",
    ca: true,
    keyAlgorithm: "RSA-2048",
  });
  const ca = await issueCertificate({
    subject: "CN=CA Sở GDĐT TP.HCM, C=VN",
    ca: { pathLength: 0 },
    issuer: root,
    keyAlgorithm: "RSA-2048",
  });
  const principal = await issueCertificate({
    subject: `CN=Nguyễn Văn Hùng, T=Hiệu trưởng, O=${SCHOOL.name}, C=VN`,
    issuer: ca,
    keyAlgorithm: "RSA-2048",
  });
  mkdirSync(files.path("trust"));
  files.write("trust/root.pem", root.certificatePem);
  files.write("principal.cert.pem", principal.certificatePem);
  files.write("principal.key.pem", principal.privateKeyPkcs8Pem);
  files.write("ca.pem", ca.certificatePem);
  server = await startServer(
    loadConfig({
      DATA_DIR: files.path("data"),
      PORT: "0",
      TRUST_ANCHORS_DIR: files.path("trust"),
      ADMIN_TOKEN,
      ANCHOR_INTERVAL_MS: "200",
      LOG_LEVEL: "silent",
      DEMO: "off",
    }),
    { banner: null },
  );
});
afterAll(async () => {
  await server?.close();
  files.dispose();
});

/** The principal's certificate followed by its issuing CA, as a school hands them in. */
function principalChain(): string {
  return readFileSync(files.path("principal.cert.pem"), "utf8") + readFileSync(files.path("ca.pem"), "utf8");
}

async function call<T>(
  method: string,
  route: string,
  token: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${server.url}${route}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as T };
}

describe("a school registered by the admin, signing with OpenSSL", () => {
  it("gets its transcript anchored and a credential whose proof the registry accepts", async () => {
    const registered = await call<{ code: string; apiKey: string; certificates: { fingerprint: string }[] }>(
      "POST",
      "/api/v1/admin/issuers",
      ADMIN_TOKEN,
      {
        kind: "school",
        code: SCHOOL.code,
        name: SCHOOL.name,
        certificates: [principalChain()],
      },
    );
    expect([registered.status, registered.body.code]).toEqual([201, SCHOOL.code]);

    const document = makeTranscript({ seed: 77, school: { ...SCHOOL, province: "79", level: "THCS" } });
    files.write("transcript.bin", canonicalBytes(document));
    openssl(
      "cms",
      "-sign",
      "-binary",
      "-md",
      "sha256",
      "-outform",
      "DER",
      "-in",
      files.path("transcript.bin"),
      "-out",
      files.path("transcript.p7s"),
      "-signer",
      files.path("principal.cert.pem"),
      "-inkey",
      files.path("principal.key.pem"),
      "-certfile",
      files.path("ca.pem"),
    );
    const signature = readFileSync(files.path("transcript.p7s")).toString("base64");

    const submitted = await call("POST", "/api/v1/transcripts", registered.body.apiKey, {
      document,
      signature,
    });
    expect(submitted).toEqual({
      status: 202,
      body: { id: document.id, docHash: docHash(document), status: "pending" },
    });

    await eventually(
      async () =>
        (await call<{ status: string }>("GET", `/api/v1/transcripts/${document.id}`, registered.body.apiKey))
          .body.status === "anchored",
    );
    const credential = await call<{
      format: string;
      anchor: { registry: string; merkleRoot: string; leaf: string; proof: string[] };
    }>("GET", `/api/v1/transcripts/${document.id}/credential`, registered.body.apiKey);
    const { anchor } = credential.body;
    expect([credential.status, credential.body.format, anchor.leaf, anchor.registry]).toEqual([
      200,
      "hocba/1",
      leafOf(docHash(document)),
      server.parts.chain.registry,
    ]);

    const registry = new Contract(anchor.registry, REGISTRY_ABI, server.parts.registry.provider);
    expect(
      await registry.getFunction("verify").staticCall(anchor.proof, anchor.merkleRoot, anchor.leaf),
    ).toBe(true);
    const fingerprint = registered.body.certificates[0]!.fingerprint;
    // The principal's certificate reaches the on-chain issuer registry too.
    await eventually(() => server.parts.registry.isIssuerCertificate(SCHOOL.code, fingerprint, new Date()));
  });
});
