// Why open (issue 17, item 4): a reached packet names what let it through each ACL stage, as
// `allowed_by`, in the trace API (and its OpenAPI schema), /api/v1/paths and /api/v1/paths/NAME, the
// landing page, and `check` (table, JSON, and the JUnit <failure> body of an `expect: blocked` path that
// is reachable). In a real daemon on the demo network: vm1 -> vm2 tcp/80 passes ACL "allow-http".

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveSettings } from '../../src/config/daemon-config.ts';
import type { TraceResult } from '../../src/engine/types.ts';
import { createLogger } from '../../src/log.ts';
import { createDaemon, type Daemon } from '../../src/runtime/daemon.ts';
import { DEMO_NETWORK_FILE } from '../../src/sources/file.ts';
import { cli } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'ovncp-why-'));
const PATHS = `paths:
  - name: http-should-be-closed
    source_port: vm1-port
    destination: vm2-port
    protocol: tcp
    port: 80
    expect: blocked
  - name: ssh-closed
    source_port: vm1-port
    destination: vm2-port
    protocol: tcp
    port: 22
    expect: blocked
`;
const pathsFile = join(dir, 'paths.yaml');
writeFileSync(pathsFile, PATHS);
const ALLOWED = 'ls1/ls_in_acl: allow-http';

let d: Daemon;
beforeAll(async () => {
  const topo = join(dir, 'net.yaml');
  writeFileSync(topo, readFileSync(DEMO_NETWORK_FILE, 'utf8'));
  const settings = resolveSettings(
    { 'paths.file': pathsFile, 'topology.file': topo, 'web.listen-address': '127.0.0.1:0' },
    {},
  );
  d = createDaemon(settings, { logger: createLogger('fatal', 'json') });
  await d.start();
  const end = Date.now() + 5000;
  while ((await d.app.inject('/-/ready')).statusCode !== 200) {
    if (Date.now() > end) throw new Error('not ready');
    await new Promise((r) => setTimeout(r, 20));
  }
});
afterAll(async () => {
  await d?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('allowed_by in the daemon', () => {
  it('is in the trace API answer and its OpenAPI schema', async () => {
    const res = await d.app.inject({
      method: 'POST',
      url: '/api/v1/trace/flow',
      payload: {
        source_port: 'vm1-port',
        destination_ip: '10.0.0.2',
        protocol: 'tcp',
        destination_port_num: 80,
      },
    });
    expect(res.statusCode).toBe(200);
    const r = res.json() as TraceResult;
    expect(r.reaches_destination).toBe(true);
    const named = r.allowed_by.filter((a) => a.acl);
    expect(named).toEqual([
      expect.objectContaining({
        datapath: 'ls1',
        stage: 'ls_in_acl',
        direction: 'ingress',
        acl: expect.objectContaining({ acl_name: 'allow-http', action: expect.stringMatching(/^allow/) }),
        reason: expect.stringMatching(
          /^ACL "allow-http" \(priority \d+, ingress, allow[a-z-]*\): .*tcp\.dst == 80/,
        ),
      }),
    ]);
    const spec = (await d.app.inject('/openapi.json')).json() as {
      components: { schemas: Record<string, { properties: Record<string, unknown>; required?: string[] }> };
    };
    expect(spec.components.schemas.TraceResult!.properties.allowed_by).toBeDefined();
    expect(spec.components.schemas.TraceResult!.required).toContain('allowed_by');
    expect(spec.components.schemas.AllowedBy).toBeDefined();
  });

  it('is on each check of /api/v1/paths and in the trace of /api/v1/paths/NAME', async () => {
    const all = (await d.app.inject('/api/v1/paths')).json() as {
      paths: { name: string; checks: { allowed_by: string | null; reachable: boolean }[] }[];
    };
    const open = all.paths.find((p) => p.name === 'http-should-be-closed')!;
    expect(open.checks[0]).toMatchObject({ reachable: true });
    expect(open.checks[0]!.allowed_by).toContain(ALLOWED);
    const one = (await d.app.inject('/api/v1/paths/http-should-be-closed')).json() as {
      checks: { allowed_by: string; trace: TraceResult }[];
    };
    expect(one.checks[0]!.allowed_by).toContain(ALLOWED);
    expect(one.checks[0]!.trace.allowed_by.map((a) => a.acl?.acl_name)).toContain('allow-http');
  });

  it('is on the landing page', async () => {
    const page = (await d.app.inject('/')).body;
    // The path is unmet (reachable, expected blocked): its row says what let the packet through.
    expect(page).toContain(`reachable, allowed by ${ALLOWED}`);
  });
});

describe('allowed_by in check', () => {
  it('fills the JUnit failure of an expect: blocked path that is reachable, the JSON and the table', async () => {
    const junit = await cli(['check', '--paths.file', pathsFile, '--junit']);
    expect(junit.code).toBe(1);
    expect(junit.stdout).toMatch(
      new RegExp(
        `<failure message="expected blocked, got reachable">allowed by [^<]*${ALLOWED}[^<]*</failure>`,
      ),
    );
    const json = await cli(['check', '--paths.file', pathsFile, '--json']);
    const rows = JSON.parse(json.stdout).checks as { path: string; allowed_by: string | null }[];
    expect(rows.find((r) => r.path === 'http-should-be-closed')!.allowed_by).toContain(ALLOWED);
    const table = await cli(['check', '--paths.file', pathsFile]);
    expect(table.stdout).toMatch(new RegExp(`^http-should-be-closed .* UNMET +allowed by .*${ALLOWED}`, 'm'));
  });
});
