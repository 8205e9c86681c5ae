/** Types of bin/node-version.mjs (plain JavaScript so that it runs on any Node.js). */
export declare const MINIMUM_NODE_MAJOR: number;
export declare function oldNodeMessage(
  what: string,
  howToRun: string,
  version?: string,
  execPath?: string,
): string | undefined;
