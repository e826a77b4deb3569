// --ovn.version: the model follows the release the operator names over what the snapshot says
// (default_acl_drop on a switch with a load balancer and no ACLs drops on 23.03, not from 23.06).

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { traceCommand } from '../../src/cli/commands/trace.ts';
import { VERSION_CASES } from '../engine/version-cases.ts';

const lbOnly = VERSION_CASES.find((c) =>
  c.name.startsWith('default_acl_drop on a switch with a load balancer'),
)!;

function snapshot(ovnVersion?: string): string {
  const f = join(mkdtempSync(join(tmpdir(), 'ovncp-ver-')), 'net.yaml');
  writeFileSync(f, stringify({ ...lbOnly.network, ...(ovnVersion ? { ovn_version: ovnVersion } : {}) }));
  return f;
}

/** Runs `trace` in-process (a child process costs seconds here) and returns its exit code and output. */
async function trace(flags: Record<string, string | boolean>) {
  let out = '';
  const sink = (w: (s: string) => void) =>
    ({ write: (s: string) => (w(s), true) }) as unknown as NodeJS.WritableStream;
  const io = { out: sink((s) => (out += s)), err: sink(() => {}), env: {} };
  const request = {
    'source-port': 'a',
    'destination-ip': '10.10.0.2',
    protocol: 'tcp',
    'destination-port-num': '80',
  };
  const code = await traceCommand.run({ _: [], ...request, json: true, ...flags }, io);
  return { code, result: JSON.parse(out) };
}

describe('trace --ovn.version', () => {
  it('the snapshot says 23.03: dropped; --ovn.version=25.03 over it: delivered; an unknown release: an error', async () => {
    const f = snapshot('23.03');
    const old = await trace({ 'topology.file': f });
    expect(old.code).toBe(1);
    expect(old.result.dropped_at.stage).toBe('ls_in_acl');
    const now = await trace({ 'topology.file': f, 'ovn.version': '25.03' });
    expect(now.code).toBe(0);
    expect(now.result.output_ports).toEqual(['b']);
    await expect(trace({ 'topology.file': f, 'ovn.version': '25.04' })).rejects.toThrow(
      '"25.04" is not an OVN feature release known here',
    );
  });
});
