import { ROLES, type Role } from '@baton/contracts';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';

export interface OidcSettings {
  jwksUrl: string;
  issuer?: string;
  audience?: string;
  roleClaim: string;
}

export type TokenCheck = { ok: true; principal: string; role?: Role } | { ok: false; reason: string };

/** A JSON Web Token: three base64url parts. API keys never look like one (16+ characters, no dots required). */
export const looksLikeJwt = (token: string) => /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token);

/**
 * Bearer JWTs from an OIDC identity provider, verified against its JWKS (fetched and cached by
 * `jose`, refreshed when a token names an unknown key): signature, expiry, and issuer and
 * audience when configured. The role comes from one claim; in a list of roles the strongest wins.
 */
export class OidcTokens {
  private readonly keys: ReturnType<typeof createRemoteJWKSet>;

  constructor(private readonly settings: OidcSettings) {
    this.keys = createRemoteJWKSet(new URL(settings.jwksUrl));
  }

  async check(token: string): Promise<TokenCheck> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keys, { issuer: this.settings.issuer, audience: this.settings.audience }));
    } catch (error) {
      return { ok: false, reason: `invalid token: ${(error as Error).message}` };
    }
    return { ok: true, principal: `oidc:${payload.sub ?? 'unknown'}`, role: roleOf(payload[this.settings.roleClaim]) };
  }
}

function roleOf(claim: unknown): Role | undefined {
  const named = (Array.isArray(claim) ? claim : [claim]).filter((value): value is Role => ROLES.includes(value as Role));
  return named.sort((a, b) => ROLES.indexOf(b) - ROLES.indexOf(a))[0];
}
