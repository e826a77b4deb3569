// `diff`: every configured path before and after, on two snapshot files (e.g. `snapshot` output taken
// before and after a change, or a proposed file beside the current one), with the model engine. Exits 1
// when an expectation would become unmet: the same gate as `check --what-if`, for whole snapshots.

import { resolveSettings } from '../../config/daemon-config.ts';
import { createModelEngine } from '../../engine/model/index.ts';
import { OvncpError } from '../../errors.ts';
import { loadPathsFile } from '../../monitor/paths-config.ts';
import { compareTopologies } from '../../monitor/what-if.ts';
import { loadTopologyFile } from '../../sources/file.ts';
import { type Command, str } from '../command.ts';
import { gateExitCode, renderComparison } from './what-if-report.ts';

export const diffCommand: Command = {
  name: 'diff',
  usage: 'ovncp-monitor diff --before SNAPSHOT --after SNAPSHOT [--paths.file FILE] [--json] [--all]',
  summary: 'Compare every path on two snapshot files; exit 1 if an expectation would become unmet.',
  flags: [
    { name: 'before', help: 'Snapshot file of the network before (YAML or JSON).' },
    { name: 'after', help: 'Snapshot file of the network after.' },
    { name: 'config.file', help: 'Daemon configuration file (YAML): paths.file, limits, what_if.' },
    { name: 'paths.file', help: 'Critical-path definitions (YAML).' },
    { name: 'json', help: 'Print the comparison as JSON.', type: 'boolean' },
    { name: 'all', help: 'Also list the unchanged checks (with --json).', type: 'boolean' },
  ],
  async run(flags, io) {
    const before = str(flags, 'before');
    const after = str(flags, 'after');
    if (!before || !after)
      throw new OvncpError('OVNCP_ERR_CONFIG', 'diff needs --before and --after snapshot files');
    const settings = resolveSettings(
      { 'config.file': str(flags, 'config.file'), 'paths.file': str(flags, 'paths.file') },
      io.env,
    );
    if (!settings.pathsFile)
      throw new OvncpError(
        'OVNCP_ERR_CONFIG',
        'no paths file: pass --paths.file or set paths.file in --config.file',
      );
    const limit = settings.limits.topologyFileBytes;
    const a = loadTopologyFile(before, limit);
    const b = loadTopologyFile(after, limit);
    const config = loadPathsFile(settings.pathsFile, settings.limits.pathsFileBytes);
    const model = createModelEngine();
    const c = await compareTopologies({
      before: a,
      after: b,
      config,
      engine: model,
      all: flags.all === true,
      maxChecks: Math.max(settings.whatIf.maxChecks, config.maxChecks),
    });
    io.out.write(
      flags.json ? `${JSON.stringify(c, null, 2)}\n` : renderComparison(c, `diff: ${before} -> ${after}`),
    );
    return gateExitCode(c);
  },
};
