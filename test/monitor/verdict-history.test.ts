// Why a verdict flipped: an NB change (made with the what-if's copy-on-write apply, which shares
// unchanged rows exactly as the live NB source does) re-runs the affected checks, and a flip is kept in
// the path's history with the NB rows that changed; bounded by paths.history; shown by
// GET /api/v1/paths/NAME and as ovncp_path_last_flip_timestamp_seconds{cause} for Grafana.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveSettings } from '../../src/config/daemon-config.ts';
import { createLogger } from '../../src/log.ts';
import { changedRows } from '../../src/ovn/topology/changed-rows.ts';
import { applyChanges, parseChange } from '../../src/ovn/topology/edit/apply.ts';
import type { Topology } from '../../src/ovn/topology/types.ts';
import { createDaemon } from '../../src/runtime/daemon.ts';
import { DEMO_NETWORK_FILE, loadDemoTopology, loadTopologyText } from '../../src/sources/file.ts';

function hasPromtool(): boolean {
  try {
    execFileSync('promtool', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'ovncp-history-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PATHS = `defaults: { interval: 1h }
paths:
  - { name: vm1-to-vm2, source_port: vm1-port, destination: vm2-port, protocol: tcp, port: 80 }
  - { name: web-to-db, source_port: web-server-port, destination: db-server-port, protocol: tcp, port: 3306 }
`;
const nb = (t: Topology, ...lines: string[]) =>
  applyChanges(
    t,
    lines.map((l, i) => parseChange({ nbctl: l }, i)),
  );
const LOCKDOWN = `--name=db-lockdown acl-add pg_db to-lport 2000 'outport == @pg_db && ip4' drop`;

describe('changed NB rows', () => {
  const demo = loadDemoTopology();
  it.each([
    [
      LOCKDOWN,
      [
        {
          table: 'ACL',
          change: 'added',
          name: 'db-lockdown',
          match: 'outport == @pg_db && ip4',
          owner: 'pg_db',
        },
      ],
    ],
    [
      `acl-del ls1 from-lport 2100 'tcp.dst == 22'`,
      [{ table: 'ACL', change: 'removed', name: 'deny-ssh', owner: 'ls1' }],
    ],
    ['pg-set-ports pg_db web-server-port', [{ table: 'Port_Group', change: 'modified', name: 'pg_db' }]],
    [
      'add Address_Set mgmt_ips addresses 10.0.0.9',
      [{ table: 'Address_Set', change: 'modified', name: 'mgmt_ips' }],
    ],
    [
      'lr-route-add lr-core 10.0.2.0/25 discard',
      [
        {
          table: 'Logical_Router_Static_Route',
          change: 'added',
          name: '10.0.2.0/25 dst-ip via discard',
          owner: 'lr-core',
        },
      ],
    ],
    [
      'lsp-add ls1 vm3-port',
      [
        { table: 'Logical_Switch', change: 'modified', name: 'ls1' },
        { table: 'Logical_Switch_Port', change: 'added', name: 'vm3-port' },
      ],
    ],
  ])('%s', (line, rows) => {
    const r = changedRows(demo, nb(demo, line));
    expect(r.rows).toMatchObject(rows);
    expect(r.total).toBe(rows.length);
  });
  it('names only the rows whose content changed when a snapshot file is reloaded (nothing shared)', () => {
    expect(changedRows(demo, loadDemoTopology())).toEqual({ rows: [], total: 0 });
    const text = readFileSync(DEMO_NETWORK_FILE, 'utf8').replace(
      'match: "tcp.dst == 22"',
      'match: "tcp.dst == 2222"',
    );
    const reloaded = loadTopologyText(DEMO_NETWORK_FILE, text);
    expect(changedRows(demo, reloaded)).toMatchObject({
      rows: [{ table: 'ACL', change: 'modified', name: 'deny-ssh', match: 'tcp.dst == 2222', owner: 'ls1' }],
      total: 1,
    });
  });

  it('is bounded, counting the rest', () => {
    const lines = Array.from(
      { length: 15 },
      (_, i) => `acl-add ls1 to-lport ${100 + i} 'tcp.dst == ${i + 1}' drop`,
    );
    const r = changedRows(demo, nb(demo, ...lines), 10);
    expect(r.rows).toHaveLength(10);
    expect(r.total).toBe(15);
  });
});

describe('verdict history in the daemon', () => {
  it('keeps each flip with its cause, bounded, in the paths API and the metric', async () => {
    writeFileSync(join(dir, 'paths.yaml'), PATHS);
    writeFileSync(join(dir, 'ovncp.yaml'), 'paths: { history: 2 }\n');
    const settings = resolveSettings(
      {
        'config.file': join(dir, 'ovncp.yaml'),
        'paths.file': join(dir, 'paths.yaml'),
        'topology.file': DEMO_NETWORK_FILE,
        'web.listen-address': '127.0.0.1:0',
        engine: 'model',
      },
      {},
    );
    const d = createDaemon(settings, { logger: createLogger('fatal', 'json') });
    try {
      await d.runtime.loadOnce();
      await d.monitor.start();
      await d.monitor.idle();
      const history = async (path: string) =>
        (await d.app.inject(`/api/v1/paths/${path}`)).json().history as Record<string, unknown>[];
      expect(await history('web-to-db')).toEqual([]); // first verdicts are not transitions

      const live = d.topology.current()!;
      d.topology.set(nb(live, LOCKDOWN), ['ACL']);
      await d.monitor.idle();
      const h = await history('web-to-db');
      expect(h).toHaveLength(1);
      expect(h[0]).toMatchObject({
        source_port: 'web-server-port',
        destination: 'db-server-port',
        protocol: 'tcp',
        port: 3306,
        from: 'reachable',
        to: 'blocked',
        trigger: 'topology',
        blocked_by: 'db-lockdown',
        rows: [
          {
            table: 'ACL',
            change: 'added',
            name: 'db-lockdown',
            owner: 'pg_db',
            match: 'outport == @pg_db && ip4',
          },
        ],
        more_rows: 0,
      });
      expect(Date.parse(h[0]!.at as string)).toBeGreaterThan(Date.now() - 60_000);
      expect(await history('vm1-to-vm2')).toEqual([]); // did not flip (and did not even re-run)

      const metrics = (await d.app.inject('/metrics')).body;
      if (hasPromtool()) execFileSync('promtool', ['check', 'metrics'], { input: metrics }); // throws on lint problems
      expect(metrics).toMatch(
        /^ovncp_path_last_flip_timestamp_seconds\{path="web-to-db",cause="nb:ACL",verdict="blocked"\} \d+(\.\d+)?$/m,
      );

      // Back, then blocked again: history: 2 keeps the two newest, newest first.
      d.topology.set(nb(d.topology.current()!, `acl-del pg_db to-lport 2000 'outport == @pg_db && ip4'`), [
        'ACL',
      ]);
      await d.monitor.idle();
      // web-server-port leaves pg_web, so $pg_web_ip4 no longer lets it reach MySQL.
      d.topology.set(nb(d.topology.current()!, 'pg-set-ports pg_web web-server-2-port'), ['Port_Group']);
      await d.monitor.idle();
      const h2 = await history('web-to-db');
      expect(h2.map((t) => [t.from, t.to, (t.rows as { table: string }[])[0]?.table])).toEqual([
        ['reachable', 'blocked', 'Port_Group'],
        ['blocked', 'reachable', 'ACL'],
      ]);
      expect((await d.app.inject('/metrics')).body).toContain(
        'ovncp_path_last_flip_timestamp_seconds{path="web-to-db",cause="nb:Port_Group",verdict="blocked"}',
      );
    } finally {
      await d.monitor.stop();
      await d.stop();
    }
  });
});

describe('Grafana annotations', () => {
  it('the shipped dashboard draws flips from ovncp_path_last_flip_timestamp_seconds, a valid query', () => {
    const file = new URL('../../grafana/ovncp-paths.json', import.meta.url);
    const dash = JSON.parse(readFileSync(file, 'utf8')) as {
      annotations: {
        list: { name: string; expr?: string; useValueForTime?: boolean; datasource: { uid: string } }[];
      };
    };
    const a = dash.annotations.list.find((x) => x.name === 'Verdict flips');
    expect(a?.expr).toMatch(/^ovncp_path_last_flip_timestamp_seconds\{.*\} \* 1000$/);
    expect(a?.useValueForTime).toBe(true); // the value (ms) is the annotation's time
    expect(a?.datasource.uid).toBe(['$', '{datasource}'].join(''));
    if (!hasPromtool()) return;
    // promtool parses PromQL only inside rules: the query with the dashboard variables filled in.
    const expr = a!.expr!.replace(/\$\w+/g, '.*');
    const rules = join(dir, 'annotation-rules.yaml');
    writeFileSync(rules, JSON.stringify({ groups: [{ name: 'g', rules: [{ record: 'x:flip', expr }] }] }));
    execFileSync('promtool', ['check', 'rules', rules], { stdio: 'pipe' });
  });
});
