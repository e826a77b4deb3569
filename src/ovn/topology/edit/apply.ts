// Applies proposed NB changes to a copy of a topology: the what-if's derived network. Each change is a
// typed operation or an ovn-nbctl command line (turned into typed operations first); they apply in
// order, as one transaction would, and the first one that cannot apply stops everything with a 400
// naming it (`changes[3].switch`). The base topology is never touched.

import { OvncpError } from '../../../errors.ts';
import type { Topology } from '../types.ts';
import * as router from './apply-router.ts';
import * as sw from './apply-switch.ts';
import { Draft } from './draft.ts';
import { NBCTL_COMMANDS, NbctlError, nbctlToOps } from './nbctl.ts';
import { type ChangeOp, OP_NAMES, opSchema } from './ops.ts';

export { NBCTL_COMMANDS } from './nbctl.ts';
export { type Change, type ChangeOp, OP_NAMES } from './ops.ts';

/** One parsed change: the typed operations it stands for, and what the request gave. */
export interface ParsedChange {
  readonly index: number;
  /** The command line as given, for an `nbctl` change. */
  readonly nbctl: string | null;
  readonly ops: readonly ChangeOp[];
}

function invalid(field: string, message: string): OvncpError {
  return new OvncpError('OVNCP_ERR_INVALID_FIELD', `${field}: ${message}`, { field });
}

/** Checks and parses one change of a request (an object with `nbctl` or `op`). */
export function parseChange(raw: unknown, index: number): ParsedChange {
  const f = `changes[${index}]`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw invalid(f, 'a change is an object: {"op": …} or {"nbctl": "…"}');
  const o = raw as Record<string, unknown>;
  if ('nbctl' in o) {
    const extra = Object.keys(o).find((k) => k !== 'nbctl');
    if (extra) throw invalid(`${f}.${extra}`, 'Unknown field next to nbctl');
    if (typeof o.nbctl !== 'string' || !o.nbctl.trim()) throw invalid(`${f}.nbctl`, 'must be a command line');
    return { index, nbctl: o.nbctl, ops: nbctlOps(o.nbctl, `${f}.nbctl`) };
  }
  if (typeof o.op !== 'string' || !(OP_NAMES as readonly string[]).includes(o.op))
    throw invalid(
      `${f}.op`,
      `unknown op ${JSON.stringify(o.op)} (ops: ${OP_NAMES.join(', ')}; or give "nbctl")`,
    );
  const r = opSchema.safeParse(o);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const keys = (issue as { keys?: string[] }).keys;
    const path = [...issue.path, ...(keys ? [keys[0]!] : [])].map((p) =>
      typeof p === 'number' ? `[${p}]` : `.${String(p)}`,
    );
    const field = `${f}${path.join('')}`;
    throw invalid(field, keys ? 'Unknown field' : issue.message);
  }
  return { index, nbctl: null, ops: [r.data] };
}

function nbctlOps(line: string, field: string): ChangeOp[] {
  try {
    return nbctlToOps(line);
  } catch (err) {
    if (!(err instanceof NbctlError)) throw err;
    if (err.unsupported)
      throw new OvncpError(
        'OVNCP_ERR_UNSUPPORTED_COMMAND',
        `${field}: ${err.message} (supported: ${NBCTL_COMMANDS.join(', ')})`,
        { field },
      );
    throw invalid(field, err.message);
  }
}

type Handlers = { [N in ChangeOp['op']]: (d: Draft, op: Extract<ChangeOp, { op: N }>) => void };

/** What each operation does (apply-switch.ts, apply-router.ts). */
const HANDLERS: Handlers = {
  'acl-add': sw.aclAdd,
  'acl-del': sw.aclDel,
  'pg-add': sw.pgAdd,
  'pg-set-ports': sw.pgSetPorts,
  'pg-del': sw.pgDel,
  'address-set-create': sw.addressSetOp,
  'address-set-set': sw.addressSetOp,
  'address-set-add': sw.addressSetOp,
  'address-set-remove': sw.addressSetOp,
  'address-set-del': sw.addressSetOp,
  'lsp-add': sw.lspAdd,
  'lsp-del': sw.lspDel,
  'lsp-set-addresses': sw.lspSetAddresses,
  'lsp-set-port-security': sw.lspSetPortSecurity,
  'lr-route-add': router.routeAdd,
  'lr-route-del': router.routeDel,
  'lr-nat-add': router.natAdd,
  'lr-nat-del': router.natDel,
  'lb-add': router.lbAdd,
  'lb-del': router.lbDel,
  'ls-lb-add': router.lbAttach,
  'ls-lb-del': router.lbAttach,
  'lr-lb-add': router.lbAttach,
  'lr-lb-del': router.lbAttach,
  'lr-policy-add': router.policyAdd,
  'lr-policy-del': router.policyDel,
};

function applyOp(d: Draft, op: ChangeOp): void {
  (HANDLERS[op.op] as (d: Draft, op: ChangeOp) => void)(d, op);
}

/** The topology `base` would be after `changes` (in order); throws OvncpError (400) naming a change. */
export function applyChanges(base: Topology, changes: readonly ParsedChange[]): Topology {
  const d = new Draft(base);
  for (const c of changes) {
    d.change = c.index;
    for (const op of c.ops) applyOp(d, op);
  }
  return d.topology();
}
