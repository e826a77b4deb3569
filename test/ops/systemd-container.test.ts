// The systemd unit and the Containerfile. The unit is checked by systemd itself (`systemd-analyze
// verify`, with ExecStart pointed at this checkout); no container engine runs here, so the
// Containerfile is checked for the properties the operations kit promises.

import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.ts';
import { run, which } from './ops-tools.ts';

const DEPLOY = join(import.meta.dirname, '../../deploy');
const UNIT = readFileSync(join(DEPLOY, 'systemd/ovncp-monitor.service'), 'utf8');
const CONTAINERFILE = readFileSync(join(DEPLOY, 'container/Containerfile'), 'utf8');
const ROOT = join(DEPLOY, '..');

/** Packages imported by the runtime code (src/, bin/), from static and dynamic imports. */
function runtimeImports(): Set<string> {
  const files = [
    ...readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'))
      .map((f) => join(ROOT, 'src', f)),
    join(ROOT, 'bin/ovncp-monitor'),
  ];
  const pkgs = new Set<string>();
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    for (const [, spec] of text.matchAll(/(?:from|import\()\s*'([^.'][^']*)'/g)) {
      if (spec!.startsWith('node:')) continue;
      const parts = spec!.split('/');
      pkgs.add(spec!.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!);
    }
  }
  return pkgs;
}

/** `Key=value` lines of the unit (comments dropped), in order. */
const directives = (unit: string) =>
  unit
    .split('\n')
    .filter((l) => /^\w+=/.test(l))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const);

describe('deploy/systemd/ovncp-monitor.service', () => {
  const d = directives(UNIT);
  const get = (k: string) => d.filter(([key]) => key === k).map(([, v]) => v);

  it('reloads with SIGHUP, runs serve as a non-root user, restarts on failure', () => {
    expect(get('ExecReload')).toEqual(['/bin/kill -HUP $MAINPID']);
    expect(get('ExecStart')[0]).toMatch(/ovncp-monitor serve --config\.file=/);
    expect(get('User')[0]).toMatch(/^(?!root$)\w+/);
    expect(get('Restart')).toEqual(['on-failure']);
  });

  it('is hardened without MemoryDenyWriteExecute (V8 needs W+X memory for its JIT)', () => {
    expect(get('MemoryDenyWriteExecute')).toEqual([]);
    for (const k of [
      'NoNewPrivileges',
      'ProtectSystem',
      'PrivateTmp',
      'ProtectHome',
      'RestrictAddressFamilies',
    ])
      expect(get(k).length, k).toBe(1);
  });

  it.skipIf(!which('systemd-analyze'))('passes systemd-analyze verify with no warnings', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ovncp-unit-'));
    try {
      const unit = join(dir, 'ovncp-monitor.service');
      writeFileSync(unit, UNIT.replace('/opt/ovncp-monitor/bin/ovncp-monitor', BIN));
      const r = await run('systemd-analyze', ['verify', unit]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('deploy/container/Containerfile', () => {
  it('builds on Node 24 LTS slim with ovn-common (ovn-trace) and runs as a numeric non-root user', () => {
    expect(CONTAINERFILE).toMatch(/^FROM \S*node:24[\w.-]*-slim\s*$/m);
    expect(CONTAINERFILE).toMatch(/apt-get install[^\n]*\bovn-common\b/);
    const users = [...CONTAINERFILE.matchAll(/^USER (\S+)/gm)].map((m) => m[1]!);
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).toMatch(/^[1-9]\d*(:\d+)?$/);
  });

  it('gets every package the runtime code imports from `npm ci --omit=dev` (dependencies, not devDependencies)', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const imports = runtimeImports();
    expect(imports.has('tsx')).toBe(true);
    for (const name of imports) expect(Object.keys(pkg.dependencies), name).toContain(name);
  });

  it('installs runtime dependencies only and serves on all interfaces of the container', () => {
    expect(CONTAINERFILE).toContain('npm ci --omit=dev');
    expect(CONTAINERFILE).toContain('EXPOSE 9477');
    expect(CONTAINERFILE).toMatch(/CMD \[[^\]]*"serve"[^\]]*"--web\.listen-address=:9477"/);
  });
});
