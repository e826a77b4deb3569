// The `_Server` database check made before trusting a member (as OVS's IDL does): a clustered
// database must be connected to its cluster, must not be behind an index we already saw (stale), and
// must be the leader when the caller asked for one.

import type { Row } from './datum.ts';

export interface ServerCheckState {
  /** Highest raft index seen on any member so far (0 = none). */
  maxIndex: number;
}

/** Returns why the member must not be used, or null when it is fine. */
export function serverRowProblem(
  row: Row | undefined,
  leaderOnly: boolean,
  state: ServerCheckState,
): string | null {
  if (!row) return 'database not listed in _Server';
  if (row.model !== 'clustered') return null;
  if (row.connected !== true) return 'member is not connected to its cluster';
  if (leaderOnly && row.leader !== true) return 'member is not the cluster leader';
  const index = Array.isArray(row.index) ? Number(row.index[0] ?? 0) : Number(row.index ?? 0);
  if (index > 0 && index < state.maxIndex) return `member is stale (index ${index} < ${state.maxIndex})`;
  if (index > state.maxIndex) state.maxIndex = index;
  return null;
}
