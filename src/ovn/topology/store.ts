// Holds the current immutable Topology and tells listeners when a new one replaces it.
// Readers call current() and keep the object they got: a swap never changes a topology in place.
// With an OVN override (--ovn.version) every topology set here carries it instead of what its source said.

import { EventEmitter } from 'node:events';
import type { OvnInfo, Topology } from './types.ts';

export interface TopologyChange {
  readonly previous: Topology | null;
  readonly current: Topology;
  /** What changed, when the source knows (e.g. NB table names, or ['file']); empty = unknown/everything. */
  readonly changed: readonly string[];
}

export class TopologyStore extends EventEmitter<{ change: [TopologyChange] }> {
  private topology: Topology | null = null;
  private updatedAt = 0;

  /** `ovn`: the OVN every topology is taken to come from, whatever its source says (null: as it says). */
  constructor(private readonly ovn: OvnInfo | null = null) {
    super();
  }

  current(): Topology | null {
    return this.topology;
  }

  /** The current topology; throws if none was loaded yet (callers check readiness first). */
  require(): Topology {
    if (!this.topology) throw new Error('topology not loaded yet');
    return this.topology;
  }

  /** Milliseconds since epoch of the last swap (0 before the first). */
  lastUpdate(): number {
    return this.updatedAt;
  }

  set(next: Topology, changed: readonly string[] = []): void {
    if (this.ovn && next.ovn !== this.ovn) next = { ...next, ovn: this.ovn };
    const previous = this.topology;
    this.topology = next;
    this.updatedAt = Date.now();
    this.emit('change', { previous, current: next, changed });
  }
}
