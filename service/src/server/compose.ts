/**
 * The composition root: turns a Config into running parts. The embedded default (README, Quick start)
 * and production differ only in which adapter each setting selects:
 *   DATABASE_URL  → PostgreSQL            else PGlite under DATA_DIR/pglite
 *   CHAIN_RPC_URL → that chain (+ REGISTRY_ADDRESS, ANCHOR_KEY[_FILE])
 *                                         else anvil under DATA_DIR/chain, registry deployed on first start
 *   REDIS_URL     → BullMQ (workers)      else the in-process runner
 *   DEMO          → demo trust root, DEMO01/DEMOQ1 with keys and API keys under DATA_DIR/demo
 *   PDF_SEAL_P12  → that seal on the printable PDFs  else the demo seal, else unsealed (warned)
 *   PDF_SEAL_TSA_URL → the seal timestamped (B-T)    else B-B
 * At start it migrates the database and reconciles it with the chain: a root the chain lost is
 * re-anchored and reported. The embedded chain is supervised: if anvil dies it is restarted from its
 * state file and the same reconciliation runs again.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Wallet } from "ethers";
import type { Config } from "../config/config";
import { superviseAnvil, type ChainHealth, type SupervisedAnvil } from "../adapters/chain/anvil";
import { chainStatusOf } from "../adapters/chain/chain-status";
import { deployRegistry } from "../adapters/chain/deploy-registry";
import { createProvider, createRegistryClient, type RegistryClient } from "../adapters/chain/registry";
import { migrate } from "../adapters/db/migrate";
import { openDatabase } from "../adapters/db/open";
import { readSheet, readWorkbookFile } from "../adapters/files/sheet";
import { writeWorkbook } from "../adapters/files/workbook-writer";
import { loadPdfSeal, type PdfSeal } from "../adapters/pdf/seal";
import { httpTimestamper } from "../adapters/pki/tsa-http";
import type { DraftServices } from "../issuance/drafts";
import { renderTranscriptPdf } from "../adapters/pdf/transcript-pdf";
import { privateUmask, secureDataDir } from "../adapters/files/data-dir";
import { DEMO_P12_PASSWORD, ensureDemoPki, type DemoPki } from "../adapters/pki/demo-pki";
import { nodeCrypto } from "../adapters/pki/node-crypto";
import { aiaFetcher } from "../adapters/pki/aia-fetcher";
import { httpStatusFetcher } from "../adapters/pki/status-http";
import { loadTrustAnchorsDir, readCertificateDir } from "../adapters/pki/trust-dir";
import { randomSecret } from "../auth/secrets";
import { HocbaError } from "../core/errors";
import { createTrustStore, type TrustStore } from "../core/pki";
import type { AnchoringDeps } from "../issuance/anchoring";
import { reconcileWithChain } from "../issuance/anchoring";
import { createCertificateStatusChecker } from "../issuance/certificate-status";
import { reconcileIssuerCertificates, type LostIssuerCertificate } from "../issuance/issuer-sync";
import { reconcileRevocations } from "../issuance/revocation";
import type { GraduateImportDeps } from "../issuance/graduates";
import type { ChainStatusPort } from "../core/verification";
import type { Database, PdfRenderer } from "../issuance/ports";
import type { SubmissionDeps } from "../issuance/documents";
import { compiledSchemaCheck } from "../issuance/schema-check";
import { serviceKnowledge, type ServiceVerification } from "../issuance/service-knowledge";

export type Log = (
  level: "info" | "warn" | "error",
  message: string,
  details?: Record<string, unknown>,
) => void;

/**
 * What the composition root opens for a server process (and for `hocba worker`, `hocba restore`): the
 * configuration, database, chain, trust anchors and the use cases' dependencies. Not the domain core
 * (`service/src/core`).
 */
export interface ServerParts {
  config: Config;
  db: Database;
  registry: RegistryClient;
  chain: { chainId: number; registry: string; embedded: boolean; url: string };
  trustAnchors: TrustStore;
  adminToken: string;
  demo: DemoPki | undefined;
  anchoring: AnchoringDeps;
  submission: GraduateImportDeps;
  /** The class workbook import (same limits as the graduates import) and the drafts store. */
  drafts: DraftServices;
  /** The registry's answers for verification, cached (adapters/chain/chain-status.ts). */
  chainStatus: ChainStatusPort;
  /** The verification context of `POST /verify` and the public chain routes (verificationOf). */
  verification: ServiceVerification;
  renderPdf: PdfRenderer;
  /** Roots found missing on chain at start (re-anchoring has been scheduled). */
  lostRoots: string[];
  /** Revoked leaves found missing on chain at start (to be revoked again). */
  lostRevocations: string[];
  /** Issuer certificates whose on-chain state differed from the database at start (change queued). */
  lostIssuerCertificates: LostIssuerCertificate[];
  /** Chain errors met by this process, by kind (for /metrics): anchoring_round, embedded_chain_exit. */
  chainErrors: { anchoring_round: number; embedded_chain_exit: number };
  /** The supervised embedded chain (undefined with CHAIN_RPC_URL). */
  embeddedChain: EmbeddedChain | undefined;
  close(): Promise<void>;
}

/** Reads a secret file, or creates it with `make()` (mode 0600) when absent. */
function secretFile(file: string, make: () => string): string {
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(path.dirname(file), { recursive: true });
  const value = make();
  writeFileSync(file, value + "\n", { mode: 0o600, flag: "wx" });
  chmodSync(file, 0o600);
  return value;
}

function demoEnabled(config: Config): boolean {
  return config.DEMO === "on" || (config.DEMO === "auto" && config.CHAIN_RPC_URL === undefined);
}

/**
 * The roots (demo root, TRUST_ANCHORS_DIR), the intermediates (TRUST_INTERMEDIATES_DIR) and, unless
 * AIA_FETCH=off, the caIssuers fetcher whose answers are kept under DATA_DIR/aia-cache.
 */
export function trustStoreOf(config: Config, demo: DemoPki | undefined): TrustStore {
  const roots: (string | Uint8Array)[] = [];
  if (demo) roots.push(readFileSync(demo.root, "utf8"));
  if (config.TRUST_ANCHORS_DIR) roots.push(...readCertificateDir(config.TRUST_ANCHORS_DIR, "trust anchors"));
  if (roots.length === 0) {
    throw new HocbaError(
      "CONFIG_INVALID",
      "no trust anchors: set TRUST_ANCHORS_DIR (or DEMO=on for the demo root)",
    );
  }
  return createTrustStore(roots, {
    ...(config.TRUST_INTERMEDIATES_DIR
      ? { intermediates: readCertificateDir(config.TRUST_INTERMEDIATES_DIR, "intermediate CAs") }
      : {}),
    ...(config.AIA_FETCH === "on"
      ? { fetchIssuer: aiaFetcher({ cacheDir: path.join(config.DATA_DIR, "aia-cache") }) }
      : {}),
  });
}

/** A PDF is served while its caller waits: a TSA slower than this fails it (PDF_TIMESTAMP_UNAVAILABLE). */
const PDF_SEAL_TSA_TIMEOUT_MS = 10_000;

/**
 * The seal of the printable PDFs: PDF_SEAL_P12, else the demo seal, else none — PDFs are then
 * served unsealed (their attached credential still proves them) and the start says so.
 */
async function pdfSealOf(config: Config, demo: DemoPki | undefined, log: Log): Promise<PdfSeal | undefined> {
  let file: string;
  let password: string;
  if (config.PDF_SEAL_P12) {
    file = config.PDF_SEAL_P12;
    password = config.PDF_SEAL_PASSWORD ?? "";
  } else if (demo) {
    file = demo.seal.p12;
    password = DEMO_P12_PASSWORD;
  } else {
    if (config.PDF_SEAL_TSA_URL !== undefined)
      throw new HocbaError(
        "CONFIG_INVALID",
        "PDF_SEAL_TSA_URL timestamps the printable PDFs' seal, and there is none: set PDF_SEAL_P12 (or DEMO=on)",
      );
    // info, not warn: every process composes this (serve, worker, restore), only serve prints PDFs.
    log("info", "PDF_SEAL_P12 is not set: printable PDFs are served unsealed (no PAdES signature)");
    return undefined;
  }
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (cause) {
    throw new HocbaError("CONFIG_INVALID", `cannot read PDF_SEAL_P12 ${file}`, { cause });
  }
  // A seal that does not open is a configuration error, said at start rather than on the first PDF.
  const timestamp =
    config.PDF_SEAL_TSA_URL === undefined
      ? undefined
      : httpTimestamper(config.PDF_SEAL_TSA_URL, PDF_SEAL_TSA_TIMEOUT_MS);
  const seal = await loadPdfSeal(bytes, password, timestamp).catch((cause: unknown) => {
    throw new HocbaError("CONFIG_INVALID", `PDF_SEAL_P12 ${file}: ${(cause as Error).message}`, { cause });
  });
  log("info", "printable PDFs are sealed", {
    converter: seal.converter,
    profile: timestamp === undefined ? "PAdES B-B" : "PAdES B-T",
  });
  return seal;
}

function anchorKeyOf(config: Config): string | undefined {
  if (config.ANCHOR_KEY)
    return config.ANCHOR_KEY.startsWith("0x") ? config.ANCHOR_KEY : `0x${config.ANCHOR_KEY}`;
  if (config.ANCHOR_KEY_FILE) {
    try {
      return readFileSync(config.ANCHOR_KEY_FILE, "utf8").trim();
    } catch (cause) {
      throw new HocbaError("CONFIG_INVALID", `cannot read ANCHOR_KEY_FILE ${config.ANCHOR_KEY_FILE}`, {
        cause,
      });
    }
  }
  return undefined;
}

interface EmbeddedDeployment {
  address: string;
  chainId: number;
  deployTx: string;
  blockNumber: number;
}

/**
 * The registry on the embedded chain at `url`: the one in deployment.json, or deployed (again) when
 * the chain does not hold it — first start, or a chain killed before its first state dump. The
 * service key's first transaction is the deployment, so on a chain that lost everything the
 * registry comes back at the same address.
 */
async function ensureRegistry(
  url: string,
  dir: string,
  key: string,
  log: Log,
  progress: Progress,
): Promise<EmbeddedDeployment> {
  const provider = createProvider(url, 31337);
  try {
    const deploymentFile = path.join(dir, "deployment.json");
    let deployment: EmbeddedDeployment | undefined = existsSync(deploymentFile)
      ? (JSON.parse(readFileSync(deploymentFile, "utf8")) as EmbeddedDeployment)
      : undefined;
    if (deployment && (await provider.getCode(deployment.address)) === "0x") {
      log("warn", "the embedded chain lost the registry contract: deploying it again", {
        lost: deployment.address,
      });
      deployment = undefined;
    }
    if (!deployment) {
      progress("deploying the registry contract…");
      const wallet = new Wallet(key, provider);
      const deployed = await deployRegistry(wallet, {
        anchorers: [wallet.address],
        revokers: [wallet.address],
        gasPrice: 0n,
      });
      deployment = {
        address: deployed.address,
        chainId: deployed.chainId,
        deployTx: deployed.deployTx,
        blockNumber: deployed.blockNumber,
      };
      writeFileSync(deploymentFile, JSON.stringify(deployment, null, 2) + "\n");
      log("info", "registry deployed on the embedded chain", { address: deployment.address });
    }
    return deployment;
  } finally {
    provider.destroy();
  }
}

/** The supervised embedded chain as the rest of the service sees it (health, repair after a restart). */
export interface EmbeddedChain {
  health(): ChainHealth;
  /** The running anvil's pid (-1 while it is down). */
  pid(): number;
  /** Calls `listener` after each restart, once what the restart lost has been repaired. */
  onRestart(listener: () => void): void;
}

/**
 * The embedded chain: anvil with its state under DATA_DIR/chain, supervised (restarted from its
 * state file when it dies), a service key generated on first start, and the registry deployed once
 * (its address kept in deployment.json). After a restart, `repair` runs (set once the rest of the
 * parts exist): the registry deployed again if lost, then the same reconciliation as at start.
 */
async function embeddedChain(
  config: Config,
  log: Log,
  progress: Progress,
  chainErrors: ServerParts["chainErrors"],
) {
  const dir = path.join(config.DATA_DIR, "chain");
  mkdirSync(dir, { recursive: true });
  const key =
    anchorKeyOf(config) ?? secretFile(path.join(dir, "service.key"), () => Wallet.createRandom().privateKey);
  let repair: () => Promise<void> = () => Promise.resolve();
  const listeners: (() => void)[] = [];
  progress("starting the embedded chain (anvil)…");
  const anvil: SupervisedAnvil = await superviseAnvil({
    stateFile: path.join(dir, "state.json"),
    stateIntervalSeconds: config.CHAIN_STATE_INTERVAL_S,
    onRestart: () => repair(),
    onEvent: (event, details) => {
      log(event === "chain.restarted" ? "info" : event === "chain.exited" ? "error" : "warn", event, details);
      if (event === "chain.exited") chainErrors.embedded_chain_exit++;
      if (event === "chain.restarted") for (const listener of listeners) listener();
    },
  });
  try {
    const deployment = await ensureRegistry(anvil.url, dir, key, log, progress);
    const supervised: EmbeddedChain = {
      health: () => anvil.health(),
      pid: () => anvil.pid(),
      onRestart: (listener) => void listeners.push(listener),
    };
    const setRepair = (fn: () => Promise<void>) => {
      repair = async () => {
        const again = await ensureRegistry(anvil.url, dir, key, log, () => undefined);
        if (again.address.toLowerCase() !== deployment.address.toLowerCase()) {
          throw new HocbaError(
            "CHAIN_UNAVAILABLE",
            `the registry came back at ${again.address}, not ${deployment.address}: restart the service`,
          );
        }
        await fn();
      };
    };
    return { anvil, key, deployment, supervised, setRepair };
  } catch (error) {
    await anvil.stop();
    throw error;
  }
}

/** Finds what the chain lost against the database and queues it again (at start and after a chain restart). */
async function reconcile(anchoring: AnchoringDeps, log: Log) {
  const lostRoots = await reconcileWithChain(anchoring);
  for (const root of lostRoots) log("warn", "root missing on chain: it will be anchored again", { root });
  const lostRevocations = await reconcileRevocations(anchoring);
  for (const leaf of lostRevocations)
    log("warn", "revocation missing on chain: it will be sent again", { leaf });
  const lostIssuerCertificates = await reconcileIssuerCertificates(anchoring);
  for (const lost of lostIssuerCertificates)
    log("warn", "issuer certificate state missing on chain: the change will be sent again", { ...lost });
  return { lostRoots, lostRevocations, lostIssuerCertificates };
}

/**
 * The service's verification context, composed once per service: the trust anchors and crypto of
 * submission, the cached chain port over the registry, the trusted TSAs without REQUIRE_TIMESTAMP
 * (a rule for submissions: documents anchored without a timestamp stay valid), the same document
 * checks as the browser's with TypeBox's compiled checker (the page's interpreted one lists the same
 * problems, some 20× slower), and beside the chain what the service knows at once
 * (issuance/service-knowledge.ts: corrections, revocations not yet on chain, signer roles).
 */
export function verificationOf(
  submission: Pick<SubmissionDeps, "db" | "trustAnchors" | "crypto" | "requiredRoles" | "timestamps">,
  chainStatus: ChainStatusPort,
): ServiceVerification {
  return {
    trustAnchors: submission.trustAnchors,
    crypto: submission.crypto,
    chain: chainStatus,
    ...(submission.timestamps?.trustAnchors
      ? { timestamps: { trustAnchors: submission.timestamps.trustAnchors } }
      : {}),
    policy: { validation: { schemaCheck: compiledSchemaCheck } },
    ...serviceKnowledge(submission.db, submission.requiredRoles),
  };
}

/** A step of a (first) start that takes a while, for the person waiting: "deploying the registry…". */
export type Progress = (step: string) => void;

/** Opens everything but the HTTP server and the runner; `progress` hears the slow steps. */
export async function composeServerParts(
  config: Config,
  log: Log,
  progress: Progress = () => undefined,
): Promise<ServerParts> {
  // DATA_DIR is the service user's alone: 0700/0600, an older installation's modes fixed, and
  // what is written from now on private from the start (adapters/files/data-dir.ts).
  privateUmask();
  const fixed = secureDataDir(config.DATA_DIR);
  if (fixed.length > 0)
    log("warn", "DATA_DIR held folders or files others could open: they are now 0700/0600", {
      dataDir: config.DATA_DIR,
      fixed: fixed.length,
    });
  const closers: (() => Promise<void> | void)[] = [];
  const close = async () => {
    for (const c of closers.reverse()) await c();
  };
  try {
    progress(config.DATABASE_URL ? "opening the database…" : "opening the embedded database (PGlite)…");
    const db = await openDatabase(config);
    closers.push(() => db.close());
    await migrate(db);

    const demoDir = path.join(config.DATA_DIR, "demo");
    if (demoEnabled(config) && !existsSync(demoDir)) progress("creating the demo PKI and issuers…");
    const demo = demoEnabled(config) ? await ensureDemoPki(demoDir) : undefined;
    const trustAnchors = trustStoreOf(config, demo);
    const seal = await pdfSealOf(config, demo, log);
    const adminToken =
      config.ADMIN_TOKEN ??
      (demo
        ? secretFile(path.join(config.DATA_DIR, "demo", "admin.token"), randomSecret)
        : (() => {
            throw new HocbaError("CONFIG_INVALID", "ADMIN_TOKEN is required when DEMO is off");
          })());

    let registry: RegistryClient;
    let chain: ServerParts["chain"];
    let embeddedSupervisor: EmbeddedChain | undefined;
    const chainErrors: ServerParts["chainErrors"] = { anchoring_round: 0, embedded_chain_exit: 0 };
    let setRepair: ((fn: () => Promise<void>) => void) | undefined;
    if (config.CHAIN_RPC_URL === undefined) {
      const embedded = await embeddedChain(config, log, progress, chainErrors);
      embeddedSupervisor = embedded.supervised;
      setRepair = embedded.setRepair;
      closers.push(() => embedded.anvil.stop());
      registry = createRegistryClient({
        rpcUrl: embedded.anvil.url,
        chainId: embedded.deployment.chainId,
        address: embedded.deployment.address,
        privateKey: embedded.key,
        gasPrice: 0n,
      });
      chain = {
        chainId: embedded.deployment.chainId,
        registry: embedded.deployment.address,
        embedded: true,
        url: embedded.anvil.url,
      };
    } else {
      if (!config.REGISTRY_ADDRESS)
        throw new HocbaError("CONFIG_INVALID", "REGISTRY_ADDRESS is required with CHAIN_RPC_URL");
      const chainId =
        config.CHAIN_ID ?? Number(await createProvider(config.CHAIN_RPC_URL, 1).send("eth_chainId", []));
      const key = anchorKeyOf(config);
      registry = createRegistryClient({
        rpcUrl: config.CHAIN_RPC_URL,
        chainId,
        address: config.REGISTRY_ADDRESS,
        ...(key ? { privateKey: key } : {}),
      });
      chain = { chainId, registry: config.REGISTRY_ADDRESS, embedded: false, url: config.CHAIN_RPC_URL };
    }
    closers.push(() => registry.close());

    const anchoring: AnchoringDeps = {
      db,
      chain: registry,
      maxBatch: config.ANCHOR_MAX_BATCH,
      confirmations: config.CHAIN_CONFIRMATIONS,
      log: (event, details) => log(event === "batch.root_lost" ? "warn" : "info", event, details),
    };
    const { lostRoots, lostRevocations, lostIssuerCertificates } = await reconcile(anchoring, log);
    setRepair?.(async () => void (await reconcile(anchoring, log)));

    const importLimits = {
      maxUncompressedBytes: config.IMPORT_MAX_UNCOMPRESSED_BYTES,
      maxCells: config.IMPORT_MAX_CELLS,
    };
    const submission: GraduateImportDeps = {
      db,
      trustAnchors,
      crypto: nodeCrypto,
      requiredRoles: config.REQUIRED_SIGNER_ROLES,
      timestamps: {
        ...(config.TSA_TRUST_DIR ? { trustAnchors: loadTrustAnchorsDir(config.TSA_TRUST_DIR) } : {}),
        required: config.REQUIRE_TIMESTAMP === "true",
      },
      ...(config.CERT_STATUS === "off"
        ? {}
        : {
            certStatus: createCertificateStatusChecker({
              policy: config.CERT_STATUS,
              fetch: httpStatusFetcher({ timeoutMs: config.CERT_STATUS_TIMEOUT_MS }),
              crypto: nodeCrypto,
              maxAgeMs: config.CERT_STATUS_MAX_AGE_S * 1000,
            }),
          }),
      readSheet: (bytes) => readSheet(bytes, importLimits),
    };
    const drafts: DraftServices = {
      db,
      readWorkbook: (bytes) => readWorkbookFile(bytes, importLimits),
      writeWorkbook,
    };
    secureDataDir(config.DATA_DIR); // the demo certificates are written 0644
    const chainStatus = chainStatusOf(registry);
    return {
      config,
      db,
      registry,
      chain,
      trustAnchors,
      adminToken,
      demo,
      anchoring,
      submission,
      drafts,
      chainStatus,
      verification: verificationOf(submission, chainStatus),
      renderPdf: (credential, links) => renderTranscriptPdf(credential, { ...links, seal }),
      lostRoots,
      lostRevocations,
      lostIssuerCertificates,
      embeddedChain: embeddedSupervisor,
      chainErrors,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
