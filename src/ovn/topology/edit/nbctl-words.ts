// Splits an `ovn-nbctl` command line into commands and words, the way a POSIX shell would hand them to
// ovn-nbctl: single quotes keep everything literally, double quotes keep everything but `\"`, `\\`, `\$`
// and `` \` `` escapes, a backslash outside quotes escapes the next character, and unquoted blanks
// separate words. No expansion happens (`$as` inside double quotes stays as written: a what-if request
// is not a shell). A lone `--` word separates commands (ovn-nbctl's own multi-command syntax); each
// command's leading `--option[=value]` words are its options.

export interface NbctlCommand {
  /** The command name, e.g. `acl-add`. */
  readonly name: string;
  /** `--name=value` options given before it (`--log` gives `log: ''`). */
  readonly options: ReadonlyMap<string, string>;
  readonly args: readonly string[];
}

export class NbctlSyntaxError extends Error {}

/** The words of a command line; throws NbctlSyntaxError for an unterminated quote or a trailing `\`. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let cur: string | null = null;
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      if (cur !== null) words.push(cur);
      cur = null;
      i++;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new NbctlSyntaxError(`unterminated single quote at character ${i + 1}`);
      cur = (cur ?? '') + line.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      const r = doubleQuoted(line, i + 1);
      cur = (cur ?? '') + r.text;
      i = r.next;
    } else if (c === '\\') {
      if (i + 1 >= line.length) throw new NbctlSyntaxError('trailing backslash');
      // Backslash-newline is a line continuation; any other escaped character stands for itself.
      if (line[i + 1] !== '\n') cur = (cur ?? '') + line[i + 1];
      i += 2;
    } else {
      cur = (cur ?? '') + c;
      i++;
    }
  }
  if (cur !== null) words.push(cur);
  return words;
}

/** The text of a double-quoted part starting after its `"`, and the index after its closing `"`. */
function doubleQuoted(line: string, from: number): { text: string; next: number } {
  let text = '';
  for (let i = from; i < line.length; i++) {
    const c = line[i]!;
    if (c === '"') return { text, next: i + 1 };
    if (c === '\\' && i + 1 < line.length && '"\\$`\n'.includes(line[i + 1]!)) {
      if (line[i + 1] !== '\n') text += line[i + 1];
      i++;
    } else text += c;
  }
  throw new NbctlSyntaxError(`unterminated double quote at character ${from}`);
}

/** Global options ovn-nbctl takes that change nothing in a what-if (where to connect, waiting, output). */
const GLOBAL_OPTIONS = new Set([
  'db',
  'wait',
  'no-wait',
  'timeout',
  'leader-only',
  'no-leader-only',
  'shuffle-remotes',
  'no-shuffle-remotes',
  'no-syslog',
  'dry-run',
  'oneline',
  'print-wait-time',
]);

/**
 * The commands of one command line (an optional leading `ovn-nbctl` word is skipped). Throws
 * NbctlSyntaxError for bad quoting, an empty command or an option with no command after it.
 */
export function parseCommandLine(line: string): NbctlCommand[] {
  const words = shellWords(line);
  if (words[0] === 'ovn-nbctl') words.shift();
  const out: NbctlCommand[] = [];
  let options = new Map<string, string>();
  let cmd: { name: string; args: string[] } | null = null;
  const finish = () => {
    if (cmd) out.push({ name: cmd.name, options, args: cmd.args });
    else if (options.size > 0)
      throw new NbctlSyntaxError(`option --${[...options.keys()][0]} has no command`);
    cmd = null;
    options = new Map();
  };
  for (const w of words) {
    if (w === '--') finish();
    else if (cmd) cmd.args.push(w);
    else if (w.startsWith('--')) {
      const eq = w.indexOf('=');
      const name = w.slice(2, eq < 0 ? undefined : eq);
      if (!GLOBAL_OPTIONS.has(name)) options.set(name, eq < 0 ? '' : w.slice(eq + 1));
    } else if (w.startsWith('-') && w.length > 1) {
    } else cmd = { name: w, args: [] };
  }
  finish();
  if (out.length === 0) throw new NbctlSyntaxError('no command');
  return out;
}

/**
 * The strings of an OVSDB set value as ovs-vsctl style database commands write it: `[a, b]`, `a,b`,
 * `"10.0.0.1" "10.0.0.2"` or a bare word; strings may be double-quoted with C-style escapes. An empty
 * `[]` is the empty set.
 */
export function parseSetValue(text: string): string[] {
  let t = text.trim();
  if (t.startsWith('[') && t.endsWith(']')) t = t.slice(1, -1);
  const out: string[] = [];
  let i = 0;
  while (i < t.length) {
    const c = t[i]!;
    if (c === ',' || c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if (c === '"') {
      let s = '';
      let j = i + 1;
      for (; j < t.length && t[j] !== '"'; j++) {
        if (t[j] === '\\' && j + 1 < t.length) j++;
        s += t[j];
      }
      if (j >= t.length) throw new NbctlSyntaxError(`unterminated string in value ${text}`);
      out.push(s);
      i = j + 1;
      continue;
    }
    let j = i;
    while (j < t.length && !', \t'.includes(t[j]!)) j++;
    out.push(t.slice(i, j));
    i = j;
  }
  return out;
}
