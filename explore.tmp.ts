import { resolveRequest } from './src/engine/resolve.ts';
import { buildTopology } from './src/ovn/topology/build.ts';
import { createModelEngine } from './src/engine/model/index.ts';
import { toTraceResult } from './src/engine/result/api.ts';
import { OvnTraceOracle } from './test/conformance/ovn-oracle.ts';
import { startOvn } from './test/helpers/ovn-testbed.ts';
import type { SnapshotDoc } from './src/ovn/topology/snapshot-schema.ts';

const lbNet = (vips: Record<string,string>, options: Record<string,string> = {}): SnapshotDoc => ({
  load_balancers: [{ name: 'lb', protocol: 'tcp', vips, options }],
  switches: [{ name: 'ls', load_balancers: ['lb'], ports: [
    { name: 'a', addresses: ['0a:00:00:00:00:01 10.10.0.1'] },
    { name: 'b', addresses: ['0a:00:00:00:00:02 10.10.0.2'] },
    { name: 'vipport', addresses: ['0a:00:00:00:00:64 10.10.0.100'] },
  ]}],
});
const cases: [string, SnapshotDoc, any][] = [
  ['empty backends', lbNet({ '10.10.0.100:80': '' }), { source_port: 'a', destination_ip: '10.10.0.100', protocol: 'tcp', destination_port_num: 80 }],
  ['empty backends reject', lbNet({ '10.10.0.100:80': '' }, { reject: 'true' }), { source_port: 'a', destination_ip: '10.10.0.100', protocol: 'tcp', destination_port_num: 80 }],
  ['vip owned by port', lbNet({ '10.10.0.100:80': '10.10.0.2:8080' }), { source_port: 'a', destination_ip: '10.10.0.100', protocol: 'tcp', destination_port_num: 80 }],
  ['affinity', lbNet({ '10.10.0.100:80': '10.10.0.2:8080' }, { affinity_timeout: '60' }), { source_port: 'a', destination_ip: '10.10.0.100', protocol: 'tcp', destination_port_num: 80 }],
];
const tb = await startOvn();
const oracle = new OvnTraceOracle(tb);
const engine = createModelEngine();
try {
  for (const [name, doc, req] of cases) {
    await tb.loadSnapshot(doc);
    await oracle.restart();
    const t = buildTopology(doc, { kind: 'memory', name });
    const r = resolveRequest(t, req);
    const { ports, text } = await oracle.trace(r);
    const m = toTraceResult(await engine.trace(req, { network: t }));
    console.log(`== ${name}: ovn-trace ${JSON.stringify(ports)} model ${JSON.stringify(m.output_ports)} reached=${m.reaches_destination}`);
    console.log(text.split('\n').slice(0, 30).join('\n'));
    if (name.includes('reject') || name.includes('affinity')) console.log(await oracle.detailed(r));
  }
} finally { await oracle.stop(); await tb.stop(); }
