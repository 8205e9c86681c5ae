/**
 * The architecture's boundaries (README "Architecture"), checked by `npm run lint`:
 *   core/       pure and browser-safe: imports nothing outside core
 *   issuance/, auth/   use cases: depend on ports (issuance/ports.ts), never on an adapter or a
 *               framework or driver
 *   http/       the Fastify layer: no adapter (server/compose.ts wires them in)
 *   verifier-web/  the page: no server code outside core
 * and no import cycle anywhere.
 */
/** Frameworks and drivers, as resolved paths (with their @types). */
const FRAMEWORKS =
  "^node_modules/(@types/)?(fastify|@fastify/[^/]+|pg|@electric-sql/pglite|ethers|bullmq|ioredis|pino|hardhat)/";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-cycles",
      severity: "error",
      comment: "No module may import itself back, directly or through others.",
      from: { path: "^(service/src|verifier-web/src)/" },
      to: { circular: true },
    },
    {
      name: "core-stays-in-core",
      severity: "error",
      comment: "service/src/core is pure: it imports only core modules and pure packages.",
      from: { path: "^service/src/core/" },
      to: { path: "^(service|verifier-web|scripts|bench|test|contracts)/", pathNot: "^service/src/core/" },
    },
    {
      name: "core-no-platform",
      severity: "error",
      comment: "service/src/core runs in the browser: no Node built-in, no driver, no framework.",
      from: { path: "^service/src/core/" },
      to: { dependencyTypes: ["core"] },
    },
    {
      name: "use-cases-no-adapter",
      severity: "error",
      comment:
        "Use cases depend on the ports beside them (issuance/ports.ts), not on adapters or the layers above.",
      from: { path: "^service/src/(issuance|auth)/" },
      to: { path: "^service/src/(adapters|http|server|cli|config)/" },
    },
    {
      name: "no-framework-below-http",
      severity: "error",
      comment: "The core and the use cases import no framework or driver: those live in adapters.",
      from: { path: "^service/src/(core|issuance|auth)/" },
      to: { path: FRAMEWORKS, dependencyTypes: ["npm", "npm-dev", "npm-optional", "npm-peer"] },
    },
    {
      name: "http-no-adapter",
      severity: "error",
      comment: "The HTTP layer gets adapters through app.services, composed in server/compose.ts.",
      from: { path: "^service/src/http/" },
      to: { path: "^service/src/(adapters|server|cli)/" },
    },
    {
      name: "page-no-server-code",
      severity: "error",
      comment:
        "The pages bundle core only (and the registry artifact's data, and the .p12 reader for in-browser signing).",
      from: { path: "^verifier-web/src/" },
      to: {
        path: "^service/src/",
        pathNot: [
          "^service/src/core/",
          "^service/src/adapters/chain/registry-artifact\\.json$",
          // The .p12 reader (node-forge, browser-safe): the workspace signs in the page with it.
          "^service/src/adapters/pki/p12-read\\.ts$",
        ],
      },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    exclude: { path: "(^|/)(dist|artifacts|cache|coverage)/" },
  },
};
