// The paths file (`--paths.file`, e.g. config/paths.yaml): defaults at the top, then a list of critical
// paths under `paths:`. Validated with zod while parsing; cross-field rules (exactly one source, exactly
// one destination, protocol/port pairs) are refinements so each error points at the offending path.

import { validate as validateCron } from 'node-cron';
import { z } from 'zod';
import { PROTOCOLS } from '../engine/types.ts';
import { parseIp, parseMac } from '../ovn/net/addr.ts';
import { parseExpectedService } from './exposure.ts';

export const EXPECTATIONS = ['reachable', 'blocked'] as const;
export type Expectation = (typeof EXPECTATIONS)[number];
export const PATH_ENGINES = ['model', 'lflow', 'ovn-trace', 'auto'] as const;
export type PathEngine = (typeof PATH_ENGINES)[number];

/** Label names the monitor sets itself; configured labels may not reuse them. */
export const RESERVED_LABELS = [
  'path',
  'source_port',
  'destination',
  'protocol',
  'port',
  'blocked_by',
  'hop_type',
  'engine',
  'result',
  'reason',
];

/** Hard upper bound on `max_checks`: above this, /metrics could no longer be rendered in time. */
export const HARD_MAX_CHECKS = 200_000;
export const DEFAULT_MAX_CHECKS = 10_000;

const DURATION_RE = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses `500ms`, `30s`, `5m`, `1h` into milliseconds; null when malformed. */
export function parseDuration(text: string): number | null {
  const m = DURATION_RE.exec(text.trim());
  return m ? Number(m[1]) * UNIT_MS[m[2]!]! : null;
}

const duration = (min: number) =>
  z.string().refine((s) => {
    const ms = parseDuration(s);
    return ms !== null && ms >= min;
  }, `must be a duration like 30s, 5m or 1h (at least ${min} ms)`);

const cron = z
  .string()
  .refine((s) => validateCron(s), 'must be a cron expression (5 fields, or 6 with seconds first)');

const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Why a configured label name cannot be used, or null. */
function labelNameProblem(name: string): string | null {
  if (!LABEL_NAME_RE.test(name)) return 'label names must match [a-zA-Z_][a-zA-Z0-9_]*';
  if (name.startsWith('__')) return 'label names starting with __ are reserved by Prometheus';
  if (RESERVED_LABELS.includes(name)) return `label name is reserved (${RESERVED_LABELS.join(', ')})`;
  return null;
}

// Keys are checked in a refinement, not a key schema: zod reports a bad record key only as
// "Invalid key in record", and the operator needs to know why.
const labels = z
  .record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String))
  .superRefine((rec, ctx) => {
    for (const k of Object.keys(rec)) {
      const problem = labelNameProblem(k);
      if (problem) ctx.addIssue({ code: 'custom', message: problem, path: [k] });
    }
  });

const port = z.number().int().min(1).max(65535);
const portName = z.string().min(1);
// Addresses are checked when the file loads: a typo like 10.0.0.999 never becomes a path that errors.
const ip = z
  .string()
  .min(1)
  .refine((v) => parseIp(v) !== null, 'must be an IPv4 or IPv6 address');
const mac = z.string().refine((v) => parseMac(v) !== null, 'must be a MAC address (xx:xx:xx:xx:xx:xx)');

/** Settings a path may take from `defaults:`. */
const common = {
  expect: z.enum(EXPECTATIONS).optional(),
  schedule: cron.optional(),
  interval: duration(100).optional(),
  engine: z.enum(PATH_ENGINES).optional(),
  labels: labels.optional(),
};

export const pathSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'must be letters, digits and . _ : - (no spaces)'),
    description: z.string().optional(),
    source_port: portName.optional(),
    source_group: portName.optional(),
    destination: portName.optional(),
    destination_ip: ip.optional(),
    destination_group: portName.optional(),
    protocol: z.enum(PROTOCOLS).optional(),
    protocols: z.array(z.enum(PROTOCOLS)).min(1).optional(),
    port: port.optional(),
    ports: z.array(port).min(1).optional(),
    source_mac: mac.optional(),
    source_ip: ip.optional(),
    destination_mac: mac.optional(),
    source_port_num: port.optional(),
    /** Exposure monitoring: the only services (`tcp/5432`, `udp/53-54`, `icmp`) that may be open. */
    expect_services: z
      .array(
        z.string().superRefine((v, ctx) => {
          const r = parseExpectedService(v);
          if (typeof r === 'string') ctx.addIssue({ code: 'custom', message: r });
        }),
      )
      .optional(),
    ...common,
  })
  .superRefine((p, ctx) => {
    const one = (keys: (keyof typeof p)[], what: string) => {
      const given = keys.filter((k) => p[k] !== undefined);
      if (given.length !== 1)
        ctx.addIssue({
          code: 'custom',
          message: `give exactly one ${what} (${keys.join(' | ')})${given.length > 1 ? `, got ${given.join(' and ')}` : ''}`,
          path: given.length > 1 ? [given[1]!] : [],
        });
    };
    one(['source_port', 'source_group'], 'source');
    if (p.expect_services !== undefined) {
      for (const k of ['protocol', 'protocols', 'port', 'ports', 'expect'] as const)
        if (p[k] !== undefined)
          ctx.addIssue({
            code: 'custom',
            message: `expect_services checks every protocol and port: ${k} cannot be given with it`,
            path: [k],
          });
    }
    one(['destination', 'destination_ip', 'destination_group'], 'destination');
    for (const [a, b] of [
      ['protocol', 'protocols'],
      ['port', 'ports'],
      ['schedule', 'interval'],
    ] as const)
      if (p[a] !== undefined && p[b] !== undefined)
        ctx.addIssue({ code: 'custom', message: `give ${a} or ${b}, not both`, path: [b] });
    const protos = p.protocols ?? (p.protocol ? [p.protocol] : []);
    const hasPorts = p.port !== undefined || p.ports !== undefined;
    if (protos.some((x) => x !== 'icmp') && !hasPorts)
      ctx.addIssue({ code: 'custom', message: 'tcp/udp need a destination port (port or ports)', path: [] });
    if (protos.length > 0 && protos.every((x) => x === 'icmp') && hasPorts)
      ctx.addIssue({
        code: 'custom',
        message: 'icmp takes no port',
        path: [p.port !== undefined ? 'port' : 'ports'],
      });
  });

export const pathsFileSchema = z.strictObject({
  defaults: z
    .strictObject({ ...common, protocol: z.enum(PROTOCOLS).optional(), timeout: duration(10).optional() })
    .nullish(),
  /** How many checks may run at once. */
  concurrency: z.number().int().min(1).max(256).optional(),
  /** Cap on the expanded checks (protocols × ports × group members); loading fails above it. */
  max_checks: z.number().int().min(1).max(HARD_MAX_CHECKS).optional(),
  paths: z.array(pathSchema).nullish(),
});

export type PathDef = z.infer<typeof pathSchema>;
export type PathsFile = z.infer<typeof pathsFileSchema>;
