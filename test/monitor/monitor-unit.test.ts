// The Monitor on its own (model engine, demo network): a config reloaded while the topology is still
// loading is the one that runs; a topology change re-expands groups; the first round fires once.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { readYamlFile } from '../../src/config/yaml-file.ts';
import { createModelEngine } from '../../src/engine/model/index.ts';
import { createLogger } from '../../src/log.ts';
import { Monitor } from '../../src/monitor/monitor.ts';
import { buildTopology } from '../../src/ovn/topology/build.ts';
import { snapshotSchema } from '../../src/ovn/topology/snapshot-schema.ts';
import { TopologyStore } from '../../src/ovn/topology/store.ts';
import { DEMO_NETWORK_FILE, loadDemoTopology } from '../../src/sources/file.ts';

const dir = mkdtempSync(join(tmpdir(), 'ovncp-mon-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function monitorFor(pathsFile: string, store: TopologyStore, onFirstRound = () => {}) {
  const model = createModelEngine();
  return new Monitor({
    pathsFile,
    topology: store,
    engine: () => model,
    registry: new Registry(),
    logger: createLogger('fatal', 'json'),
    onFirstRound,
  });
}

const path = (name: string, port: number) =>
  `  - name: ${name}\n    source_port: vm1-port\n    destination: vm2-port\n    protocol: tcp\n    port: ${port}\n    interval: 1h\n`;

describe('Monitor', () => {
  it('runs the config reloaded while waiting for the first topology', async () => {
    const file = join(dir, 'early.yaml');
    writeFileSync(file, `paths:\n${path('old', 80)}`);
    const store = new TopologyStore();
    let rounds = 0;
    const m = monitorFor(file, store, () => rounds++);
    await m.start();
    writeFileSync(file, `paths:\n${path('new', 22)}`);
    expect(await m.reload()).toMatchObject({ ok: true, paths: 1 });
    expect(m.currentConfig().paths.map((p) => p.name)).toEqual(['new']);
    store.set(loadDemoTopology(), ['initial']);
    await new Promise((r) => setTimeout(r, 0));
    await m.idle();
    expect([...m.results.all()].map((s) => [s.check.path.name, s.last?.reachable])).toEqual([['new', false]]);
    expect(rounds).toBe(1);
    await m.stop();
  });

  it('re-expands a group when the topology changes its members', async () => {
    const file = join(dir, 'group.yaml');
    writeFileSync(
      file,
      'paths:\n  - name: to-web\n    source_port: vm1-port\n    destination_group: pg_web\n    protocol: icmp\n',
    );
    const store = new TopologyStore();
    store.set(loadDemoTopology(), ['initial']);
    const m = monitorFor(file, store);
    await m.start();
    await m.idle();
    expect(m.checksOf('to-web')).toEqual([
      'to-web|vm1-port|web-server-2-port|icmp|',
      'to-web|vm1-port|web-server-port|icmp|',
    ]);
    const doc = readYamlFile(DEMO_NETWORK_FILE, snapshotSchema);
    if (!doc.ok) throw new Error(doc.errors.join('\n'));
    const groups = doc.value.port_groups!.map((g) =>
      g.name === 'pg_web' ? { ...g, ports: ['web-server-port'] } : g,
    );
    store.set(buildTopology({ ...doc.value, port_groups: groups }, { kind: 'memory', name: 'edited' }), [
      'Port_Group',
    ]);
    await m.idle();
    expect(m.checksOf('to-web')).toEqual(['to-web|vm1-port|web-server-port|icmp|']);
    expect(m.pathMetrics.renderSync()).not.toContain('web-server-2-port');
    await m.stop();
  });
});
