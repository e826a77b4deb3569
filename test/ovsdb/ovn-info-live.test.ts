// The OVN version of a live topology, against the real OVN 23.03 here: the NB's schema gives the
// release and the version-dependent columns (from the schema, not the monitored columns), one
// get_schema gives the SB's version, and the daemon exports both as ovncp_ovn_info.

import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveSettings } from '../../src/config/daemon-config.ts';
import { readYamlFile } from '../../src/config/yaml-file.ts';
import { createLogger } from '../../src/log.ts';
import { snapshotSchema } from '../../src/ovn/topology/snapshot-schema.ts';
import { TopologyStore } from '../../src/ovn/topology/store.ts';
import { readSchema } from '../../src/ovsdb/client.ts';
import { parseRemotes } from '../../src/ovsdb/remote.ts';
import { createDaemon, type Daemon } from '../../src/runtime/daemon.ts';
import { DEMO_NETWORK_FILE } from '../../src/sources/file.ts';
import { LiveTopology } from '../../src/sources/nb/live-topology.ts';
import { readSbSchemaVersion } from '../../src/sources/nb/sb-schema.ts';
import { type OvnTestbed, skipWithoutOvn, startOvn } from '../helpers/ovn-testbed.ts';
import { find, parseMetrics } from '../monitor/metrics-text.ts';
import { until, waitForTopology } from './ovsdb-helpers.ts';

const logger = pino({ level: 'silent' });

describe.skipIf(skipWithoutOvn())('OvnInfo of a live NB (real OVN 23.03)', () => {
  let tb: OvnTestbed;
  let store: TopologyStore;
  let live: LiveTopology;

  beforeAll(async () => {
    tb = await startOvn();
    const demo = readYamlFile(DEMO_NETWORK_FILE, snapshotSchema);
    if (!demo.ok) throw new Error(demo.errors.join('\n'));
    await tb.loadSnapshot(demo.value);
    store = new TopologyStore();
    live = new LiveTopology({ remote: tb.nbRemote, store, logger, debounceMs: 5 });
    live.start();
    await live.synced();
  }, 60_000);
  afterAll(async () => {
    live?.stop();
    await tb?.stop();
  });

  it('reads NB schema 7.0.0 as release 23.03 without the 23.06+ columns', () => {
    expect(store.require().ovn).toEqual({
      nbSchema: '7.0.0',
      sbSchema: null,
      columns: { aclTier: false, aclSampleNew: false, policyChain: false, networkFunction: false },
      release: '23.03',
      releaseRange: '23.03',
      source: 'nb-schema',
    });
  });

  it('keeps the same OvnInfo object across NB changes', async () => {
    const before = store.require();
    const seen = waitForTopology(store, (t) => t.switches.has('ls-ovninfo'), 2000);
    await tb.nbctl('ls-add', 'ls-ovninfo');
    expect((await seen).topology.ovn).toBe(before.ovn);
  });

  it('reads the SB schema version with one get_schema, and the topology then carries it', async () => {
    const version = await readSbSchemaVersion(tb.sbRemote, undefined);
    expect(version).toBe('20.27.0');
    const before = store.require();
    live.setSbSchema(version);
    const after = store.require();
    expect(after.ovn).toMatchObject({ nbSchema: '7.0.0', sbSchema: '20.27.0', release: '23.03' });
    expect(after.switches).toBe(before.switches); // only the version info is new
  });

  it('tries the members of a remote list in turn, and says why when none answers', async () => {
    const missing = `unix:${join(tb.dir, 'nothing-here.sock')}`;
    const schema = await readSchema(parseRemotes(`${missing},${tb.sbRemote}`), undefined, 'OVN_Southbound');
    expect(schema.version).toBe('20.27.0');
    await expect(readSbSchemaVersion(missing, undefined, 2000)).rejects.toThrow(/nothing-here\.sock/);
    await expect(readSbSchemaVersion(tb.nbRemote, undefined, 2000)).rejects.toThrow(/unknown database/);
  });

  it('the daemon exports ovncp_ovn_info with both schema versions', async () => {
    const settings = resolveSettings(
      { 'ovn.nb-db': tb.nbRemote, 'ovn.sb-db': tb.sbRemote, 'web.listen-address': '127.0.0.1:0' },
      {},
    );
    const d: Daemon = createDaemon(settings, { logger: createLogger('fatal', 'json') });
    await d.start();
    try {
      const info = async () => find(parseMetrics((await d.app.inject('/metrics')).body), 'ovncp_ovn_info');
      await until(async () => (await info())[0]?.labels.sb_schema === '20.27.0', 10_000);
      expect(await info()).toEqual([
        {
          name: 'ovncp_ovn_info',
          labels: { nb_schema: '7.0.0', sb_schema: '20.27.0', release: '23.03' },
          value: 1,
        },
      ]);
    } finally {
      await d.stop();
    }
  });
});
