// What the operator's pages show about this daemon (src/api/pages/status-view.ts): the runtime's
// topology store, live NB and SB connections, readiness, and which engine answers on-demand traces (and
// whether what it traces on is stale: an SB engine while the SB is disconnected).

import type { DaemonStatusView, EngineStatus } from '../api/pages/status-view.ts';
import type { Runtime } from './runtime.ts';

/** The engine that answers /api/v1/trace/flow now, or why the configured one cannot. */
function engineStatus(rt: Runtime): EngineStatus {
  const configured = rt.settings.engine;
  try {
    const answering = rt.engines().onDemand().name;
    const sb = rt.sb;
    const readsSb = answering === 'lflow' || answering === 'ovn-trace';
    const stale =
      readsSb && sb && !sb.client.isConnected() && sb.lastUpdate()
        ? `the ${answering} engine traces on the Southbound it last read (${new Date(sb.lastUpdate()).toISOString()})`
        : null;
    return { configured, answering, problem: null, stale };
  } catch (err) {
    return { configured, answering: null, problem: (err as Error).message };
  }
}

export function pageStatusView(rt: Runtime): DaemonStatusView {
  return {
    topology: () => {
      const t = rt.topology.current();
      return t ? { source: t.source, ovn: t.ovn, updatedAt: rt.topology.lastUpdate() } : null;
    },
    nbConnected: () => rt.nbConnected(),
    sbConnected: () => (rt.sb ? rt.sb.client.isConnected() : null),
    engine: () => engineStatus(rt),
    readiness: rt.readiness,
  };
}
