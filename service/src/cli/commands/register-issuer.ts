/**
 * `hocba register-issuer`: the Department registers a school or district office through the admin
 * API (POST /api/v1/admin/issuers) and receives its API key — printed here once, as the API shows
 * it once. Certificates are PEM files (signer first, then intermediates), checked by the service.
 */
import { ADMIN_API_OPTIONS, ADMIN_TOKEN_ENV, adminToken, apiBaseUrl, callApi } from "../api-client";
import type { Command } from "../command";
import { parseCommandArgs, processIo, readInput, usageError, type CliIo } from "../io";

export { ADMIN_TOKEN_ENV };

const HELP = `usage: hocba register-issuer --kind school|district --code <code> --name <name>
                             --cert <file.pem> [--cert <file.pem>...] [--role <role>...]
                             [--api <url>] [--admin-token <token> | --admin-token-file <file>]

Registers a school or district office with its signing certificates and prints its API key
(shown once: store it now).

  --kind              school or district
  --code              the school or district code used in its documents (2–20 letters/digits)
  --name              its name, e.g. "Trường THCS Nguyễn Du"
  --cert              a PEM file: the signer's certificate first, then intermediate CAs; repeatable
  --role              the signer's role (default principal): once for every --cert, or once per --cert
  --api               the hocba API (default $HOCBA_API_URL, else http://127.0.0.1:$PORT, port 8080)
  --admin-token       the ADMIN_TOKEN (default $${ADMIN_TOKEN_ENV}, else $ADMIN_TOKEN)
  --admin-token-file  a file holding it (e.g. data/demo/admin.token)`;

interface Registered {
  code: string;
  kind: string;
  name: string;
  apiKey: string;
  certificates: { fingerprint: string; subject: string; role: string }[];
}

export const command: Command = {
  summary: "register a school or district office (admin API) and print its API key",
  run: (args) => registerIssuerCommand(args, processIo),
};

/** Runs the command with `io` (tests pass a captured one). Returns the exit code. */
export async function registerIssuerCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs(
    {
      args,
      options: {
        kind: { type: "string" },
        code: { type: "string" },
        name: { type: "string" },
        cert: { type: "string", multiple: true },
        role: { type: "string", multiple: true },
        ...ADMIN_API_OPTIONS,
      },
      allowPositionals: false,
    },
    HELP,
  );
  if (values.help) {
    io.stdout(HELP + "\n");
    return 0;
  }
  const { kind, code, name } = values;
  if (kind !== "school" && kind !== "district") throw usageError("--kind must be school or district", HELP);
  if (code === undefined) throw usageError("--code is missing", HELP);
  if (name === undefined) throw usageError("--name is missing", HELP);
  const certs = values.cert ?? [];
  if (certs.length === 0) throw usageError("give at least one --cert", HELP);
  const roles = values.role ?? [];
  if (roles.length > 1 && roles.length !== certs.length)
    throw usageError(`give --role once, or once per --cert (${certs.length})`, HELP);
  const baseUrl = apiBaseUrl(values.api, io);
  const token = adminToken(values, io, HELP);
  const certificates = certs.map((path, index) => {
    const pem = readInput(path, "certificate").toString("utf8");
    const role = roles.length === 1 ? roles[0] : roles[index];
    return role === undefined ? pem : { pem, role };
  });
  const { body } = await callApi<Registered>(baseUrl, token, "POST", "/api/v1/admin/issuers", {
    kind,
    code,
    name: name.normalize("NFC"),
    certificates,
  });
  io.stdout(`registered ${body.kind} ${body.code} "${body.name}"\n`);
  for (const certificate of body.certificates)
    io.stdout(`certificate ${certificate.fingerprint} ${certificate.role} ${certificate.subject}\n`);
  io.stdout(`API key (shown once, store it now): ${body.apiKey}\n`);
  return 0;
}
