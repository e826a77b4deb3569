// `raw` for verbose lflow traces, in ovn-trace's detailed style: the tree of tables the packet went
// through (paths that forked share their first tables), each table line with its stage, match, priority
// and flow uuid prefix, its actions' effects indented below, and where each path ended.

import type { Leaf, Step } from './steps.ts';

interface Node {
  readonly step: Step;
  readonly children: Node[];
  readonly ends: Leaf[];
}

function header(s: Step): string {
  return `${s.pipeline}(dp=${JSON.stringify(s.dp.name)})`;
}

function tableLine(s: Step): string {
  const f = s.flow?.flow;
  if (!f) return `${String(s.table).padStart(2)}. ${s.stage}: no match (implicit drop)`;
  return `${String(s.table).padStart(2)}. ${s.stage}: ${f.match}, priority ${f.priority}, uuid ${f.uuid.slice(0, 8)}`;
}

export function rawText(dp: string, inport: string, leaves: readonly Leaf[]): string {
  const roots: Node[] = [];
  const nodes = new Map<Step, Node>();
  for (const leaf of leaves) {
    let siblings = roots;
    let node: Node | null = null;
    for (const s of leaf.steps) {
      let n = nodes.get(s);
      if (!n) {
        n = { step: s, children: [], ends: [] };
        nodes.set(s, n);
        siblings.push(n);
      }
      node = n;
      siblings = n.children;
    }
    node?.ends.push(leaf);
  }
  const out = [`ingress(dp=${JSON.stringify(dp)}, inport=${JSON.stringify(inport)})`];
  const walk = (ns: Node[], indent: string, ctx: string) => {
    for (const n of ns) {
      const h = header(n.step);
      let ind = indent;
      if (h !== ctx) {
        out.push(`${indent}${h}`);
        ind = `${indent}    `;
      }
      out.push(`${ind}${tableLine(n.step)}`);
      for (const note of n.step.notes ?? []) out.push(`${ind}    ${note}`);
      for (const e of n.ends)
        out.push(
          `${ind}    /* ${e.reply ? 'reply: ' : ''}${e.kind}: ${e.reason}${e.choices.length ? ` [${e.choices.join(', ')}]` : ''} */`,
        );
      walk(n.children, `${ind}    `, h);
    }
  };
  walk(roots, '', `ingress(dp=${JSON.stringify(dp)})`);
  return out.join('\n');
}
