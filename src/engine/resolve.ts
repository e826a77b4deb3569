// Turns a user's trace request into a fully specified packet: validates every field and auto-fills the
// omitted ones from the topology (source MAC/IP from the source port, destination MAC from the
// destination port or the gateway router port). Both engines and the API share it, so a request means
// the same packet whichever engine answers. Every auto-filled field is named in `warnings`.

import { OvncpError } from '../errors.ts';
import { cidrContains, formatIp, type IpAddr, normalizeMac, parseIp } from '../ovn/net/addr.ts';
import type { PortAddress, RouterPort, SwitchPort, Topology } from '../ovn/topology/types.ts';
import { sourceMismatchWarnings } from './source-check.ts';
import { PROTOCOLS, type Protocol, type ResolvedRequest, type TraceRequest } from './types.ts';

export const DEFAULT_MAX_HOPS = 50;
export const MAX_HOPS_LIMIT = 100;
/** Ephemeral source port used when the request gives none (the value itself rarely matters). */
export const DEFAULT_SOURCE_PORT_NUM = 49152;
/** Destination port used for TCP/UDP when the request gives none. */
export const DEFAULT_DESTINATION_PORT_NUM = 80;

type StaticAddress = Extract<PortAddress, { kind: 'static' }>;

// Ports are immutable rows, so what auto-fill derives from one is computed once per port object.
const staticCache = new WeakMap<SwitchPort, StaticAddress[]>();

function staticAddresses(port: SwitchPort): StaticAddress[] {
  let out = staticCache.get(port);
  if (!out) {
    const all = [...port.addresses, ...(port.dynamicAddresses ? [port.dynamicAddresses] : [])];
    out = all.filter((a): a is StaticAddress => a.kind === 'static');
    staticCache.set(port, out);
  }
  return out;
}

const ipTexts = new WeakMap<IpAddr, string>();

/** formatIp, memoized per address object (port addresses and parsed request fields are reused). */
function textOf(ip: IpAddr): string {
  let s = ipTexts.get(ip);
  if (s === undefined) ipTexts.set(ip, (s = formatIp(ip)));
  return s;
}

const parsedIps = new Map<string, IpAddr | null>();

/** parseIp, memoized (bounded): the monitor resolves the same few thousand addresses over and over. */
function parseIpCached(text: string): IpAddr | null {
  let ip = parsedIps.get(text);
  if (ip === undefined) {
    if (parsedIps.size >= 100_000) parsedIps.clear();
    ip = parseIp(text);
    parsedIps.set(text, ip);
  }
  return ip;
}

function findSourcePort(t: Topology, name: unknown): SwitchPort {
  if (typeof name !== 'string' || name.trim() === '') {
    throw new OvncpError('OVNCP_ERR_INVALID_FIELD', 'source_port is required', { field: 'source_port' });
  }
  const port = t.ports.get(name) ?? t.index.portByUuid.get(name.toLowerCase());
  if (!port) {
    throw new OvncpError('OVNCP_ERR_SOURCE_PORT_NOT_FOUND', `Source port not found: ${name}`, {
      field: 'source_port',
    });
  }
  return port;
}

function parseMacField(value: string, field: string): string {
  const mac = typeof value === 'string' ? normalizeMac(value.trim()) : null;
  if (!mac) throw new OvncpError('OVNCP_ERR_INVALID_MAC', `Invalid MAC address: ${value}`, { field });
  return mac;
}

function parseIpField(value: string, field: string): IpAddr {
  const ip = typeof value === 'string' ? parseIpCached(value.trim()) : null;
  if (!ip) throw new OvncpError('OVNCP_ERR_INVALID_IP', `Invalid IP address: ${value}`, { field });
  return ip;
}

function intField(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new OvncpError('OVNCP_ERR_INVALID_FIELD', `${field} must be an integer in ${min}..${max}`, {
      field,
    });
  }
  return value;
}

/** The source MAC: given, or the single MAC of the source port. */
const macsCache = new WeakMap<SwitchPort, string[]>();

function resolveSourceMac(req: TraceRequest, port: SwitchPort, warnings: string[]): string {
  if (req.source_mac !== undefined) return parseMacField(req.source_mac, 'source_mac');
  let macs = macsCache.get(port);
  if (!macs) macsCache.set(port, (macs = [...new Set(staticAddresses(port).map((a) => a.mac))]));
  if (macs.length === 0) {
    throw new OvncpError(
      'OVNCP_ERR_UNRESOLVABLE',
      `Port ${port.name} has no MAC address to use as source_mac; give source_mac`,
      { field: 'source_mac' },
    );
  }
  if (macs.length > 1) {
    throw new OvncpError(
      'OVNCP_ERR_AMBIGUOUS',
      `Port ${port.name} has several MAC addresses (${macs.join(', ')}); give source_mac`,
      { field: 'source_mac' },
    );
  }
  warnings.push(`source_mac auto-filled from port ${port.name}: ${macs[0]}`);
  return macs[0]!;
}

/** The source IP: given, or the port's single IP of the wanted family under the source MAC. */
function resolveSourceIp(
  req: TraceRequest,
  port: SwitchPort,
  srcMac: string,
  family: 4 | 6 | null,
  warnings: string[],
): IpAddr {
  if (req.source_ip !== undefined) return parseIpField(req.source_ip, 'source_ip');
  const ips = sourceIps(port, srcMac, family);
  const which = family === null ? 'IP' : `IPv${family}`;
  if (ips.length === 0) {
    throw new OvncpError(
      'OVNCP_ERR_UNRESOLVABLE',
      `Port ${port.name} has no ${which} address; give source_ip`,
      { field: 'source_ip' },
    );
  }
  if (ips.length > 1) {
    throw new OvncpError(
      'OVNCP_ERR_AMBIGUOUS',
      `Port ${port.name} has several ${which} addresses (${ips.map(formatIp).join(', ')}); give source_ip`,
      { field: 'source_ip' },
    );
  }
  warnings.push(`source_ip auto-filled from port ${port.name}: ${textOf(ips[0]!)}`);
  return ips[0]!;
}

const sourceIpCache = new WeakMap<SwitchPort, Map<string, IpAddr[]>>();

/** The port's IPs of `family` listed with `srcMac`; a spoofed MAC falls back to all of the port's. */
function sourceIps(port: SwitchPort, srcMac: string, family: 4 | 6 | null): IpAddr[] {
  let byKey = sourceIpCache.get(port);
  if (!byKey) sourceIpCache.set(port, (byKey = new Map()));
  const key = `${srcMac}/${family}`;
  let ips = byKey.get(key);
  if (!ips) {
    const all = staticAddresses(port);
    const withMac = all.filter((a) => a.mac === srcMac);
    const entries = withMac.length > 0 ? withMac : all;
    ips = entries.flatMap((a) => a.ips).filter((ip) => family === null || ip.family === family);
    byKey.set(key, ips);
  }
  return ips;
}

/** The port owning `ip`, preferring one on the source switch; null when no port owns it. */
function destinationOwner(t: Topology, ip: IpAddr, srcSwitch: string): SwitchPort | null {
  const names = t.index.portsByIp.get(textOf(ip));
  if (!names || names.length === 0) return null;
  if (names.length === 1) return t.ports.get(names[0]!) ?? null;
  const owners = names.map((n) => t.ports.get(n)).filter((p): p is SwitchPort => p !== undefined);
  if (owners.length === 0) return null;
  const local = owners.filter((p) => p.switchName === srcSwitch);
  const pick = local.length > 0 ? local : owners;
  if (pick.length > 1) {
    throw new OvncpError(
      'OVNCP_ERR_AMBIGUOUS',
      `Address ${formatIp(ip)} is owned by several ports (${pick.map((p) => p.name).join(', ')}); give destination_mac`,
      { field: 'destination_ip' },
    );
  }
  return pick[0]!;
}

const gatewayCache = new WeakMap<Topology, Map<string, RouterPort[]>>();

/** Router ports reachable from a switch through its router-type ports (cached per topology). */
export function gatewayRouterPorts(t: Topology, switchName: string): RouterPort[] {
  let bySwitch = gatewayCache.get(t);
  if (!bySwitch) gatewayCache.set(t, (bySwitch = new Map()));
  let out = bySwitch.get(switchName);
  if (out) return out;
  out = [];
  bySwitch.set(switchName, out);
  for (const pn of t.switches.get(switchName)?.ports ?? []) {
    const p = t.ports.get(pn);
    const rp = p?.type === 'router' ? t.routerPorts.get(p.options['router-port'] ?? '') : undefined;
    if (rp) out.push(rp);
  }
  return out;
}

/** The gateway towards `dstIp`: a router port of the source switch, the one whose router knows dstIp. */
function pickGateway(t: Topology, switchName: string, dstIp: IpAddr): RouterPort | null {
  const gws = gatewayRouterPorts(t, switchName);
  if (gws.length <= 1) return gws[0] ?? null;
  const knows = (rp: RouterPort): boolean => {
    const r = t.routers.get(rp.routerName);
    if (!r) return false;
    const nets = r.ports.flatMap((n) => t.routerPorts.get(n)?.networks ?? []);
    return (
      nets.some((c) => cidrContains(c, dstIp)) || r.staticRoutes.some((s) => cidrContains(s.ipPrefix, dstIp))
    );
  };
  return gws.find(knows) ?? gws[0]!;
}

function macOfIp(port: SwitchPort, ip: IpAddr): string | null {
  const ipText = textOf(ip);
  const hit = staticAddresses(port).find((a) => a.ips.some((x) => textOf(x) === ipText));
  return hit?.mac ?? null;
}

function resolveDestinationMac(
  t: Topology,
  req: TraceRequest,
  src: SwitchPort,
  dstIp: IpAddr,
  owner: SwitchPort | null,
  warnings: string[],
): string {
  if (req.destination_mac !== undefined) return parseMacField(req.destination_mac, 'destination_mac');
  if (owner && owner.switchName === src.switchName) {
    const mac = macOfIp(owner, dstIp);
    if (mac) {
      warnings.push(`destination_mac auto-filled from port ${owner.name}: ${mac}`);
      return mac;
    }
  }
  const gw = pickGateway(t, src.switchName, dstIp);
  if (!gw) {
    throw new OvncpError(
      'OVNCP_ERR_UNRESOLVABLE',
      `Cannot auto-fill destination_mac: ${formatIp(dstIp)} is not on switch ${src.switchName} and the switch has no router port; give destination_mac`,
      { field: 'destination_mac' },
    );
  }
  warnings.push(`destination_mac auto-filled with the MAC of gateway router port ${gw.name}: ${gw.mac}`);
  return gw.mac;
}

/** When destination_ip is omitted but destination_mac names a port on the same switch, use its IP. */
function destinationIpFromMac(t: Topology, req: TraceRequest, src: SwitchPort, warnings: string[]): IpAddr {
  if (req.destination_mac === undefined) {
    throw new OvncpError('OVNCP_ERR_INVALID_FIELD', 'destination_ip is required', {
      field: 'destination_ip',
    });
  }
  const mac = parseMacField(req.destination_mac, 'destination_mac');
  const owners = t.index.portsByMac.get(src.switchName)?.get(mac) ?? [];
  const port = owners.length === 1 ? t.ports.get(owners[0]!) : undefined;
  const ips = port
    ? staticAddresses(port)
        .filter((a) => a.mac === mac)
        .flatMap((a) => a.ips)
    : [];
  if (ips.length !== 1) {
    throw new OvncpError(
      'OVNCP_ERR_INVALID_FIELD',
      `destination_ip is required (MAC ${mac} does not name exactly one address on ${src.switchName})`,
      { field: 'destination_ip' },
    );
  }
  warnings.push(`destination_ip auto-filled from port ${port!.name}: ${formatIp(ips[0]!)}`);
  return ips[0]!;
}

function resolveProtocol(req: TraceRequest, warnings: string[]): Protocol {
  if (req.protocol === undefined) {
    warnings.push('protocol not given: using tcp');
    return 'tcp';
  }
  if (!(PROTOCOLS as readonly string[]).includes(req.protocol)) {
    throw new OvncpError('OVNCP_ERR_UNKNOWN_PROTOCOL', `Unknown protocol: ${String(req.protocol)}`, {
      field: 'protocol',
    });
  }
  return req.protocol;
}

function resolvePorts(req: TraceRequest, protocol: Protocol, warnings: string[]): [number, number] {
  if (protocol === 'icmp') return [0, 0];
  const src =
    req.source_port_num === undefined
      ? DEFAULT_SOURCE_PORT_NUM
      : intField(req.source_port_num, 'source_port_num', 0, 65535);
  let dst: number;
  if (req.destination_port_num === undefined) {
    warnings.push(`destination_port_num not given: using ${DEFAULT_DESTINATION_PORT_NUM}`);
    dst = DEFAULT_DESTINATION_PORT_NUM;
  } else dst = intField(req.destination_port_num, 'destination_port_num', 0, 65535);
  return [src, dst];
}

/** Validates and completes a request; throws OvncpError naming the field at fault. */
export function resolveRequest(t: Topology, req: TraceRequest): ResolvedRequest {
  const warnings: string[] = [];
  const src = findSourcePort(t, req.source_port);
  const maxHops =
    req.max_hops === undefined ? DEFAULT_MAX_HOPS : intField(req.max_hops, 'max_hops', 1, MAX_HOPS_LIMIT);
  if (req.verbose !== undefined && typeof req.verbose !== 'boolean') {
    throw new OvncpError('OVNCP_ERR_INVALID_FIELD', 'verbose must be true or false', { field: 'verbose' });
  }
  const protocol = resolveProtocol(req, warnings);
  const srcMac = resolveSourceMac(req, src, warnings);
  const dstIp =
    req.destination_ip !== undefined
      ? parseIpField(req.destination_ip, 'destination_ip')
      : destinationIpFromMac(t, req, src, warnings);
  const srcIp = resolveSourceIp(req, src, srcMac, dstIp.family, warnings);
  if (srcIp.family !== dstIp.family) {
    throw new OvncpError(
      'OVNCP_ERR_INVALID_FIELD',
      `source_ip ${formatIp(srcIp)} and destination_ip ${formatIp(dstIp)} are of different IP families`,
      { field: 'destination_ip' },
    );
  }
  // Supplied addresses are traced as given; one the port does not own gets a warning saying so.
  warnings.push(
    ...sourceMismatchWarnings(src, srcMac, srcIp, textOf(srcIp), {
      mac: req.source_mac !== undefined,
      ip: req.source_ip !== undefined,
    }),
  );
  const owner = destinationOwner(t, dstIp, src.switchName);
  const dstMac = resolveDestinationMac(t, req, src, dstIp, owner, warnings);
  const [srcPortNum, dstPortNum] = resolvePorts(req, protocol, warnings);
  return {
    sourcePort: src.name,
    datapath: src.switchName,
    srcMac,
    dstMac,
    srcIp,
    dstIp,
    protocol,
    srcPortNum,
    dstPortNum,
    maxHops,
    verbose: req.verbose ?? false,
    warnings,
    destinationPort: owner?.name ?? null,
  };
}
