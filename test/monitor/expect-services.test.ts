// Exposure monitoring (monitor/exposure.ts): paths with expect_services are checked with the exact
// allowed services; anything else open, or an expected service not open, makes the path unmet, and
// ovncp_path_unexpected_services{path} counts the unexpected ranges. Runs the real Monitor with the model
// engine on the demo network; the paths file is validated as any other.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import type { ServicesAnswer } from '../../src/analysis/allowed-services.ts';
import { createModelEngine } from '../../src/engine/model/index.ts';
import { createLogger } from '../../src/log.ts';
import { compareExposure, parseExpectedService } from '../../src/monitor/exposure.ts';
import { Monitor } from '../../src/monitor/monitor.ts';
import { parsePathsText } from '../../src/monitor/paths-config.ts';
import { TopologyStore } from '../../src/ovn/topology/store.ts';
import { loadDemoTopology } from '../../src/sources/file.ts';

const dir = mkdtempSync(join(tmpdir(), 'ovncp-exposure-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('expect_services entries', () => {
  it.each([
    ['tcp/5432', { protocol: 'tcp', from: 5432, to: 5432 }],
    ['udp/8000-8100', { protocol: 'udp', from: 8000, to: 8100 }],
    ['ICMP', { protocol: 'icmp' }],
    ['tcp/0', 'ports must be 1..65535 with FROM <= TO'],
    ['tcp/90-80', 'ports must be 1..65535 with FROM <= TO'],
    ['sctp/1', expect.stringContaining('must be icmp')],
    ['tcp:80', expect.stringContaining('must be icmp')],
  ])('%s', (text, want) => {
    expect(parseExpectedService(text)).toEqual(want);
  });

  it('refuses protocol/port/expect beside expect_services, naming the line', () => {
    const bad = `paths:\n  - name: p\n    source_port: a\n    destination: b\n    expect_services: [tcp/80]\n    port: 80\n`;
    expect(() => parsePathsText('paths.yaml', bad)).toThrow(/paths\.yaml:6.*port cannot be given with it/s);
    const worse = `paths:\n  - name: p\n    source_port: a\n    destination: b\n    expect_services: [tcp/80, "tcp/x"]\n`;
    expect(() => parsePathsText('paths.yaml', worse)).toThrow(/must be icmp, tcp\/PORT/);
  });
});

describe('comparing open ranges with the expectation', () => {
  const range = (from: number, to: number) => ({ from, to, reachable: true, allowed_by: [] });
  const answer = {
    tcp: [range(80, 80), { from: 81, to: 442, reachable: false, allowed_by: [] }, range(443, 450)],
    udp: [],
    icmp: { reachable: true, allowed_by: [] },
  } as unknown as ServicesAnswer;
  it('splits an open range around the expected part', () => {
    const e = compareExposure(answer, [
      { protocol: 'tcp', from: 80, to: 80 },
      { protocol: 'tcp', from: 445, to: 446 },
      { protocol: 'udp', from: 53, to: 53 },
    ]);
    expect(e).toEqual({
      open: ['tcp/80', 'tcp/443-450', 'icmp'],
      unexpected: ['tcp/443-444', 'tcp/447-450', 'icmp'],
      missing: ['udp/53'],
    });
  });
});

describe('a monitored path with expect_services', () => {
  it('is met when exactly those services are open, unmet with the unexpected ones counted', async () => {
    const file = join(dir, 'paths.yaml');
    writeFileSync(
      file,
      `paths:
  - name: web-db-exact
    source_port: web-server-port
    destination: db-server-port
    expect_services: ["tcp/3306", icmp]
  - name: web-db-no-icmp
    source_port: web-server-port
    destination: db-server-port
    expect_services: ["tcp/3306"]
  - name: vm1-vm2-http-only
    source_port: vm1-port
    destination: vm2-port
    expect_services: ["tcp/80"]
`,
    );
    const store = new TopologyStore();
    store.set(loadDemoTopology(), ['initial']);
    const model = createModelEngine();
    const m = new Monitor({
      pathsFile: file,
      topology: store,
      engine: () => model,
      registry: new Registry(),
      logger: createLogger('fatal', 'json'),
    });
    await m.start();
    await m.idle();
    expect(m.pathStatus('web-db-exact').status).toBe('ok');
    expect(m.pathStatus('web-db-no-icmp').status).toBe('unmet');
    expect(m.pathStatus('vm1-vm2-http-only').status).toBe('unmet');
    const [s] = m.statesOf('vm1-vm2-http-only');
    // ls1 allows everything but ssh: every other range is open.
    expect(s?.last?.exposure?.unexpected).toEqual([
      'tcp/1-21',
      'tcp/23-79',
      'tcp/81-65535',
      'udp/1-65535',
      'icmp',
    ]);
    const text = Buffer.concat(await m.renderMetrics()).toString();
    expect(text).toContain('ovncp_path_unexpected_services{path="web-db-exact"} 0\n');
    expect(text).toContain('ovncp_path_unexpected_services{path="web-db-no-icmp"} 1\n');
    expect(text).toContain('ovncp_path_unexpected_services{path="vm1-vm2-http-only"} 5\n');
    expect(text).toMatch(/ovncp_path_status\{path="web-db-no-icmp",status="unmet"\} 1/);
    // The paths API shows no single trace for such a check: it is one trace per range.
    await expect(m.traceOf(s!.check.key)!).rejects.toThrow(/POST \/api\/v1\/analysis\/services/);
    expect(s?.check.protocol).toBe('services');
    await m.stop();
  });
});
