// What-if against reality: for each ovn-nbctl command, the what-if's predicted verdicts (the command
// applied to a copy of the topology read from a real NB) must equal the verdicts after really running
// the same command line through /bin/sh and ovn-nbctl on that NB: real ovn-trace on the SB northd then
// writes, and the model on the topology re-read from the NB. Every case flips at least one verdict,
// so a what-if that changed nothing would fail.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveSettings } from '../../src/config/daemon-config.ts';
import { readYamlFile } from '../../src/config/yaml-file.ts';
import { createModelEngine } from '../../src/engine/model/index.ts';
import { createOvnTraceEngine, type OvnTraceEngine } from '../../src/engine/ovn-trace/engine.ts';
import { outcomeOf } from '../../src/engine/result/outcome.ts';
import type { TraceRequest } from '../../src/engine/types.ts';
import { createLogger } from '../../src/log.ts';
import { EMPTY_PATHS_CONFIG } from '../../src/monitor/paths-config.ts';
import { compareTopologies } from '../../src/monitor/what-if.ts';
import { applyChanges, parseChange } from '../../src/ovn/topology/edit/apply.ts';
import { type SnapshotDoc, snapshotSchema } from '../../src/ovn/topology/snapshot-schema.ts';
import { TopologyStore } from '../../src/ovn/topology/store.ts';
import type { Topology } from '../../src/ovn/topology/types.ts';
import { readTopologyOnce } from '../../src/runtime/topology-source.ts';
import { DEMO_NETWORK_FILE } from '../../src/sources/file.ts';
import { type OvnTestbed, skipWithoutOvn, startOvn } from '../helpers/ovn-testbed.ts';
import { traceApi } from '../helpers/trace.ts';

const sh = promisify(execFile);
const tcp = (
  source_port: string,
  destination_ip: string,
  port: number,
  extra: Partial<TraceRequest> = {},
): TraceRequest => ({
  source_port,
  destination_ip,
  protocol: 'tcp',
  destination_port_num: port,
  ...extra,
});

/** Command line, and the requests to compare (at least one of which must flip). */
const CASES: [string, TraceRequest[]][] = [
  [
    `acl-add pg_db to-lport 1200 'outport == @pg_db && tcp.dst == 3306' drop`,
    [
      tcp('web-server-port', '10.0.2.10', 3306),
      { source_port: 'web-server-port', destination_ip: '10.0.2.10', protocol: 'icmp' },
    ],
  ],
  [
    `--name=ssh-ok acl-add ls1 from-lport 2200 "tcp.dst == 22" allow-related`,
    [tcp('vm1-port', '10.0.0.2', 22)],
  ],
  [
    `add Address_Set mgmt_ips addresses '"10.0.0.1"'`,
    [tcp('vm1-port', '10.0.1.20', 8080), tcp('vm2-port', '10.0.1.20', 8080)],
  ],
  [
    `pg-set-ports pg_db web-server-2-port`,
    [tcp('web-server-port', '10.0.2.10', 5432), tcp('web-server-port', '10.0.1.11', 3306)],
  ],
  [`lsp-set-port-security vm1-port "00:00:00:00:00:01 10.0.0.99"`, [tcp('vm1-port', '10.0.0.2', 80)]],
  [
    `lr-policy-add lr-core 1000 'ip4.dst == 10.0.2.10' drop`,
    [tcp('web-server-port', '10.0.2.10', 3306), tcp('web-server-port', '10.0.3.10', 6379)],
  ],
  [`lr-route-add lr-core 10.0.2.0/25 discard`, [tcp('web-server-port', '10.0.2.10', 3306)]],
  [`--may-exist lb-add lb-web 10.0.1.100:80 10.0.2.10:3306`, [tcp('dmz-port', '10.0.1.100', 80)]],
];

function demoDoc(): SnapshotDoc {
  const l = readYamlFile(DEMO_NETWORK_FILE, snapshotSchema);
  if (!l.ok) throw new Error(l.errors.join('\n'));
  return l.value;
}

describe.skipIf(skipWithoutOvn())('what-if against a real NB', () => {
  let tb: OvnTestbed;
  let ovnTrace: OvnTraceEngine;
  const doc = demoDoc();

  async function readNb(): Promise<Topology> {
    const store = new TopologyStore();
    const settings = resolveSettings({ 'ovn.nb-db': tb.nbRemote }, {});
    await readTopologyOnce({ settings, store, logger: createLogger('fatal', 'json') });
    return store.current()!;
  }

  beforeAll(async () => {
    tb = await startOvn();
    ovnTrace = createOvnTraceEngine({ sbDb: tb.sbRemote, mode: 'one-shot' });
  }, 60_000);
  afterAll(async () => {
    await ovnTrace?.close();
    await tb?.stop();
  });

  it.each(CASES)(
    '%s',
    async (line, requests) => {
      await tb.loadSnapshot(doc);
      const before = await readNb();
      const predicted = await compareTopologies({
        before,
        after: applyChanges(before, [parseChange({ nbctl: line }, 0)]),
        config: EMPTY_PATHS_CONFIG,
        engine: createModelEngine(),
        traces: requests,
        maxChecks: 100,
      });
      expect(
        predicted.traces.some((t) => t.flipped),
        'the case must flip something',
      ).toBe(true);
      await sh('/bin/sh', ['-c', `exec ovn-nbctl --db=${tb.nbRemote} ${line}`]);
      await tb.sync();
      const after = await readNb();
      const model = createModelEngine();
      for (const [i, req] of requests.entries()) {
        const real = await traceApi(ovnTrace, after, req);
        const modelAfter = outcomeOf(await model.trace(req, { network: after, detail: 'outcome' }));
        const p = predicted.traces[i]!;
        const what = `${JSON.stringify(req)}: predicted ${p.after.verdict} (${p.after.summary}), ovn-trace ${real.summary}`;
        expect(p.after.reachable, what).toBe(real.reaches_destination);
        expect(p.after.reachable, what).toBe(modelAfter.reachable);
        // The same reason, except the UUID of an ACL the what-if made up (the NB gives it another).
        if (!p.after.blocked_by?.startsWith('acl:'))
          expect(p.after.blocked_by, what).toBe(modelAfter.blockedBy);
      }
    },
    60_000,
  );
});
