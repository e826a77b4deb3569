// What the operator's pages show about this daemon (src/api/pages/status-view.ts): the runtime's
// topology store, live NB connection, readiness, and which engine answers on-demand traces.

import type { DaemonStatusView, EngineStatus } from '../api/pages/status-view.ts';
import type { Runtime } from './runtime.ts';

/** The engine that answers /api/v1/trace/flow now, or why the configured one cannot. */
function engineStatus(rt: Runtime): EngineStatus {
  const configured = rt.settings.engine;
  try {
    return { configured, answering: rt.engines().onDemand().name, problem: null };
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
    engine: () => engineStatus(rt),
    readiness: rt.readiness,
  };
}
