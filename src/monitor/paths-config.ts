// Loads and validates a paths file into a PathsConfig: defaults applied, names unique, every problem
// reported as `file:line: message`. Topology-independent: group expansion happens later (expand.ts),
// because port-group membership changes with the network.

import {
  DEFAULT_FILE_LIMITS,
  type Loaded,
  parseYamlText,
  readYamlFile,
  type YamlSource,
} from '../config/yaml-file.ts';
import type { Protocol } from '../engine/types.ts';
import { OvncpError } from '../errors.ts';
import { type ExpectedService, parseExpectedService } from './exposure.ts';
import {
  DEFAULT_MAX_CHECKS,
  type Expectation,
  type PathDef,
  type PathEngine,
  type PathsFile,
  parseDuration,
  pathsFileSchema,
} from './paths-schema.ts';

export const DEFAULT_INTERVAL = '30s';
export const DEFAULT_CONCURRENCY = 8;
export const DEFAULT_TIMEOUT = '10s';

/** When a path runs: a cron expression (node-cron, seconds allowed) or an interval with jitter. */
export type Schedule = { kind: 'cron'; expr: string } | { kind: 'interval'; ms: number };

/** One path with the defaults applied; still may name groups (expanded against a topology). */
export interface PathSpec {
  readonly name: string;
  readonly description: string | null;
  readonly source: { kind: 'port' | 'group'; name: string };
  readonly destination: { kind: 'port' | 'ip' | 'group'; name: string };
  readonly protocols: readonly Protocol[];
  /** expect_services (exposure monitoring): one `services` check per pair instead of protocols × ports. */
  readonly expectServices?: readonly ExpectedService[] | null;
  /** Destination ports; empty for ICMP-only paths. */
  readonly ports: readonly number[];
  readonly overrides: {
    readonly source_mac?: string;
    readonly source_ip?: string;
    readonly destination_mac?: string;
    readonly source_port_num?: number;
  };
  readonly expect: Expectation;
  readonly schedule: Schedule;
  readonly engine: PathEngine;
  readonly labels: Readonly<Record<string, string>>;
  /** File line of the path's entry, for error messages. */
  readonly line: number;
}

export interface PathsConfig {
  readonly file: string | null;
  readonly paths: readonly PathSpec[];
  readonly concurrency: number;
  readonly maxChecks: number;
  readonly timeoutMs: number;
}

export const EMPTY_PATHS_CONFIG: PathsConfig = {
  file: null,
  paths: [],
  concurrency: DEFAULT_CONCURRENCY,
  maxChecks: DEFAULT_MAX_CHECKS,
  timeoutMs: parseDuration(DEFAULT_TIMEOUT)!,
};

function scheduleOf(p: PathDef, d: NonNullable<PathsFile['defaults']>): Schedule {
  if (p.schedule) return { kind: 'cron', expr: p.schedule };
  if (p.interval) return { kind: 'interval', ms: parseDuration(p.interval)! };
  if (d.schedule) return { kind: 'cron', expr: d.schedule };
  return { kind: 'interval', ms: parseDuration(d.interval ?? DEFAULT_INTERVAL)! };
}

function toSpec(p: PathDef, d: NonNullable<PathsFile['defaults']>, line: number): PathSpec | string {
  const expectServices = p.expect_services?.map((s) => parseExpectedService(s) as ExpectedService) ?? null;
  const protocols = expectServices ? [] : (p.protocols ?? [p.protocol ?? d.protocol ?? 'tcp']);
  const ports = p.ports ?? (p.port !== undefined ? [p.port] : []);
  if (protocols.some((x) => x !== 'icmp') && ports.length === 0)
    return `path "${p.name}": ${protocols.join('/')} needs a destination port (port or ports)`;
  const overrides: { -readonly [K in keyof PathSpec['overrides']]: PathSpec['overrides'][K] } = {};
  if (p.source_mac !== undefined) overrides.source_mac = p.source_mac;
  if (p.source_ip !== undefined) overrides.source_ip = p.source_ip;
  if (p.destination_mac !== undefined) overrides.destination_mac = p.destination_mac;
  if (p.source_port_num !== undefined) overrides.source_port_num = p.source_port_num;
  return {
    name: p.name,
    description: p.description ?? null,
    source: p.source_group ? { kind: 'group', name: p.source_group } : { kind: 'port', name: p.source_port! },
    destination: p.destination_group
      ? { kind: 'group', name: p.destination_group }
      : p.destination_ip
        ? { kind: 'ip', name: p.destination_ip }
        : { kind: 'port', name: p.destination! },
    protocols: [...new Set(protocols)],
    expectServices,
    ports: [...new Set(ports)],
    overrides,
    // expect_services: [] means nothing may be open (blocked); else those services must be.
    expect: expectServices
      ? expectServices.length > 0
        ? 'reachable'
        : 'blocked'
      : (p.expect ?? d.expect ?? 'reachable'),
    schedule: scheduleOf(p, d),
    engine: p.engine ?? d.engine ?? 'auto',
    labels: { ...(d.labels ?? {}), ...(p.labels ?? {}) },
    line,
  };
}

function toConfig(file: string, f: PathsFile, src: YamlSource): PathsConfig {
  const d = f.defaults ?? {};
  const errors: string[] = [];
  const seen = new Map<string, number>();
  const paths: PathSpec[] = [];
  (f.paths ?? []).forEach((p, i) => {
    const line = src.lineOf(['paths', i]);
    const prev = seen.get(p.name);
    if (prev !== undefined)
      errors.push(
        src.format(
          src.lineOf(['paths', i, 'name']),
          `duplicate path name "${p.name}" (first at line ${prev})`,
        ),
      );
    seen.set(p.name, line);
    const spec = toSpec(p, d, line);
    if (typeof spec === 'string') errors.push(src.format(line, spec));
    else paths.push(spec);
  });
  if (errors.length > 0) throw new OvncpError('OVNCP_ERR_CONFIG', errors.join('\n'));
  return {
    file,
    paths,
    concurrency: f.concurrency ?? DEFAULT_CONCURRENCY,
    maxChecks: f.max_checks ?? DEFAULT_MAX_CHECKS,
    timeoutMs: parseDuration(d.timeout ?? DEFAULT_TIMEOUT)!,
  };
}

function unwrap(file: string, loaded: Loaded<PathsFile>): PathsConfig {
  if (!loaded.ok) throw new OvncpError('OVNCP_ERR_CONFIG', loaded.errors.join('\n'));
  return toConfig(file, loaded.value, loaded.source);
}

/** Reads and validates a paths file; throws OvncpError (OVNCP_ERR_CONFIG) listing `file:line: message`s. */
export function loadPathsFile(file: string, maxBytes = DEFAULT_FILE_LIMITS.pathsFileBytes): PathsConfig {
  return unwrap(file, readYamlFile(file, pathsFileSchema, { maxBytes, setting: 'limits.paths_file' }));
}

/**
 * The checks the paths give before any group is expanded (a group path counts as none): a lower bound
 * of what expansion will give, so a file over `max_checks` is refused before anything is expanded.
 */
export function checksBeforeGroups(config: PathsConfig): number {
  let n = 0;
  for (const p of config.paths)
    if (p.source.kind !== 'group' && p.destination.kind !== 'group')
      for (const proto of p.protocols) n += proto === 'icmp' ? 1 : p.ports.length;
  return n;
}

export function parsePathsText(file: string, text: string): PathsConfig {
  return unwrap(file, parseYamlText(file, text, pathsFileSchema));
}
