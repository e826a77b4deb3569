// A small flag parser in the Prometheus style: `--name=value` or `--name value`, booleans as `--name`,
// with one-line errors for unknown flags, missing values and bad choices.

export interface FlagSpec {
  readonly name: string;
  readonly help: string;
  readonly type?: 'string' | 'boolean' | 'number';
  readonly choices?: readonly string[];
  readonly env?: string;
  readonly default?: string;
}

export class FlagError extends Error {}

export interface ParsedFlags {
  /** Positional arguments. */
  _: string[];
  [flag: string]: string | boolean | undefined | string[];
}

export function parseFlags(argv: readonly string[], specs: readonly FlagSpec[]): ParsedFlags {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const out: ParsedFlags = { _: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      out._.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--')) {
      out._.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    let name = arg.slice(2, eq < 0 ? undefined : eq);
    let value: string | boolean | undefined = eq < 0 ? undefined : arg.slice(eq + 1);
    let spec = byName.get(name);
    if (!spec && name.startsWith('no-') && byName.get(name.slice(3))?.type === 'boolean') {
      name = name.slice(3);
      spec = byName.get(name);
      value = false;
    }
    if (!spec) throw new FlagError(`unknown flag --${name} (see --help)`);
    if (spec.type === 'boolean') {
      if (value === undefined) value = true;
      else if (value === 'true' || value === 'false') value = value === 'true';
      else if (typeof value === 'string')
        throw new FlagError(`flag --${name} takes no value or true/false, got "${value}"`);
    } else if (value === undefined) {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new FlagError(`flag --${name} needs a value`);
      value = next;
      i++;
    }
    if (spec.choices && typeof value === 'string' && !spec.choices.includes(value)) {
      throw new FlagError(`flag --${name} must be one of ${spec.choices.join(', ')}, got "${value}"`);
    }
    if (spec.type === 'number' && typeof value === 'string' && !/^-?\d+(\.\d+)?$/.test(value)) {
      throw new FlagError(`flag --${name} must be a number, got "${value}"`);
    }
    out[name] = value;
  }
  return out;
}

export function formatHelp(usage: string, summary: string, specs: readonly FlagSpec[]): string {
  const lines = [`usage: ${usage}`, '', summary, '', 'Flags:'];
  for (const s of specs) {
    const head = `  --${s.name}${s.type === 'boolean' ? '' : `=${s.choices ? s.choices.join('|') : 'VALUE'}`}`;
    const extra = [s.env ? `env ${s.env}` : '', s.default ? `default ${s.default}` : '']
      .filter(Boolean)
      .join(', ');
    lines.push(`${head}\n      ${s.help}${extra ? ` (${extra})` : ''}`);
  }
  lines.push('  --help\n      Show this help.');
  return lines.join('\n');
}
