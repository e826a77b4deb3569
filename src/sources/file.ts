// Loads a topology from a snapshot file (YAML or JSON) or the embedded demo network, reporting
// every problem as `file:line: message`.

import { fileURLToPath } from 'node:url';
import { DEFAULT_FILE_LIMITS, type Loaded, parseYamlText, readYamlFile } from '../config/yaml-file.ts';
import { OvncpError } from '../errors.ts';
import { buildTopology, TopologyBuildError } from '../ovn/topology/build.ts';
import { type SnapshotDoc, snapshotSchema } from '../ovn/topology/snapshot-schema.ts';
import type { Topology } from '../ovn/topology/types.ts';

/** The embedded demo network shipped in config/. */
export const DEMO_NETWORK_FILE = fileURLToPath(new URL('../../config/demo-network.yaml', import.meta.url));

function finish(loaded: Loaded<SnapshotDoc>, source: Topology['source']): Topology {
  if (!loaded.ok) throw new OvncpError('OVNCP_ERR_TOPOLOGY', loaded.errors.join('\n'));
  try {
    return buildTopology(loaded.value, source);
  } catch (err) {
    if (!(err instanceof TopologyBuildError)) throw err;
    const src = loaded.source;
    throw new OvncpError(
      'OVNCP_ERR_TOPOLOGY',
      err.issues.map((i) => src.format(src.lineOf(i.path), i.message)).join('\n'),
    );
  }
}

export function loadTopologyFile(file: string, maxBytes = DEFAULT_FILE_LIMITS.topologyFileBytes): Topology {
  const limit = { maxBytes, setting: 'limits.topology_file' };
  return finish(readYamlFile(file, snapshotSchema, limit), { kind: 'file', name: file });
}

export function loadTopologyText(
  name: string,
  text: string,
  source: Topology['source'] = { kind: 'memory', name },
): Topology {
  return finish(parseYamlText(name, text, snapshotSchema), source);
}

export function loadDemoTopology(): Topology {
  const t = loadTopologyFile(DEMO_NETWORK_FILE);
  return { ...t, source: { kind: 'demo', name: 'embedded demo network' } };
}
