// `validate`: checks the config file, the topology it would run on (a snapshot file, a live NB, or the
// demo network) and the paths file against that topology: every port, group and address a path names
// must exist and parse (`file:line: message`, exit 1; `--allow-missing` makes missing names warnings).
// ACLs whose match does not compile (OVN ignores them) and NB rows left out are listed as warnings.

import { resolveSettings } from '../../config/daemon-config.ts';
import { compileNetwork } from '../../engine/model/index.ts';
import { createLogger } from '../../log.ts';
import { expandPaths } from '../../monitor/expand.ts';
import { checkPathReferences } from '../../monitor/path-references.ts';
import { loadPathsFile } from '../../monitor/paths-config.ts';
import { TopologyStore } from '../../ovn/topology/store.ts';
import type { Topology } from '../../ovn/topology/types.ts';
import { ovnOverride } from '../../runtime/runtime.ts';
import { readTopologyOnce } from '../../runtime/topology-source.ts';
import { type CliIo, type Command, SOURCE_FLAGS, SSL_FLAGS, sslSettings, str } from '../command.ts';

/** Warnings about the topology itself: rows left out, ACLs OVN would ignore. */
function topologyWarnings(topo: Topology, leftOut: readonly string[], io: CliIo): void {
  const name = topo.source.name;
  for (const w of leftOut) io.out.write(`${name}: warning: NB row left out: ${w}\n`);
  for (const p of compileNetwork(topo, { eager: true }).problems) io.out.write(`${name}: warning: ${p}\n`); // says which ACL and why OVN ignores it
}

/** Checks the paths file against the topology; returns the exit code. */
function validatePaths(
  file: string,
  maxBytes: number,
  topo: Topology,
  allowMissing: boolean,
  io: CliIo,
): number {
  const paths = loadPathsFile(file, maxBytes);
  const problems = checkPathReferences(paths, topo);
  const fatal = problems.filter((p) => p.kind === 'invalid' || !allowMissing);
  for (const p of problems) if (!fatal.includes(p)) io.out.write(`warning: ${p.text}\n`);
  if (fatal.length > 0) {
    for (const p of fatal) io.err.write(`${p.text}\n`);
    return 1;
  }
  // Groups are expanded against the topology just checked, so the max_checks cap is checked too.
  const expansion = expandPaths(paths, topo, true);
  io.out.write(`${file}: ok (${paths.paths.length} paths, ${expansion.checks.length} checks)\n`);
  for (const [path, problem] of expansion.problems)
    if (!problems.some((p) => p.path === path))
      io.out.write(`${file}: warning: ${path}: ${problem.message}\n`);
  for (const spec of paths.paths)
    if (!expansion.problems.has(spec.name) && !expansion.checks.some((c) => c.path === spec))
      io.out.write(
        `${file}:${spec.line}: warning: path "${spec.name}" expands to no check (status no_checks)\n`,
      );
  return 0;
}

export const validateCommand: Command = {
  name: 'validate',
  usage:
    'ovncp-monitor validate [--config.file FILE] [--topology.file FILE | --ovn.nb-db REMOTE] [--paths.file FILE] [--allow-missing]',
  summary:
    'Check configuration, topology and paths (against that topology); exit 1 with file:line on an error.',
  flags: [
    ...SOURCE_FLAGS,
    ...SSL_FLAGS,
    { name: 'paths.file', help: 'Critical-path definitions (YAML).' },
    {
      name: 'allow-missing',
      help: 'Ports and groups missing from the topology are warnings, not errors (paths written ahead).',
      type: 'boolean',
    },
  ],
  async run(flags, io) {
    const settings = resolveSettings(
      {
        'config.file': str(flags, 'config.file'),
        'ovn.nb-db': str(flags, 'ovn.nb-db'),
        'ovn.version': str(flags, 'ovn.version'),
        ...sslSettings(flags),
        'topology.file': str(flags, 'topology.file'),
        'topology.sb-file': str(flags, 'topology.sb-file'),
        'paths.file': str(flags, 'paths.file'),
      },
      io.env,
    );
    if (settings.configFile) io.out.write(`${settings.configFile}: ok\n`);
    const store = new TopologyStore(ovnOverride(settings.ovnVersion));
    const logger = createLogger('warn', 'json');
    const leftOut = await readTopologyOnce({ settings, store, logger });
    const topo = store.require();
    io.out.write(
      `${topo.source.name}: ok (${topo.switches.size} switches, ${topo.ports.size} ports, ${topo.routers.size} routers)\n`,
    );
    topologyWarnings(topo, leftOut, io);
    if (!settings.pathsFile) return 0;
    return validatePaths(
      settings.pathsFile,
      settings.limits.pathsFileBytes,
      topo,
      flags['allow-missing'] === true,
      io,
    );
  },
};
