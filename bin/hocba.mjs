#!/usr/bin/env node
// Entry point of the `hocba` command. It runs the bundle `npm run build` makes (dist/hocba.cjs;
// `npm install`, `npm start` and the test setup build it). Set HOCBA_TSX=1 to run the TypeScript
// sources through tsx instead, without building (slower at run time: see scripts/build.ts).
// On a Node.js older than 24 it stops first with a message saying how to run it on 24.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { oldNodeMessage } from "./node-version.mjs";

const tooOld = oldNodeMessage("hocba", "`npx hocba …`, `npm start`, `npm run …`");
if (tooOld !== undefined) {
  process.stderr.write(`${tooOld}\n`);
  // 78 is exitCodeFor("CONFIG_INVALID") (service/src/cli/exit-codes.ts): the environment is not right.
  process.exit(78);
}

const require = createRequire(import.meta.url);
const bundle = new URL("../dist/hocba.cjs", import.meta.url);
let main;
if (process.env.HOCBA_TSX === "1" || !existsSync(bundle)) {
  await import("tsx");
  ({ main } = require("../service/src/cli/main.ts"));
} else {
  ({ main } = require(bundle.pathname));
}
process.exitCode = await main(process.argv.slice(2));
