// Bearer tokens for the HTTP API. Tokens come from a tokens file (config `web.tokens_file`) and/or the
// OVNCP_API_TOKENS environment variable; each belongs to a user name (the rate-limit key and the log
// field). Only SHA-256 digests are kept in memory, and a presented token is compared against every
// digest in constant time, so neither timing nor a heap dump gives a token away.

import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { DEFAULT_FILE_LIMITS, readYamlFile, unwrapLoaded } from '../config/yaml-file.ts';
import { OvncpError } from '../errors.ts';

export const TOKENS_ENV = 'OVNCP_API_TOKENS';
/** One minimum for every source of tokens: a short token falls to guessing whatever the throttle. */
export const MIN_TOKEN_LENGTH = 16;

const tokenEntry = z.union([
  z.strictObject({
    user: z.string().min(1),
    token: z.string().min(MIN_TOKEN_LENGTH, `tokens need at least ${MIN_TOKEN_LENGTH} characters`),
  }),
  z.strictObject({
    user: z.string().min(1),
    sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, 'want 64 hex digits'),
  }),
]);

export const tokensFileSchema = z.strictObject({ tokens: z.array(tokenEntry) });

interface StoredToken {
  readonly user: string;
  readonly digest: Buffer;
}

export function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

export class TokenStore {
  private readonly entries: readonly StoredToken[];

  constructor(entries: readonly { user: string; digest: Buffer }[]) {
    this.entries = entries.map((e) => ({ user: e.user, digest: Buffer.from(e.digest) }));
  }

  get size(): number {
    return this.entries.length;
  }

  /** The user owning `token`, or null. Looks at every entry whatever matches, in constant time each. */
  authenticate(token: string): string | null {
    const d = sha256(token);
    let user: string | null = null;
    for (const e of this.entries) if (timingSafeEqual(d, e.digest) && user === null) user = e.user;
    return user;
  }
}

/** `alice:TOKEN,bob:TOKEN2` (the value of OVNCP_API_TOKENS). */
export function parseTokensEnv(value: string): { user: string; digest: Buffer }[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((item) => {
      const i = item.indexOf(':');
      if (i <= 0 || i === item.length - 1) {
        throw new OvncpError('OVNCP_ERR_CONFIG', `${TOKENS_ENV}: want user:token pairs separated by commas`);
      }
      const user = item.slice(0, i);
      const token = item.slice(i + 1);
      if (token.length < MIN_TOKEN_LENGTH)
        throw new OvncpError(
          'OVNCP_ERR_CONFIG',
          `${TOKENS_ENV}: the token of user "${user}" has ${token.length} characters; tokens need at least ${MIN_TOKEN_LENGTH}`,
        );
      return { user, digest: sha256(token) };
    });
}

export function loadTokensFile(
  file: string,
  maxBytes = DEFAULT_FILE_LIMITS.tokensFileBytes,
): { user: string; digest: Buffer }[] {
  const limit = { maxBytes, setting: 'limits.tokens_file' };
  const doc = unwrapLoaded(readYamlFile(file, tokensFileSchema, limit), 'OVNCP_ERR_CONFIG').value;
  return doc.tokens.map((t) => ({
    user: t.user,
    digest: 'token' in t ? sha256(t.token) : Buffer.from(t.sha256, 'hex'),
  }));
}

/** Every configured token (file first, then environment); an empty store means auth is off. */
export function loadTokens(
  file: string | null,
  env: NodeJS.ProcessEnv = process.env,
  maxBytes = DEFAULT_FILE_LIMITS.tokensFileBytes,
): TokenStore {
  const fromFile = file ? loadTokensFile(file, maxBytes) : [];
  const fromEnv = env[TOKENS_ENV] ? parseTokensEnv(env[TOKENS_ENV]!) : [];
  return new TokenStore([...fromFile, ...fromEnv]);
}
