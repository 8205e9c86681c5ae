import type { parseArgs, ParseArgsConfig } from "node:util";
import { commandArgs, HELP_OPTION, processIo, type CliIo } from "./io";

/** A CLI subcommand: parses its own arguments, returns the process exit code. */
export interface Command {
  readonly summary: string;
  run(args: string[]): Promise<number>;
}

/** How a command reads its arguments: its parseArgs options and whether it takes positionals. */
export type ArgsConfig = Omit<ParseArgsConfig, "args" | "tokens">;

/**
 * What node:util parseArgs returns for a command's {@link ArgsConfig}, with the tokens (the commands
 * that take signers read them in command-line order from the tokens).
 */
export type ParsedArgs<C extends ArgsConfig> = ReturnType<
  typeof parseArgs<C & { args: string[]; tokens: true }>
>;

/** A command whose run also takes the io (tests pass a captured one; the default is the process's). */
export interface DefinedCommand extends Command {
  readonly run: (args: string[], io?: CliIo) => Promise<number>;
}

/**
 * A command from its declaration: its summary, its help text, how it reads its arguments, and what
 * it does with them. The arguments are parsed as {@link commandArgs} does (a bad option is USAGE
 * followed by the help); every command has `-h, --help` besides `config.options`, which prints the
 * help and returns 0 without running `run`. Anything `run` throws rejects the returned promise.
 */
export function defineCommand<const C extends ArgsConfig>(
  summary: string,
  help: string,
  config: C,
  run: (parsed: ParsedArgs<C>, io: CliIo) => number | Promise<number>,
): DefinedCommand {
  return {
    summary,
    run: async (args, io = processIo) => {
      const options = { ...config.options, ...HELP_OPTION };
      const parsed = commandArgs({ ...config, options, args, tokens: true }, help, io);
      return parsed === undefined ? 0 : run(parsed as ParsedArgs<C>, io);
    },
  };
}
