// POST /api/v1/what-if: proposed NB changes (typed ops or ovn-nbctl command lines) applied to a copy of
// the current topology, and the verdicts of the configured paths (or those named) and of ad-hoc trace
// requests before and after, answering only the differences unless `all` is asked. The live topology is
// never touched. Limits (changes, checks) are enforced before anything is applied or traced.

import type { FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { WhatIfLimits } from '../config/daemon-config.ts';
import type { TraceEngine } from '../engine/types.ts';
import { OvncpError } from '../errors.ts';
import type { PathsConfig } from '../monitor/paths-config.ts';
import { type Comparison, compareTopologies } from '../monitor/what-if.ts';
import {
  applyChanges,
  NBCTL_COMMANDS,
  OP_NAMES,
  type ParsedChange,
  parseChange,
} from '../ovn/topology/edit/apply.ts';
import type { Topology } from '../ovn/topology/types.ts';
import { apiErrorHandler } from './api-errors.ts';
import { errorBodySchema, traceRequestSchema } from './trace-schemas.ts';

export interface WhatIfDeps {
  /** The current topology (throws OVNCP_ERR_NOT_READY before one is loaded). */
  topology(): Topology;
  /** The model engine: what-if is the model's job (a derived topology exists only in this process). */
  modelEngine(): TraceEngine;
  /** The paths configuration in use. */
  paths(): PathsConfig;
  readonly limits: WhatIfLimits;
  /** Deadline of the whole request (web.trace_timeout). */
  readonly timeoutMs: number;
  /** Called with the live topology after the request, so its compiled network stays the freshest. */
  touch?(t: Topology): void;
}

export const ENGINE_NOTE =
  'what-if always uses the in-process model engine: the changed network exists only in this process';

const changeDoc = `A typed operation (\`op\`: ${OP_NAMES.join(', ')}) with the command's arguments as snake_case fields, or \`{"nbctl": "COMMAND LINE"}\` parsed with shell quoting (commands joined by \` -- \`; supported: ${NBCTL_COMMANDS.join(', ')}).`;

export const whatIfRequestSchema = z.strictObject({
  changes: z.array(z.record(z.string(), z.unknown()).describe(changeDoc)).min(1),
  paths: z.array(z.string().min(1)).optional().describe('Configured paths to compare (default: all).'),
  traces: z.array(traceRequestSchema).optional().describe('Ad-hoc trace requests to compare.'),
  all: z.boolean().optional().describe('Also list every unchanged check (`unchanged_checks`).'),
});
export type WhatIfRequest = z.infer<typeof whatIfRequestSchema>;

const side = z.object({
  verdict: z.enum(['reachable', 'blocked', 'error', 'absent']),
  reachable: z.boolean().nullable(),
  blocked_by: z.string().nullable(),
  allowed_by: z.string().nullable(),
  summary: z.string(),
});
const checkRow = z.object({
  path: z.string(),
  source_port: z.string(),
  destination: z.string(),
  protocol: z.string(),
  port: z.number().nullable(),
  expect: z.string(),
  before: side,
  after: side,
  expectation_met_before: z.boolean().nullable(),
  expectation_met_after: z.boolean().nullable(),
});
export const whatIfResponseSchema = z.object({
  engine: z.literal('model'),
  engine_note: z.string(),
  changes: z.array(
    z.object({
      index: z.number(),
      nbctl: z.string().nullable(),
      ops: z.array(z.record(z.string(), z.unknown())).readonly(),
    }),
  ),
  flipped: z.array(checkRow),
  unchanged: z.number(),
  unchanged_checks: z.array(checkRow).optional(),
  traces: z.array(z.object({ request: traceRequestSchema, flipped: z.boolean(), before: side, after: side })),
  newly_unmet: z.number(),
  newly_met: z.number(),
  checks: z.number(),
  reused: z.number(),
  compile_ms: z.number(),
  duration_ms: z.number(),
});

/** Parses the changes of a request, refusing more than `max` (counting each command of an nbctl line). */
export function parseChanges(raw: readonly unknown[], max: number): ParsedChange[] {
  if (raw.length > max)
    throw new OvncpError(
      'OVNCP_ERR_INVALID_FIELD',
      `${raw.length} changes, over the limit of ${max} (what_if.max_changes)`,
      {
        field: 'changes',
      },
    );
  const parsed = raw.map(parseChange);
  const ops = parsed.reduce((n, c) => n + c.ops.length, 0);
  if (ops > max)
    throw new OvncpError(
      'OVNCP_ERR_INVALID_FIELD',
      `${ops} operations, over the limit of ${max} (what_if.max_changes)`,
      {
        field: 'changes',
      },
    );
  return parsed;
}

export interface WhatIfAnswer extends Comparison {
  readonly engine_note: string;
  readonly changes: ParsedChange[];
  readonly compile_ms: number;
  readonly duration_ms: number;
}

/** The whole what-if on `base`: parse, apply, compare (also used by `check --what-if`). */
export async function runWhatIf(
  base: Topology,
  body: WhatIfRequest,
  deps: Pick<WhatIfDeps, 'modelEngine' | 'limits'> & { config: PathsConfig; signal?: AbortSignal },
): Promise<WhatIfAnswer> {
  const started = performance.now();
  const changes = parseChanges(body.changes, deps.limits.maxChanges);
  const after = applyChanges(base, changes);
  const compileStart = performance.now();
  const engine = deps.modelEngine();
  // Compile both now (cached by topology object): the time a derived network costs, reported apart.
  const compiled = (engine as { compiled?: (t: Topology) => unknown }).compiled;
  compiled?.(base);
  compiled?.(after);
  const compileMs = performance.now() - compileStart;
  const r = await compareTopologies({
    before: base,
    after,
    config: deps.config,
    engine,
    paths: body.paths,
    traces: body.traces,
    all: body.all,
    maxChecks: deps.limits.maxChecks,
    signal: deps.signal,
  });
  const ms = (x: number) => Math.round(x * 1000) / 1000;
  return {
    ...r,
    engine_note: ENGINE_NOTE,
    changes,
    compile_ms: ms(compileMs),
    duration_ms: ms(performance.now() - started),
  };
}

export async function whatIfRoutes(app: FastifyInstance, deps: WhatIfDeps): Promise<void> {
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(apiErrorHandler);
  const e = errorBodySchema;
  app.withTypeProvider<ZodTypeProvider>().post(
    '/api/v1/what-if',
    {
      schema: {
        summary: 'Verdicts before and after proposed NB changes (typed ops or ovn-nbctl commands)',
        description: `Applies the changes to a copy of the current topology and compares every configured path (or those named) and the ad-hoc traces before and after; only the differences unless \`all\`. ${ENGINE_NOTE}.`,
        tags: ['what-if'],
        security: [{ bearerAuth: [] }],
        body: whatIfRequestSchema,
        response: { 200: whatIfResponseSchema, 400: e, 401: e, 429: e, 503: e, 504: e },
      },
    },
    async (req) => {
      const base = deps.topology();
      const ctl = new AbortController();
      const timer = setTimeout(
        () =>
          ctl.abort(
            new OvncpError(
              'OVNCP_ERR_TIMEOUT',
              `what-if timed out after ${deps.timeoutMs / 1000}s (web.trace_timeout)`,
            ),
          ),
        deps.timeoutMs,
      );
      try {
        return await runWhatIf(base, req.body, { ...deps, config: deps.paths(), signal: ctl.signal });
      } finally {
        clearTimeout(timer);
        deps.touch?.(base);
      }
    },
  );
}
