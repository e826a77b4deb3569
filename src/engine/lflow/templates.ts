// Template variables in logical flows (`ip4.dst == ^vip && tcp.dst == ^port`, ovn-sb(5) Chassis_Template_Var):
// each chassis's ovn-controller substitutes its own values before parsing, so one flow means different
// things on different chassis. ovn-trace runs as no chassis and has no values at all: a flow naming a
// variable does not parse there and is ignored. The lflow engine does the same unless it was told a
// chassis (CompileSbOptions.chassis), and says which variables it lacked at which hop (engine.ts).

/** OVN identifiers: a letter, `_` or `.`, then those or digits. */
const ID1 = /[A-Za-z_.]/;
const IDN = /[A-Za-z0-9_.]/;

export interface Expanded {
  /** The text with every variable replaced by its value (unchanged when nothing was missing). */
  readonly text: string;
  /** Variables without a value, in order of first use (non-empty: the flow is ignored, as OVN does). */
  readonly missing: readonly string[];
}

/**
 * Replaces `^name` outside quoted strings by the variable's value. Like OVN's lexer, substitution is
 * textual: the value may be several tokens (an address, a port, `10.0.0.1:80`).
 */
export function expandTemplates(text: string, vars: ReadonlyMap<string, string>): Expanded {
  if (!text.includes('^')) return { text, missing: [] };
  let out = '';
  const missing: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      const end = closingQuote(text, i);
      out += text.slice(i, end);
      i = end;
      continue;
    }
    if (c !== '^' || !ID1.test(text[i + 1] ?? '')) {
      out += c;
      i++;
      continue;
    }
    let j = i + 2;
    while (j < text.length && IDN.test(text[j]!)) j++;
    const name = text.slice(i + 1, j);
    const value = vars.get(name);
    if (value === undefined) {
      if (!missing.includes(name)) missing.push(name);
    } else out += value;
    i = j;
  }
  return { text: missing.length > 0 ? text : out, missing };
}

/** The index just past the string starting at `start` (a `"`), backslash escapes skipped. */
function closingQuote(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
  return Math.min(i + 1, text.length);
}
