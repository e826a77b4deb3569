// The concrete packet (microflow) that match expressions are evaluated against, plus its logical
// metadata. Field meanings follow OVN's logical fields (ovn-sb(5), lib/logical-fields.c); absent
// layers are 0. This is the contract between the expression evaluator and the trace engines.

/** Conntrack state bits, as OVS numbers them (ct_state). */
export const CT = {
  new: 0x01,
  est: 0x02,
  rel: 0x04,
  rpl: 0x08,
  inv: 0x10,
  trk: 0x20,
  snat: 0x40,
  dnat: 0x80,
} as const;

/** IP fragment state (OVS nw_frag): not a fragment, first fragment, later fragment. */
export const FRAG = { no: 0, first: 1, later: 3 } as const;

export interface Flow {
  /** Logical ingress / egress port names ('' when not set yet). */
  inport: string;
  outport: string;
  /** 48-bit MACs. */
  ethSrc: bigint;
  ethDst: bigint;
  /** Ethertype: 0x0800 IPv4, 0x86dd IPv6, 0x0806 ARP, 0x8035 RARP. */
  ethType: number;
  /** 802.1Q TCI with the CFI/present bit (0x1000) set when tagged; 0 when untagged. */
  vlanTci: number;
  /** IPv4 addresses (used when ethType is 0x0800). */
  ip4Src: number;
  ip4Dst: number;
  /** IPv6 addresses (used when ethType is 0x86dd). */
  ip6Src: bigint;
  ip6Dst: bigint;
  ip6Label: number;
  /** IP protocol (6 tcp, 17 udp, 132 sctp, 1 icmp, 58 icmpv6, 2 igmp). */
  ipProto: number;
  ipTtl: number;
  ipDscp: number;
  ipEcn: number;
  /** FRAG.* */
  ipFrag: number;
  /** TCP/UDP/SCTP ports. */
  l4Src: number;
  l4Dst: number;
  tcpFlags: number;
  /** ICMPv4/ICMPv6 type and code. */
  icmpType: number;
  icmpCode: number;
  /** ARP/RARP. */
  arpOp: number;
  arpSpa: number;
  arpTpa: number;
  arpSha: bigint;
  arpTha: bigint;
  /** IPv6 neighbour discovery. */
  ndTarget: bigint;
  ndSll: bigint;
  ndTll: bigint;
  /** CT.* bits. */
  ctState: number;
  ctMark: number;
  ctLabel: bigint;
  /** reg0..reg15 (32-bit each). */
  regs: Uint32Array;
  /** MFF_LOG_FLAGS bits (flags.loopback etc.). */
  logFlags: number;
  /** Packet mark (`pkt.mark`); absent means 0. */
  pktMark?: number;
  /** `remote_outport` (24.09+, interconnect): absent means ''. */
  remoteOutport?: string;
}

/** A flow with every field zero/empty; callers set what the packet has. */
export function emptyFlow(): Flow {
  return {
    inport: '',
    outport: '',
    ethSrc: 0n,
    ethDst: 0n,
    ethType: 0,
    vlanTci: 0,
    ip4Src: 0,
    ip4Dst: 0,
    ip6Src: 0n,
    ip6Dst: 0n,
    ip6Label: 0,
    ipProto: 0,
    ipTtl: 0,
    ipDscp: 0,
    ipEcn: 0,
    ipFrag: 0,
    l4Src: 0,
    l4Dst: 0,
    tcpFlags: 0,
    icmpType: 0,
    icmpCode: 0,
    arpOp: 0,
    arpSpa: 0,
    arpTpa: 0,
    arpSha: 0n,
    arpTha: 0n,
    ndTarget: 0n,
    ndSll: 0n,
    ndTll: 0n,
    ctState: 0,
    ctMark: 0,
    ctLabel: 0n,
    regs: new Uint32Array(16),
    logFlags: 0,
  };
}

/**
 * A copy with its own registers. Every field is written out in one order, so all copies share one object
 * shape (whatever shape the original had): the compiled matches that read them stay monomorphic.
 */
export function cloneFlow(f: Flow): Flow {
  return {
    inport: f.inport,
    outport: f.outport,
    ethSrc: f.ethSrc,
    ethDst: f.ethDst,
    ethType: f.ethType,
    vlanTci: f.vlanTci,
    ip4Src: f.ip4Src,
    ip4Dst: f.ip4Dst,
    ip6Src: f.ip6Src,
    ip6Dst: f.ip6Dst,
    ip6Label: f.ip6Label,
    ipProto: f.ipProto,
    ipTtl: f.ipTtl,
    ipDscp: f.ipDscp,
    ipEcn: f.ipEcn,
    ipFrag: f.ipFrag,
    l4Src: f.l4Src,
    l4Dst: f.l4Dst,
    tcpFlags: f.tcpFlags,
    icmpType: f.icmpType,
    icmpCode: f.icmpCode,
    arpOp: f.arpOp,
    arpSpa: f.arpSpa,
    arpTpa: f.arpTpa,
    arpSha: f.arpSha,
    arpTha: f.arpTha,
    ndTarget: f.ndTarget,
    ndSll: f.ndSll,
    ndTll: f.ndTll,
    ctState: f.ctState,
    ctMark: f.ctMark,
    ctLabel: f.ctLabel,
    regs: new Uint32Array(f.regs),
    logFlags: f.logFlags,
    pktMark: f.pktMark ?? 0,
    remoteOutport: f.remoteOutport ?? '',
  };
}
