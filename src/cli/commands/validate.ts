// `validate`: checks the config file, the snapshot file and the paths file; prints the first error
// with its location and exits non-zero, or prints what was checked and exits 0.

import { resolveSettings } from '../../config/daemon-config.ts';
import { expandPaths } from '../../monitor/expand.ts';
import { loadPathsFile } from '../../monitor/paths-config.ts';
import { loadDemoTopology, loadTopologyFile } from '../../sources/file.ts';
import { type Command, str } from '../command.ts';

export const validateCommand: Command = {
  name: 'validate',
  usage: 'ovncp-monitor validate [--config.file FILE] [--topology.file FILE] [--paths.file FILE]',
  summary: 'Check configuration, topology snapshot and paths files; exit 1 on the first error.',
  flags: [
    { name: 'config.file', help: 'Daemon configuration file (YAML).' },
    { name: 'topology.file', help: 'Snapshot file (YAML or JSON).' },
    { name: 'paths.file', help: 'Critical-path definitions (YAML).' },
  ],
  async run(flags, io) {
    const settings = resolveSettings(
      {
        'config.file': str(flags, 'config.file'),
        'topology.file': str(flags, 'topology.file'),
        'paths.file': str(flags, 'paths.file'),
      },
      {},
    );
    if (settings.configFile) io.out.write(`${settings.configFile}: ok\n`);
    const topo = settings.topologyFile
      ? loadTopologyFile(settings.topologyFile, settings.limits?.topologyFileBytes)
      : loadDemoTopology();
    io.out.write(
      `${topo.source.name}: ok (${topo.switches.size} switches, ${topo.ports.size} ports, ${topo.routers.size} routers)\n`,
    );
    if (!settings.pathsFile) return 0;
    // Groups are expanded against the topology just checked, so the max_checks cap is checked too.
    const paths = loadPathsFile(settings.pathsFile, settings.limits?.pathsFileBytes);
    const expansion = expandPaths(paths, topo, true);
    io.out.write(
      `${settings.pathsFile}: ok (${paths.paths.length} paths, ${expansion.checks.length} checks)\n`,
    );
    for (const [path, problem] of expansion.problems)
      io.out.write(`${settings.pathsFile}: warning: ${path}: ${problem}\n`);
    return 0;
  },
};
