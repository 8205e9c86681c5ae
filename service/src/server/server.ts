/**
 * `hocba serve`: the composed server parts, the anchoring runner and the HTTP API, with graceful
 * shutdown. In the embedded default it also prints where everything is and a request to try.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import type { Redis } from "ioredis";
import { pino, type Logger } from "pino";
import { trustProxyOption, type Config } from "../config/config";
import { createAnchorQueue, fastFailingRedis, startAnchorWorker } from "../adapters/queue/bullmq";
import { loadSignerFromPem } from "../adapters/pki/keys";
import { makeDisclosable } from "../core/documents/disclosure";
import { canonicalBytes } from "../core/documents";
import { HocbaError, isHocbaError } from "../core/errors";
import { anchoringStatus } from "../issuance/anchoring-status";
import { signDetached } from "../core/pki";
import { makeTranscript } from "../demo/documents";
import { makeClass } from "../demo/class";
import { writeWorkbook } from "../adapters/files/workbook-writer";
import { workbookTables } from "../core/workbook/layout";
import { buildApp } from "../http/app";
import { loggerOptions } from "../http/logging";
import { startInProcessRunner, type AnchorRunner } from "../issuance/runner";
import { composeServerParts, type ServerParts, type Log } from "./compose";
import { ensureDemoGraduates, ensureDemoIssuers } from "./demo";
import { composeStaffSignIn, type ComposedSignIn } from "./staff-sign-in";

export interface RunningServer {
  url: string;
  parts: ServerParts;
  app: FastifyInstance;
  close(): Promise<void>;
}

export interface ServeOptions {
  /** With REDIS_URL: also consume anchoring jobs in this process (default true). */
  worker?: boolean;
  /** Where the start-up banner goes (default stdout); null for none. */
  banner?: NodeJS.WritableStream | null;
}

export function logFunction(logger: Logger): Log {
  return (level, message, details) => logger[level](details ?? {}, message);
}

/** The demo school DEMO01 as its documents state it. */
const DEMO_SCHOOL = { code: "DEMO01", name: "Trường THCS Demo", province: "01", level: "THCS" } as const;

/**
 * Two sample transcripts of DEMO01 (written once): one signed, to send with the curl example, and
 * one unsigned, another student's, to try `hocba sign` on.
 */
async function writeDemoSamples(parts: ServerParts): Promise<string | undefined> {
  const demoSigner = parts.demo?.signers.find((s) => s.code === "DEMO01");
  if (!parts.demo || !demoSigner) return undefined;
  const school = DEMO_SCHOOL;
  const unsigned = path.join(parts.demo.dir, "sample-transcript.json");
  if (!existsSync(unsigned))
    writeFileSync(unsigned, JSON.stringify(makeTranscript({ school }), null, 2) + "\n", { mode: 0o600 });
  const file = path.join(parts.demo.dir, "sample-transcript.signed.json");
  if (existsSync(file)) return file;
  // Signed as `hocba sign` signs a transcript: in the selectively disclosable form.
  const { document, disclosures } = makeDisclosable(makeTranscript({ school }));
  const signer = await loadSignerFromPem({
    keyPem: readFileSync(demoSigner.key, "utf8"),
    certPem: readFileSync(demoSigner.chain, "utf8"),
  });
  const signature = await signDetached(canonicalBytes(document), [signer]);
  writeFileSync(
    file,
    JSON.stringify({ document, disclosures, signature: Buffer.from(signature).toString("base64") }, null, 2) +
      "\n",
  );
  return file;
}

/**
 * The filled class workbook of DEMO01 (written once): class 9A1, 30 students, school years
 * 2021-2022 to 2024-2025 — the template filled as an office would, to try the drafts import with.
 */
async function writeDemoClass(parts: ServerParts): Promise<void> {
  if (!parts.demo) return;
  const file = path.join(parts.demo.dir, "sample-class.xlsx");
  if (existsSync(file)) return;
  const { info, transcripts } = makeClass({ school: DEMO_SCHOOL, size: 30, seed: 2025 });
  writeFileSync(file, await writeWorkbook(workbookTables(info, transcripts)), { mode: 0o600 });
}

function banner(parts: ServerParts, url: string, sample: string | undefined, signIn: ComposedSignIn): string {
  const rel = (p: string) => path.relative(process.cwd(), p) || ".";
  const lines = [
    `hocba is listening on ${url}`,
    `  API docs        ${url}/docs`,
    `  school workspace ${url}/truong (staff sign-in: ${
      parts.config.OIDC_ISSUER_URL ?? (signIn.embedded ? `embedded OpenID Provider at ${url}/idp` : "off")
    })`,
    `  my records      ${url}/cua-toi (citizen sign-in: ${
      parts.config.CITIZEN_OIDC_ISSUER_URL ??
      (signIn.embedded?.citizensFile ? `embedded OpenID Provider at ${url}/idp` : "off")
    })`,
    `  health          ${url}/readyz`,
    `  database        ${parts.config.DATABASE_URL ? "PostgreSQL" : `PGlite in ${rel(path.join(parts.config.DATA_DIR, "pglite"))}`}`,
    `  chain           ${parts.chain.embedded ? "embedded anvil" : parts.chain.url} (chain id ${parts.chain.chainId}), registry ${parts.chain.registry}`,
    `  anchoring       ${parts.config.REDIS_URL ? "BullMQ" : "in-process"}, every ${parts.config.ANCHOR_INTERVAL_MS} ms or ${parts.config.ANCHOR_MAX_BATCH} documents`,
  ];
  if (parts.demo) {
    const demoDir = rel(parts.demo.dir);
    lines.push(
      `  demo files      ${demoDir}/ (admin.token, trust/root.pem, DEMO01.*, DEMOQ1.* and DEMOSO.* keys, certificates, .p12 (password demo), .apikey)`,
      `  graduation lookup ${url}/tra-cuu (demo records: diploma serials DM2400001 and DM2400002, decided by the former district DEMOQ1; DM2500001, by the department DEMOSO)`,
      ...(signIn.embedded?.staffFile
        ? [
            `  demo staff      ${rel(signIn.embedded.staffFile)} (usernames and passwords of DEMO01's clerk, homeroom teacher, principal, seal holder and a department officer)`,
          ]
        : []),
      ...(signIn.embedded?.citizensFile
        ? [
            `  demo citizens   ${rel(signIn.embedded.citizensFile)} (the sample transcripts' students and a parent: usernames, passwords, citizen IDs)`,
          ]
        : []),
      ...(signIn.embedded?.staffFile
        ? [
            "",
            `Sign in as school staff: open ${url}/truong and use a username and password from ${rel(signIn.embedded.staffFile)}.`,
          ]
        : []),
      ...(signIn.embedded?.citizensFile
        ? [
            `Sign in as a graduate: open ${url}/cua-toi and use a username and password from ${rel(signIn.embedded.citizensFile)}.`,
          ]
        : []),
      "",
      "Try it: submit the sample transcript signed by DEMO01, then fetch its status:",
      "",
      `  curl -s -X POST ${url}/api/v1/transcripts \\`,
      `    -H "Authorization: Bearer $(cat ${demoDir}/DEMO01.apikey)" \\`,
      `    -H "Content-Type: application/json" --data @${sample ? rel(sample) : `${demoDir}/sample-transcript.signed.json`}`,
      "",
      `  curl -s ${url}/api/v1/transcripts/<id> -H "Authorization: Bearer $(cat ${demoDir}/DEMO01.apikey)"`,
      "",
      "Sign one yourself (an unsigned sample of another student), then submit it:",
      "",
      `  npx hocba sign ${demoDir}/sample-transcript.json --p12 ${demoDir}/DEMO01.p12 --password demo --out signed.json`,
      `  HOCBA_API_URL=${url} npx hocba submit signed.json --api-key "$(cat ${demoDir}/DEMO01.apikey)"`,
      "",
      "Import a class from its spreadsheet into drafts (the template, filled: docs/workbook.md):",
      "",
      `  curl -s -X POST ${url}/api/v1/drafts/import \\`,
      `    -H "Authorization: Bearer $(cat ${demoDir}/DEMO01.apikey)" \\`,
      `    -H "Content-Type: application/octet-stream" --data-binary @${demoDir}/sample-class.xlsx`,
    );
  }
  for (const root of parts.lostRoots)
    lines.push(`WARNING: root ${root} was missing on the chain and is being anchored again`);
  for (const leaf of parts.lostRevocations) {
    lines.push(`WARNING: the revocation of leaf ${leaf} was missing on the chain and is being sent again`);
  }
  for (const lost of parts.lostIssuerCertificates) {
    lines.push(
      `WARNING: certificate ${lost.fingerprint} of ${lost.issuerCode} had the wrong state on the chain; "${lost.action}" is being sent again`,
    );
  }
  return lines.join("\n") + "\n";
}

/** The http URL of `host`:`port` (IPv6 literals in brackets). */
function httpUrl(host: string, port: number): string {
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
}

/** Starts everything `config` asks for and listens. */
export async function startServer(config: Config, options: ServeOptions = {}): Promise<RunningServer> {
  const logger = pino(loggerOptions(config.LOG_LEVEL));
  const log = logFunction(logger);
  const out = options.banner === null ? undefined : (options.banner ?? process.stdout);
  const parts = await composeServerParts(config, log, (step) => out?.write(`${step}\n`));
  const stops: (() => Promise<void>)[] = [];
  try {
    if (parts.demo) {
      await ensureDemoIssuers(parts, log);
      await ensureDemoGraduates(parts, log);
    }
    const sample = await writeDemoSamples(parts);
    await writeDemoClass(parts);

    let runner: AnchorRunner;
    const probes: Record<string, () => Promise<void>> = {
      database: async () => void (await parts.db.query("SELECT 1")),
      chain: async () => {
        const embedded = parts.embeddedChain?.health();
        if (embedded && embedded.state !== "running")
          throw new HocbaError(
            "CHAIN_UNAVAILABLE",
            `the embedded chain is ${embedded.state} (${embedded.lastExit ?? "not started"}); it is being restarted`,
          );
        await parts.registry.latestBlock();
      },
    };
    if (config.REDIS_URL) {
      const queue = await createAnchorQueue({
        redisUrl: config.REDIS_URL,
        prefix: config.REDIS_PREFIX,
        intervalMs: config.ANCHOR_INTERVAL_MS,
      });
      runner = queue;
      probes.queue = () => queue.ping();
      if (options.worker ?? true) {
        const worker = startAnchorWorker(parts.anchoring, {
          redisUrl: config.REDIS_URL,
          prefix: config.REDIS_PREFIX,
        });
        stops.push(() => worker.stop());
      }
    } else {
      probes.queue = () => Promise.resolve(); // the in-process runner lives as long as this process
      runner = startInProcessRunner(parts.anchoring, {
        intervalMs: config.ANCHOR_INTERVAL_MS,
        onError: (error) => {
          if (isHocbaError(error) && error.code === "CHAIN_UNAVAILABLE") parts.chainErrors.anchoring_round++;
          log("warn", "anchoring round failed; it will be retried", { error: String(error) });
        },
      });
    }
    stops.push(() => runner.stop());
    // After the embedded chain was restarted and repaired, anchor what waited at once.
    parts.embeddedChain?.onRestart(() => runner.trigger());

    let rateLimitStore: { redis: Redis; nameSpace: string } | undefined;
    if (config.REDIS_URL) {
      const redis = fastFailingRedis(config.REDIS_URL);
      stops.push(() => Promise.resolve(redis.disconnect()));
      rateLimitStore = { redis, nameSpace: `${config.REDIS_PREFIX}:rate-limit:` };
    }

    let url = httpUrl(config.HOST, config.PORT);
    const publicUrl = () => (config.PUBLIC_URL ?? url).replace(/\/+$/, "");
    const signIn = composeStaffSignIn(config, parts.demo?.dir, publicUrl);
    const trustProxy = trustProxyOption(config.TRUST_PROXY);
    const app = await buildApp({
      ...(rateLimitStore ? { rateLimitStore } : {}),
      ...(trustProxy === undefined ? {} : { trustProxy }),
      bodyLimit: config.BODY_LIMIT_BYTES,
      publicBodyLimit: config.PUBLIC_BODY_LIMIT_BYTES,
      verifyBatchBodyLimit: config.VERIFY_BATCH_BODY_LIMIT_BYTES,
      loggerInstance: logger,
      probes,
      ...(parts.embeddedChain ? { embeddedChain: () => parts.embeddedChain!.health() } : {}),
      metrics: { anchoring: () => anchoringStatus(parts.db), chainErrors: () => parts.chainErrors },
      services: {
        db: parts.db,
        adminToken: parts.adminToken,
        submission: parts.submission,
        drafts: parts.drafts,
        chainStatus: parts.chainStatus,
        verification: parts.verification,
        renderPdf: parts.renderPdf,
        chain: { chainId: parts.chain.chainId, registry: parts.chain.registry },
        triggerAnchoring: () => runner.trigger(),
        publicUrl,
        staffSignIn: signIn.signIn,
        ...(signIn.citizenSignIn ? { citizenSignIn: signIn.citizenSignIn } : {}),
        limits: {
          verifyMax: config.VERIFY_RATE_MAX,
          verifyWindowMs: config.VERIFY_RATE_WINDOW_MS,
          lookupMax: config.LOOKUP_RATE_MAX,
          lookupSerialMax: config.LOOKUP_SERIAL_RATE_MAX,
          lookupWindowMs: config.LOOKUP_RATE_WINDOW_MS,
          publicReadsMax: config.PUBLIC_READ_RATE_MAX,
        },
      },
    });
    stops.push(() => app.close());
    await app.listen({ host: config.HOST, port: config.PORT });
    const address = app.server.address();
    const port = typeof address === "object" && address ? address.port : config.PORT;
    url = httpUrl(config.HOST, port);
    await signIn.embedded?.start(parts.db);
    if (options.banner !== null) (options.banner ?? process.stdout).write(banner(parts, url, sample, signIn));
    return {
      url,
      parts,
      app,
      async close() {
        for (const stop of stops.reverse()) await stop();
        await parts.close();
      },
    };
  } catch (error) {
    for (const stop of stops.reverse()) await stop();
    await parts.close();
    throw error;
  }
}
