/** A CLI subcommand: parses its own arguments, returns the process exit code. */
export interface Command {
  readonly summary: string;
  run(args: string[]): Promise<number>;
}
