// What the switch-side ovn-nbctl commands do to a draft topology (ACLs, port groups, address sets,
// logical switch ports), with ovn-nbctl's checks: unknown rows, duplicates without --may-exist,
// bad addresses. Port_Group.ports holds weak references in the NB schema, so deleting a port also
// takes it out of every group.

import { normalizeMac, parseCidr } from '../../net/addr.ts';
import { parsePortAddress, parsePortSecurity } from '../build.ts';
import type { Acl, PortAddress, PortGroup, PortSecurityEntry } from '../types.ts';
import type { Draft } from './draft.ts';
import type { ChangeOp } from './ops.ts';

type Op<N extends ChangeOp['op']> = Extract<ChangeOp, { op: N }>;

/** The switch or port group an ACL command names (ovn-nbctl: --type decides when both exist). */
function aclOwner(d: Draft, entity: string, type: 'switch' | 'port-group' | undefined): Acl['owner'] {
  const sw = type !== 'port-group' ? d.get('switches', entity) : undefined;
  const pg = type !== 'switch' ? d.get('portGroups', entity) : undefined;
  if (sw && pg)
    d.fail('entity', `both a switch and a port group are named "${entity}": give entity_type (--type)`);
  if (sw) return { kind: 'switch', name: entity };
  if (pg) return { kind: 'port_group', name: entity };
  d.fail(
    'entity',
    `${type === 'port-group' ? 'port group' : (type ?? 'switch or port group')} "${entity}" not found`,
  );
}

function aclsOf(d: Draft, owner: Acl['owner']): readonly Acl[] {
  return owner.kind === 'switch'
    ? d.get('switches', owner.name)!.acls
    : d.get('portGroups', owner.name)!.acls;
}

function setAcls(d: Draft, owner: Acl['owner'], acls: readonly Acl[]): void {
  if (owner.kind === 'switch') d.set('switches', owner.name, { ...d.get('switches', owner.name)!, acls });
  else d.set('portGroups', owner.name, { ...d.get('portGroups', owner.name)!, acls });
}

export function aclAdd(d: Draft, op: Op<'acl-add'>): void {
  const owner = aclOwner(d, op.entity, op.entity_type);
  const acls = aclsOf(d, owner);
  const same = acls.find(
    (a) => a.direction === op.direction && a.priority === op.priority && a.match === op.match,
  );
  if (same) {
    if (op.may_exist) return;
    d.fail(
      null,
      `the same ACL (${op.direction}, priority ${op.priority}, same match) exists on "${op.entity}"`,
    );
  }
  const acl: Acl = {
    uuid: d.uuid('acl', `${op.entity}/${op.direction}/${op.priority}/${op.match}`),
    name: op.name ?? null,
    direction: op.direction,
    priority: op.priority,
    match: op.match,
    action: op.action,
    log: op.log ?? false,
    severity: op.severity ?? null,
    label: op.label ?? 0,
    // ovn-nbctl's acl-add sets no tier (the column's default, 0); tiers come from typed edits later.
    tier: 0,
    options: op.apply_after_lb ? { 'apply-after-lb': 'true' } : {},
    externalIds: {},
    owner,
  };
  setAcls(d, owner, [...acls, acl]);
}

export function aclDel(d: Draft, op: Op<'acl-del'>): void {
  if (op.priority !== undefined && (op.direction === undefined || op.match === undefined))
    d.fail('priority', 'a priority needs a direction and a match');
  const owner = aclOwner(d, op.entity, op.entity_type);
  const gone = (a: Acl) =>
    (op.direction === undefined || a.direction === op.direction) &&
    (op.priority === undefined || (a.priority === op.priority && a.match === op.match));
  setAcls(
    d,
    owner,
    aclsOf(d, owner).filter((a) => !gone(a)),
  );
}

function checkPorts(d: Draft, ports: readonly string[]): void {
  ports.forEach((p, i) => {
    if (!d.get('ports', p)) d.fail(`ports[${i}]`, `logical switch port "${p}" not found`);
  });
}

export function pgAdd(d: Draft, op: Op<'pg-add'>): void {
  if (d.get('portGroups', op.name)) {
    if (op.may_exist) return;
    d.fail('name', `port group "${op.name}" already exists`);
  }
  const ports = [...new Set(op.ports ?? [])];
  checkPorts(d, ports);
  const pg: PortGroup = { uuid: d.uuid('pg', op.name), name: op.name, ports, acls: [], externalIds: {} };
  d.set('portGroups', op.name, pg);
}

export function pgSetPorts(d: Draft, op: Op<'pg-set-ports'>): void {
  const pg = d.need('portGroups', op.name, 'name', 'port group');
  const ports = [...new Set(op.ports)];
  checkPorts(d, ports);
  d.set('portGroups', op.name, { ...pg, ports });
}

export function pgDel(d: Draft, op: Op<'pg-del'>): void {
  if (!d.get('portGroups', op.name) && op.if_exists) return;
  d.need('portGroups', op.name, 'name', 'port group');
  d.delete('portGroups', op.name);
}

/** An address-set entry as OVN takes it: an IPv4/IPv6 address or CIDR, or a MAC. */
function checkSetEntries(d: Draft, addresses: readonly string[]): string[] {
  return addresses.map((a, i) => {
    const t = a.trim();
    if (!parseCidr(t) && !normalizeMac(t))
      d.fail(`addresses[${i}]`, `"${a}" is not an IP address, CIDR or MAC`);
    return t;
  });
}

export function addressSetOp(
  d: Draft,
  op: Op<
    'address-set-create' | 'address-set-set' | 'address-set-add' | 'address-set-remove' | 'address-set-del'
  >,
): void {
  const existing = d.get('addressSets', op.name);
  if (op.op === 'address-set-create') {
    if (existing) d.fail('name', `address set "${op.name}" already exists`);
    const addresses = [...new Set(checkSetEntries(d, op.addresses ?? []))];
    d.set('addressSets', op.name, { uuid: d.uuid('as', op.name), name: op.name, addresses, externalIds: {} });
    return;
  }
  if (op.op === 'address-set-del') {
    if (!existing && op.if_exists) return;
    d.need('addressSets', op.name, 'name', 'address set');
    d.delete('addressSets', op.name);
    return;
  }
  const set = d.need('addressSets', op.name, 'name', 'address set');
  const given = checkSetEntries(d, op.addresses);
  const addresses =
    op.op === 'address-set-set'
      ? [...new Set(given)]
      : op.op === 'address-set-add'
        ? [...new Set([...set.addresses, ...given])]
        : set.addresses.filter((a) => !given.includes(a.trim()));
  d.set('addressSets', op.name, { ...set, addresses });
}

export function lspAdd(d: Draft, op: Op<'lsp-add'>): void {
  const sw = d.need('switches', op.switch, 'switch', 'switch');
  const old = d.get('ports', op.port);
  if (old) {
    if (op.may_exist && old.switchName === op.switch) return;
    d.fail('port', `logical switch port "${op.port}" already exists on switch "${old.switchName}"`);
  }
  d.set('ports', op.port, {
    uuid: d.uuid('lsp', op.port),
    name: op.port,
    switchName: op.switch,
    type: '',
    addresses: [],
    dynamicAddresses: null,
    portSecurity: [],
    options: {},
    up: null,
    enabled: null,
    tag: op.tag ?? null,
    externalIds: {},
  });
  d.set('switches', op.switch, { ...sw, ports: [...sw.ports, op.port] });
}

export function lspDel(d: Draft, op: Op<'lsp-del'>): void {
  const port = d.get('ports', op.port);
  if (!port) {
    if (op.if_exists) return;
    d.fail('port', `logical switch port "${op.port}" not found`);
  }
  const sw = d.get('switches', port.switchName)!;
  d.set('switches', sw.name, { ...sw, ports: sw.ports.filter((p) => p !== op.port) });
  d.delete('ports', op.port);
  for (const pg of d.read('portGroups').values())
    if (pg.ports.includes(op.port))
      d.set('portGroups', pg.name, { ...pg, ports: pg.ports.filter((p) => p !== op.port) });
}

function parseEach<T>(d: Draft, list: readonly string[], parse: (s: string) => T | string): T[] {
  return list.map((raw, i) => {
    const v = parse(raw);
    if (typeof v === 'string') d.fail(`addresses[${i}]`, v);
    return v;
  });
}

export function lspSetAddresses(d: Draft, op: Op<'lsp-set-addresses'>): void {
  const port = d.need('ports', op.port, 'port', 'logical switch port');
  const addresses: PortAddress[] = parseEach(d, op.addresses, parsePortAddress);
  d.set('ports', op.port, { ...port, addresses });
}

export function lspSetPortSecurity(d: Draft, op: Op<'lsp-set-port-security'>): void {
  const port = d.need('ports', op.port, 'port', 'logical switch port');
  const portSecurity: PortSecurityEntry[] = parseEach(d, op.addresses, parsePortSecurity);
  d.set('ports', op.port, { ...port, portSecurity });
}
