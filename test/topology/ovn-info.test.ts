// The OVN version a topology carries when it comes from a file: a snapshot's `ovn_version` names the
// release (its columns and the engine's stage names follow from the tables), none means the default
// 23.03; and the daemon exports it as ovncp_ovn_info (in-process /metrics).

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveSettings } from '../../src/config/daemon-config.ts';
import { ovnBehaviour } from '../../src/engine/ovn-version.ts';
import { createLogger } from '../../src/log.ts';
import { createDaemon, type Daemon } from '../../src/runtime/daemon.ts';
import { DEMO_NETWORK_FILE, loadDemoTopology, loadTopologyText } from '../../src/sources/file.ts';
import { find, parseMetrics } from '../monitor/metrics-text.ts';

const demoText = readFileSync(DEMO_NETWORK_FILE, 'utf8');
const as2503 = demoText.replace(/^version: 1$/m, 'version: 1\novn_version: "25.03"');

describe('OvnInfo of snapshot files', () => {
  it('a snapshot with ovn_version 25.03 is release 25.03 with its columns and stage names', () => {
    const t = loadTopologyText('demo-25.03', as2503);
    expect(t.ovn).toEqual({
      nbSchema: null,
      sbSchema: null,
      columns: { aclTier: true, aclSampleNew: true, policyChain: true, networkFunction: false },
      release: '25.03',
      releaseRange: '25.03',
      source: 'snapshot',
    });
    const stages = ovnBehaviour(t.ovn).aclStages;
    expect(stages.ingress).toEqual({
      decide: 'ls_in_acl_eval',
      action: 'ls_in_acl_action',
      sample: 'ls_in_acl_sample',
    });
    expect(stages.egress.decide).toBe('ls_out_acl_eval');
    expect(ovnBehaviour(t.ovn).policyChains).toBe(true);
  });

  it('without ovn_version: the default 23.03, and the same object for every file', () => {
    const t = loadDemoTopology();
    expect(t.ovn).toMatchObject({ release: '23.03', source: 'default', nbSchema: null });
    expect(t.ovn.columns.aclTier).toBe(false);
    expect(ovnBehaviour(t.ovn).aclStages.ingress.decide).toBe('ls_in_acl');
    expect(loadTopologyText('again', demoText).ovn).toBe(t.ovn);
  });
});

describe('ovncp_ovn_info (daemon, in-process)', () => {
  let dir: string;
  const daemons: Daemon[] = [];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ovncp-ovninfo-'));
  });
  afterAll(async () => {
    for (const d of daemons) await d.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function infoSamples(flags: Record<string, string>) {
    const settings = resolveSettings({ 'web.listen-address': '127.0.0.1:0', ...flags }, {});
    const d = createDaemon(settings, { logger: createLogger('fatal', 'json') });
    daemons.push(d);
    await d.start();
    return find(parseMetrics((await d.app.inject('/metrics')).body), 'ovncp_ovn_info');
  }

  it('says 25.03 for a snapshot file naming it, schemas unknown', async () => {
    const file = join(dir, 'net.yaml');
    writeFileSync(file, as2503);
    expect(await infoSamples({ 'topology.file': file })).toEqual([
      { name: 'ovncp_ovn_info', labels: { nb_schema: '', sb_schema: '', release: '25.03' }, value: 1 },
    ]);
  });

  it('says the default 23.03 for the demo network', async () => {
    expect(await infoSamples({})).toEqual([
      { name: 'ovncp_ovn_info', labels: { nb_schema: '', sb_schema: '', release: '23.03' }, value: 1 },
    ]);
  });
});
