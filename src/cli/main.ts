// The `ovncp-monitor` command: dispatches to a subcommand and turns errors into one-line messages.

import { isOvncpError } from '../errors.ts';
import { VERSION } from '../version.ts';
import type { CliIo, Command } from './command.ts';
import { reachersCommand, servicesCommand } from './commands/analysis.ts';
import { checkCommand } from './commands/check.ts';
import { diffCommand } from './commands/diff.ts';
import { serveCommand } from './commands/serve.ts';
import { snapshotCommand } from './commands/snapshot.ts';
import { traceCommand } from './commands/trace.ts';
import { validateCommand } from './commands/validate.ts';
import { FlagError, formatHelp, parseFlags } from './flags.ts';

export const COMMANDS: readonly Command[] = [
  serveCommand,
  traceCommand,
  checkCommand,
  validateCommand,
  snapshotCommand,
  diffCommand,
  servicesCommand,
  reachersCommand,
];

function topHelp(): string {
  const lines = ['usage: ovncp-monitor <command> [flags]', '', 'Commands:'];
  for (const c of COMMANDS) lines.push(`  ${c.name.padEnd(10)} ${c.summary}`);
  lines.push(
    '',
    'Run `ovncp-monitor <command> --help` for its flags. `ovncp-monitor --version` prints the version.',
  );
  return lines.join('\n');
}

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out.write(`${topHelp()}\n`);
    return name ? 0 : 2;
  }
  if (name === '--version') {
    io.out.write(`ovncp-monitor ${VERSION}\n`);
    return 0;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    io.err.write(
      `ovncp-monitor: unknown command "${name}" (commands: ${COMMANDS.map((c) => c.name).join(', ')})\n`,
    );
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out.write(`${formatHelp(cmd.usage, cmd.summary, cmd.flags)}\n`);
    return 0;
  }
  try {
    return await cmd.run(parseFlags(rest, cmd.flags), io);
  } catch (err) {
    if (err instanceof FlagError) {
      io.err.write(`ovncp-monitor ${name}: ${err.message}\n`);
      return 2;
    }
    if (isOvncpError(err)) {
      io.err.write(`ovncp-monitor ${name}: ${err.message}\n`);
      return 1;
    }
    const e = err as NodeJS.ErrnoException;
    io.err.write(`ovncp-monitor ${name}: ${e.code ? `${e.code}: ` : ''}${e.message ?? String(err)}\n`);
    return 1;
  }
}
