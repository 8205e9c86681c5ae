/**
 * The composition root: turns a Config into running parts. The embedded default (README, Quick start)
 * and production differ only in which adapter each setting selects:
 *   DATABASE_URL  → PostgreSQL            else PGlite under DATA_DIR/pglite
 *   CHAIN_RPC_URL → that chain (+ REGISTRY_ADDRESS, ANCHOR_KEY[_FILE])
 *                                         else anvil under DATA_DIR/chain, registry deployed on first start
 *   REDIS_URL     → BullMQ (workers)      else the in-process runner
 *   DEMO          → demo trust root, DEMO01/DEMOQ1 with keys and API keys under DATA_DIR/demo
 * At start it migrates the database and reconciles it with the chain: a root the chain lost is
 * re-anchored and reported.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Wallet } from "ethers";
import type { Config } from "../config/config";
import { startAnvil, type AnvilProcess } from "../adapters/chain/anvil";
import { chainStatusOf } from "../adapters/chain/chain-status";
import { deployRegistry } from "../adapters/chain/deploy-registry";
import { createProvider, createRegistryClient, type RegistryClient } from "../adapters/chain/registry";
import { migrate } from "../adapters/db/migrate";
import { openDatabase } from "../adapters/db/open";
import { readSheet } from "../adapters/files/sheet";
import { renderTranscriptPdf } from "../adapters/pdf/transcript-pdf";
import { privateUmask, secureDataDir } from "../adapters/files/data-dir";
import { ensureDemoPki, type DemoPki } from "../adapters/pki/demo-pki";
import { nodeCrypto } from "../adapters/pki/node-crypto";
import { loadTrustAnchorsDir } from "../adapters/pki/trust-dir";
import { randomSecret } from "../auth/secrets";
import { HocbaError } from "../core/errors";
import { createTrustStore, type TrustStore } from "../core/pki";
import type { AnchoringDeps } from "../issuance/anchoring";
import { reconcileWithChain } from "../issuance/anchoring";
import { reconcileIssuerCertificates, type LostIssuerCertificate } from "../issuance/issuer-sync";
import { reconcileRevocations } from "../issuance/revocation";
import type { GraduateImportDeps } from "../issuance/graduates";
import type { ChainStatusPort } from "../core/verification";
import type { Database, PdfRenderer } from "../issuance/ports";

export type Log = (
  level: "info" | "warn" | "error",
  message: string,
  details?: Record<string, unknown>,
) => void;

export interface Core {
  config: Config;
  db: Database;
  registry: RegistryClient;
  chain: { chainId: number; registry: string; embedded: boolean; url: string };
  trustAnchors: TrustStore;
  adminToken: string;
  demo: DemoPki | undefined;
  anchoring: AnchoringDeps;
  submission: GraduateImportDeps;
  /** The registry's answers for verification, cached (adapters/chain/chain-status.ts). */
  chainStatus: ChainStatusPort;
  renderPdf: PdfRenderer;
  /** Roots found missing on chain at start (re-anchoring has been scheduled). */
  lostRoots: string[];
  /** Revoked leaves found missing on chain at start (to be revoked again). */
  lostRevocations: string[];
  /** Issuer certificates whose on-chain state differed from the database at start (change queued). */
  lostIssuerCertificates: LostIssuerCertificate[];
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

function trustStoreOf(config: Config, demo: DemoPki | undefined): TrustStore {
  const roots: (string | Uint8Array)[] = [];
  if (demo) roots.push(readFileSync(demo.root, "utf8"));
  if (config.TRUST_ANCHORS_DIR)
    roots.push(...loadTrustAnchorsDir(config.TRUST_ANCHORS_DIR).anchors.map((a) => a.der));
  if (roots.length === 0) {
    throw new HocbaError(
      "CONFIG_INVALID",
      "no trust anchors: set TRUST_ANCHORS_DIR (or DEMO=on for the demo root)",
    );
  }
  return createTrustStore(roots);
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
 * The embedded chain: anvil with its state under DATA_DIR/chain, a service key generated on first
 * start, and the registry deployed once (its address kept in deployment.json). If the chain lost
 * the contract itself (killed before its first state dump), it is deployed again and reported.
 */
async function embeddedChain(config: Config, log: Log) {
  const dir = path.join(config.DATA_DIR, "chain");
  mkdirSync(dir, { recursive: true });
  const key =
    anchorKeyOf(config) ?? secretFile(path.join(dir, "service.key"), () => Wallet.createRandom().privateKey);
  const anvil: AnvilProcess = await startAnvil({
    stateFile: path.join(dir, "state.json"),
    stateIntervalSeconds: config.CHAIN_STATE_INTERVAL_S,
  });
  const provider = createProvider(anvil.url, 31337);
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
    return { anvil, key, deployment };
  } catch (error) {
    await anvil.stop();
    throw error;
  } finally {
    provider.destroy();
  }
}

/** Opens everything but the HTTP server and the runner. */
export async function composeCore(config: Config, log: Log): Promise<Core> {
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
    const db = await openDatabase(config);
    closers.push(() => db.close());
    await migrate(db);

    const demo = demoEnabled(config) ? await ensureDemoPki(path.join(config.DATA_DIR, "demo")) : undefined;
    const trustAnchors = trustStoreOf(config, demo);
    const adminToken =
      config.ADMIN_TOKEN ??
      (demo
        ? secretFile(path.join(config.DATA_DIR, "demo", "admin.token"), randomSecret)
        : (() => {
            throw new HocbaError("CONFIG_INVALID", "ADMIN_TOKEN is required when DEMO is off");
          })());

    let registry: RegistryClient;
    let chain: Core["chain"];
    if (config.CHAIN_RPC_URL === undefined) {
      const embedded = await embeddedChain(config, log);
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
    const lostRoots = await reconcileWithChain(anchoring);
    for (const root of lostRoots) log("warn", "root missing on chain: it will be anchored again", { root });
    const lostRevocations = await reconcileRevocations(anchoring);
    for (const leaf of lostRevocations)
      log("warn", "revocation missing on chain: it will be sent again", { leaf });
    const lostIssuerCertificates = await reconcileIssuerCertificates(anchoring);
    for (const lost of lostIssuerCertificates)
      log("warn", "issuer certificate state missing on chain: the change will be sent again", { ...lost });

    const submission: GraduateImportDeps = {
      db,
      trustAnchors,
      crypto: nodeCrypto,
      requiredRoles: config.REQUIRED_SIGNER_ROLES,
      readSheet: (bytes) =>
        readSheet(bytes, {
          maxUncompressedBytes: config.IMPORT_MAX_UNCOMPRESSED_BYTES,
          maxCells: config.IMPORT_MAX_CELLS,
        }),
    };
    secureDataDir(config.DATA_DIR); // the demo certificates are written 0644
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
      chainStatus: chainStatusOf(registry),
      renderPdf: renderTranscriptPdf,
      lostRoots,
      lostRevocations,
      lostIssuerCertificates,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
