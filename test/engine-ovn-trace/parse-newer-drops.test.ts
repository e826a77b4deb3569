// The parser on texts recorded from ovn-trace 25.03 (Debian trixie), no OVN needed: since 23.06 an ACL
// drop or a default drop is a `*_acl_action` flow that only resets registers (the SB actions end in a
// drop comment, ovn-trace prints no `drop;`), and the trace simply ends there. The same shape in the
// middle of a trace (followed by a ct_next block, or passing the packet on) is not a drop.

import { describe, expect, it } from 'vitest';
import { parseDetailed, type TableStep } from '../../src/engine/ovn-trace/parse-detailed.ts';

const ACL_DROP_25_03 = `# tcp,reg14=0x1,vlan_tci=0x0000,dl_src=0a:00:00:00:00:01,dl_dst=0a:00:00:00:00:02,nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_tos=0,nw_ecn=0,nw_ttl=64,nw_frag=no,tp_src=0,tp_dst=80,tcp_flags=0

ingress(dp="sw1", inport="p1")
------------------------------
 0. ls_in_check_port_sec (northd.c:9365): 1, priority 50, uuid 4c78b24e
    reg0[15] = check_in_port_sec();
    next;
10. ls_in_acl_action (northd.c:7259): 1, priority 0, uuid c96dcce9
    reg8[16] = 0;
    reg8[17] = 0;
    reg8[18] = 0;
    next;
28. ls_in_l2_lkup (northd.c:10258): eth.dst == 0a:00:00:00:00:02, priority 50, uuid d7c685ad
    outport = "p2";
    output;

egress(dp="sw1", inport="p1", outport="p2")
-------------------------------------------
 6. ls_out_acl_eval (northd.c:6968): (ip4.src == 10.0.0.1), priority 2000, uuid 99bf8fe2
    reg8[17] = 1;
    next;
 8. ls_out_acl_action (northd.c:7243): reg8[17] == 1, priority 1000, uuid d85fb354
    reg8[16] = 0;
    reg8[17] = 0;
    reg8[18] = 0;
`;

const DEFAULT_DROP_25_03 = `# tcp,reg14=0x1,vlan_tci=0x0000,dl_src=00:00:00:00:00:01,dl_dst=00:00:00:00:00:02,nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_tos=0,nw_ecn=0,nw_ttl=64,nw_frag=no,tp_src=1234,tp_dst=80,tcp_flags=0

ingress(dp="ls1", inport="vm1")
-------------------------------
 0. ls_in_check_port_sec (northd.c:9365): 1, priority 50, uuid 595319af
    reg0[15] = check_in_port_sec();
    next;
 4. ls_in_pre_acl (northd.c:6023): ip, priority 100, uuid a7548865
    reg0[0] = 1;
    next;
 6. ls_in_pre_stateful (northd.c:6273): reg0[0] == 1, priority 100, uuid 1e851009
    ct_next(dnat);

ct_next(ct_state=new|trk)
-------------------------
 7. ls_in_acl_hint (northd.c:6327): ct.new && !ct.est, priority 7, uuid 7952d2f5
    reg0[7] = 1;
    reg0[9] = 1;
    next;
 8. ls_in_acl_eval (northd.c:7027): reg0[7] == 1 && (ip4), priority 2000, uuid 79008e66
    log(name="in-allow", verdict=allow, severity=info);

    LOG: ACL name=in-allow, direction=IN, verdict=allow, severity=info, packet="ct_state=new|trk,tcp"
    ------------------------------------------------------------------------------------------------
    reg8[16] = 1;
    reg0[1] = 1;
    next;
10. ls_in_acl_action (northd.c:7238): reg8[16] == 1, priority 1000, uuid 51800be9
    reg8[16] = 0;
    reg8[17] = 0;
    reg8[18] = 0;
    next;
20. ls_in_acl_after_lb_action (northd.c:7259): 1, priority 0, uuid 266d9eba
    reg8[16] = 0;
    reg8[17] = 0;
    reg8[18] = 0;
`;

const tables = (text: string) => parseDetailed(text).steps.filter((s): s is TableStep => s.kind === 'table');

describe('ovn-trace 25.03 drops without `drop;`', () => {
  it('an ACL drop: the last *_acl_action flow is the one drop', () => {
    const t = tables(ACL_DROP_25_03);
    expect(t.filter((s) => s.dropped).map((s) => `${s.stage}/${s.uuid}`)).toEqual([
      'ls_out_acl_action/d85fb354',
    ]);
    expect(parseDetailed(ACL_DROP_25_03).outputs).toEqual([]);
  });

  it('a default drop after a ct_next block: only the final flow drops, not the one opening the block', () => {
    const t = tables(DEFAULT_DROP_25_03);
    expect(t.find((s) => s.stage === 'ls_in_pre_stateful')?.followedBy).toBe('block');
    expect(t.filter((s) => s.dropped).map((s) => s.stage)).toEqual(['ls_in_acl_after_lb_action']);
  });
});
