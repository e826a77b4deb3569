// ovn-nbctl commands -> typed changes (ops.ts): the argument orders and options of ovn-nbctl(8) for the
// commands a what-if supports, plus the Address_Set forms of the database commands (`create`, `set`,
// `add`, `remove`, `destroy`, `clear`). Anything else is refused with the command's name: a what-if must
// never silently ignore part of a proposed change.

import { type NbctlCommand, NbctlSyntaxError, parseCommandLine, parseSetValue } from './nbctl-words.ts';
import { type ChangeOp, opSchema } from './ops.ts';

/** A command line that cannot become changes; `command` names the command at fault (if one is). */
export class NbctlError extends Error {
  constructor(
    message: string,
    readonly command: string | null,
    readonly unsupported = false,
  ) {
    super(message);
  }
}

type Args = readonly string[];
type Translate = (c: NbctlCommand) => Record<string, unknown>;

function need(c: NbctlCommand, min: number, max: number): void {
  if (c.args.length < min || c.args.length > max) {
    const want =
      min === max ? `${min}` : max === Number.POSITIVE_INFINITY ? `at least ${min}` : `${min} to ${max}`;
    throw new NbctlError(`${c.name}: takes ${want} arguments, got ${c.args.length}`, c.name);
  }
}

function flag(c: NbctlCommand, name: string): true | undefined {
  return c.options.has(name) ? true : undefined;
}

function opt(c: NbctlCommand, name: string): string | undefined {
  return c.options.get(name);
}

function int(c: NbctlCommand, text: string, what: string): number {
  if (!/^\d+$/.test(text)) throw new NbctlError(`${c.name}: ${what} must be a number, got "${text}"`, c.name);
  return Number(text);
}

/** Drops the undefined fields, so the typed op carries only what the command said. */
function defined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

function entityType(c: NbctlCommand): string | undefined {
  const t = opt(c, 'type');
  if (t === undefined) return c.options.has('port-group') ? 'port-group' : undefined;
  return t === 'port-group' || t === 'switch' ? t : t; // other values fail the schema, naming the field
}

const aclAdd: Translate = (c) => {
  need(c, 5, 5);
  const [entity, direction, priority, match, action] = c.args as [string, string, string, string, string];
  return {
    op: 'acl-add',
    entity,
    entity_type: entityType(c),
    direction,
    priority: int(c, priority, 'PRIORITY'),
    match,
    action,
    name: opt(c, 'name'),
    log: flag(c, 'log'),
    severity: opt(c, 'severity'),
    label: opt(c, 'label') === undefined ? undefined : int(c, opt(c, 'label')!, '--label'),
    apply_after_lb: flag(c, 'apply-after-lb'),
    may_exist: flag(c, 'may-exist'),
  };
};

const aclDel: Translate = (c) => {
  need(c, 1, 4);
  if (c.args.length === 3) throw new NbctlError(`${c.name}: PRIORITY needs a MATCH`, c.name);
  const [entity, direction, priority, match] = c.args;
  return {
    op: 'acl-del',
    entity,
    entity_type: entityType(c),
    direction,
    priority: priority === undefined ? undefined : int(c, priority, 'PRIORITY'),
    match,
  };
};

const routeAdd: Translate = (c) => {
  need(c, 3, 4);
  const [router, prefix, nexthop, port] = c.args;
  return {
    op: 'lr-route-add',
    router,
    prefix,
    nexthop,
    port,
    policy: opt(c, 'policy'),
    route_table: opt(c, 'route-table'),
    ecmp: flag(c, 'ecmp') ?? flag(c, 'ecmp-symmetric-reply'),
    may_exist: flag(c, 'may-exist'),
  };
};

const routeDel: Translate = (c) => {
  need(c, 1, 4);
  const [router, prefix, nexthop, port] = c.args;
  return {
    op: 'lr-route-del',
    router,
    prefix,
    nexthop,
    port,
    policy: opt(c, 'policy'),
    route_table: opt(c, 'route-table'),
    if_exists: flag(c, 'if-exists'),
  };
};

const natAdd: Translate = (c) => {
  need(c, 4, 7);
  const [router, type, external_ip, logical_ip, ...rest] = c.args;
  // [LOGICAL_PORT EXTERNAL_MAC] [EXTERNAL_PORT_RANGE]: an odd count left means a port range last.
  const range = rest.length % 2 === 1 ? rest.pop() : undefined;
  return {
    op: 'lr-nat-add',
    router,
    type,
    external_ip,
    logical_ip,
    logical_port: rest[0],
    external_mac: rest[1],
    external_port_range: range,
    gateway_port: opt(c, 'gateway-port'),
    may_exist: flag(c, 'may-exist'),
  };
};

const natDel: Translate = (c) => {
  need(c, 1, 4);
  const [router, type, ip] = c.args;
  return { op: 'lr-nat-del', router, type, ip, if_exists: flag(c, 'if-exists') };
};

const lbAdd: Translate = (c) => {
  need(c, 3, 4);
  const [lb, vip, ips, protocol] = c.args as [string, string, string, string | undefined];
  const backends = ips
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return { op: 'lb-add', lb, vip, backends, protocol, may_exist: flag(c, 'may-exist') };
};

const policyAdd: Translate = (c) => {
  need(c, 4, Number.POSITIVE_INFINITY);
  const [router, priority, match, action, ...rest] = c.args as [string, string, string, string, ...string[]];
  // After ACTION: the next hops (reroute only, comma-separated in one word), then KEY=VALUE options.
  const nexthops =
    action === 'reroute' && rest[0] !== undefined && !rest[0].includes('=') ? rest.shift()! : undefined;
  const options: Record<string, string> = {};
  for (const kv of rest) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new NbctlError(`${c.name}: option "${kv}" is not KEY=VALUE`, c.name);
    options[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return {
    op: 'lr-policy-add',
    router,
    priority: int(c, priority, 'PRIORITY'),
    match,
    action,
    nexthops: nexthops?.split(',').filter(Boolean),
    options: rest.length > 0 ? options : undefined,
    may_exist: flag(c, 'may-exist'),
  };
};

const policyDel: Translate = (c) => {
  need(c, 1, 3);
  const [router, which, match] = c.args;
  const isUuid = which !== undefined && !/^\d+$/.test(which);
  return {
    op: 'lr-policy-del',
    router,
    priority: which !== undefined && !isUuid ? int(c, which, 'PRIORITY') : undefined,
    uuid: isUuid ? which : undefined,
    match,
    if_exists: flag(c, 'if-exists'),
  };
};

const simple =
  (op: string, fields: readonly string[], rest?: string): Translate =>
  (c) => {
    need(
      c,
      fields.length - (rest === undefined ? countOptional(fields) : 0),
      rest ? Number.POSITIVE_INFINITY : fields.length,
    );
    const out: Record<string, unknown> = { op };
    fields.forEach((f, i) => {
      out[f.replace('?', '')] = c.args[i];
    });
    if (rest) out[rest] = c.args.slice(fields.length);
    for (const o of ['may-exist', 'if-exists']) if (c.options.has(o)) out[o.replace('-', '_')] = true;
    return out;
  };

function countOptional(fields: readonly string[]): number {
  return fields.filter((f) => f.endsWith('?')).length;
}

const lspAdd: Translate = (c) => {
  need(c, 2, 4);
  if (c.args.length === 3) throw new NbctlError(`${c.name}: PARENT needs a TAG`, c.name);
  const [sw, port, parent, tag] = c.args;
  return {
    op: 'lsp-add',
    switch: sw,
    port,
    parent,
    tag: tag === undefined ? undefined : int(c, tag, 'TAG'),
    may_exist: flag(c, 'may-exist'),
  };
};

/** Database commands (`create`, `set`, …): only on Address_Set, only its `addresses` column. */
function dbCommand(c: NbctlCommand): Record<string, unknown> {
  const table = c.args[c.name === 'create' ? 0 : 0];
  if (table?.toLowerCase().replace(/_/g, '') !== 'addressset')
    throw new NbctlError(
      `unsupported command: ${c.name} ${table ?? ''} (database commands are supported on Address_Set only)`,
      c.name,
      true,
    );
  if (c.name === 'create') return createAddressSet(c);
  const rowName = c.args[1];
  if (rowName === undefined)
    throw new NbctlError(`${c.name}: needs a record (the address set's name)`, c.name);
  if (c.name === 'destroy') {
    need(c, 2, 2);
    return { op: 'address-set-del', name: rowName, if_exists: flag(c, 'if-exists') };
  }
  const rest = c.args.slice(2);
  if (c.name === 'clear') {
    if (rest.length !== 1 || rest[0] !== 'addresses')
      throw new NbctlError(`clear: only the addresses column of Address_Set is supported`, c.name, true);
    return { op: 'address-set-set', name: rowName, addresses: [] };
  }
  if (c.name === 'set') return setAddressSet(c, rowName, rest);
  // add/remove Address_Set NAME addresses VALUE...
  if (rest[0] !== 'addresses' || rest.length < 2)
    throw new NbctlError(
      `${c.name}: only "${c.name} Address_Set NAME addresses VALUE..." is supported`,
      c.name,
      true,
    );
  const addresses = rest.slice(1).flatMap(parseSetValue);
  return { op: c.name === 'add' ? 'address-set-add' : 'address-set-remove', name: rowName, addresses };
}

function columnValues(c: NbctlCommand, words: Args): Map<string, string> {
  const out = new Map<string, string>();
  for (const w of words) {
    const eq = w.indexOf('=');
    if (eq <= 0) throw new NbctlError(`${c.name}: "${w}" is not COLUMN=VALUE`, c.name);
    out.set(w.slice(0, eq), w.slice(eq + 1));
  }
  return out;
}

function onlyColumns(c: NbctlCommand, cols: Map<string, string>, allowed: readonly string[]): void {
  for (const k of cols.keys())
    if (!allowed.includes(k))
      throw new NbctlError(
        `${c.name}: column "${k}" of Address_Set is not supported (only ${allowed.join(', ')})`,
        c.name,
        true,
      );
}

function createAddressSet(c: NbctlCommand): Record<string, unknown> {
  const cols = columnValues(c, c.args.slice(1));
  onlyColumns(c, cols, ['name', 'addresses', 'external_ids']);
  const name = cols.get('name');
  if (!name) throw new NbctlError('create: an Address_Set needs name=NAME', c.name);
  const addresses = cols.has('addresses') ? parseSetValue(cols.get('addresses')!) : [];
  return { op: 'address-set-create', name: parseSetValue(name)[0] ?? name, addresses };
}

function setAddressSet(c: NbctlCommand, name: string, words: Args): Record<string, unknown> {
  const cols = columnValues(c, words);
  onlyColumns(c, cols, ['addresses']);
  if (!cols.has('addresses')) throw new NbctlError('set: nothing to set', c.name);
  return { op: 'address-set-set', name, addresses: parseSetValue(cols.get('addresses')!) };
}

const COMMANDS: Record<string, Translate> = {
  'acl-add': aclAdd,
  'acl-del': aclDel,
  'pg-add': simple('pg-add', ['name'], 'ports'),
  'pg-set-ports': simple('pg-set-ports', ['name'], 'ports'),
  'pg-del': simple('pg-del', ['name']),
  'lsp-add': lspAdd,
  'lsp-del': simple('lsp-del', ['port']),
  'lsp-set-addresses': simple('lsp-set-addresses', ['port'], 'addresses'),
  'lsp-set-port-security': simple('lsp-set-port-security', ['port'], 'addresses'),
  'lr-route-add': routeAdd,
  'lr-route-del': routeDel,
  'lr-nat-add': natAdd,
  'lr-nat-del': natDel,
  'lb-add': lbAdd,
  'lb-del': simple('lb-del', ['lb', 'vip?']),
  'ls-lb-add': simple('ls-lb-add', ['switch', 'lb']),
  'ls-lb-del': simple('ls-lb-del', ['switch', 'lb?']),
  'lr-lb-add': simple('lr-lb-add', ['router', 'lb']),
  'lr-lb-del': simple('lr-lb-del', ['router', 'lb?']),
  'lr-policy-add': policyAdd,
  'lr-policy-del': policyDel,
  create: dbCommand,
  set: dbCommand,
  add: dbCommand,
  remove: dbCommand,
  destroy: dbCommand,
  clear: dbCommand,
};

/** The ovn-nbctl commands a what-if understands (for messages and docs). */
export const NBCTL_COMMANDS: readonly string[] = Object.keys(COMMANDS);

/** Options each command accepts; any other option is refused (it could change the meaning). */
const OPTIONS: Record<string, readonly string[]> = {
  'acl-add': [
    'log',
    'severity',
    'name',
    'label',
    'meter',
    'may-exist',
    'type',
    'port-group',
    'apply-after-lb',
  ],
  'acl-del': ['type', 'port-group'],
  'pg-add': ['may-exist'],
  'pg-del': ['if-exists'],
  'lsp-add': ['may-exist'],
  'lsp-del': ['if-exists'],
  'lr-route-add': ['may-exist', 'policy', 'route-table', 'ecmp', 'ecmp-symmetric-reply'],
  'lr-route-del': ['if-exists', 'policy', 'route-table'],
  'lr-nat-add': ['may-exist', 'gateway-port'],
  'lr-nat-del': ['if-exists'],
  'lb-add': ['may-exist'],
  'lb-del': ['if-exists'],
  'ls-lb-add': ['may-exist'],
  'ls-lb-del': ['if-exists'],
  'lr-lb-add': ['may-exist'],
  'lr-lb-del': ['if-exists'],
  'lr-policy-add': ['may-exist'],
  'lr-policy-del': ['if-exists'],
  destroy: ['if-exists'],
};

function checkOptions(c: NbctlCommand): void {
  const allowed = OPTIONS[c.name] ?? [];
  for (const o of c.options.keys())
    if (!allowed.includes(o)) throw new NbctlError(`${c.name}: option --${o} is not supported`, c.name, true);
}

/** One command -> one typed change; throws NbctlError (unsupported, wrong arguments, bad values). */
export function commandToOp(c: NbctlCommand): ChangeOp {
  const translate = COMMANDS[c.name];
  if (!translate) throw new NbctlError(`unsupported command: ${c.name}`, c.name, true);
  checkOptions(c);
  const raw = defined(translate(c));
  const r = opSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const field = issue.path.join('.');
    throw new NbctlError(`${c.name}: ${field ? `${field}: ` : ''}${issue.message}`, c.name);
  }
  return r.data;
}

/** A whole command line (commands joined by `--`) -> its typed changes, in order. */
export function nbctlToOps(line: string): ChangeOp[] {
  let commands: NbctlCommand[];
  try {
    commands = parseCommandLine(line);
  } catch (err) {
    if (err instanceof NbctlSyntaxError) throw new NbctlError(err.message, null);
    throw err;
  }
  return commands.map(commandToOp);
}
