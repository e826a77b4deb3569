// A topology being edited by a what-if: copy-on-write over a base topology. Only the tables an edit
// touches are copied, and only the rows it changes are new objects, so the derived topology shares every
// other object (`===`) with its base: the model then reuses their compiled parts, the index is patched
// from the base's (topology-index.ts) and diffTopologies() names only what the edits changed.

import { OvncpError } from '../../../errors.ts';
import { derivedUuid } from '../build.ts';
import { updateIndex } from '../topology-index.ts';
import type {
  AddressSet,
  LoadBalancer,
  LogicalRouter,
  LogicalSwitch,
  PortGroup,
  RouterPort,
  SwitchPort,
  Topology,
} from '../types.ts';

export interface Tables {
  switches: LogicalSwitch;
  ports: SwitchPort;
  routers: LogicalRouter;
  routerPorts: RouterPort;
  portGroups: PortGroup;
  addressSets: AddressSet;
  loadBalancers: LoadBalancer;
}
export type Table = keyof Tables;

export class Draft {
  private readonly copies: { [K in Table]?: Map<string, Tables[K]> } = {};
  /** Index of the change being applied (for error fields and derived UUIDs). */
  change = 0;

  constructor(readonly base: Topology) {}

  read<K extends Table>(t: K): ReadonlyMap<string, Tables[K]> {
    return (this.copies[t] ?? this.base[t]) as ReadonlyMap<string, Tables[K]>;
  }

  get<K extends Table>(t: K, name: string): Tables[K] | undefined {
    return this.read(t).get(name);
  }

  /** The row or an error naming `field` of the current change. */
  need<K extends Table>(t: K, name: string, field: string, what: string): Tables[K] {
    const row = this.get(t, name);
    if (!row) this.fail(field, `${what} "${name}" not found`);
    return row;
  }

  set<K extends Table>(t: K, name: string, row: Tables[K]): void {
    this.write(t).set(name, row);
  }

  delete(t: Table, name: string): void {
    this.write(t).delete(name);
  }

  private write<K extends Table>(t: K): Map<string, Tables[K]> {
    let m = this.copies[t] as Map<string, Tables[K]> | undefined;
    if (!m) {
      m = new Map(this.base[t] as ReadonlyMap<string, Tables[K]>);
      (this.copies as Record<string, unknown>)[t] = m;
    }
    return m;
  }

  /** A UUID for a row the what-if creates: stable for the same change at the same place. */
  uuid(kind: string, key: string): string {
    return derivedUuid(`what-if-${kind}`, `${this.change}/${key}`);
  }

  /** Throws the 400 of the current change, naming its field (`changes[2].switch`). */
  fail(field: string | null, message: string): never {
    const f = `changes[${this.change}]${field ? `.${field}` : ''}`;
    throw new OvncpError('OVNCP_ERR_INVALID_FIELD', `${f}: ${message}`, { field: f });
  }

  /** The derived topology: the base with the edited tables swapped in and its index patched. */
  topology(): Topology {
    const b = this.base;
    const parts = {
      nbGlobal: b.nbGlobal,
      switches: this.read('switches'),
      ports: this.read('ports'),
      routers: this.read('routers'),
      routerPorts: this.read('routerPorts'),
      portGroups: this.read('portGroups'),
      addressSets: this.read('addressSets'),
      loadBalancers: this.read('loadBalancers'),
    };
    return {
      ...parts,
      index: updateIndex(b, parts),
      ovn: b.ovn,
      source: { kind: 'memory', name: `what-if on ${b.source.name}` },
      builtAt: Date.now(),
    };
  }
}
