/**
 * The PDF seal's timestamp authority at start (PDF_SEAL_TSA_URL): asking for timestamped seals
 * when there is no seal is a configuration error said at start, not a silent no-op.
 */
import { mkdirSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../service/src/config/config";
import { isHocbaError } from "../../service/src/core/errors";
import { composeServerParts } from "../../service/src/server/compose";
import { tempDir } from "../helpers/files";
import { makeSchoolPki } from "../helpers/pki";

const tmp = tempDir("pdf-seal-config");
afterAll(() => tmp.dispose());

describe("PDF_SEAL_TSA_URL at start", () => {
  it("refuses to start with CONFIG_INVALID when there is no seal to timestamp (no PDF_SEAL_P12, no demo)", async () => {
    const pki = await makeSchoolPki("P-256");
    mkdirSync(tmp.path("trust"));
    tmp.write("trust/root.pem", pki.root.certificatePem);
    const config = loadConfig({
      DATA_DIR: tmp.path("data"),
      DEMO: "off",
      TRUST_ANCHORS_DIR: tmp.path("trust"),
      PDF_SEAL_TSA_URL: "http://127.0.0.1:9/tsr",
      LOG_LEVEL: "silent",
    });
    const error: unknown = await composeServerParts(config, () => undefined).then(
      async (parts) => {
        await parts.close();
        return "started";
      },
      (e: unknown) => e,
    );
    expect(isHocbaError(error) ? error.toJSON() : error).toEqual({
      code: "CONFIG_INVALID",
      message:
        "PDF_SEAL_TSA_URL timestamps the printable PDFs' seal, and there is none: set PDF_SEAL_P12 (or DEMO=on)",
    });
  }, 180_000);
});
