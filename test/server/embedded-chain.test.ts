/**
 * The embedded chain is supervised: anvil killed with SIGKILL under a running service (the real
 * composition, startServer, embedded default) is started again from its state file on the same
 * port, /healthz and /readyz report it while it is down, submissions keep being accepted, and
 * anchoring resumes — the documents submitted while it was down end up anchored and verify.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadSignerFromPem } from "../../service/src/adapters/pki/keys";
import { loadConfig } from "../../service/src/config/config";
import { canonicalBytes } from "../../service/src/core/documents";
import { signDetached } from "../../service/src/core/pki";
import { makeTranscript } from "../../service/src/demo/documents";
import { startServer, type RunningServer } from "../../service/src/server/server";
import { eventually } from "../helpers/chain";
import { tempDir } from "../helpers/files";

const tmp = tempDir("embedded-chain");
let server: RunningServer | undefined;
afterAll(async () => {
  await server?.close();
  tmp.dispose();
});

/** The pids of the anvil processes whose command line names `stateFile`. */
function anvilsOn(stateFile: string): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
        return args.some((arg) => arg.endsWith("anvil")) && args.includes(stateFile);
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe("the supervised embedded chain", () => {
  it("restarts anvil killed with SIGKILL from its state file, reports it while down, and anchors what waited", async () => {
    server = await startServer(
      loadConfig({
        DATA_DIR: tmp.path("data"),
        PORT: "0",
        ANCHOR_INTERVAL_MS: "200",
        LOG_LEVEL: "silent",
        DATABASE_URL: "",
        REDIS_URL: "",
        CHAIN_RPC_URL: "",
      }),
      { banner: null },
    );
    const { url, parts } = server;
    const demoDir = parts.demo!.dir;
    const apiKey = readFileSync(path.join(demoDir, "DEMO01.apikey"), "utf8").trim();
    const signer = parts.demo!.signers.find((s) => s.code === "DEMO01")!;
    const school = { code: "DEMO01", name: "Trường THCS Demo", province: "01", level: "THCS" } as const;
    const signed = async (seed: number) => {
      const document = makeTranscript({ seed, school });
      const key = await loadSignerFromPem({
        keyPem: readFileSync(signer.key, "utf8"),
        certPem: readFileSync(signer.chain, "utf8"),
      });
      const signature = await signDetached(canonicalBytes(document), [key]);
      return { document, signature: Buffer.from(signature).toString("base64") };
    };
    const call = async (method: string, route: string, body?: unknown) => {
      const response = await fetch(`${url}${route}`, {
        method,
        headers: {
          authorization: `Bearer ${apiKey}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    /** The anchoring and chain-error lines of /metrics, the lag rounded to "0" or "> 0". */
    const metrics = async () => {
      const text = await (await fetch(`${url}/metrics`)).text();
      return text
        .split("\n")
        .filter((line) => /^hocba_(anchoring_|chain_errors_total)/.test(line))
        .map((line) => line.replace(/^(hocba_anchoring_lag_seconds) (?!0$).*$/, "$1 > 0"));
    };
    const statusOf = async (id: string) => (await call("GET", `/api/v1/transcripts/${id}`)).body.status;

    const before = await signed(1101);
    expect((await call("POST", "/api/v1/transcripts", before)).status).toBe(202);
    await eventually(async () => (await statusOf(before.document.id)) === "anchored", 30_000);
    // Let anvil write its state file once more (CHAIN_STATE_INTERVAL_S, 1 s) with the anchor in it.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const anchoredMetrics = await metrics();

    const stateFile = path.resolve(tmp.path("data"), "chain", "state.json");
    const killed = parts.embeddedChain!.pid();
    expect(anvilsOn(stateFile)).toEqual([killed]);
    process.kill(killed, "SIGKILL");

    let down: unknown;
    await eventually(async () => {
      const health = await call("GET", "/healthz");
      if (health.body.status !== "degraded") return false;
      down = { health, ready: await call("GET", "/readyz") };
      return true;
    }, 5000);
    const whileDown = await signed(1102);
    const accepted = await call("POST", "/api/v1/transcripts", whileDown);
    await new Promise((resolve) => setTimeout(resolve, 50)); // the lag grows above 0
    const downMetrics = await metrics();

    await eventually(async () => (await statusOf(whileDown.document.id)) === "anchored", 60_000);
    const health = await call("GET", "/healthz");
    const restartedMetrics = await metrics();
    const restarted = parts.embeddedChain!.pid();
    const credentials = await Promise.all(
      [before, whileDown].map(
        async ({ document }) => (await call("GET", `/api/v1/transcripts/${document.id}/credential`)).body,
      ),
    );
    const verdicts = await Promise.all(
      credentials.map(async (credential) => (await call("POST", "/api/v1/verify", credential)).body.valid),
    );

    const exits = (lines: string[]) =>
      lines.find((line) => line.startsWith('hocba_chain_errors_total{kind="embedded_chain_exit"}'));
    // The embedded default anchors its demo graduation lists at start too: the batches confirmed
    // before this test's first document are counted from the metrics, not assumed.
    const confirmedIn = (lines: string[]) =>
      Number(
        lines.find((line) => line.startsWith('hocba_anchoring_batches{state="confirmed"}'))?.split(" ")[1],
      );
    const first = confirmedIn(anchoredMetrics);
    expect(first).toBeGreaterThanOrEqual(1);
    const batches = (confirmed: number) => [
      'hocba_anchoring_batches{state="created"} 0',
      'hocba_anchoring_batches{state="submitted"} 0',
      `hocba_anchoring_batches{state="confirmed"} ${confirmed}`,
    ];
    expect({
      anchored: anchoredMetrics.slice(0, 5),
      // while down a round may already have put the new document in a (created) batch
      down: downMetrics.slice(0, 2),
      restarted: restartedMetrics.slice(0, 5),
      exits: [exits(anchoredMetrics), exits(downMetrics), exits(restartedMetrics)],
    }).toEqual({
      anchored: ["hocba_anchoring_pending_documents 0", "hocba_anchoring_lag_seconds 0", ...batches(first)],
      down: ["hocba_anchoring_pending_documents 1", "hocba_anchoring_lag_seconds > 0"],
      restarted: [
        "hocba_anchoring_pending_documents 0",
        "hocba_anchoring_lag_seconds 0",
        ...batches(first + 1),
      ],
      exits: [0, 1, 1].map((n) => `hocba_chain_errors_total{kind="embedded_chain_exit"} ${n}`),
    });
    expect({
      down,
      accepted: [accepted.status, accepted.body.status],
      health: health.body,
      anvils: anvilsOn(stateFile),
      verdicts,
    }).toEqual({
      down: {
        health: {
          status: 200,
          body: {
            status: "degraded",
            embeddedChain: {
              state: "down",
              restarts: 0,
              downSince: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown,
              lastExit: "signal SIGKILL",
            },
          },
        },
        ready: {
          status: 503,
          // Why the chain is down goes to the log only; the public answer says which check failed.
          body: { ready: false, checks: { database: "ok", chain: "down", queue: "ok" } },
        },
      },
      accepted: [202, "pending"],
      health: { status: "ok", embeddedChain: { state: "running", restarts: 1, lastExit: "signal SIGKILL" } },
      anvils: [restarted],
      verdicts: [true, true],
    });
    expect(restarted).not.toBe(killed);
  }, 180_000);
});
