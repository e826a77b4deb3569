// `serve`: the long-running daemon.

import {
  DEFAULT_LISTEN_ADDRESS,
  ENGINE_CHOICES,
  LOG_FORMATS,
  LOG_LEVELS,
  resolveSettings,
} from '../../config/daemon-config.ts';
import { createDaemon } from '../../daemon/daemon.ts';
import { type Command, SOURCE_FLAGS, str } from '../command.ts';

export const serveCommand: Command = {
  name: 'serve',
  usage: 'ovncp-monitor serve [flags]',
  summary: 'Run the daemon: load the topology and paths, check paths, serve /metrics and the trace API.',
  flags: [
    ...SOURCE_FLAGS,
    {
      name: 'web.listen-address',
      help: 'Address to listen on (host:port).',
      default: DEFAULT_LISTEN_ADDRESS,
    },
    { name: 'paths.file', help: 'Critical-path definitions (YAML).' },
    { name: 'engine', help: 'Trace engine.', choices: ENGINE_CHOICES, default: 'auto' },
    { name: 'log.level', help: 'Log level.', choices: LOG_LEVELS, default: 'info' },
    { name: 'log.format', help: 'Log format.', choices: LOG_FORMATS, default: 'json' },
  ],
  async run(flags, io) {
    const settings = resolveSettings(
      {
        'config.file': str(flags, 'config.file'),
        'web.listen-address': str(flags, 'web.listen-address'),
        'ovn.nb-db': str(flags, 'ovn.nb-db'),
        'ovn.sb-db': str(flags, 'ovn.sb-db'),
        'topology.file': str(flags, 'topology.file'),
        'paths.file': str(flags, 'paths.file'),
        engine: str(flags, 'engine'),
        'log.level': str(flags, 'log.level'),
        'log.format': str(flags, 'log.format'),
      },
      io.env,
    );
    const daemon = createDaemon(settings);
    await daemon.start();
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        daemon.logger.info({ signal }, 'shutting down');
        process.off('SIGTERM', onTerm);
        process.off('SIGINT', onInt);
        daemon.stop().then(resolve, resolve);
      };
      const onTerm = () => stop('SIGTERM');
      const onInt = () => stop('SIGINT');
      process.on('SIGTERM', onTerm);
      process.on('SIGINT', onInt);
    });
    return 0;
  },
};
