/**
 * Creates the demo PKI (README, Quick start) without the service:
 * `npx tsx scripts/demo-pki.ts [--dir data/demo]`.
 * Same as `hocba demo-pki`; kept for scripts that run before the CLI is wired in.
 */
import { demoPki } from "../service/src/cli/commands/demo-pki";
import { exitCodeFor } from "../service/src/cli/exit-codes";
import { toHocbaError } from "../service/src/core/errors";

demoPki(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const e = toHocbaError(error);
    process.stderr.write(`demo-pki: ${e.code}: ${e.message}\n`);
    process.exitCode = exitCodeFor(e.code);
  },
);
