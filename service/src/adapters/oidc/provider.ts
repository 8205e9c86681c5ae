/**
 * A real OpenID Provider (oidc-provider) for staff sign-in when the sector's SSO is not configured:
 * the embedded default serves it under /idp of hocba's own server with the demo staff
 * (DATA_DIR/demo/staff.json), and the tests run it on a port of its own as an "outside" provider.
 * Its login and consent pages are ours (Vietnamese first, English beside it; inputs `login` and
 * `password`); consent is implied for its own clients. Its signing key and cookie keys come from
 * `providerKeys` (generated once into a folder, owner-only). Sessions and codes live in the
 * provider's memory: one process, a demo — a production SSO is configured with OIDC_ISSUER_URL.
 */
import { generateKeyPairSync, randomBytes, timingSafeEqual, createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import { Provider, type Configuration, type KoaContextWithOIDC } from "oidc-provider";

/** A person who may sign in at the provider. */
export interface ProviderAccount {
  username: string;
  password: string;
  name: string;
  /** Further claims released with their scope (`scopes`), e.g. a citizen's `citizen_id`. */
  claims?: Record<string, unknown>;
}

export interface ProviderClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
}

export interface ProviderKeys {
  /** The private JWK (RS256) that signs ID tokens. */
  signingKey: Record<string, unknown>;
  cookieKeys: string[];
}

export interface OpenIdProvider {
  /** The issuer URL (e.g. http://127.0.0.1:8080/idp). */
  issuer: string;
  /** Serves every request whose path starts with the issuer's path. */
  handle(req: IncomingMessage, res: ServerResponse): void;
}

/** Fresh keys (tests); `providerKeys(dir)` keeps them across restarts. */
export function newProviderKeys(): ProviderKeys {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwk = privateKey.export({ format: "jwk" }) as Record<string, unknown>;
  return {
    signingKey: { ...jwk, use: "sig", alg: "RS256", kid: randomBytes(8).toString("hex") },
    cookieKeys: [randomBytes(32).toString("base64url")],
  };
}

/** The keys in `dir`/keys.json, generated there (mode 0600) on first use. */
export function providerKeys(dir: string): ProviderKeys {
  const file = path.join(dir, "keys.json");
  if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8")) as ProviderKeys;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keys = newProviderKeys();
  writeFileSync(file, JSON.stringify(keys) + "\n", { mode: 0o600, flag: "wx" });
  return keys;
}

const sha256 = (s: string) => createHash("sha256").update(s, "utf8").digest();
function passwordMatches(presented: string, expected: string): boolean {
  return timingSafeEqual(sha256(presented), sha256(expected));
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The login page: Vietnamese first, English beside it. */
function loginPage(action: string, failed: boolean, login: string): string {
  return `<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Đăng nhập — Sign in</title>
<style>
body{margin:0;font:16px/1.5 system-ui,"Segoe UI",Roboto,"Noto Sans",Arial,sans-serif;background:#f3f5f7;color:#1b1f24}
header{background:#0b4f8a;color:#fff;padding:.75rem 1rem;font-weight:700}
main{max-width:26rem;margin:1.5rem auto;padding:0 1rem}
form{background:#fff;border:1px solid #d3d9df;border-radius:10px;padding:1.25rem}
h1{font-size:1.4rem;margin:0 0 .25rem}.en{color:#4a5561;font-size:.95rem;font-weight:400}
label{display:block;font-weight:600;margin:1rem 0 .25rem}
input{font:inherit;width:100%;box-sizing:border-box;padding:.6rem .7rem;border:1px solid #4a5561;border-radius:8px}
input:focus-visible,button:focus-visible{outline:3px solid #ffbf00;outline-offset:2px}
button{font:inherit;margin-top:1.25rem;min-height:2.75rem;width:100%;border:0;border-radius:8px;background:#0b4f8a;color:#fff;font-weight:700;cursor:pointer}
.error{background:#fdecea;color:#a11a1a;border:1px solid #a11a1a;border-radius:8px;padding:.6rem .8rem;margin:.75rem 0 0}
p.note{color:#4a5561;font-size:.9rem}
</style></head>
<body><header>hocba · Đăng nhập ngành giáo dục <span lang="en">/ Education sign-in</span></header>
<main><form method="post" action="${escapeHtml(action)}" autocomplete="on">
<h1>Đăng nhập <span class="en" lang="en">Sign in</span></h1>
<p class="note">Nhà cung cấp định danh tích hợp của hocba (bản trình diễn). <span lang="en">hocba's embedded identity provider (demo).</span></p>
${failed ? `<p class="error" role="alert" id="login-error">Sai tên đăng nhập hoặc mật khẩu. <span lang="en">Wrong username or password.</span></p>` : ""}
<label for="login">Tên đăng nhập <span class="en" lang="en">Username</span></label>
<input id="login" name="login" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required value="${escapeHtml(login)}"${failed ? ' aria-describedby="login-error"' : ""} autofocus>
<label for="password">Mật khẩu <span class="en" lang="en">Password</span></label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Đăng nhập <span lang="en">/ Sign in</span></button>
</form></main></body></html>`;
}

function send(res: ServerResponse, status: number, html: string): void {
  res.statusCode = status;
  res.setHeader("content-type", "text/html; charset=utf-8");
  res.setHeader("cache-control", "no-store");
  res.setHeader(
    "content-security-policy",
    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
  );
  res.end(html);
}

async function readForm(req: IncomingMessage, limit = 16_384): Promise<URLSearchParams> {
  let body = "";
  for await (const chunk of req) {
    body += String(chunk);
    if (body.length > limit) throw new Error("form too large");
  }
  return new URLSearchParams(body);
}

/**
 * An OpenID Provider at `issuer` (its path is where it is served: `/idp` under hocba, `/` on a
 * port of its own) for `accounts`, with `clients`.
 */
export function openIdProvider(options: {
  issuer: string;
  accounts: readonly ProviderAccount[];
  clients: readonly ProviderClient[];
  keys: ProviderKeys;
  /** Scopes beyond `openid profile` and the claims each releases (e.g. citizen: [citizen_id]). */
  scopes?: Record<string, string[]>;
}): OpenIdProvider {
  const base = new URL(options.issuer).pathname.replace(/\/+$/, "");
  const accounts = new Map(options.accounts.map((a) => [a.username, a]));
  const configuration: Configuration = {
    clients: options.clients.map((c) => ({
      client_id: c.clientId,
      client_secret: c.clientSecret,
      redirect_uris: c.redirectUris,
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_post",
    })),
    jwks: { keys: [options.keys.signingKey] },
    cookies: { keys: options.keys.cookieKeys },
    claims: { openid: ["sub"], profile: ["name", "preferred_username"], ...options.scopes },
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `${base}/interaction/${interaction.uid}` },
    findAccount(_ctx, id) {
      const account = accounts.get(id);
      if (!account) return undefined;
      return {
        accountId: id,
        claims: () =>
          Promise.resolve({ ...account.claims, sub: id, name: account.name, preferred_username: id }),
      };
    },
    // Consent is implied: the clients are hocba's own.
    async loadExistingGrant(ctx: KoaContextWithOIDC) {
      const { oidc } = ctx;
      const clientId = oidc.client!.clientId;
      const accountId = oidc.session!.accountId!;
      const existing = oidc.result?.consent?.grantId ?? oidc.session!.grantIdFor(clientId);
      if (existing) {
        const grant = await oidc.provider.Grant.find(existing);
        if (grant) return grant;
      }
      const grant = new oidc.provider.Grant({ clientId, accountId });
      // The scopes the client asked for, among those this provider knows.
      const known = new Set(["openid", "profile", ...Object.keys(options.scopes ?? {})]);
      const scope = oidc.params?.scope;
      const asked = (typeof scope === "string" ? scope : "openid profile").split(" ");
      grant.addOIDCScope(asked.filter((scope) => known.has(scope)).join(" "));
      await grant.save();
      return grant;
    },
  };
  const provider = new Provider(options.issuer, configuration);
  const callback = provider.callback();
  const interaction = new RegExp(`^${base}/interaction/([A-Za-z0-9_-]+)(/login)?$`);

  async function interact(req: IncomingMessage, res: ServerResponse, uid: string, login: boolean) {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) return send(res, 400, "interaction mismatch");
    const action = `${base}/interaction/${uid}/login`;
    if (!login || req.method !== "POST") return send(res, 200, loginPage(action, false, ""));
    const form = await readForm(req);
    const username = form.get("login") ?? "";
    const account = accounts.get(username);
    if (!account || !passwordMatches(form.get("password") ?? "", account.password))
      return send(res, 200, loginPage(action, true, username));
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: username } },
      { mergeWithLastSubmission: false },
    );
  }

  return {
    issuer: options.issuer,
    handle(req, res) {
      const url = new URL(req.url ?? "/", "http://local");
      const match = interaction.exec(url.pathname);
      if (match) {
        interact(req, res, match[1]!, match[2] !== undefined).catch((error: unknown) => {
          if (!res.headersSent)
            send(
              res,
              400,
              `Phiên đăng nhập không hợp lệ hoặc đã hết hạn. / The sign-in expired: ${escapeHtml(String((error as Error).message))}`,
            );
        });
        return;
      }
      if (base !== "") {
        // Mounted under a path: the provider sees the rest, and knows the mount from originalUrl.
        (req as IncomingMessage & { originalUrl?: string }).originalUrl = req.url;
        req.url = (req.url ?? "/").slice(base.length) || "/";
      }
      void callback(req, res);
    },
  };
}
