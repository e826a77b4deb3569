// Turns the generator's critical paths into a paths file (the format `serve --paths.file` reads) and
// into the monitor's own checks and trace requests, so the benchmark traces exactly what the daemon
// would trace for those paths (same expansion, same request building).

import { stringify } from 'yaml';
import type { TraceRequest } from '../../src/engine/types.ts';
import { type Check, expandPaths } from '../../src/monitor/expand.ts';
import { type PathsConfig, parsePathsText } from '../../src/monitor/paths-config.ts';
import { requestFor } from '../../src/monitor/runner.ts';
import type { Topology } from '../../src/ovn/topology/types.ts';
import type { GeneratedPath } from './topology-generator.ts';

/** A paths file for the generated paths; `interval` is long so only the measured changes trigger runs. */
export function pathsYaml(paths: readonly GeneratedPath[], interval = '1h'): string {
  return stringify({
    defaults: { interval },
    concurrency: 64,
    max_checks: Math.max(paths.length, 1),
    paths: paths.map((p) => ({
      name: p.name,
      source_port: p.source_port,
      ...(p.destination ? { destination: p.destination } : { destination_ip: p.destination_ip }),
      protocol: p.protocol,
      ...(p.port === undefined ? {} : { port: p.port }),
      expect: p.expect,
      labels: { kind: p.kind },
    })),
  });
}

export function pathsConfig(paths: readonly GeneratedPath[], interval = '1h'): PathsConfig {
  return parsePathsText('<generated>', pathsYaml(paths, interval));
}

export interface BenchCheck {
  readonly check: Check;
  readonly request: TraceRequest;
  readonly kind: GeneratedPath['kind'];
  readonly expect: GeneratedPath['expect'];
}

/** One check per generated path (none of them names a group), with its trace request. */
export function benchChecks(paths: readonly GeneratedPath[], topo: Topology): BenchCheck[] {
  const { checks } = expandPaths(pathsConfig(paths), topo, true);
  const byName = new Map(paths.map((p) => [p.name, p]));
  return checks.map((check) => {
    const p = byName.get(check.path.name)!;
    return { check, request: requestFor(check, topo), kind: p.kind, expect: p.expect };
  });
}
