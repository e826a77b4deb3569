// Requests are taken literally and warned about (issue 17, item 6), on the demo network with the model
// engine: a supplied source MAC/IP that the source port does not own is traced as given, with a warning
// naming the mismatch and what port security does with it (and the verdict agrees); port 0 is traced.

import { describe, expect, it } from 'vitest';
import { buildMicroflow } from '../../src/engine/ovn-trace/microflow.ts';
import { resolveRequest } from '../../src/engine/resolve.ts';
import type { TraceRequest } from '../../src/engine/types.ts';
import { loadDemoTopology } from '../../src/sources/file.ts';
import { modelOn } from '../helpers/trace.ts';

const topo = loadDemoTopology();
const engine = modelOn(topo);
const base: TraceRequest = {
  source_port: 'vm1-port',
  destination_ip: '10.0.0.2',
  protocol: 'tcp',
  destination_port_num: 80,
};
const mismatches = (w: readonly string[]) => w.filter((x) => x.includes('is not an address of port'));

describe('supplied source addresses', () => {
  it('warns about a MAC the port does not own, and that port security drops it', async () => {
    const r = await engine.trace({ ...base, source_mac: '00:00:00:00:00:99' });
    expect(mismatches(r.warnings)).toEqual([
      'source_mac 00:00:00:00:00:99 is not an address of port vm1-port (00:00:00:00:00:01): traced as given; port security of vm1-port will drop it',
    ]);
    expect(r.reaches_destination).toBe(false);
  });

  it('warns about an IP the port does not own behind its own MAC, which MAC+IP port security drops', async () => {
    const r = await engine.trace({ ...base, source_ip: '10.0.0.99' });
    expect(mismatches(r.warnings)).toEqual([
      'source_ip 10.0.0.99 is not an address of port vm1-port: traced as given; port security of vm1-port will drop it',
    ]);
    expect(r.reaches_destination).toBe(false);
  });

  it('says when a port without port security lets a foreign address through', () => {
    const r = resolveRequest(topo, {
      source_port: 'dmz-fw-port',
      destination_ip: '172.16.0.10',
      source_ip: '172.16.0.77',
      protocol: 'tcp',
      destination_port_num: 22,
    });
    expect(mismatches(r.warnings)).toEqual([
      'source_ip 172.16.0.77 is not an address of port dmz-fw-port: traced as given; port dmz-fw-port has no port security, so OVN does not drop it for that',
    ]);
  });

  it('gives no such warning for the port own addresses, supplied or auto-filled', () => {
    const given = resolveRequest(topo, { ...base, source_mac: '00:00:00:00:00:01', source_ip: '10.0.0.1' });
    expect(mismatches(given.warnings)).toEqual([]);
    expect(mismatches(resolveRequest(topo, base).warnings)).toEqual([]);
  });
});

describe('port 0', () => {
  it('traces destination and source port 0 on both engines request paths', async () => {
    const req = { ...base, destination_port_num: 0, source_port_num: 0 };
    const r = await engine.trace(req);
    expect(r.reaches_destination).toBe(true);
    const flow = buildMicroflow(resolveRequest(topo, req));
    expect(JSON.stringify(flow)).toContain('tcp.dst == 0');
    expect(JSON.stringify(flow)).toContain('tcp.src == 0');
  });
});
