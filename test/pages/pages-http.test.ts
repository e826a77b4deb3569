// The pages over HTTP (app.inject, no browser): the banners that need no OVN (a refused reload with its
// reason, an engine that cannot run), escaping of names from the paths file, the 404 page, the trace
// form's errors, the diagram's load-balancer branches, and no file path of the host on any page.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { bannersOf, type DaemonStatusView } from '../../src/api/pages/status-view.ts';
import { graphOf } from '../../src/api/pages/trace-view.ts';
import { resolveSettings } from '../../src/config/daemon-config.ts';
import { createModelEngine } from '../../src/engine/model/index.ts';
import { toTraceResult } from '../../src/engine/result/api.ts';
import { createLogger } from '../../src/log.ts';
import { createDaemon, type Daemon } from '../../src/runtime/daemon.ts';
import { DEMO_NETWORK_FILE, loadDemoTopology } from '../../src/sources/file.ts';

const dir = mkdtempSync(join(tmpdir(), 'ovncp-pages-http-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const running: Daemon[] = [];
afterEach(async () => {
  for (const d of running.splice(0)) await d.stop();
});

const PATHS = `defaults:
  interval: 1h
paths:
  - name: vm1-http
    description: "<img src=x onerror=alert(1)>"
    source_port: vm1-port
    destination: vm2-port
    protocol: tcp
    port: 80
`;

async function daemon(flags: Record<string, string> = {}): Promise<{ d: Daemon; pathsFile: string }> {
  const pathsFile = join(dir, `paths-${running.length}.yaml`);
  writeFileSync(pathsFile, PATHS);
  const topo = join(dir, 'net.yaml');
  writeFileSync(topo, readFileSync(DEMO_NETWORK_FILE, 'utf8'));
  const settings = resolveSettings(
    { 'paths.file': pathsFile, 'topology.file': topo, 'web.listen-address': '127.0.0.1:0', ...flags },
    {},
  );
  const d = createDaemon(settings, { logger: createLogger('fatal', 'json') });
  running.push(d);
  await d.start();
  for (let i = 0; i < 200 && (await d.app.inject('/-/ready')).statusCode !== 200; i++)
    await new Promise((r) => setTimeout(r, 25));
  return { d, pathsFile };
}

describe('pages over HTTP', () => {
  it('escapes names from the paths file and names no file on disk', async () => {
    const { d } = await daemon();
    const page = (await d.app.inject('/?q=%3Cimg')).body; // the text filter finds descriptions too
    expect(page).toContain('<a href="/paths/vm1-http">vm1-http</a>');
    expect(page).toContain('value="&#60;img"');
    expect(page).not.toContain('<img');
    expect(page).toContain('<span id="fact-source">snapshot file</span>');
    expect(page).not.toContain(dir);
    const one = await d.app.inject('/paths/vm1-http');
    expect(one.statusCode).toBe(200);
    expect(one.body).not.toContain('<img');
    expect(one.body).toContain('&#60;img src=x onerror=alert(1)&#62;');
    expect(one.body).not.toContain(dir);
    const missing = await d.app.inject({ url: '/paths/%3Cb%3Enope', headers: { accept: 'text/html' } });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['content-type']).toMatch(/text\/html/);
    expect(missing.body).toContain('No path named "&#60;b&#62;nope"');
  });

  it('shows a refused reload with its reason until a good one', async () => {
    const { d, pathsFile } = await daemon();
    expect((await d.app.inject('/')).body).not.toContain('banner-reload-failed');
    writeFileSync(pathsFile, 'paths:\n  - name: broken\n    protocol: tcp\n');
    expect((await d.app.inject({ method: 'POST', url: '/-/reload' })).statusCode).toBe(400);
    const page = (await d.app.inject('/')).body;
    const banner =
      /<div class="banner bad" id="banner-reload-failed"[^>]*>([\s\S]*?)<\/div>/.exec(page)?.[1] ?? '';
    expect(banner).toMatch(
      /^<b>Paths reload failed<\/b> <time [^>]+>\d+ s ago<\/time>: [\s\S]+\. The previous paths/,
    );
    expect(banner).toMatch(/: paths-\d\.yaml:2: paths\.0: give exactly one source/); // file named, not its dir
    expect(page).not.toContain(dir);
    writeFileSync(pathsFile, PATHS.replace('port: 80', 'port: 81'));
    expect((await d.app.inject({ method: 'POST', url: '/-/reload' })).statusCode).toBe(200);
    expect((await d.app.inject('/')).body).not.toContain('banner-reload-failed');
  });

  it('says when the configured engine cannot run', async () => {
    const { d } = await daemon({ engine: 'ovn-trace' });
    const page = (await d.app.inject('/')).body;
    expect(page).toMatch(
      /id="banner-engine"[^>]*><b>Engine ovn-trace:<\/b> ovn-trace needs the Southbound DB/,
    );
    expect(page).toContain('<span id="fact-engine">none</span>');
    const trace = await d.app.inject('/trace?source_port=vm1-port&destination_ip=10.0.0.2');
    expect(trace.body).toMatch(/id="trace-error">503 OVNCP_ERR_ENGINE_UNAVAILABLE/);
  });

  it('turns each state of the status view into its banner, worst first', async () => {
    const { d } = await daemon();
    const t = d.topology.current()!;
    const view = (o: Partial<DaemonStatusView>): DaemonStatusView => ({
      topology: () => ({ source: t.source, ovn: t.ovn, updatedAt: Date.now() - 90_000 }),
      nbConnected: () => true,
      engine: () => ({ configured: 'auto', answering: 'model', problem: null }),
      readiness: { isReady: () => true, waitingFor: () => [] },
      ...o,
    });
    expect(bannersOf(view({}), d.monitor)).toEqual([]);
    expect(bannersOf(view({ nbConnected: () => null }), d.monitor)).toEqual([]); // not a live NB
    const all = bannersOf(
      view({
        nbConnected: () => false,
        sbConnected: () => false,
        engine: () => ({
          configured: 'lflow',
          answering: 'model',
          problem: 'no SB yet',
          stale: 'SB behind NB',
        }),
        readiness: { isReady: () => false, waitingFor: () => ['topology'] },
      }),
      d.monitor,
    );
    expect(all.map((b) => [b.id, b.level])).toEqual([
      ['nb-disconnected', 'bad'],
      ['sb-disconnected', 'bad'],
      ['engine', 'warn'],
      ['engine-stale', 'warn'],
      ['not-ready', 'warn'],
    ]);
    expect(all[0]!.html).toMatch(/last good topology, updated <time [^>]+>1 min ago<\/time>/);
    expect(all[2]!.html).toContain('no SB yet (traces answered by model)');
  });

  it('draws one branch per load-balancer backend', async () => {
    const network = loadDemoTopology();
    const tree = await createModelEngine().trace(
      { source_port: 'dmz-port', destination_ip: '10.0.1.100', protocol: 'tcp', destination_port_num: 80 },
      { network },
    );
    const r = toTraceResult(tree);
    expect(r.backends?.length).toBe(2);
    const g = graphOf(r);
    const backends = g.filter((e) => e.data.id?.startsWith('backend:'));
    expect(backends.map((b) => b.data.label).sort()).toEqual([
      'backend 10.0.1.10:80',
      'backend 10.0.1.11:80',
    ]);
    const lb = r.hops.find((h) => h.type === 'load_balancer')!;
    const branches = g.filter((e) => e.classes === 'branch');
    // A dashed branch from the LB hop to each backend, and on from each backend to the port it reached.
    expect(branches.filter((e) => e.data.target?.startsWith('backend:')).map((e) => e.data.source)).toEqual([
      `hop:${lb.index}`,
      `hop:${lb.index}`,
    ]);
    for (const b of r.backends!)
      for (const p of b.output_ports)
        expect(
          branches.some((e) => e.data.source === `backend:${b.backend}` && e.data.target === `out:${p}`),
        ).toBe(true);
    // Every edge joins two nodes listed before it; datapaths stand side by side in the order entered.
    const ids = new Set<string>();
    for (const e of g) {
      if (e.data.source) expect(ids.has(e.data.source) && ids.has(e.data.target!)).toBe(true);
      else ids.add(e.data.id!);
    }
    const dpOrder = [...new Set(r.hops.map((h) => h.datapath))];
    const xs = dpOrder.map((dp) => g.find((e) => e.data.parent === `dp:${dp}`)!.position!.x);
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
    expect(new Set(xs).size).toBe(dpOrder.length);
    // Every hop node sits in the box of its datapath.
    for (const h of r.hops)
      expect(g.find((e) => e.data.id === `hop:${h.index}`)?.data.parent).toBe(`dp:${h.datapath}`);
  });
});
