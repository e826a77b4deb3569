// The daemon's logger: pino, JSON by default, or logfmt / pretty for people reading a terminal.

import { Writable } from 'node:stream';
import { type Logger, pino } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

const LEVEL_NAMES: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

function logfmtValue(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return /^[^\s"=]+$/.test(s) ? s : JSON.stringify(s);
}

/** A stream that turns pino's JSON lines into logfmt lines (`ts=… level=info msg="…" key=value`). */
function logfmtStream(out: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) {
        if (!line) continue;
        try {
          const {
            time,
            level,
            msg,
            pid: _pid,
            hostname: _h,
            ...rest
          } = JSON.parse(line) as Record<string, unknown>;
          const parts = [
            `ts=${new Date(time as number).toISOString()}`,
            `level=${LEVEL_NAMES[level as number] ?? level}`,
          ];
          if (msg !== undefined) parts.push(`msg=${logfmtValue(msg)}`);
          for (const [k, v] of Object.entries(rest)) parts.push(`${k}=${logfmtValue(v)}`);
          out.write(`${parts.join(' ')}\n`);
        } catch {
          out.write(`${line}\n`);
        }
      }
      done();
    },
  });
}

export function createLogger(
  level: string,
  format: 'json' | 'logfmt' | 'pretty',
  out: NodeJS.WritableStream = process.stderr,
): Logger {
  const opts = { level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.epochTime };
  if (format === 'pretty')
    return pino(opts, pretty({ destination: out as never, sync: true, colorize: false }));
  if (format === 'logfmt') return pino(opts, logfmtStream(out));
  return pino(opts, out as never);
}
