import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { staffCommand } from "../../service/src/cli/commands/staff";
import { captureIo, commandError } from "../helpers/cli";
import { startListeningApp, type ListeningApp } from "../helpers/listening-app";
import { SCHOOL_CODE } from "../helpers/pki";

let api: ListeningApp;
const ISSUER = "https://sso.example.gov.vn";

beforeAll(async () => {
  api = await startListeningApp("staff-cli-api");
}, 120_000);
afterAll(async () => {
  await api?.dispose();
});

describe("hocba staff", () => {
  it("gives a homeroom teacher roles with classes, lists them, and takes them away (audited)", async () => {
    const env = { HOCBA_API_URL: api.url, HOCBA_ADMIN_TOKEN: api.adminToken };
    const added = captureIo(env);
    const add = [
      "add",
      SCHOOL_CODE,
      "--issuer",
      ISSUER,
      "--subject",
      "gv-042",
      "--role",
      "homeroom",
      "--role",
      "clerk",
      "--class",
      "9A",
      "--label",
      "Cô Lan",
    ];
    expect(await staffCommand(add, added)).toBe(0);
    expect(added.stdoutText()).toBe(`${SCHOOL_CODE} homeroom,clerk classes=9A gv-042 ${ISSUER} (Cô Lan)\n`);
    const listed = captureIo(env);
    expect(await staffCommand(["list", SCHOOL_CODE], listed)).toBe(0);
    expect(listed.stdoutText()).toBe(`${SCHOOL_CODE} homeroom,clerk classes=9A gv-042 ${ISSUER} (Cô Lan)\n`);
    const removed = captureIo(env);
    const remove = ["remove", SCHOOL_CODE, "--issuer", ISSUER, "--subject", "gv-042"];
    expect(await staffCommand(remove, removed)).toBe(0);
    expect(removed.stdoutText()).toBe(`removed every role of gv-042 at ${SCHOOL_CODE}\n`);
    const empty = captureIo(env);
    expect(await staffCommand(["list", SCHOOL_CODE], empty)).toBe(0);
    expect(empty.stdoutText()).toBe("");
    const { rows } = await api.db.query<{ actor: string; action: string }>(
      "SELECT actor, action FROM audit_log WHERE action LIKE 'staff.%' ORDER BY id",
    );
    expect(rows).toEqual([
      { actor: "admin", action: "staff.assigned" },
      { actor: "admin", action: "staff.listed" },
      { actor: "admin", action: "staff.unassigned" },
      { actor: "admin", action: "staff.listed" },
    ]);
  });

  it("reports the service's refusals and usage mistakes with their codes", async () => {
    const env = { HOCBA_API_URL: api.url, HOCBA_ADMIN_TOKEN: api.adminToken };
    expect(
      await commandError(
        staffCommand(
          ["add", "NOSUCH", "--issuer", ISSUER, "--subject", "x", "--role", "clerk"],
          captureIo(env),
        ),
      ),
    ).toEqual({ code: "NOT_FOUND", message: "no school NOSUCH is registered" });
    expect(
      await commandError(
        staffCommand(["remove", SCHOOL_CODE, "--issuer", ISSUER, "--subject", "nobody"], captureIo(env)),
      ),
    ).toEqual({ code: "NOT_FOUND", message: `nobody has no roles at ${SCHOOL_CODE}` });
    expect(
      (
        await commandError(
          staffCommand(["add", SCHOOL_CODE, "--issuer", ISSUER, "--subject", "x"], captureIo(env)),
        )
      ).code,
    ).toBe("USAGE");
    expect((await commandError(staffCommand(["promote", SCHOOL_CODE], captureIo(env)))).code).toBe("USAGE");
    expect(
      await commandError(
        staffCommand(
          ["list", SCHOOL_CODE],
          captureIo({ HOCBA_API_URL: api.url, HOCBA_ADMIN_TOKEN: "wrong" }),
        ),
      ),
    ).toEqual({ code: "UNAUTHORIZED", message: "invalid or revoked credentials" });
  });
});
