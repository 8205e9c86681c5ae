/** `hocba serve`: the API, the verifier page and anchoring, configured from the environment. */
import { loadConfig } from "../../config/config";
import { startServer } from "../../server/server";
import type { Command } from "../command";
import { parseCommandArgs } from "../io";
import { untilSignal } from "./signals";

const HELP = `usage: hocba serve [--no-worker]

Starts the HTTP API, the verifier page and the anchoring runner. With no configuration this is
the embedded default: PGlite, an in-process runner and a local anvil chain under DATA_DIR
(./data), with demo keys under DATA_DIR/demo. Environment variables select production parts
(DATABASE_URL, REDIS_URL, CHAIN_RPC_URL, …; see the README).

  --no-worker   with REDIS_URL: only schedule anchoring; leave the jobs to \`hocba worker\` processes`;

export const command: Command = {
  summary: "run the API, the verifier page and anchoring",
  async run(args) {
    const { values } = parseCommandArgs(
      { args, options: { "no-worker": { type: "boolean" }, help: { type: "boolean", short: "h" } } },
      HELP,
    );
    if (values.help) {
      process.stdout.write(HELP + "\n");
      return 0;
    }
    const server = await startServer(loadConfig(process.env), { worker: !values["no-worker"] });
    await untilSignal();
    await server.close();
    return 0;
  },
};
