/** `hocba serve`: the API, the verifier page and anchoring, configured from the environment. */
import cluster from "node:cluster";
import { loadConfig } from "../../config/config";
import { leaveCluster, printsBanner, runWorkers, untilShutdownMessage } from "../../server/cluster";
import { startServer } from "../../server/server";
import { defineCommand, type ParsedArgs } from "../command";
import { FLAG } from "../io";
import { untilSignal } from "./signals";

const SUMMARY = "run the API, the verifier page and anchoring";

const HELP = `usage: hocba serve [--no-worker]

Starts the HTTP API, the verifier page and the anchoring runner. With no configuration this is
the embedded default: PGlite, an in-process runner and a local anvil chain under DATA_DIR
(./data), with demo keys under DATA_DIR/demo. Environment variables select production parts
(DATABASE_URL, REDIS_URL, CHAIN_RPC_URL, …; see the README). On production parts,
HTTP_PROCESSES=N runs N such processes sharing PORT (one per core).

  --no-worker   with REDIS_URL: only schedule anchoring; leave the jobs to \`hocba worker\` processes`;

const ARGS = { options: { "no-worker": FLAG } } as const;

export const command = defineCommand(SUMMARY, HELP, ARGS, serve);

async function serve({ values }: ParsedArgs<typeof ARGS>): Promise<number> {
  const config = loadConfig(process.env);
  if (config.HTTP_PROCESSES > 1 && cluster.isPrimary) {
    return runWorkers(config.HTTP_PROCESSES, untilSignal(), {
      info: (message) => process.stdout.write(message + "\n"),
      warn: (message) => process.stderr.write(message + "\n"),
    });
  }
  // Listening from the start: the primary may ask a worker to stop while it is still starting.
  const shutdownMessage = untilShutdownMessage();
  try {
    const server = await startServer(config, {
      worker: !values["no-worker"],
      ...(printsBanner() ? {} : { banner: null }),
    });
    await Promise.race([untilSignal(), shutdownMessage]);
    await server.close();
    return 0;
  } finally {
    leaveCluster(); // a worker's channel to the primary would keep it alive
  }
}
