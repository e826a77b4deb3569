// Bearer-token auth (on every route but the probe and scrape endpoints), the throttle on failed
// authentications and per-user token-bucket rate limits, with exact counts (in-process), plus the
// token store and the bucket arithmetic on a fake clock.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { TokenBuckets } from '../../src/api/rate-limit.ts';
import { checkListenSecurity, parseDuration } from '../../src/api/trace-api.ts';
import { loadTokens, sha256, TokenStore } from '../../src/auth/tokens.ts';
import { buildApp } from './harness.ts';

const ALICE = 'alice-token-0123456789';
const BOB = 'bob-token-9876543210xx';
const addr = '/api/v1/trace/ports/vm1-port/addresses';

describe('auth', () => {
  it('with tokens, /api/v1/* needs a valid bearer token; /metrics and /-/* stay open', async () => {
    const app = await buildApp({ tokens: { alice: ALICE, bob: BOB } });
    try {
      const none = await app.inject({ method: 'GET', url: addr });
      expect(none.statusCode).toBe(401);
      expect(none.headers['www-authenticate']).toBe('Bearer realm="ovncp-monitor"');
      expect(none.json().error.code).toBe('OVNCP_ERR_UNAUTHORIZED');
      const bad = await app.inject({ method: 'GET', url: addr, headers: { authorization: 'Bearer nope' } });
      expect(bad.statusCode).toBe(401);
      expect(bad.json().error.message).toBe('Invalid bearer token');
      const basic = await app.inject({
        method: 'GET',
        url: addr,
        headers: { authorization: `Basic ${ALICE}` },
      });
      expect(basic.statusCode).toBe(401);
      for (const t of [ALICE, BOB]) {
        const good = await app.inject({
          method: 'GET',
          url: addr,
          headers: { authorization: `Bearer ${t}` },
        });
        expect(good.statusCode).toBe(200);
      }
      const post = await app.inject({
        method: 'POST',
        url: '/api/v1/trace/flow',
        payload: { source_port: 'x' },
      });
      expect(post.statusCode).toBe(401);
      expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
      expect((await app.inject({ method: 'GET', url: '/api/v1/nope' })).statusCode).toBe(401);
    } finally {
      await app.close();
    }
  });

  it('with tokens, the pages, /-/reload, /openapi.json and unknown URLs need one; probes and scrapes do not', async () => {
    const app = await buildApp({ tokens: { alice: ALICE } });
    try {
      const auth = { authorization: `Bearer ${ALICE}` };
      for (const [method, url] of [
        ['GET', '/'],
        ['GET', '/?x=1'],
        ['POST', '/-/reload'],
        ['POST', '//-/reload'],
        ['GET', '/openapi.json'],
        ['GET', '/nope'],
        ['GET', '/-/nope'],
      ] as const) {
        const res = await app.inject({ method, url });
        expect(res.statusCode, `${method} ${url}`).toBe(401);
        expect(res.json().error.code).toBe('OVNCP_ERR_UNAUTHORIZED');
      }
      expect((await app.inject({ method: 'GET', url: '/', headers: auth })).statusCode).toBe(200);
      expect((await app.inject({ method: 'POST', url: '/-/reload', headers: auth })).statusCode).toBe(200);
      expect((await app.inject({ method: 'GET', url: '/openapi.json', headers: auth })).statusCode).toBe(200);
      for (const url of ['/metrics', '/metrics?x=1', '/-/healthy', '/-/ready'])
        expect((await app.inject({ method: 'GET', url })).statusCode, url).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('failed authentications are throttled per client address (429 + Retry-After) and counted', async () => {
    const registry = new Registry();
    const app = await buildApp({ tokens: { alice: ALICE }, authFailures: { rate: 0.1, burst: 3 }, registry });
    const from = (remoteAddress: string, token?: string) =>
      app.inject({
        method: 'GET',
        url: addr,
        remoteAddress,
        ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
      });
    try {
      // A missing token is not a guess: many of them lock nobody out.
      for (let i = 0; i < 5; i++) expect((await from('192.0.2.1')).statusCode).toBe(401);
      const codes: number[] = [];
      for (let i = 0; i < 5; i++)
        codes.push((await from('192.0.2.1', `wrong-token-${i}-0123456789`)).statusCode);
      expect(codes).toEqual([401, 401, 401, 429, 429]);
      // Locked out: even the right token is not looked at, so guessing cannot go on in the meantime.
      const locked = await from('192.0.2.1', ALICE);
      expect(locked.statusCode).toBe(429);
      expect(locked.headers['retry-after']).toBe('10');
      expect(locked.json().error.message).toMatch(/Too many failed authentications/);
      // Another address is not affected, and open endpoints stay open for the locked-out one.
      expect((await from('192.0.2.2', ALICE)).statusCode).toBe(200);
      const healthy = await app.inject({ method: 'GET', url: '/-/healthy', remoteAddress: '192.0.2.1' });
      expect(healthy.statusCode).toBe(200);
      const text = await registry.metrics();
      expect(text).toContain('ovncp_http_auth_failures_total{reason="missing"} 5');
      expect(text).toContain('ovncp_http_auth_failures_total{reason="invalid"} 3');
      expect(text).toContain('ovncp_http_auth_failures_total{reason="throttled"} 3');
    } finally {
      await app.close();
    }
  });

  it('no spelling of an API URL gets through without a token', async () => {
    const app = await buildApp({ tokens: { alice: ALICE } });
    try {
      const variants = [
        `${addr}?x=1`,
        `${addr}/`,
        `/${addr}`,
        '/api/v1/trace/ports/vm1%2Dport/addresses',
        '/api/v1/trace/./ports/vm1-port/addresses',
        '/API/v1/trace/ports/vm1-port/addresses',
        '/api/v1/trace/ports/vm1-port/addresses#x',
      ];
      for (const url of variants) {
        const res = await app.inject({ method: 'GET', url });
        expect([401, 404], url).toContain(res.statusCode);
      }
    } finally {
      await app.close();
    }
  });

  it('web.metrics_auth puts /metrics behind the same tokens', async () => {
    const app = await buildApp({ tokens: { alice: ALICE }, metricsAuth: true });
    try {
      expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
      const ok = await app.inject({
        method: 'GET',
        url: '/metrics',
        headers: { authorization: `Bearer ${ALICE}` },
      });
      expect(ok.statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('without tokens the API is open (the daemon then insists on loopback)', async () => {
    const app = await buildApp();
    try {
      expect((await app.inject({ method: 'GET', url: addr })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('the listen rule: loopback ok, other addresses refused unless insecure, any address with tokens', () => {
    const none = new TokenStore([]);
    const some = new TokenStore([{ user: 'a', digest: sha256(ALICE) }]);
    const api = (tokens: TokenStore) => ({
      tokens,
      metricsAuth: false,
      rate: 1,
      burst: 1,
      timeoutMs: 1,
      maxTracesPerRequest: 1,
    });
    expect(checkListenSecurity('127.0.0.1:9477', api(none), false)).toMatch(/loopback callers only/);
    expect(checkListenSecurity('[::1]:9477', api(none), false)).toMatch(/loopback/);
    expect(() => checkListenSecurity('0.0.0.0:9477', api(none), false)).toThrow(
      /refusing to serve the trace API without auth on non-loopback address 0.0.0.0:9477/,
    );
    expect(() => checkListenSecurity(':9477', api(none), false)).toThrow(/refusing/);
    expect(checkListenSecurity('0.0.0.0:9477', api(none), true)).toMatch(/OPEN to anyone/);
    expect(checkListenSecurity('0.0.0.0:9477', api(some), false)).toMatch(/bearer-token auth/);
  });
});

describe('token store', () => {
  it('loads plain and SHA-256 entries from a file and user:token pairs from the environment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ovncp-tokens-'));
    const file = join(dir, 'tokens.yaml');
    writeFileSync(
      file,
      `tokens:\n  - { user: alice, token: ${ALICE} }\n  - { user: ci, sha256: ${sha256('ci-token-abcdefghijkl').toString('hex')} }\n`,
    );
    const store = loadTokens(file, { OVNCP_API_TOKENS: `bob:${BOB}` });
    expect(store.size).toBe(3);
    expect(store.authenticate(ALICE)).toBe('alice');
    expect(store.authenticate('ci-token-abcdefghijkl')).toBe('ci');
    expect(store.authenticate(BOB)).toBe('bob');
    expect(store.authenticate('')).toBeNull();
    expect(store.authenticate(`${ALICE}x`)).toBeNull();
  });

  it('rejects a short token and a malformed file with file:line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ovncp-tokens-'));
    const file = join(dir, 'tokens.yaml');
    writeFileSync(file, 'tokens:\n  - { user: alice, token: short }\n');
    expect(() => loadTokens(file, {})).toThrow(/tokens\.yaml:2: /);
    expect(() => loadTokens(null, { OVNCP_API_TOKENS: 'nocolon' })).toThrow(/user:token/);
  });

  it('the environment variable needs 16+ characters per token, like the file', () => {
    expect(() => loadTokens(null, { OVNCP_API_TOKENS: 'eve:q7' })).toThrow(
      /OVNCP_API_TOKENS: the token of user "eve" has 2 characters; tokens need at least 16/,
    );
    expect(() => loadTokens(null, { OVNCP_API_TOKENS: `bob:${BOB},eve:${'x'.repeat(15)}` })).toThrow(/"eve"/);
    expect(loadTokens(null, { OVNCP_API_TOKENS: `eve:${'x'.repeat(16)}` }).size).toBe(1);
  });
});

describe('rate limits', () => {
  it('token bucket: burst then rate per second, on a fake clock', () => {
    let now = 0;
    const b = new TokenBuckets({ rate: 10, burst: 50 }, () => now);
    let allowed = 0;
    for (let i = 0; i < 60; i++) if (b.take('u').allowed) allowed++;
    expect(allowed).toBe(50);
    const refused = b.take('u');
    expect(refused).toMatchObject({ allowed: false, remaining: 0, retryAfterSeconds: 1 });
    now += 1000; // 10 tokens back
    allowed = 0;
    for (let i = 0; i < 20; i++) if (b.take('u').allowed) allowed++;
    expect(allowed).toBe(10);
    expect(b.take('other').allowed).toBe(true); // buckets are per key
  });

  it('HTTP: burst 5 per user gives exactly 5 × 200 then 429 with Retry-After and X-RateLimit-*', async () => {
    const app = await buildApp({ tokens: { alice: ALICE, bob: BOB }, rate: 0.5, burst: 5 });
    try {
      const codes: number[] = [];
      let last = await app.inject({
        method: 'GET',
        url: addr,
        headers: { authorization: `Bearer ${ALICE}` },
      });
      codes.push(last.statusCode);
      expect(last.headers['x-ratelimit-limit']).toBe('5');
      expect(last.headers['x-ratelimit-remaining']).toBe('4');
      for (let i = 0; i < 7; i++) {
        last = await app.inject({ method: 'GET', url: addr, headers: { authorization: `Bearer ${ALICE}` } });
        codes.push(last.statusCode);
      }
      expect(codes).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
      expect(last.headers['retry-after']).toBe('2');
      expect(last.headers['x-ratelimit-remaining']).toBe('0');
      expect(last.json().error.code).toBe('OVNCP_ERR_RATE_LIMITED');
      // Bob has his own bucket; bad tokens are refused before they can spend anyone's.
      const bob = await app.inject({ method: 'GET', url: addr, headers: { authorization: `Bearer ${BOB}` } });
      expect(bob.statusCode).toBe(200);
      // /metrics is never rate-limited.
      for (let i = 0; i < 10; i++)
        expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('a multi-path request counts once, whatever its trace count', async () => {
    const app = await buildApp({ rate: 0.01, burst: 2 });
    try {
      const body = { source_port: 'vm1-port', destination_ip: '10.0.0.2' };
      const a = await app.inject({ method: 'POST', url: '/api/v1/trace/multi-path', payload: body });
      expect(a.statusCode).toBe(200);
      expect(a.json().paths).toHaveLength(15);
      expect(a.headers['x-ratelimit-remaining']).toBe('1');
      const b = await app.inject({ method: 'POST', url: '/api/v1/trace/multi-path', payload: body });
      expect(b.statusCode).toBe(200);
      const c = await app.inject({ method: 'POST', url: '/api/v1/trace/multi-path', payload: body });
      expect(c.statusCode).toBe(429);
    } finally {
      await app.close();
    }
  });
});

describe('settings', () => {
  it('parses trace timeouts', () => {
    expect(parseDuration('30s', 'x')).toBe(30_000);
    expect(parseDuration('1500ms', 'x')).toBe(1500);
    expect(parseDuration('2m', 'x')).toBe(120_000);
    expect(parseDuration('5', 'x')).toBe(5000);
    expect(() => parseDuration('soon', 'web.trace_timeout')).toThrow(/web.trace_timeout: want a duration/);
  });
});
