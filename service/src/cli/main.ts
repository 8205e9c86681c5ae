/**
 * The `hocba` command line. Each subcommand lives in `commands/<name>.ts` and is listed in
 * COMMANDS; this file only dispatches and maps errors to exit codes (one table, in exit-codes.ts).
 */
import { HocbaError, toHocbaError } from "../core/errors";
import { exitCodeFor } from "./exit-codes";
import type { Command } from "./command";

const COMMANDS: Record<string, () => Promise<Command>> = {
  migrate: () => import("./commands/migrate").then((m) => m.command),
  serve: () => import("./commands/serve").then((m) => m.command),
  worker: () => import("./commands/worker").then((m) => m.command),
  sign: () => import("./commands/sign").then((m) => m.command),
  "sign-pending": () => import("./commands/sign-pending").then((m) => m.command),
  "verify-signature": () => import("./commands/verify-signature").then((m) => m.command),
  "demo-pki": () => import("./commands/demo-pki").then((m) => m.command),
  deploy: () => import("./commands/deploy").then((m) => m.command),
  "register-issuer": () => import("./commands/register-issuer").then((m) => m.command),
  issuer: () => import("./commands/issuer").then((m) => m.command),
  staff: () => import("./commands/staff").then((m) => m.command),
  submit: () => import("./commands/submit").then((m) => m.command),
  "import-graduates": () => import("./commands/import-graduates").then((m) => m.command),
  verify: () => import("./commands/verify").then((m) => m.command),
  disclose: () => import("./commands/disclose").then((m) => m.command),
  backup: () => import("./commands/backup").then((m) => m.command),
  restore: () => import("./commands/restore").then((m) => m.command),
};

/** The usage text: one line per command with its summary. */
async function usage(): Promise<string> {
  const names = Object.keys(COMMANDS).sort();
  const width = Math.max(...names.map((name) => name.length));
  const lines = await Promise.all(
    names.map(async (name) => `  ${name.padEnd(width)}  ${(await COMMANDS[name]!()).summary}`),
  );
  return `usage: hocba <command> [options]\n\ncommands:\n${lines.join("\n")}\n\nRun "hocba <command> --help" for a command's options. The API commands talk to $HOCBA_API_URL, else http://127.0.0.1:$PORT (port 8080).`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write((await usage()) + "\n");
    return name === undefined ? exitCodeFor("USAGE") : 0;
  }
  const load = COMMANDS[name];
  try {
    if (!load) throw new HocbaError("USAGE", `unknown command "${name}"\n\n${await usage()}`);
    const command = await load();
    return await command.run(rest);
  } catch (error) {
    const e = toHocbaError(error);
    process.stderr.write(`hocba ${name}: ${e.code}: ${e.message}\n`);
    if (e.code === "INTERNAL" && e.cause instanceof Error && e.cause.stack)
      process.stderr.write(e.cause.stack + "\n");
    return exitCodeFor(e.code);
  }
}
