// Builds the ovn-trace microflow (an OVN match expression describing one packet) from a resolved
// request. Only typed values reach the text: MACs and IPs are re-parsed and re-formatted, numbers are
// range-checked integers, and the port name is quoted with JSON string syntax, which is what OVN's lexer
// reads for string constants. So no request field can add a term to the match or an option to ovn-trace.

import { OvncpError } from '../../errors.ts';
import { formatIp, normalizeMac } from '../../ovn/net/addr.ts';
import type { ResolvedRequest } from '../types.ts';

/** The packet's TTL: routed traffic needs one (a microflow without ip.ttl has TTL 0 and dies). */
export const MICROFLOW_TTL = 64;
/** Longest port or datapath name we pass on (OVN names are short; this bounds the argv). */
export const MAX_NAME_LENGTH = 256;

export interface Microflow {
  /** The source port's logical switch: ovn-trace's DATAPATH argument. */
  readonly datapath: string;
  /** The match text, e.g. `inport == "vm1" && eth.src == … && tcp.dst == 80`. */
  readonly match: string;
}

/** JSON string syntax for a logical name; refuses control characters and absurd lengths. */
export function quoteName(name: string, field: string): string {
  if (name.length === 0 || name.length > MAX_NAME_LENGTH || /[\u0000-\u001f\u007f]/.test(name)) {
    throw new OvncpError('OVNCP_ERR_INVALID_FIELD', `${field} is not a usable logical name`, { field });
  }
  return JSON.stringify(name);
}

function macTerm(mac: string, field: string, key: string): string {
  const norm = normalizeMac(mac);
  if (!norm) throw new OvncpError('OVNCP_ERR_INVALID_MAC', `Invalid MAC address: ${mac}`, { field });
  return `${key} == ${norm}`;
}

function portNum(n: number, field: string): number {
  // 0 is a valid port on the wire and ovn-trace traces it (README: 0..65535).
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new OvncpError('OVNCP_ERR_INVALID_FIELD', `${field} must be an integer in 0..65535`, { field });
  }
  return n;
}

function l4Terms(r: ResolvedRequest, v6: boolean): string[] {
  switch (r.protocol) {
    case 'icmp':
      // An echo request: the packet a ping sends.
      return v6
        ? ['icmp6', 'icmp6.type == 128', 'icmp6.code == 0']
        : ['icmp4', 'icmp4.type == 8', 'icmp4.code == 0'];
    case 'tcp':
    case 'udp':
      return [
        r.protocol,
        `${r.protocol}.src == ${portNum(r.srcPortNum, 'source_port_num')}`,
        `${r.protocol}.dst == ${portNum(r.dstPortNum, 'destination_port_num')}`,
      ];
    default:
      throw new OvncpError('OVNCP_ERR_UNKNOWN_PROTOCOL', `Unknown protocol: ${String(r.protocol)}`, {
        field: 'protocol',
      });
  }
}

/** The microflow for one resolved request. */
export function buildMicroflow(r: ResolvedRequest): Microflow {
  if (r.srcIp.family !== r.dstIp.family) {
    throw new OvncpError(
      'OVNCP_ERR_INVALID_FIELD',
      'source_ip and destination_ip are of different families',
      {
        field: 'destination_ip',
      },
    );
  }
  const v6 = r.srcIp.family === 6;
  const ip = v6 ? 'ip6' : 'ip4';
  const terms = [
    `inport == ${quoteName(r.sourcePort, 'source_port')}`,
    macTerm(r.srcMac, 'source_mac', 'eth.src'),
    macTerm(r.dstMac, 'destination_mac', 'eth.dst'),
    `${ip}.src == ${formatIp(r.srcIp)}`,
    `${ip}.dst == ${formatIp(r.dstIp)}`,
    `ip.ttl == ${MICROFLOW_TTL}`,
    ...l4Terms(r, v6),
  ];
  quoteName(r.datapath, 'source_port');
  return { datapath: r.datapath, match: terms.join(' && ') };
}
