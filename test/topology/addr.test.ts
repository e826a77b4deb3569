import { describe, expect, it } from 'vitest';
import {
  formatIpv6,
  linkLocalFromMac,
  parseCidr,
  parseIpv4,
  parseIpv6,
  parseMac,
} from '../../src/ovn/net/addr.ts';

describe('address parsing', () => {
  it.each([
    ['10.0.0.1', 0x0a000001],
    ['255.255.255.255', 0xffffffff],
    ['256.0.0.1', null],
    ['10.0.0', null],
    ['1.2.3.4.5', null],
  ])('ipv4 %s', (text, want) => expect(parseIpv4(text)).toBe(want));

  it.each([
    ['::', '::'],
    ['fd00::1', 'fd00::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['::ffff:10.0.0.1', '::ffff:a00:1'],
    ['fe80::1:2:3:4:5:6:7', null],
    ['1::2::3', null],
  ])('ipv6 %s', (text, want) => {
    const v = parseIpv6(text);
    expect(v === null ? null : formatIpv6(v)).toBe(want);
  });

  it('parses MACs and CIDRs', () => {
    expect(parseMac('00:00:00:00:00:0a')).toBe(10n);
    expect(parseMac('00:00:00:00:00')).toBeNull();
    expect(parseCidr('10.0.0.254/24')).toMatchObject({ prefix: 24, network: 0x0a000000n, addr: 0x0a0000fen });
    expect(parseCidr('10.0.0.0/33')).toBeNull();
  });

  it('derives the EUI-64 link-local address', () => {
    expect(formatIpv6(linkLocalFromMac(parseMac('00:00:00:00:00:01')!))).toBe('fe80::200:ff:fe00:1');
  });
});
