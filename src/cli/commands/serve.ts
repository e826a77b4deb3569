// `serve`: the long-running daemon.

import {
  DEFAULT_LISTEN_ADDRESS,
  ENGINE_CHOICES,
  LOG_FORMATS,
  LOG_LEVELS,
  resolveSettings,
} from '../../config/daemon-config.ts';
import { parseShard } from '../../monitor/shard.ts';
import { createDaemon } from '../../runtime/daemon.ts';
import { type Command, SOURCE_FLAGS, SSL_FLAGS, sslSettings, str } from '../command.ts';

export const serveCommand: Command = {
  name: 'serve',
  usage: 'ovncp-monitor serve [flags]',
  summary: 'Run the daemon: load the topology and paths, check paths, serve /metrics and the trace API.',
  flags: [
    ...SOURCE_FLAGS,
    ...SSL_FLAGS,
    {
      name: 'web.listen-address',
      help: 'Address to listen on (host:port).',
      default: DEFAULT_LISTEN_ADDRESS,
    },
    {
      name: 'web.config.file',
      help: 'Exporter-toolkit web config (YAML, tls_server_config) to serve HTTPS; re-read on change.',
    },
    { name: 'paths.file', help: 'Critical-path definitions (YAML).' },
    {
      name: 'ovn.bump-nb-cfg',
      type: 'boolean',
      help: 'Never stale, exactly: increment NB_Global.nb_cfg after NB changes (like ovn-nbctl --wait=sb) and wait for northd to acknowledge it in the SB before tracing on the SB (a write to the NB: opt-in).',
    },
    {
      name: 'web.insecure-no-auth',
      type: 'boolean',
      help: 'Serve the trace API without tokens on a non-loopback address (otherwise refused).',
    },
    { name: 'shard', help: 'Shard number of this replica (0-based): keeps paths whose name hashes to it.' },
    { name: 'total-shards', help: 'Number of shards the paths are split into.' },
    { name: 'engine', help: 'Trace engine.', choices: ENGINE_CHOICES, default: 'auto' },
    { name: 'log.level', help: 'Log level.', choices: LOG_LEVELS, default: 'info' },
    { name: 'log.format', help: 'Log format.', choices: LOG_FORMATS, default: 'json' },
  ],
  async run(flags, io) {
    const settings = resolveSettings(
      {
        'config.file': str(flags, 'config.file'),
        'web.listen-address': str(flags, 'web.listen-address'),
        'web.config.file': str(flags, 'web.config.file'),
        'ovn.nb-db': str(flags, 'ovn.nb-db'),
        'ovn.sb-db': str(flags, 'ovn.sb-db'),
        'ovn.version': str(flags, 'ovn.version'),
        ...sslSettings(flags),
        'topology.file': str(flags, 'topology.file'),
        'topology.sb-file': str(flags, 'topology.sb-file'),
        'paths.file': str(flags, 'paths.file'),
        engine: str(flags, 'engine'),
        'log.level': str(flags, 'log.level'),
        'log.format': str(flags, 'log.format'),
        'web.insecure-no-auth': flags['web.insecure-no-auth'] === true ? true : undefined,
        'ovn.bump-nb-cfg': flags['ovn.bump-nb-cfg'] === true ? true : undefined,
      },
      io.env,
    );
    const shard = parseShard(str(flags, 'shard'), str(flags, 'total-shards'));
    const daemon = createDaemon(settings, { shard });
    // Until the stop handlers below are in place, remember a SIGINT/SIGTERM instead of dying mid-start.
    let early: string | null = null;
    const hold = (signal: string) => void (early ??= signal);
    process.on('SIGINT', hold);
    process.on('SIGTERM', hold);
    await daemon.start();
    // SIGHUP re-reads the paths file, like Prometheus; the old paths stay when the new file is bad.
    const onHup = () => daemon.monitor.reload();
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        daemon.logger.info({ signal }, 'shutting down');
        process.off('SIGTERM', onTerm);
        process.off('SIGINT', onInt);
        process.off('SIGHUP', onHup);
        daemon.stop().then(resolve, resolve);
      };
      const onTerm = () => stop('SIGTERM');
      const onInt = () => stop('SIGINT');
      process.on('SIGTERM', onTerm);
      process.on('SIGINT', onInt);
      process.on('SIGHUP', onHup); // after SIGTERM/SIGINT: those must be caught from the first moment
      process.off('SIGINT', hold);
      process.off('SIGTERM', hold);
      if (early) stop(early);
    });
    return 0;
  },
};
