// The ovn-trace engine on newer OVN (25.03, 26.03 beds, their own ovn-trace): where a packet dies and
// why. Since 23.06 an ACL drop happens in `*_acl_action` by a flow whose actions only clear registers
// (the SB says `/* drop */`; ovn-trace prints no `drop;`), and a default drop (default_acl_drop) is a
// priority-0 flow of an ACL action stage that no ACL eval flow named. Both must be drops at that stage,
// blamed on the ACL that matched in the same stage (or on none), never on an ACL of another stage.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOvnTraceEngine, type OvnTraceEngine } from '../../src/engine/ovn-trace/engine.ts';
import { hopStageOf } from '../../src/engine/result/hop-stages.ts';
import type { TraceRequest } from '../../src/engine/types.ts';
import { buildTopology } from '../../src/ovn/topology/build.ts';
import type { SnapshotDoc } from '../../src/ovn/topology/snapshot-schema.ts';
import type { Topology } from '../../src/ovn/topology/types.ts';
import { type OvnRelease, type OvnTestbed, skipWithoutRelease, startOvn } from '../helpers/ovn-testbed.ts';
import { traceApi } from '../helpers/trace.ts';

const port = (n: number) => ({ name: `vm${n}`, addresses: [`0a:00:00:00:00:0${n} 10.0.0.${n}`] });

function network(acls: NonNullable<SnapshotDoc['switches']>[number]['acls'], dropByDefault = false) {
  const options: Record<string, string> = dropByDefault ? { default_acl_drop: 'true' } : {};
  return { nb_global: { options }, switches: [{ name: 'ls1', ports: [port(1), port(2)], acls }] };
}

const TCP = (dport: number): TraceRequest => ({
  source_port: 'vm1',
  destination_ip: '10.0.0.2',
  protocol: 'tcp',
  source_port_num: 40000,
  destination_port_num: dport,
});

describe.each(['25.03', '26.03'] as OvnRelease[])('ovn-trace engine drops on OVN %s', (release) => {
  describe.skipIf(skipWithoutRelease(release))('in its test bed', () => {
    let tb: OvnTestbed;
    let engine: OvnTraceEngine;
    let topology: Topology;

    async function load(doc: SnapshotDoc): Promise<void> {
      await tb.loadSnapshot(doc);
      topology = buildTopology({ ...doc, ovn_version: release }, { kind: 'memory', name: 'drops' });
      engine.sbChanged();
      await engine.ready();
    }

    beforeAll(async () => {
      tb = await startOvn({ release });
      engine = createOvnTraceEngine({
        sbDb: tb.sbRemote,
        mode: 'daemon',
        watchSb: false,
        tools: { chroot: tb.root! },
      });
    }, 120_000);
    afterAll(async () => {
      await engine?.close();
      await tb?.stop();
    });

    it('an ACL drop in *_acl_action is a drop there, by that ACL (to-lport and from-lport)', async () => {
      await load(
        network([
          {
            name: 'out-drop-80',
            direction: 'to-lport',
            priority: 1000,
            match: 'tcp.dst == 80',
            action: 'drop',
          },
          {
            name: 'in-drop-22',
            direction: 'from-lport',
            priority: 1000,
            match: 'tcp.dst == 22',
            action: 'drop',
          },
        ]),
      );
      for (const [dport, stage, name] of [
        [80, 'ls_out_acl_action', 'out-drop-80'],
        [22, 'ls_in_acl_action', 'in-drop-22'],
      ] as const) {
        const r = await traceApi(engine, topology, TCP(dport));
        expect(r.reaches_destination).toBe(false);
        expect(r.dropped_at?.action).toBe('drop');
        expect(r.dropped_at?.type).toBe('acl');
        // The hop rule (result/hop-stages.ts) names an eval/action pair by its group stage.
        expect(r.dropped_at?.stage).toBe(hopStageOf(stage).stage);
        expect(r.dropped_at?.acl_matches?.map((a) => a.acl_name)).toEqual([name]);
        expect(r.hops.filter((h) => h.action === 'drop').length).toBe(1);
      }
      const open = await traceApi(engine, topology, TCP(443));
      expect(open.reaches_destination).toBe(true);
      expect(open.hops.some((h) => h.action === 'drop')).toBe(false);
    });

    it('a default drop is not blamed on the ingress ACL that allowed the packet earlier', async () => {
      await load(
        network(
          [
            {
              name: 'in-allow',
              direction: 'from-lport',
              priority: 1000,
              match: 'ip4',
              action: 'allow-related',
            },
            {
              name: 'out-ssh',
              direction: 'to-lport',
              priority: 1000,
              match: 'tcp.dst == 22',
              action: 'allow-related',
            },
          ],
          true,
        ),
      );
      const r = await traceApi(engine, topology, TCP(80));
      expect(r.reaches_destination).toBe(false);
      expect(r.dropped_at?.action).toBe('drop');
      expect(r.dropped_at?.type).toBe('acl');
      expect(r.dropped_at?.stage).toMatch(/_acl(_after_lb)?_eval$/);
      expect(r.dropped_at?.acl_matches ?? []).toEqual([]);
      expect(r.allowed_by.some((a) => a.acl?.acl_name === 'in-allow')).toBe(true);
      // One hop names it: its eval and action flows are one hop under the hop rule (result/hop-stages.ts).
      expect(r.hops.filter((h) => h.acl_matches?.some((m) => m.acl_name === 'in-allow')).length).toBe(1);
    });
  });
});
