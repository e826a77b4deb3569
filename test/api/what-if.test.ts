// POST /api/v1/what-if in a real daemon (demo network, the shipped paths file, model engine): only the
// differences by default, ad-hoc traces, `all`, the limits refused before any work, bad input naming
// the field, the live topology untouched, /openapi.json, the typed client over a real socket, and the
// `check --what-if` / `diff` commands.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { OvncpClient } from '../../src/client/index.ts';
import { resolveSettings } from '../../src/config/daemon-config.ts';
import { createLogger } from '../../src/log.ts';
import { createDaemon, type Daemon } from '../../src/runtime/daemon.ts';
import { DEMO_NETWORK_FILE } from '../../src/sources/file.ts';

/** The CLI in-process (a child process would cost seconds of start-up per call). */
async function runCli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const sink = (add: (s: string) => void) =>
    ({
      write: (s: string) => {
        add(s);
        return true;
      },
    }) as unknown as NodeJS.WritableStream;
  const code = await main(argv, {
    out: sink((s) => (stdout += s)),
    err: sink((s) => (stderr += s)),
    env: {},
  });
  return { code, stdout, stderr };
}

const PATHS_FILE = new URL('../../config/paths.yaml', import.meta.url).pathname;
let d: Daemon;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ovncp-what-if-'));
  writeFileSync(join(dir, 'ovncp.yaml'), 'what_if: { max_changes: 3, max_checks: 20 }\n');
  const settings = resolveSettings(
    {
      'config.file': join(dir, 'ovncp.yaml'),
      'paths.file': PATHS_FILE,
      'topology.file': DEMO_NETWORK_FILE,
      'web.listen-address': '127.0.0.1:0',
      engine: 'model',
    },
    {},
  );
  d = createDaemon(settings, { logger: createLogger('fatal', 'json') });
  await d.start();
  await d.runtime.monitor.idle();
});
afterAll(async () => {
  await d?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const post = (body: unknown) =>
  d.app.inject({ method: 'POST', url: '/api/v1/what-if', payload: body as object });
const DROP_MYSQL = { nbctl: `acl-add pg_db to-lport 1200 'outport == @pg_db && tcp.dst == 3306' drop` };

describe('POST /api/v1/what-if', () => {
  it('answers the flipped paths with before/after and why, and counts the rest', async () => {
    const live = d.topology.current();
    const res = await post({ changes: [DROP_MYSQL] });
    expect(res.statusCode).toBe(200);
    const r = res.json();
    expect(r.engine).toBe('model');
    expect(r.engine_note).toMatch(/model/);
    expect(r.flipped).toHaveLength(1);
    expect(r.flipped[0]).toMatchObject({
      path: 'web-to-db',
      before: {
        verdict: 'reachable',
        blocked_by: null,
        allowed_by: expect.stringContaining('db-allow-mysql-from-web'),
      },
      after: { verdict: 'blocked', blocked_by: expect.stringMatching(/^acl:/) },
      expectation_met_before: true,
      expectation_met_after: false,
    });
    expect(r.unchanged).toBe(r.checks - 1);
    expect(r.unchanged_checks).toBeUndefined();
    expect(r.newly_unmet).toBe(1);
    expect(r.changes[0].ops[0]).toMatchObject({ op: 'acl-add', entity: 'pg_db', priority: 1200 });
    expect(d.topology.current()).toBe(live); // the live topology is never touched
    expect(live!.portGroups.get('pg_db')!.acls.some((a) => a.priority === 1200)).toBe(false);
  });

  it('compares ad-hoc traces and lists everything with all: true', async () => {
    const res = await post({
      changes: [
        {
          op: 'acl-add',
          entity: 'ls1',
          direction: 'from-lport',
          priority: 2200,
          match: 'tcp.dst == 22',
          action: 'allow',
          name: 'ssh-ok',
        },
      ],
      traces: [
        { source_port: 'vm1-port', destination_ip: '10.0.0.2', protocol: 'tcp', destination_port_num: 22 },
        { source_port: 'vm1-port', destination_ip: '10.0.0.2', protocol: 'tcp', destination_port_num: 80 },
      ],
      paths: ['vm1-to-vm2-ssh', 'web-to-db'],
      all: true,
    });
    expect(res.statusCode).toBe(200);
    const r = res.json();
    expect(r.traces.map((t: { flipped: boolean }) => t.flipped)).toEqual([true, false]);
    expect(r.traces[0].before.blocked_by).toBe('deny-ssh');
    expect(r.traces[0].after.allowed_by).toMatch(/ssh-ok/);
    expect(r.flipped.map((f: { path: string }) => f.path)).toEqual(['vm1-to-vm2-ssh']);
    expect(r.unchanged_checks.map((f: { path: string }) => f.path)).toEqual(['web-to-db']);
    expect(r.checks).toBe(2);
  });

  it.each([
    [
      { changes: [{ nbctl: 'ls-add sw9' }] },
      400,
      'OVNCP_ERR_UNSUPPORTED_COMMAND',
      'changes[0].nbctl',
      /ls-add/,
    ],
    [
      { changes: [DROP_MYSQL, DROP_MYSQL, DROP_MYSQL, DROP_MYSQL] },
      400,
      'OVNCP_ERR_INVALID_FIELD',
      'changes',
      /limit of 3/,
    ],
    [
      { changes: [{ nbctl: 'pg-del a -- pg-del b -- pg-del c -- pg-del d' }] },
      400,
      'OVNCP_ERR_INVALID_FIELD',
      'changes',
      /4 operations/,
    ],
    [
      { changes: [DROP_MYSQL], paths: ['nope'] },
      400,
      'OVNCP_ERR_INVALID_FIELD',
      'paths[0]',
      /no path named "nope"/,
    ],
    [{ changes: [] }, 400, 'OVNCP_ERR_INVALID_FIELD', 'changes', /./],
    [{ changes: [DROP_MYSQL], bogus: 1 }, 400, 'OVNCP_ERR_INVALID_FIELD', 'bogus', /Unknown field/],
    [
      { changes: [{ nbctl: 'acl-add nosuch to-lport 1 ip4 drop' }] },
      400,
      'OVNCP_ERR_INVALID_FIELD',
      'changes[0].entity',
      /not found/,
    ],
  ])('refuses %j', async (body, status, code, field, re) => {
    const res = await post(body);
    expect(res.statusCode).toBe(status);
    expect(res.json().error).toMatchObject({ code, field });
    expect(res.json().error.message).toMatch(re);
  });

  it('refuses a request over max_checks before tracing anything', async () => {
    const traces = Array.from({ length: 20 }, () => ({
      source_port: 'vm1-port',
      destination_ip: '10.0.0.2',
    }));
    const res = await post({ changes: [DROP_MYSQL], traces });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/over the limit of 20 \(what_if.max_checks\)/);
  });

  it('is in /openapi.json and answers the typed client over a real socket', async () => {
    const doc = (await d.app.inject('/openapi.json')).json() as { paths: Record<string, object> };
    expect(doc.paths['/api/v1/what-if']).toBeDefined();
    const client = new OvncpClient({ baseUrl: `http://${d.address()}` });
    const r = await client.whatIf({ changes: [DROP_MYSQL], paths: ['web-to-db'] });
    expect(r.flipped[0]?.after.verdict).toBe('blocked');
  });
});

describe('CLI', () => {
  it('check --what-if exits 1 when an expectation would become unmet, 0 otherwise', async () => {
    writeFileSync(
      join(dir, 'bad.yaml'),
      `- nbctl: acl-add pg_db to-lport 1200 'outport == @pg_db && tcp.dst == 3306' drop\n`,
    );
    writeFileSync(
      join(dir, 'ok.json'),
      JSON.stringify({ changes: [{ op: 'address-set-add', name: 'mgmt_ips', addresses: ['10.0.0.7'] }] }),
    );
    const bad = await runCli(['check', '--paths.file', PATHS_FILE, '--what-if', join(dir, 'bad.yaml')]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/web-to-db .* reachable +blocked by acl:.* WOULD BE UNMET/);
    const ok = await runCli([
      'check',
      '--paths.file',
      PATHS_FILE,
      '--what-if',
      join(dir, 'ok.json'),
      '--json',
    ]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ flipped: [], newly_unmet: 0 });
  });

  it('diff compares two snapshot files', async () => {
    const after = readFileSync(DEMO_NETWORK_FILE, 'utf8').replace(
      '{ name: deny-ssh, direction: from-lport, priority: 2100, match: "tcp.dst == 22", action: drop }',
      '{ name: deny-ssh, direction: from-lport, priority: 2100, match: "tcp.dst == 2222", action: drop }',
    );
    writeFileSync(join(dir, 'after.yaml'), after);
    const r = await runCli([
      'diff',
      '--before',
      DEMO_NETWORK_FILE,
      '--after',
      join(dir, 'after.yaml'),
      '--paths.file',
      PATHS_FILE,
    ]);
    expect(r.stdout).toMatch(/vm1-to-vm2-ssh .* blocked by deny-ssh +reachable +WOULD BE UNMET/);
    expect(r.code).toBe(1);
  });
});
