// The command line: help for every subcommand, validate's exit codes, one-line errors.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';

const ROOT = join(import.meta.dirname, '../..');

describe('ovncp-monitor', () => {
  it('lists its commands', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['serve', 'trace', 'check', 'validate', 'snapshot'])
      expect(r.stdout).toContain(`  ${c} `);
  });

  it.each(['serve', 'trace', 'check', 'validate', 'snapshot'])('%s --help', async (c) => {
    const r = await cli([c, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^usage: ovncp-monitor ${c}`));
  });

  it('rejects an unknown command and an unknown flag in one line', async () => {
    const a = await cli(['frobnicate']);
    expect(a.code).toBe(2);
    expect(a.stderr).toBe(
      'ovncp-monitor: unknown command "frobnicate" (commands: serve, trace, check, validate, snapshot, diff, services, reachers)\n',
    );
    const b = await cli(['serve', '--web.listen-adress=:1']);
    expect(b.code).toBe(2);
    expect(b.stderr).toBe('ovncp-monitor serve: unknown flag --web.listen-adress (see --help)\n');
    const c = await cli(['serve', '--engine=magic']);
    expect(c.stderr).toBe(
      'ovncp-monitor serve: flag --engine must be one of model, lflow, ovn-trace, auto, got "magic"\n',
    );
  });

  it('validates the shipped config and demo network', async () => {
    const r = await cli(['validate', `--config.file=${join(ROOT, 'config/ovncp.yaml')}`]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('embedded demo network: ok (5 switches, 15 ports, 1 routers)');
  });

  it('fails validate with the first error and its location', async () => {
    const f = join(ROOT, 'test/fixtures/topology/invalid-bad-cidr.yaml');
    const r = await cli(['validate', `--topology.file=${f}`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`ovncp-monitor validate: ${f}:6: bad CIDR "10.0.0.1/33"\n`);
  });
});
