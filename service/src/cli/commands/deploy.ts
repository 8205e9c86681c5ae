/**
 * `hocba deploy`: deploys TranscriptRegistry to any JSON-RPC chain (the Besu network, a test
 * node) without Hardhat, grants the roles and writes deployments/<network>.json — the same
 * deployRegistry the embedded default and `npm run deploy` use.
 */
import path from "node:path";
import { Wallet } from "ethers";
import { deployRegistry, writeDeploymentFile } from "../../adapters/chain/deploy-registry";
import { createProvider } from "../../adapters/chain/registry";
import { HocbaError } from "../../core/errors";
import { defineCommand, type ParsedArgs } from "../command";
import { readInput, STRING, STRINGS, usageError, type CliIo } from "../io";

export const DEPLOYER_KEY_ENV = "DEPLOYER_PRIVATE_KEY";

const SUMMARY = "deploy the registry contract to a chain and record the deployment";

const HELP = `usage: hocba deploy --rpc <url> --network <name> [--key-file <file>]
                    [--admin <address>] [--anchorer <address>...] [--revoker <address>...]
                    [--gas-price <wei>] [--out-dir <dir>]

Deploys the TranscriptRegistry contract, grants ANCHORER_ROLE and REVOKER_ROLE, and writes
<out-dir>/<network>.json (address, chain id, deploy transaction, block, deployer, roles, ABI hash).

  --rpc        the chain's JSON-RPC URL
  --network    the name of the deployment file (e.g. besu)
  --key-file   a file holding the deployer's hex private key (default $${DEPLOYER_KEY_ENV})
  --admin      receives DEFAULT_ADMIN_ROLE (default: the deployer)
  --anchorer   receives ANCHORER_ROLE; repeatable
  --revoker    receives REVOKER_ROLE; repeatable
  --gas-price  gas price in wei for every transaction (0 on a gas-free Besu network)
  --out-dir    where the file goes (default ./deployments)`;

const ARGS = {
  options: {
    rpc: STRING,
    network: STRING,
    "key-file": STRING,
    admin: STRING,
    anchorer: STRINGS,
    revoker: STRINGS,
    "gas-price": STRING,
    "out-dir": STRING,
  },
} as const;

export const command = defineCommand(SUMMARY, HELP, ARGS, deploy);

/** Runs the command with `io` (tests pass a captured one). Returns the exit code. */
export const deployCommand = command.run;

function privateKeyOf(keyFile: string | undefined, io: CliIo): string {
  const raw =
    keyFile === undefined ? io.env[DEPLOYER_KEY_ENV] : readInput(keyFile, "key file").toString("utf8");
  if (raw === undefined || raw.trim() === "")
    throw usageError(`give --key-file or set ${DEPLOYER_KEY_ENV}`, HELP);
  const key = raw.trim().startsWith("0x") ? raw.trim() : `0x${raw.trim()}`;
  if (!/^0x[0-9a-fA-F]{64}$/.test(key))
    throw new HocbaError("KEY_INVALID", "the deployer key is not a 32-byte hex private key");
  return key;
}

async function deploy({ values }: ParsedArgs<typeof ARGS>, io: CliIo): Promise<number> {
  if (values.rpc === undefined) throw usageError("--rpc is missing", HELP);
  if (values.network === undefined || !/^[A-Za-z0-9_-]{1,64}$/.test(values.network))
    throw usageError("--network must be a name of letters, digits, - or _", HELP);
  const gasPrice = values["gas-price"];
  if (gasPrice !== undefined && !/^\d+$/.test(gasPrice))
    throw usageError("--gas-price must be a whole number of wei", HELP);
  const key = privateKeyOf(values["key-file"], io);

  let chainId: number;
  const probe = createProvider(values.rpc, 1);
  try {
    chainId = Number(await probe.send("eth_chainId", []));
  } catch (cause) {
    throw new HocbaError("CHAIN_UNAVAILABLE", `cannot reach the chain at ${values.rpc}`, { cause });
  } finally {
    probe.destroy();
  }
  const provider = createProvider(values.rpc, chainId);
  try {
    const info = await deployRegistry(new Wallet(key, provider), {
      admin: values.admin,
      anchorers: values.anchorer ?? [],
      revokers: values.revoker ?? [],
      gasPrice: gasPrice === undefined ? undefined : BigInt(gasPrice),
    });
    const file = writeDeploymentFile(values.network, info, values["out-dir"] ?? path.resolve("deployments"));
    io.stdout(
      `TranscriptRegistry deployed at ${info.address} on chain ${info.chainId} (block ${info.blockNumber})\n` +
        `  admin ${info.admin}; anchorers [${info.anchorers.join(", ")}]; revokers [${info.revokers.join(", ")}]\n` +
        `  wrote ${file}\n`,
    );
    return 0;
  } finally {
    provider.destroy();
  }
}
