// The action language parser: statements northd writes, as a table of `actions => parsed shape`, and
// text it must refuse.

import { describe, expect, it } from 'vitest';
import { type Action, ActionSyntaxError, parseActions } from '../../src/engine/lflow/actions.ts';

/** A compact rendering of parsed actions, so the table below reads like the input. */
function show(list: readonly Action[]): string {
  return list
    .map((a) => {
      switch (a.k) {
        case 'next':
          return `next(${a.pipeline ?? ''}${a.table ?? ''})`;
        case 'load':
          return `${a.dst.base.name}[${a.dst.ofs}+${a.dst.nbits}]=${typeof a.value === 'string' ? JSON.stringify(a.value) : a.value}`;
        case 'move':
          return `${a.dst.text}=${a.src.text}`;
        case 'exchange':
          return `${a.a.text}<->${a.b.text}`;
        case 'ct':
          return `${a.name}(${a.addr ? a.addr.ip : ''})`;
        case 'ct_lb':
          return `${a.name}[${a.backends.map((b) => `${b.family}:${b.ip}:${b.port}`).join(',')}]`;
        case 'select':
          return `${a.dst.text}=select(${a.ids.join(',')})`;
        case 'nest':
          return `${a.name}{${show(a.body)}}`;
        case 'fn':
          return `${a.dst?.text ?? ''}=${a.name}(${a.args.length})`;
        case 'log':
          return `log(${a.name},${a.verdict})`;
        case 'noop':
        case 'unsupported':
          return `${a.k}:${a.name}`;
        default:
          return a.k;
      }
    })
    .join('; ');
}

describe('parseActions', () => {
  it.each([
    ['next;', 'next()'],
    ['drop;', ''],
    ['next(pipeline=egress,table=5);', 'next(egress5)'],
    ['reg0[15] = check_in_port_sec(); next;', 'reg0[15]=check_in_port_sec(0); next()'],
    [
      'reg1 = 10.9.1.100; reg2[0..15] = 443; ct_lb_mark;',
      'xxreg0[64+32]=168362340; xxreg0[32+16]=443; ct_lb_mark[]',
    ],
    ['outport = "p 1"; output;', 'outport[0+0]="p 1"; output'],
    ['eth.dst <-> eth.src; ip.ttl--;', 'eth.dst<->eth.src; dec_ttl'],
    ['xxreg0 = ip6.dst; reg8[16..31] = select(1, 2);', 'xxreg0=ip6.dst; reg8[16..31]=select(1,2)'],
    [
      'ct_lb_mark(backends=10.0.0.2:80,[fd00::2]:8080; hash_fields="ip_src");',
      'ct_lb_mark[4:167772162:80,6:336294682933583715844663186250927177730:8080]',
    ],
    ['ct_dnat(10.2.0.13);', 'ct_dnat(167903245)'],
    ['ct_snat_in_czone;', 'ct_snat_in_czone()'],
    [
      'clone { outport = "a"; output; }; outport = "_MC_flood"; output;',
      'clone{outport[0+0]="a"; output}; outport[0+0]="_MC_flood"; output',
    ],
    [
      'reject { /* implicit */ outport <-> inport; next(pipeline=egress,table=5); };',
      'reject{outport<->inport; next(egress5)}',
    ],
    ['get_arp(outport, reg0); next;', '=get_arp(2); next()'],
    ['outport = get_fdb(eth.dst); next;', 'outport=get_fdb(1); next()'],
    ['log(name="deny-ssh", severity=info, verdict=drop); /* drop */', 'log(deny-ssh,drop)'],
    ['ct_commit { ct_mark.blocked = 0; }; next;', 'noop:ct_commit; next()'],
    ['trigger_event(event = "empty_lb_backends", vip = "10.0.0.1:80");', 'noop:trigger_event'],
    ['handle_svc_check(inport);', 'noop:handle_svc_check'],
    ['reg9[5] = chk_ecmp_nh_mac(); next;', 'reg9[5]=chk_ecmp_nh_mac(0); next()'],
    ['ct_commit_to_zone(snat);', 'ct_commit_to_zone()'],
    ['mac_cache_use; next;', 'noop:mac_cache_use; next()'],
    ['reg4[0..7] = ct_state_save(); next;', 'reg4[0..7]=ct_state_save(0); next()'],
    ['frobnicate(1); next;', 'unsupported:frobnicate; next()'],
  ])('%s', (text, expected) => {
    expect(show(parseActions(text))).toBe(expected);
  });

  it.each([
    ['reg0 = "x";', /string assigned/],
    ['nosuchfield = 1;', /unknown or unassignable field/],
    ['eth.src--;', /only allowed on ip.ttl/],
    ['next(', /unexpected end|expected/],
  ])('refuses %s', (text, message) => {
    expect(() => parseActions(text)).toThrow(ActionSyntaxError);
    expect(() => parseActions(text)).toThrow(message);
  });
});
