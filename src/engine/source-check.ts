// Requests are taken literally, and warned about: a source MAC or IP the caller supplied that is not an
// address of the source port is traced as given (a spoof test is legitimate), with a warning naming the
// mismatch and whether the port's port security will drop it (DESIGN.md §3: `MAC` alone lets IP spoofs
// through, `MAC IP` blocks both, no entries means no restriction).

import { cidrContains, type IpAddr, parseCidr, parseMac } from '../ovn/net/addr.ts';
import type { PortSecurityEntry, SwitchPort } from '../ovn/topology/types.ts';

/** IPv6 link-local: OVN lets a port's EUI-64 link-local source through even when secured with IPv4 only. */
const LINK_LOCAL = parseCidr('fe80::/10')!;

function sameMac(a: string, b: string): boolean {
  return parseMac(a) === parseMac(b);
}

function portMacs(port: SwitchPort): string[] {
  const all = [...port.addresses, ...(port.dynamicAddresses ? [port.dynamicAddresses] : [])];
  return all.flatMap((a) => (a.kind === 'static' ? [a.mac] : []));
}

function portIps(port: SwitchPort): IpAddr[] {
  const all = [...port.addresses, ...(port.dynamicAddresses ? [port.dynamicAddresses] : [])];
  return all.flatMap((a) => (a.kind === 'static' ? a.ips : []));
}

/** What port security does with this source MAC: a sentence ending the warning. */
function macVerdict(port: SwitchPort, mac: string): string {
  if (port.portSecurity.length === 0)
    return `port ${port.name} has no port security, so OVN does not drop it for that`;
  return port.portSecurity.some((e) => sameMac(e.mac, mac))
    ? `port security of ${port.name} allows that MAC`
    : `port security of ${port.name} will drop it`;
}

function ipAllowed(entries: readonly PortSecurityEntry[], ip: IpAddr): boolean {
  // An entry with no IPs restricts the MAC only; entries with IPs of the other family leave this one free
  // only for link-local IPv6 (what real ovn-trace shows), so any listed IP must contain it otherwise.
  if (entries.some((e) => e.nets.length === 0)) return true;
  if (ip.family === 6 && cidrContains(LINK_LOCAL, ip)) return true;
  return entries.some((e) => e.nets.some((n) => cidrContains(n, ip)));
}

function ipVerdict(port: SwitchPort, mac: string, ip: IpAddr): string {
  if (port.portSecurity.length === 0)
    return `port ${port.name} has no port security, so OVN does not drop it for that`;
  const entries = port.portSecurity.filter((e) => sameMac(e.mac, mac));
  if (entries.length === 0)
    return `port security of ${port.name} will drop it (its MAC is not allowed either)`;
  return ipAllowed(entries, ip)
    ? `port security of ${port.name} lets it through`
    : `port security of ${port.name} will drop it`;
}

/**
 * Warnings for a supplied source MAC/IP that the source port does not own. `given` says which of the two
 * the caller supplied (auto-filled ones come from the port and need no warning).
 */
export function sourceMismatchWarnings(
  port: SwitchPort,
  mac: string,
  ip: IpAddr,
  ipText: string,
  given: { readonly mac: boolean; readonly ip: boolean },
): string[] {
  const out: string[] = [];
  if (!given.mac && !given.ip) return out; // the common case: nothing supplied, nothing to compare
  const macs = given.mac ? portMacs(port) : [];
  if (given.mac && !macs.some((m) => sameMac(m, mac)))
    out.push(
      `source_mac ${mac} is not an address of port ${port.name} (${macs.join(', ') || 'it has none'}): traced as given; ${macVerdict(port, mac)}`,
    );
  const ips = given.ip ? portIps(port) : [];
  if (given.ip && !ips.some((a) => a.family === ip.family && a.value === ip.value))
    out.push(
      `source_ip ${ipText} is not an address of port ${port.name}: traced as given; ${ipVerdict(port, mac, ip)}`,
    );
  return out;
}
