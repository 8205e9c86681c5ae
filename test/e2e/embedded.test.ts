/**
 * The embedded default as a newcomer runs it: the real `hocba serve` process with no configuration
 * but a data folder and a port. A signed transcript goes in through the API, comes out anchored as
 * a credential whose proof verifies; then the chain is killed without a clean shutdown, losing the
 * root, and the next start re-anchors and reports it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../../service/src/adapters/chain/anvil";
import { docHash, leafOf } from "../../service/src/core/documents";
import { verifyMerkleProof } from "../../service/src/core/merkle";
import { eventually } from "../helpers/chain";
import { pdfsig, pdfsigAvailable } from "../helpers/pdf";

const hasPdfsig = pdfsigAvailable();

const BIN = path.resolve(__dirname, "../../bin/hocba.mjs");
const dataDir = mkdtempSync(path.join(os.tmpdir(), "hocba-e2e-"));
const running = new Set<ChildProcess>();
afterAll(() => {
  for (const child of running) child.kill("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
});

interface Server {
  child: ChildProcess;
  url: string;
  output: () => string;
}

async function serve(port: number): Promise<Server> {
  const child = spawn(process.execPath, [BIN, "serve"], {
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      PORT: String(port),
      ANCHOR_INTERVAL_MS: "200",
      // nothing reaches the state file between clean shutdowns, so a kill loses what came after
      CHAIN_STATE_INTERVAL_S: "3600",
      LOG_LEVEL: "warn",
      DATABASE_URL: "",
      REDIS_URL: "",
      CHAIN_RPC_URL: "",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  let out = "";
  child.stdout?.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (out += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  await eventually(async () => {
    if (child.exitCode !== null) throw new Error(`hocba serve exited ${child.exitCode}:\n${out}`);
    return fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
  }, 60_000);
  return { child, url, output: () => out };
}

function exit(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill(signal);
  });
}

/** The anvil child of a server process (its chain). */
function anvilOf(server: Server): number {
  const children = readFileSync(`/proc/${server.child.pid}/task/${server.child.pid}/children`, "utf8")
    .trim()
    .split(/\s+/)
    .map(Number);
  const anvil = children.find((pid) => readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "anvil");
  if (anvil === undefined) throw new Error("no anvil child found");
  return anvil;
}

const demo = (file: string) => readFileSync(path.join(dataDir, "demo", file), "utf8").trim();

async function api<T>(
  server: Server,
  method: string,
  route: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${server.url}${route}`, {
    method,
    headers: {
      authorization: `Bearer ${demo("DEMO01.apikey")}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as T };
}

interface Credential {
  format: string;
  document: unknown;
  anchor: {
    merkleRoot: string;
    leaf: string;
    proof: string[];
    txHash: string;
    chainId: number;
    anchoredAt: string;
  };
}

describe("the embedded default, as `hocba serve` runs it", () => {
  let port: number;
  let id: string;
  let firstAnchoredAt: string;
  let root: string;

  it("starts with no configuration, prints where things are and writes the demo files", async () => {
    port = await freePort();
    const server = await serve(port);
    expect(server.output()).toContain(`hocba is listening on ${server.url}`);
    expect(server.output()).toContain("Try it: submit the sample transcript signed by DEMO01");
    expect(demo("DEMO01.apikey")).toMatch(/^hocba_i_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(demo("admin.token").length).toBeGreaterThanOrEqual(43);
    // The demo graduation lists: DEMOQ1's, then its department DEMOSO's (a correction, its own records).
    const lookup = async (serial: string) =>
      (
        await api<{
          results: { status: string; decidedBy: unknown; provenance: { signedBy: { code: string } } }[];
        }>(server, "GET", `/api/v1/graduates/search?diplomaSerial=${serial}`)
      ).body.results.map((r) => [
        r.status === "superseded" ? "superseded" : "current",
        r.decidedBy,
        r.provenance.signedBy.code,
      ]);
    const district = { kind: "district", code: "DEMOQ1", name: "Phòng GDĐT Demo" };
    expect([await lookup("DM2500001"), await lookup("DM2400002")]).toEqual([
      [["current", { kind: "department", code: "DEMOSO", name: "Sở GDĐT Demo" }, "DEMOSO"]],
      [
        ["current", district, "DEMOSO"],
        ["superseded", district, "DEMOQ1"],
      ],
    ]);
    await exit(server.child, "SIGTERM"); // clean: the chain writes its state (the registry)
  });

  it("accepts the demo sample, anchors it and hands back a credential whose proof leads to the anchored root", async () => {
    const server = await serve(port);
    const sample = JSON.parse(demo("sample-transcript.signed.json")) as { document: { id: string } };
    const submitted = await api<{ id: string; docHash: string; status: string }>(
      server,
      "POST",
      "/api/v1/transcripts",
      sample,
    );
    expect(submitted).toEqual({
      status: 202,
      body: { id: sample.document.id, docHash: docHash(sample.document), status: "pending" },
    });
    id = submitted.body.id;
    await eventually(
      async () =>
        (await api<{ status: string }>(server, "GET", `/api/v1/transcripts/${id}`)).body.status ===
        "anchored",
    );
    const credential = await api<Credential>(server, "GET", `/api/v1/transcripts/${id}/credential`);
    const { anchor } = credential.body;
    // The demo sample is signed in the selectively disclosable form: its credential is hocba/2.
    expect([credential.status, credential.body.format, anchor.leaf, anchor.chainId]).toEqual([
      200,
      "hocba/2",
      leafOf(docHash(sample.document)),
      31337,
    ]);
    expect(verifyMerkleProof(anchor.proof, anchor.merkleRoot, anchor.leaf)).toBe(true);
    const anchored = await fetch(`${server.url}/api/v1/anchors/${anchor.merkleRoot}`);
    expect(anchored.status).toBe(200);
    // Its printable PDF is sealed by the demo seal (PAdES), which pdfsig accepts.
    const printed = await fetch(`${server.url}/api/v1/transcripts/${id}/pdf`, {
      headers: { authorization: `Bearer ${demo("DEMO01.apikey")}` },
    });
    const printedPdf = new Uint8Array(await printed.arrayBuffer());
    if (hasPdfsig)
      expect(pdfsig(printedPdf)).toEqual([
        {
          type: "ETSI.CAdES.detached",
          signer: "Dấu chuyển đổi PDF hocba Demo",
          totalDocumentSigned: true,
          validation: "Signature is Valid.",
        },
      ]);
    firstAnchoredAt = anchor.anchoredAt;
    root = anchor.merkleRoot;

    // The chain dies without writing its state, then the service dies too.
    process.kill(anvilOf(server), "SIGKILL");
    await exit(server.child, "SIGKILL");
  });

  it("re-anchors and reports the root the chain lost, on the next start", async () => {
    const server = await serve(port);
    expect(server.output()).toContain(
      `WARNING: root ${root} was missing on the chain and is being anchored again`,
    );
    // The same key, nonce and call sign the very same transaction again: what changes is its block.
    await eventually(async () => {
      const credential = await api<Credential>(server, "GET", `/api/v1/transcripts/${id}/credential`);
      return credential.status === 200 && credential.body.anchor.anchoredAt > firstAnchoredAt;
    }).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${server.output()}`);
    });
    const credential = await api<Credential>(server, "GET", `/api/v1/transcripts/${id}/credential`);
    expect(credential.body.anchor.merkleRoot).toBe(root);
    expect((await fetch(`${server.url}/api/v1/anchors/${root}`)).status).toBe(200);
    const verified = await api<{ valid: boolean; checks: { name: string; status: string }[] }>(
      server,
      "POST",
      "/api/v1/verify",
      credential.body,
    );
    expect([verified.status, verified.body.valid, verified.body.checks.map((c) => c.status)]).toEqual([
      200,
      true,
      ["valid", "valid", "valid", "valid", "valid", "valid", "valid", "valid"],
    ]);
    await exit(server.child, "SIGTERM");
  });
});
