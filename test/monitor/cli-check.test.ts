// `check` and `validate` as a user runs them (bin/ovncp-monitor in a child process): the table and exit
// code, --json and --junit for CI, an unmet expectation failing the run, and a bad paths file refused with
// its location. Also SIGHUP reloading a running `serve`.

import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, serve } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'ovncp-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const UNMET = `paths:
  - name: ssh-should-work
    source_port: vm1-port
    destination: vm2-port
    protocol: tcp
    port: 22
  - name: http-ok
    source_port: vm1-port
    destination: vm2-port
    protocol: tcp
    port: 80
`;

describe('check', () => {
  it('passes on the shipped paths file against the demo network', async () => {
    const r = await cli(['check', '--paths.file', 'config/paths.yaml']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^PATH +SOURCE +DESTINATION +PROTO +EXPECT +VERDICT +RESULT +DETAIL$/m);
    expect(r.stdout).toMatch(
      /^web-to-app +web-server-port +app-server-port +tcp\/8080 +blocked +blocked +ok +app-default-deny$/m,
    );
    expect(r.stdout).toMatch(
      /^\d+ paths: \d+ ok, 0 unmet, 0 error, 0 no_checks, 0 pending; 11 checks, 11 as expected, 0 unmet or failed$/m,
    );
  });

  it('exits 1 on an unmet expectation, with JSON and JUnit for CI', async () => {
    const paths = file('unmet.yaml', UNMET);
    const json = await cli(['check', '--paths.file', paths, '--json']);
    expect(json.code).toBe(1);
    const rows = JSON.parse(json.stdout).checks;
    expect(rows).toEqual([
      expect.objectContaining({
        path: 'ssh-should-work',
        verdict: 'blocked',
        expectation_met: false,
        detail: 'deny-ssh',
      }),
      expect.objectContaining({ path: 'http-ok', verdict: 'reachable', expectation_met: true }),
    ]);
    const junit = await cli(['check', '--paths.file', paths, '--junit']);
    expect(junit.code).toBe(1);
    expect(junit.stdout).toMatch(/<testsuite name="ovncp-monitor paths" tests="2" failures="1" errors="0"/);
    expect(junit.stdout).toContain('<failure message="expected reachable, got blocked">deny-ssh</failure>');
  });

  it('counts a check that cannot run as a failure', async () => {
    const paths = file(
      'ghost.yaml',
      'paths:\n  - name: g\n    source_port: ghost\n    destination: vm2-port\n    port: 80\n',
    );
    const r = await cli(['check', '--paths.file', paths, '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).checks[0]).toMatchObject({
      verdict: 'error:source_port_not_found',
      expectation_met: null,
    });
  });

  it('refuses a bad paths file with its location, like validate', async () => {
    const paths = file(
      'bad.yaml',
      'paths:\n  - name: a\n    source_port: vm1-port\n    destination: vm2-port\n    port: 0\n',
    );
    const r = await cli(['check', '--paths.file', paths]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `ovncp-monitor check: ${paths}:5: paths.0.port: Too small: expected number to be >=1\n`,
    );
    const v = await cli(['validate', '--paths.file', paths]);
    expect(v.code).toBe(1);
    expect(v.stderr).toBe(
      `ovncp-monitor validate: ${paths}:5: paths.0.port: Too small: expected number to be >=1\n`,
    );
    const ok = await cli(['validate', '--paths.file', 'config/paths.yaml']);
    expect(ok.stdout).toContain('config/paths.yaml: ok (8 paths, 11 checks)');
  });
});

describe('serve', () => {
  it('reloads the paths file on SIGHUP', async () => {
    // The daemon watches the directory of --paths.file; a symlink to a file elsewhere changes without an
    // event there, so only SIGHUP can explain a reload here.
    const real = file('hup-real.yaml', UNMET);
    const linkDir = mkdtempSync(join(tmpdir(), 'ovncp-hup-'));
    const paths = join(linkDir, 'paths.yaml');
    symlinkSync(real, paths);
    const d = await serve(['--paths.file', paths]);
    try {
      writeFileSync(real, UNMET.replace('name: http-ok', 'name: http-renamed'));
      await new Promise((r) => setTimeout(r, 300));
      expect(await (await fetch(`${d.url}/metrics`)).text()).toContain('path="http-ok"');
      d.proc.kill('SIGHUP');
      const end = Date.now() + 5000;
      let body = '';
      while (Date.now() < end && !body.includes('path="http-renamed"')) {
        body = await (await fetch(`${d.url}/metrics`)).text();
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(body).toContain('path="http-renamed"');
      expect(body).not.toContain('path="http-ok"');
      expect(d.logs()).toContain('"msg":"paths reloaded"');
    } finally {
      expect(await d.stop()).toBe(0);
      rmSync(linkDir, { recursive: true, force: true });
    }
  });
});
