// Benchmark of the match-expression evaluator: ns per evaluation for typical ACL matches and for a
// 10k-entry address set, compile cost per match, and, as the baseline, a linear scan of the same set.
// Run: npx tsx bench/expr.bench.ts

import { compileMatch, emptyFlow, type Flow, type RefResolver } from '../src/ovn/expr/index.ts';
import { formatIpv6, parseIpv4 } from '../src/ovn/net/addr.ts';

const N_SET = 10_000;
const v4Set = Array.from({ length: N_SET }, (_, i) => `10.${(i >> 8) & 255}.${i & 255}.${1 + (i % 200)}`);
const v4Cidrs = Array.from({ length: 200 }, (_, i) => `172.${16 + (i % 16)}.${i}.0/24`);
const v6Set = Array.from({ length: N_SET }, (_, i) => formatIpv6((0x20010db8n << 96n) | BigInt(i * 7919)));
const members = Array.from({ length: 500 }, (_, i) => `pod-${i}`);

const refs: RefResolver = {
  addressSet: (n) =>
    ({ big4: [...v4Set, ...v4Cidrs], big6: v6Set, web: ['10.0.0.1', '10.0.0.2', '10.0.1.0/24'] })[n],
  portGroup: (n) => (n === 'ns1' ? members : undefined),
  portGroupAddresses: (n, fam) => (n === 'ns1' ? (fam === 4 ? v4Set.slice(0, 500) : []) : undefined),
};

function packet(i: number): Flow {
  const f = emptyFlow();
  f.inport = `pod-${i % 700}`;
  f.outport = `pod-${(i * 7) % 700}`;
  f.ethType = 0x800;
  f.ipProto = 6;
  f.ipTtl = 64;
  f.ip4Src = parseIpv4(v4Set[(i * 13) % N_SET]!)! + (i % 3 === 0 ? 1 : 0);
  f.ip4Dst = parseIpv4('10.0.0.1')!;
  f.l4Dst = [80, 443, 22, 8080][i % 4]!;
  f.ip6Src = (0x20010db8n << 96n) | BigInt(i * 7919);
  return f;
}

const PACKETS = Array.from({ length: 1024 }, (_, i) => packet(i));

function nsPerEval(evaluate: (f: Flow) => boolean, rounds = 400): number {
  let sink = 0;
  for (let w = 0; w < 20; w++) for (const p of PACKETS) sink += evaluate(p) ? 1 : 0;
  const t0 = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) for (const p of PACKETS) sink += evaluate(p) ? 1 : 0;
  const ns = Number(process.hrtime.bigint() - t0) / (rounds * PACKETS.length);
  if (sink < 0) console.log(sink);
  return ns;
}

function compiled(match: string) {
  const t0 = process.hrtime.bigint();
  const c = compileMatch(match, refs);
  const compileUs = Number(process.hrtime.bigint() - t0) / 1000;
  if (!c.ok) throw new Error(`${match}: ${c.message}`);
  return { c, compileUs };
}

/** Baseline: what a naive evaluator does with a set, one masked compare per entry. */
function linearScan(): (f: Flow) => boolean {
  const entries = [...v4Set, ...v4Cidrs].map((s) => {
    const [a, len] = s.split('/');
    const bits = len === undefined ? 32 : Number(len);
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    return { value: parseIpv4(a!)! & mask, mask };
  });
  return (f) => f.ethType === 0x800 && entries.some((e) => (f.ip4Src & e.mask) >>> 0 === e.value >>> 0);
}

const MATCHES = [
  'outport == @ns1 && ip4 && ip4.src == $web && tcp.dst == 80',
  'inport == "pod-1" && ip4.src == 10.0.0.0/8 && tcp.dst == {80, 443, 8080}',
  'ip4 && (tcp.dst == 22 || udp.dst == 53) && !(ip4.src == 192.168.0.0/16)',
  '1000 <= tcp.dst <= 2000 && ct.est == 0',
  `outport == @ns1 && ip4.src == $ns1_ip4`,
  `ip4.src == $big4 && tcp`,
  `ip6.src == $big6`,
];

console.log(`match-expression evaluation, ${PACKETS.length} packets per round (Node ${process.version})`);
console.log('ns/eval   compile-us  match');
for (const m of MATCHES) {
  const { c, compileUs } = compiled(m);
  console.log(`${nsPerEval(c.evaluate).toFixed(1).padStart(7)}   ${compileUs.toFixed(0).padStart(9)}  ${m}`);
}
const base = nsPerEval(linearScan(), 4);
const ours = nsPerEval(compiled('ip4.src == $big4').c.evaluate);
console.log(
  `\n${N_SET + v4Cidrs.length}-entry IPv4 set (10k hosts + 200 CIDRs): ours ${ours.toFixed(1)} ns/eval, ` +
    `baseline linear scan ${base.toFixed(0)} ns/eval (${(base / ours).toFixed(0)}x)`,
);
