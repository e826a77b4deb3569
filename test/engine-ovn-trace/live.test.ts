// The ovn-trace engine against a real throwaway OVN with the demo network: both run modes give the
// verdicts the network implies, the daemon follows SB changes, survives crashes and hangs, runs out of
// ct states gracefully, and close() leaves no process or temp dir behind. Injection attempts through
// port names are checked against real ovn-trace.

import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readYamlFile } from '../../src/config/yaml-file.ts';
import { createOvnTraceEngine, type OvnTraceEngine } from '../../src/engine/ovn-trace/engine.ts';
import { StageHints } from '../../src/engine/ovn-trace/stage-hints.ts';
import { alive } from '../../src/engine/ovn-trace/trace-daemon.ts';
import { isOvncpError } from '../../src/errors.ts';
import { type SnapshotDoc, snapshotSchema } from '../../src/ovn/topology/snapshot-schema.ts';
import { DEMO_NETWORK_FILE, loadDemoTopology } from '../../src/sources/file.ts';
import { DEMO_CASES } from '../fixtures/ovn-trace/cases.ts';
import { type OvnTestbed, skipWithoutOvn, startOvn } from '../helpers/ovn-testbed.ts';
import { traceApi } from '../helpers/trace.ts';

const ORPHAN_CHILD = new URL('../fixtures/ovn-trace/orphan-child.ts', import.meta.url).pathname;

function demoDoc(): SnapshotDoc {
  const l = readYamlFile(DEMO_NETWORK_FILE, snapshotSchema);
  if (!l.ok) throw new Error(l.errors.join('\n'));
  return l.value;
}

/** Pids of processes whose command line mentions `text` (our socket paths are unique per test bed). */
function pidsMentioning(text: string): number[] {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return out
    .split('\n')
    .filter((l) => l.includes(text) && !l.includes('ps -eo'))
    .map((l) => Number(l.trim().split(/\s+/)[0]));
}

async function until(cond: () => Promise<boolean> | boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(skipWithoutOvn())('ovn-trace engine on real OVN', () => {
  let tb: OvnTestbed;
  const topology = loadDemoTopology();
  const engines: OvnTraceEngine[] = [];
  const make = (o: Partial<Parameters<typeof createOvnTraceEngine>[0]> = {}) => {
    const e = createOvnTraceEngine({
      sbDb: tb.sbRemote,
      timeoutMs: 10_000,
      ...o,
    });
    engines.push(e);
    return e;
  };

  beforeAll(async () => {
    tb = await startOvn();
    await tb.loadSnapshot(demoDoc());
  }, 60_000);
  afterAll(async () => {
    for (const e of engines) await e.close();
    await tb?.stop();
  });

  for (const mode of ['one-shot', 'daemon'] as const) {
    it(`${mode}: every demo case gets the verdict the network implies`, async () => {
      const e = make({ mode });
      await e.ready();
      for (const c of DEMO_CASES) {
        const r = await traceApi(e, topology, c.request);
        expect({ name: c.name, reaches: r.reaches_destination, out: r.output_ports }).toEqual({
          name: c.name,
          reaches: c.reaches,
          out: c.outputPorts,
        });
        if (c.dropStage) expect(r.dropped_at?.stage).toBe(c.dropStage);
        if (c.dropAcl) expect(r.dropped_at?.acl_matches?.[0]?.acl_name).toBe(c.dropAcl);
      }
      if (mode === 'daemon') expect(e.stats.daemonTraces).toBe(DEMO_CASES.length);
      else expect(e.stats.oneShotTraces).toBe(DEMO_CASES.length);
      await e.close();
    }, 60_000);
  }

  it('verbose returns the raw ovn-trace text and hop details', async () => {
    const e = make({ mode: 'one-shot' });
    const r = await traceApi(e, topology, { ...DEMO_CASES[0]!.request, verbose: true });
    expect(r.raw).toMatch(/^# tcp,/);
    expect(r.raw).toContain('/* output to "vm2-port", type "" */');
    expect(r.hops[0]?.details).toMatchObject({ table: 0, priority: expect.any(Number) });
  });

  it('a load-balancer VIP is traced to every backend (--lb-dst), in daemon mode too', async () => {
    const e = make({ mode: 'daemon', watchSb: false });
    await e.ready();
    const r = await traceApi(e, topology, {
      source_port: 'dmz-port',
      destination_ip: '10.0.1.100',
      protocol: 'tcp',
      destination_port_num: 80,
    });
    expect(r.reaches_destination).toBe(true);
    expect(r.backends).toEqual([
      { backend: '10.0.1.10:80', reached: true, output_ports: ['web-server-port'] },
      { backend: '10.0.1.11:80', reached: true, output_ports: ['web-server-2-port'] },
    ]);
    expect([...r.output_ports].sort()).toEqual(['web-server-2-port', 'web-server-port']);
    // The VIP on another port: no backend listens on 8080, the VIP does not match, nothing is delivered.
    const miss = await traceApi(e, topology, {
      source_port: 'dmz-port',
      destination_ip: '10.0.1.100',
      protocol: 'tcp',
      destination_port_num: 8080,
    });
    expect(miss.backends).toBeUndefined();
    expect(miss.reaches_destination).toBe(false);
  }, 30_000);

  it('names the NB ACL through the SB stage-hint', async () => {
    const hints = new StageHints({ sbDb: tb.sbRemote });
    const e = make({ mode: 'one-shot' });
    const r = await traceApi(e, topology, { ...DEMO_CASES[1]!.request, verbose: true });
    const lflow = r.dropped_at?.details?.uuid as string;
    const hint = await hints.lookup(lflow);
    const aclUuid = (await tb.nbctl('--bare', '--columns=_uuid', 'find', 'ACL', 'name=deny-ssh')).trim();
    expect(hint).toMatch(/^[0-9a-f]{8}$/);
    expect(aclUuid.startsWith(hint!)).toBe(true);
    expect(await hints.lookup('not-hex')).toBeNull();
  });

  it('daemon: follows SB changes (it never re-reads the SB itself)', async () => {
    const e = make({ mode: 'daemon' });
    await e.ready();
    const req = {
      source_port: 'vm1-port',
      destination_ip: '10.0.0.2',
      protocol: 'tcp' as const,
      destination_port_num: 8080,
    };
    expect((await traceApi(e, topology, req)).reaches_destination).toBe(true);
    const before = e.daemonPid();
    await tb.nbctl('--name=block-8080', 'acl-add', 'ls1', 'from-lport', '3000', 'tcp.dst == 8080', 'drop');
    await tb.sync();
    try {
      await until(async () => (await traceApi(e, topology, req)).reaches_destination === false);
      await e.ready();
      expect(e.daemonPid()).not.toBe(before);
      expect((await traceApi(e, topology, req)).reaches_destination).toBe(false);
      expect(e.stats.daemonTraces).toBeGreaterThan(1);
    } finally {
      await tb.nbctl('acl-del', 'ls1', 'from-lport', '3000', 'tcp.dst == 8080');
      await tb.sync();
    }
  }, 30_000);

  it('daemon: a trace during a restart waits for the new daemon (no one-shot run)', async () => {
    const e = make({ mode: 'daemon', watchSb: false });
    await e.ready();
    const first = e.daemonPid();
    e.sbChanged();
    const r = await traceApi(e, topology, DEMO_CASES[0]!.request);
    expect(r.reaches_destination).toBe(true);
    expect(e.stats).toMatchObject({ oneShotTraces: 0, daemonTraces: 1, daemonStarts: 2 });
    expect(e.daemonPid()).not.toBe(first);
  }, 30_000);

  it('daemon: a burst of parallel traces is queued, not timed out', async () => {
    const e = make({ mode: 'daemon', watchSb: false, timeoutMs: 2000 });
    await e.ready();
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        traceApi(e, topology, DEMO_CASES[i % DEMO_CASES.length]!.request),
      ),
    );
    results.forEach((r, i) => {
      expect(r.reaches_destination).toBe(DEMO_CASES[i % DEMO_CASES.length]!.reaches);
    });
    expect(e.stats).toMatchObject({ daemonTraces: 200, oneShotTraces: 0, daemonFailures: 0 });
  }, 60_000);

  it('daemon: a killed daemon is replaced and traces keep working meanwhile', async () => {
    const e = make({ mode: 'daemon', watchSb: false });
    await e.ready();
    const first = e.daemonPid()!;
    process.kill(first, 'SIGKILL');
    await until(() => !alive(first));
    const r = await traceApi(e, topology, DEMO_CASES[0]!.request);
    expect(r.reaches_destination).toBe(true);
    await e.ready();
    expect(e.daemonPid()).not.toBe(first);
    expect((await traceApi(e, topology, DEMO_CASES[1]!.request)).reaches_destination).toBe(false);
  }, 30_000);

  it('daemon: a hung daemon times the trace out and is replaced', async () => {
    const e = make({ mode: 'daemon', watchSb: false, timeoutMs: 800 });
    await e.ready();
    const hung = e.daemonPid()!;
    process.kill(hung, 'SIGSTOP');
    try {
      await traceApi(e, topology, DEMO_CASES[0]!.request);
      expect.unreachable();
    } catch (err) {
      expect(isOvncpError(err) && err.code).toBe('OVNCP_ERR_TIMEOUT');
    }
    await until(() => !alive(hung));
    await e.ready();
    expect(e.daemonPid()).not.toBe(hung);
    expect((await traceApi(e, topology, DEMO_CASES[0]!.request)).reaches_destination).toBe(true);
  }, 30_000);

  it('daemon: runs out of --ct states gracefully (new daemon, every verdict still right)', async () => {
    const e = make({ mode: 'daemon', watchSb: false, daemonCtStates: 12 });
    await e.ready();
    const web = DEMO_CASES.find((c) => c.name === 'web-to-db-mysql')!;
    for (let i = 0; i < 8; i++) {
      const r = await traceApi(e, topology, web.request);
      expect(r.reaches_destination).toBe(true);
      expect(r.warnings.join(' ')).not.toMatch(/ran out of --ct/);
    }
    expect(e.stats.daemonStarts).toBeGreaterThan(1);
  }, 60_000);

  it('a SIGKILLed owner leaves no orphan daemon (watchdog)', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', ORPHAN_CHILD, tb.sbRemote], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const line = await new Promise<string>((resolve, reject) => {
      child.stdout!.once('data', (b: Buffer) => resolve(b.toString()));
      child.once('exit', (c) => reject(new Error(`child exited ${c}`)));
    });
    const { pid, dir } = JSON.parse(line) as { pid: number; dir: string };
    expect(alive(pid)).toBe(true);
    child.kill('SIGKILL');
    await until(() => !alive(pid) && !existsSync(dir), 5000);
  }, 60_000);

  it('close() leaves no ovn-trace daemon, ovsdb-client watcher or temp dir behind', async () => {
    const e = make({ mode: 'daemon' });
    await e.ready();
    await traceApi(e, topology, DEMO_CASES[0]!.request);
    const pid = e.daemonPid()!;
    const dir = e.daemonDir()!;
    expect(existsSync(dir)).toBe(true);
    const ours = () =>
      pidsMentioning(tb.sbSock).filter((p) => {
        const cmd = execFileSync('ps', ['-o', 'comm=', '-p', String(p)], { encoding: 'utf8' }).trim();
        return cmd === 'ovn-trace' || cmd === 'ovsdb-client';
      });
    expect(ours().length).toBeGreaterThan(1); // the daemon and the SB watchers
    await e.close();
    expect(alive(pid)).toBe(false);
    for (const other of engines) await other.close();
    await until(() => ours().length === 0, 5000);
    expect(existsSync(dir)).toBe(false);
  }, 30_000);
});

describe.skipIf(skipWithoutOvn())('injection through names, against real ovn-trace', () => {
  let tb: OvnTestbed;
  const evilPort = 'x" || inport == "vm2-port';
  const evilSwitch = '--db=unix:/nonexistent.sock';

  beforeAll(async () => {
    tb = await startOvn();
    await tb.loadSnapshot({
      switches: [
        {
          name: evilSwitch,
          ports: [
            { name: evilPort, addresses: ['00:00:00:00:00:0a 10.1.0.10'] },
            { name: 'dst && 1', addresses: ['00:00:00:00:00:0b 10.1.0.11'] },
          ],
        },
      ],
    });
  }, 60_000);
  afterAll(async () => {
    await tb?.stop();
  });

  it('a port and a switch named like options or match terms are only names', async () => {
    const topo = loadDemoTopology();
    const { loadTopologyText } = await import('../../src/sources/file.ts');
    const t = loadTopologyText(
      'evil',
      JSON.stringify({
        version: 1,
        switches: [
          {
            name: evilSwitch,
            ports: [
              { name: evilPort, addresses: ['00:00:00:00:00:0a 10.1.0.10'] },
              { name: 'dst && 1', addresses: ['00:00:00:00:00:0b 10.1.0.11'] },
            ],
          },
        ],
      }),
    );
    expect(topo.ports.size).toBeGreaterThan(0);
    for (const mode of ['one-shot', 'daemon'] as const) {
      const e = createOvnTraceEngine({ sbDb: tb.sbRemote, mode, watchSb: false });
      try {
        await e.ready();
        const r = await traceApi(e, t, {
          source_port: evilPort,
          destination_ip: '10.1.0.11',
          protocol: 'udp',
          verbose: true,
        });
        expect(r.output_ports).toEqual(['dst && 1']);
        expect(r.reaches_destination).toBe(true);
        // ovn-trace prints names unescaped: the header shows the name verbatim, quotes and all.
        expect(r.raw).toContain(`ingress(dp="${evilSwitch}", inport="${evilPort}")`);
        expect(r.hops[0]?.datapath).toBe(evilSwitch);
      } finally {
        await e.close();
      }
    }
  }, 60_000);
});
