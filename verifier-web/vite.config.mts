/**
 * Vite build of the public pages the service serves (README, Verifier page): the verifier at `/`
 * (index.html), the THCS graduation lookup at `/tra-cuu` (tra-cuu/index.html), the bulk
 * verification at `/xac-minh-hang-loat` (xac-minh-hang-loat/index.html) and the school workspace
 * at `/truong` (truong/index.html) and a citizen's own records at `/cua-toi` (cua-toi/index.html).
 * The pages share
 * src/shared (styles, language switch). The output, verifier-web/dist, is what
 * service/src/http/plugins/pages.ts serves; scripts/build.ts runs this build.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { defineConfig } from "vite";

const root = import.meta.dirname;

/** The pages; the lookup only once its HTML exists (it is built by a separate change). */
function pageInputs(): Record<string, string> {
  const inputs: Record<string, string> = { verifier: path.join(root, "index.html") };
  const lookup = path.join(root, "tra-cuu/index.html");
  if (existsSync(lookup)) inputs.lookup = lookup;
  const bulk = path.join(root, "xac-minh-hang-loat/index.html");
  if (existsSync(bulk)) inputs.bulk = bulk;
  inputs.workspace = path.join(root, "truong/index.html");
  inputs.citizen = path.join(root, "cua-toi/index.html");
  return inputs;
}

export default defineConfig({
  root,
  base: "/",
  // Relative to root; served by the service, never by a CDN.
  publicDir: false,
  logLevel: "warn",
  // The bulk page's workers (src/bulk/worker.ts) load the PDF reader: ES module workers, split.
  worker: { format: "es" },
  build: {
    outDir: path.join(root, "dist"),
    // Not emptied: a page loaded from the previous build keeps finding its (hashed) assets while
    // a rebuild runs; scripts/build.ts prunes assets no build has written for an hour.
    emptyOutDir: false,
    target: "es2022",
    sourcemap: true,
    // The verifier bundles the core pipeline (pkijs, asn1js): about 300 kB, loaded once.
    chunkSizeWarningLimit: 1_000,
    rollupOptions: {
      input: pageInputs(),
    },
  },
});
