// The engines' one hop rule (src/engine/result/hop-stages.ts): how executed logical flows group into
// hops (the ovn-trace and lflow engines use groupFlows), and that the model's hops are typed by the
// same table, on every scenario of the shared suite.

import { describe, expect, it } from 'vitest';
import { createModelEngine } from '../../src/engine/model/index.ts';
import {
  type FlowEvent,
  groupFlows,
  hopStageOf,
  hopTypeOfStage,
} from '../../src/engine/result/hop-stages.ts';
import { modelCases } from '../fixtures/golden/requests.ts';

const ev = (stage: string, pass: string, over: Partial<FlowEvent> = {}): FlowEvent => ({
  stage,
  pass,
  dropped: false,
  rule: false,
  changed: false,
  loadBalances: false,
  ...over,
});

const shape = (hops: ReturnType<typeof groupFlows>) =>
  hops.map((h) => `${h.type} ${h.stage} ${h.members.length}+${h.details.length}`);

describe('groupFlows', () => {
  it('one hop per stage that acted; plumbing folds into the next hop', () => {
    const hops = groupFlows([
      ev('ls_in_check_port_sec', 'in'),
      ev('ls_in_pre_acl', 'in'),
      ev('ls_in_acl_hint', 'in'),
      ev('ls_in_acl', 'in'), // northd's default: no ACL decided
      ev('ls_in_l2_lkup', 'in'),
      ev('ls_out_pre_lb', 'out'),
      ev('ls_out_acl_eval', 'out', { rule: true }),
      ev('ls_out_acl_sample', 'out'),
      ev('ls_out_acl_action', 'out'),
      ev('ls_out_check_port_sec', 'out'),
      ev('ls_out_apply_port_sec', 'out'),
      ev('', 'out'), // a note after the last hop
    ]);
    expect(shape(hops)).toEqual([
      'port_security ls_in_check_port_sec 1+0',
      'l2_lookup ls_in_l2_lkup 1+3',
      'acl ls_out_acl_eval 2+1',
      'port_security ls_out_check_port_sec 2+2',
    ]);
  });

  it('a drop is always a hop, a rule or change stage only when it acted, and passes never merge', () => {
    const hops = groupFlows([
      ev('lr_in_admission', 'r'),
      ev('lr_in_ip_routing_pre', 'r'),
      ev('lr_in_ip_routing', 'r'),
      ev('lr_in_policy', 'r'), // the priority-0 default
      ev('lr_in_dnat', 'r'),
      ev('lr_in_arp_resolve', 'r', { dropped: true }),
      ev('ls_in_check_port_sec', 'a'),
      ev('ls_in_check_port_sec', 'b'),
      ev('ls_in_lb', 'b', { changed: true, loadBalances: true }),
      ev('ls_in_brand_new_stage', 'b'),
    ]);
    expect(shape(hops)).toEqual([
      'l3_routing lr_in_ip_routing 2+1',
      'l3_routing lr_in_arp_resolve 1+2',
      'port_security ls_in_check_port_sec 1+0',
      'port_security ls_in_check_port_sec 1+0',
      'load_balancer ls_in_lb 1+1',
    ]);
  });

  it('an unknown stage is flow plumbing; a load-balancing NAT stage is a load_balancer hop', () => {
    expect(hopStageOf('ls_in_brand_new_stage')).toEqual({
      stage: 'ls_in_brand_new_stage',
      type: 'flow',
      when: 'drop',
    });
    expect(hopStageOf('ls_in_apply_port_sec').stage).toBe('ls_in_check_port_sec');
    expect(hopTypeOfStage('lr_in_dnat')).toBe('nat');
    expect(hopTypeOfStage('lr_in_dnat', true)).toBe('load_balancer');
  });
});

describe('the model types its hops by the same table', () => {
  it('on every scenario, verbose or not', async () => {
    const engine = createModelEngine();
    let checked = 0;
    for (const c of modelCases()) {
      const t = await engine.trace(c.request, { network: c.topology });
      for (const b of t.branches)
        for (const h of b.hops) {
          if (!h.stage) continue;
          expect(hopStageOf(h.stage).stage, `${c.name}: ${h.stage}`).toBe(h.stage);
          expect(h.type, `${c.name}: ${h.stage}`).toBe(hopTypeOfStage(h.stage, h.type === 'load_balancer'));
          checked++;
        }
    }
    expect(checked).toBeGreaterThan(200);
  });
});
