/**
 * The StaffIdentityProvider port over openid-client: discovery of the OpenID Provider (once, on
 * first use, retried after a failure), the authorization-code flow with PKCE (S256), state and
 * nonce, the ID token checked by openid-client, the name read from the ID token or else from the
 * UserInfo endpoint. Plain-HTTP providers are allowed only on loopback addresses (the embedded
 * provider, tests).
 */
import * as client from "openid-client";
import { HocbaError } from "../../core/errors";
import type { LoginSecrets, SignedInPerson, StaffIdentityProvider } from "../../issuance/ports";

export interface OpenIdClientOptions {
  /** OIDC_ISSUER_URL, or a function giving it once known (the embedded provider's URL after listen). */
  issuerUrl: string | (() => string);
  clientId: string;
  /** OIDC_CLIENT_SECRET; none = a public client (PKCE only). */
  clientSecret?: string | undefined;
  /** `<PUBLIC_URL>/auth/callback`, or a function giving it once known. */
  redirectUri: string | (() => string);
  /** The scopes asked for; default `openid profile`. */
  scope?: string;
  /** `prompt` of the authorization request (citizens: `login`, a fresh sign-in every time). */
  prompt?: string;
  /** Further claims to read from the ID token, else from UserInfo (into `SignedInPerson.claims`). */
  claims?: readonly string[];
  /** The setting that names the issuer, for error messages (default OIDC_ISSUER_URL). */
  setting?: string;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

const valueOf = (v: string | (() => string)): string => (typeof v === "function" ? v() : v);

export function openIdClient(options: OpenIdClientOptions): StaffIdentityProvider {
  let configuration: Promise<client.Configuration> | undefined;
  const discover = (): Promise<client.Configuration> => {
    configuration ??= (async () => {
      const issuer = new URL(valueOf(options.issuerUrl));
      const insecure = issuer.protocol === "http:";
      if (insecure && !LOOPBACK.has(issuer.hostname))
        throw new HocbaError(
          "CONFIG_INVALID",
          `${options.setting ?? "OIDC_ISSUER_URL"} must be https (got ${issuer.origin})`,
        );
      try {
        return await client.discovery(
          issuer,
          options.clientId,
          options.clientSecret,
          options.clientSecret === undefined ? client.None() : client.ClientSecretPost(options.clientSecret),
          insecure ? { execute: [client.allowInsecureRequests] } : undefined,
        );
      } catch (cause) {
        throw new HocbaError(
          "SIGN_IN_UNAVAILABLE",
          `the OpenID Provider ${issuer.href} could not be reached: ${(cause as Error).message}`,
          { cause },
        );
      }
    })();
    configuration.catch(() => (configuration = undefined));
    return configuration;
  };

  return {
    async begin() {
      const config = await discover();
      const secrets: LoginSecrets = {
        state: client.randomState(),
        nonce: client.randomNonce(),
        codeVerifier: client.randomPKCECodeVerifier(),
      };
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: valueOf(options.redirectUri),
        scope: options.scope ?? "openid profile",
        ...(options.prompt === undefined ? {} : { prompt: options.prompt }),
        response_type: "code",
        code_challenge: await client.calculatePKCECodeChallenge(secrets.codeVerifier),
        code_challenge_method: "S256",
        state: secrets.state,
        nonce: secrets.nonce,
      });
      return { url: url.href, secrets };
    },

    async finish(callbackUrl, secrets): Promise<SignedInPerson> {
      const config = await discover();
      let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
      try {
        tokens = await client.authorizationCodeGrant(
          config,
          callbackUrl,
          {
            pkceCodeVerifier: secrets.codeVerifier,
            expectedState: secrets.state,
            expectedNonce: secrets.nonce,
            idTokenExpected: true,
          },
          { redirect_uri: valueOf(options.redirectUri) },
        );
      } catch (cause) {
        throw new HocbaError("LOGIN_INVALID", `the sign-in was refused: ${(cause as Error).message}`, {
          cause,
        });
      }
      const claims = tokens.claims();
      if (!claims) throw new HocbaError("LOGIN_INVALID", "the OpenID Provider sent no ID token");
      const wanted = options.claims ?? [];
      let name = typeof claims.name === "string" ? claims.name : undefined;
      let info: Record<string, unknown> | undefined;
      if (name === undefined || wanted.some((c) => claims[c] === undefined)) {
        try {
          info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
          name ??=
            typeof info.name === "string" ? info.name : (info.preferred_username as string | undefined);
        } catch {
          // The name is for display only: the subject stands in. A missing wanted claim is the caller's to judge.
        }
      }
      const person: SignedInPerson = { issuer: claims.iss, subject: claims.sub, name: name ?? claims.sub };
      if (wanted.length > 0)
        person.claims = Object.fromEntries(
          wanted.flatMap((c) => {
            const value = claims[c] ?? info?.[c];
            return value === undefined ? [] : [[c, value]];
          }),
        );
      return person;
    },
  };
}
