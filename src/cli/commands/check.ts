// `check`: runs every configured path once against a snapshot file, the demo network or a live NB,
// prints a table (or --json / --junit for CI), and exits 1 when any expectation is unmet or any check
// could not run (pre-deployment validation must not pass on what it could not verify).

import { Registry } from 'prom-client';
import { runWhatIf } from '../../api/what-if-routes.ts';
import { type DaemonSettings, ENGINE_CHOICES, resolveSettings } from '../../config/daemon-config.ts';
import { createModelEngine } from '../../engine/model/index.ts';
import { OvncpError } from '../../errors.ts';
import { createLogger } from '../../log.ts';
import { countByStatus, PATH_STATUSES } from '../../monitor/path-status.ts';
import { loadPathsFile } from '../../monitor/paths-config.ts';
import { createRuntime } from '../../runtime/runtime.ts';
import { type CliIo, type Command, SOURCE_FLAGS, SSL_FLAGS, sslSettings, str } from '../command.ts';
import { pathRowOf, renderJunit, renderTable, rowOf } from './check-report.ts';
import { gateExitCode, loadChangesFile, renderComparison } from './what-if-report.ts';

export const checkCommand: Command = {
  name: 'check',
  usage:
    'ovncp-monitor check [--paths.file FILE] [--topology.file FILE | --ovn.nb-db REMOTE] [--json | --junit] [--what-if CHANGES.yaml]',
  summary:
    'Run every configured path once, print a table, exit 1 if any verdict differs from its expectation.',
  flags: [
    ...SOURCE_FLAGS,
    ...SSL_FLAGS,
    { name: 'paths.file', help: 'Critical-path definitions (YAML).' },
    {
      name: 'engine',
      help: 'Trace engine (auto: lflow with an SB, else the model).',
      choices: ENGINE_CHOICES,
      default: 'auto',
    },
    { name: 'json', help: 'Print the results as JSON.', type: 'boolean' },
    { name: 'junit', help: 'Print the results as JUnit XML.', type: 'boolean' },
    {
      name: 'what-if',
      help: 'Changes file (YAML/JSON: typed ops or {nbctl: "..."}): compare every path before and after them (model engine) and exit 1 when an expectation would become unmet.',
    },
  ],
  async run(flags, io) {
    const settings = resolveSettings(
      {
        'config.file': str(flags, 'config.file'),
        'ovn.nb-db': str(flags, 'ovn.nb-db'),
        'ovn.sb-db': str(flags, 'ovn.sb-db'),
        'ovn.version': str(flags, 'ovn.version'),
        ...sslSettings(flags),
        'topology.file': str(flags, 'topology.file'),
        'topology.sb-file': str(flags, 'topology.sb-file'),
        'paths.file': str(flags, 'paths.file'),
        engine: str(flags, 'engine'),
      },
      io.env,
    );
    if (!settings.pathsFile)
      throw new OvncpError(
        'OVNCP_ERR_CONFIG',
        'no paths file: pass --paths.file or set paths.file in --config.file',
      );
    const whatIfFile = str(flags, 'what-if');
    if (whatIfFile) return checkWhatIf(settings, whatIfFile, flags.json === true, io);
    const started = performance.now();
    const rt = createRuntime(settings, { logger: createLogger('error', 'json'), registry: new Registry() });
    try {
      await rt.checkOnce();
    } finally {
      await rt.stop();
    }
    const monitor = rt.monitor;
    const config = monitor.currentConfig();
    const paths = config.paths.map((p) => ({ p, st: monitor.pathStatus(p.name) }));
    const checkRows = [...monitor.results.all()].map(rowOf);
    // A path with no check to show still gets a row: `check` lists every configured path.
    const rows = [
      ...checkRows,
      ...paths.filter(({ p }) => monitor.statesOf(p.name).length === 0).map(({ p, st }) => pathRowOf(p, st)),
    ];
    const seconds = (performance.now() - started) / 1000;
    const pathsJson = paths.map(({ p, st }) => ({ name: p.name, ...st }));
    if (flags.json) io.out.write(`${JSON.stringify({ paths: pathsJson, checks: rows }, null, 2)}\n`);
    else if (flags.junit) io.out.write(renderJunit(rows, seconds));
    else io.out.write(renderTable(rows));
    const counts = countByStatus(paths.map(({ st }) => st.status));
    const failed = checkRows.filter((r) => r.expectation_met !== true).length;
    if (!flags.json && !flags.junit)
      io.out.write(
        `${paths.length} paths: ${PATH_STATUSES.map((s) => `${counts[s]} ${s}`).join(', ')}; ` +
          `${checkRows.length} checks, ${checkRows.length - failed} as expected, ${failed} unmet or failed\n`,
      );
    // Only ok passes: a path that could not be verified must not let a pipeline through.
    return paths.every(({ st }) => st.status === 'ok') && failed === 0 ? 0 : 1;
  },
};

/** `check --what-if FILE`: the paths before and after the file's changes, on the model engine. */
async function checkWhatIf(
  settings: DaemonSettings,
  file: string,
  json: boolean,
  io: CliIo,
): Promise<number> {
  const body = loadChangesFile(file);
  const rt = createRuntime(settings, { logger: createLogger('error', 'json'), registry: new Registry() });
  try {
    await rt.loadOnce();
  } finally {
    await rt.stop();
  }
  const base = rt.topology.current()!;
  const model = createModelEngine();
  const config = loadPathsFile(settings.pathsFile!, settings.limits.pathsFileBytes);
  const answer = await runWhatIf(base, body, { modelEngine: () => model, limits: settings.whatIf, config });
  io.out.write(json ? `${JSON.stringify(answer, null, 2)}\n` : renderComparison(answer, `what-if: ${file}`));
  return gateExitCode(answer);
}
