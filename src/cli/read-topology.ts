// One-shot topology loading for the CLI commands that trace (`trace`, `check`): a live NB is read once
// (first sync, 30 s at most), else the snapshot file, else the demo network.

import type { resolveSettings } from '../config/daemon-config.ts';
import type { TopologyStore } from '../daemon/topology-store.ts';
import { OvncpError } from '../errors.ts';
import { createLogger } from '../log.ts';
import { loadDemoTopology, loadTopologyFile } from '../ovn/topology/load.ts';
import { LiveTopology, sslFromSettings } from '../ovsdb/live-topology.ts';

export async function readTopologyOnce(
  settings: ReturnType<typeof resolveSettings>,
  store: TopologyStore,
): Promise<void> {
  if (!settings.nbDb) {
    store.set(
      settings.topologyFile
        ? loadTopologyFile(settings.topologyFile, settings.limits?.topologyFileBytes)
        : loadDemoTopology(),
      ['initial'],
    );
    return;
  }
  const live = new LiveTopology({
    remote: settings.nbDb,
    ssl: sslFromSettings(settings),
    store,
    logger: createLogger('warn', 'json'),
  });
  live.start();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_r, reject) => {
    timer = setTimeout(
      () => reject(new OvncpError('OVNCP_ERR_OVSDB', `no topology from ${settings.nbDb} within 30 s`)),
      30_000,
    );
  });
  try {
    await Promise.race([live.synced(), timeout]);
  } finally {
    clearTimeout(timer);
    live.stop();
  }
}
