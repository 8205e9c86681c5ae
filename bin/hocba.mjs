#!/usr/bin/env node
// Entry point of the `hocba` command. It runs the bundle `npm run build` makes (dist/hocba.cjs;
// `npm install`, `npm start` and the test setup build it). Set HOCBA_TSX=1 to run the TypeScript
// sources through tsx instead, without building (slower at run time: see scripts/build.ts).
import { existsSync } from "node:fs";
import { createRequire } from "node:module";

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
