// Parses `ovn-trace --detailed` text into a flat list of steps: one per logical-flow table line (with
// its actions, LOG lines and output comments) plus a note for every line that is neither. ovn-trace prints
// a tree but flattens the last child of each node to its parent's indentation, so a linear walk that
// tracks the current block header sees every table in order. Unknown lines never fail the parse.

/** A datapath block header: `ingress(dp="ls1", inport="vm1")`, `egress(…, outport="vm2")`. */
export interface BlockContext {
  readonly pipeline: 'ingress' | 'egress' | null;
  readonly datapath: string | null;
  readonly inport: string | null;
  readonly outport: string | null;
}

export interface TraceLog {
  readonly name: string | null;
  readonly verdict: string | null;
  readonly direction: string | null;
}

export interface OutputEvent {
  readonly port: string;
  /** The port type ovn-trace reports: '' for a VIF, 'patch' between datapaths, 'localnet', … */
  readonly type: string;
  /** True when the packet is one OVN generated (ICMP error, TCP RST, ARP…), not the traced one. */
  readonly generated: boolean;
}

export interface TableStep {
  readonly kind: 'table';
  readonly context: BlockContext;
  readonly table: number;
  readonly stage: string;
  /** `northd.c:LINE` as printed. */
  readonly source: string;
  readonly match: string;
  readonly priority: number;
  /** First 8 hex digits of the SB Logical_Flow uuid. */
  readonly uuid: string;
  readonly actions: string[];
  readonly logs: TraceLog[];
  readonly outputs: OutputEvent[];
  readonly generated: boolean;
  /**
   * The flow's actions drop the packet: `drop;`, a drop/reject log verdict, `reject {…}`, or a flow that
   * ends the packet's path without saying so (see endsThePacket).
   */
  dropped: boolean;
  /** What came right after the flow's actions: a block header it opened (ct_next, clone, a reply…). */
  followedBy: 'datapath' | 'block' | null;
}

export interface NoteStep {
  readonly kind: 'note';
  readonly context: BlockContext;
  readonly text: string;
  readonly generated: boolean;
  /** True for `no match (implicit drop)`. */
  readonly dropped: boolean;
}

export type TraceStep = TableStep | NoteStep;

export interface ParsedTrace {
  /** The `# …` first line: the packet as ovn-trace understood it. */
  readonly flow: string | null;
  readonly steps: TraceStep[];
  readonly outputs: OutputEvent[];
  /** Connection-tracking steps (ct_next, ct_lb…) the trace went through. */
  readonly ctSteps: number;
  /** True when some ct step fell back to ovn-trace's default state (the --ct list ran out). */
  readonly ctDefaultUsed: boolean;
}

const TABLE_RE = /^\s*(\d+)\.\s+(\S+)\s+\(([^)]*)\):\s+(.*),\s+priority\s+(\d+),\s+uuid\s+([0-9a-f]+)\s*$/;
const HEADER_RE = /^(\s*)([A-Za-z_][A-Za-z0-9_]*)(?:\((.*)\))?\s*$/;
const DASHES_RE = /^\s*-+\s*$/;
// ovn-trace prints names verbatim (no escaping), so a name may hold quotes: match greedily to the end.
const OUTPUT_RE = /\/\*\s*output to "(.*)", type "([^"]*)"\s*\*\/\s*$/;
const LOG_RE = /^\s*LOG:\s*(.*)$/;
/** Headers of packets OVN synthesizes in reply (they are not the traced packet). */
const GENERATED_HEADERS = new Set([
  'icmp4',
  'icmp6',
  'icmp4_error',
  'icmp6_error',
  'tcp_reset',
  'sctp_abort',
  'arp',
  'nd_ns',
  'nd_na',
  'nd_na_router',
]);

const EMPTY_CONTEXT: BlockContext = { pipeline: null, datapath: null, inport: null, outport: null };

function unquote(s: string): string {
  try {
    return JSON.parse(`"${s}"`) as string;
  } catch {
    return s;
  }
}

/** Reads a datapath header's arguments. Names are printed verbatim, so split on the known keys. */
function headerArgs(args: string): Record<string, string> {
  const m =
    /^dp="(.*)", inport="(.*)", outport="(.*)"$/.exec(args) ??
    /^dp="(.*)", inport="(.*)"$/.exec(args) ??
    /^dp="(.*)"$/.exec(args);
  if (!m) return {};
  const out: Record<string, string> = { dp: m[1]! };
  if (m[2] !== undefined) out.inport = m[2];
  if (m[3] !== undefined) out.outport = m[3];
  return out;
}

function logFields(text: string): TraceLog {
  const get = (k: string): string | null => {
    const m = new RegExp(`(?:^|[ ,])${k}=("(?:[^"\\\\]|\\\\.)*"|[^,\\s]+)`).exec(text);
    if (!m) return null;
    const v = m[1]!;
    return v.startsWith('"') ? unquote(v.slice(1, -1)) : v;
  };
  return { name: get('name'), verdict: get('verdict'), direction: get('direction') };
}

/**
 * `drop;`, `reject`, a unicast output to the port the packet came in by, which OVN omits (the packet
 * goes nowhere: ovn-trace notes it in the flow's actions; under a multicast header it is a note), or an
 * ARP/ND request sent in place of the packet (the next hop's MAC is unknown: it is not forwarded).
 */
function isDropAction(line: string): boolean {
  return (
    /^drop;/.test(line) ||
    /^(arp|nd_ns)\s*\{/.test(line) ||
    /^reject\s*\{/.test(line) ||
    /^reject;/.test(line) ||
    /^\/\* omitting output because inport == outport/.test(line)
  );
}

/**
 * 23.03 drops after `log(verdict=drop)` without printing a drop action; 23.06+ logs in `*_acl_eval` and
 * goes on (`next;`) to drop in `*_acl_action`. So a drop verdict is the drop only when nothing follows.
 */
function logsADrop(step: TableStep): boolean {
  const verdictDrop = step.logs.some((l) => l.verdict === 'drop' || l.verdict === 'reject');
  return verdictDrop && !step.actions.some((a) => /^(next|output)\b/.test(a));
}

/**
 * A flow that neither passes the packet on (`next`, `output`) nor opens a block that carries it or
 * replaces it (ct_next, clone, an ICMP reply…) ends its path: the packet is dropped there. 23.06+ ACL
 * drops are such flows (their SB actions are register resets and a `drop` comment: ovn-trace prints
 * the assignments and no `drop;`), and so are empty action lists.
 */
function endsThePacket(step: TableStep): boolean {
  if (step.generated || step.dropped || step.outputs.length > 0) return false;
  if (step.followedBy === 'block') return false;
  return !step.actions.some((a) => /^(next|output)\b/.test(a));
}

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

class Walker {
  context: BlockContext = EMPTY_CONTEXT;
  current: TableStep | null = null;
  generatedIndent: number | null = null;
  ctSteps = 0;
  ctDefaultUsed = false;
  readonly steps: TraceStep[] = [];
  readonly outputs: OutputEvent[] = [];

  generated(indent: number): boolean {
    if (this.generatedIndent !== null && indent < this.generatedIndent) this.generatedIndent = null;
    return this.generatedIndent !== null;
  }

  header(indent: number, name: string, args: string | undefined): void {
    const gen = this.generated(indent);
    const datapath = name === 'ingress' || name === 'egress';
    if (this.current) this.current.followedBy = datapath ? 'datapath' : 'block';
    this.current = null;
    if (datapath) {
      const a = headerArgs(args ?? '');
      this.context = {
        pipeline: name,
        datapath: a.dp ?? null,
        inport: a.inport ?? null,
        outport: a.outport ?? null,
      };
      return;
    }
    if (name.startsWith('ct_')) {
      this.ctSteps++;
      if (args?.includes('default')) this.ctDefaultUsed = true;
    }
    if (GENERATED_HEADERS.has(name) && !gen) this.generatedIndent = indent;
    const text = args === undefined ? name : `${name}(${args})`;
    this.steps.push({
      kind: 'note',
      context: this.context,
      text,
      generated: this.generated(indent),
      dropped: false,
    });
  }

  table(indent: number, m: RegExpExecArray): void {
    const step: TableStep = {
      kind: 'table',
      context: this.context,
      table: Number(m[1]),
      stage: m[2]!,
      source: m[3]!,
      match: m[4]!,
      priority: Number(m[5]),
      uuid: m[6]!,
      actions: [],
      logs: [],
      outputs: [],
      generated: this.generated(indent),
      dropped: false,
      followedBy: null,
    };
    this.steps.push(step);
    this.current = step;
  }

  line(indent: number, text: string): void {
    const gen = this.generated(indent);
    const out = OUTPUT_RE.exec(text);
    if (out) {
      const ev = { port: out[1]!, type: out[2]!, generated: gen };
      this.outputs.push(ev);
      this.current?.outputs.push(ev);
    }
    const implicitDrop = text.includes('no match (implicit drop)');
    if (this.current && !implicitDrop) {
      this.current.actions.push(text);
      if (isDropAction(text)) this.current.dropped = true;
      return;
    }
    this.steps.push({ kind: 'note', context: this.context, text, generated: gen, dropped: implicitDrop });
  }

  log(text: string): void {
    const log = logFields(text);
    if (this.current) {
      this.current.logs.push(log);
    }
  }
}

/** Parses detailed ovn-trace output. Never throws: anything unrecognised becomes a note step. */
export function parseDetailed(text: string): ParsedTrace {
  const lines = text.split('\n');
  const w = new Walker();
  let flow: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '' || DASHES_RE.test(line)) continue;
    if (flow === null && line.startsWith('# ')) {
      flow = line.slice(2).trim();
      continue;
    }
    const indent = indentOf(line);
    const logM = LOG_RE.exec(line);
    if (logM) {
      w.log(logM[1]!);
      continue;
    }
    const tableM = TABLE_RE.exec(line);
    if (tableM) {
      w.table(indent, tableM);
      continue;
    }
    const headerM = HEADER_RE.exec(line);
    if (headerM && DASHES_RE.test(lines[i + 1] ?? '')) {
      w.header(indent, headerM[2]!, headerM[3]);
      continue;
    }
    w.line(indent, line.trim());
  }
  for (const step of w.steps)
    if (step.kind === 'table' && (logsADrop(step) || endsThePacket(step))) step.dropped = true;
  return { flow, steps: w.steps, outputs: w.outputs, ctSteps: w.ctSteps, ctDefaultUsed: w.ctDefaultUsed };
}
