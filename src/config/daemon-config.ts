// The daemon configuration file (`--config.file`, e.g. config/ovncp.yaml) and its merge with flags.
// Precedence: command-line flag > environment (OVN_NB_DB/OVN_SB_DB) > config file > default.
// Relative paths in the file are resolved against the file's directory.

import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import {
  CONFIG_FILE_MAX_BYTES,
  DEFAULT_FILE_LIMITS,
  type FileLimits,
  parseByteSize,
  readYamlFile,
  unwrapLoaded,
} from './yaml-file.ts';

export const ENGINE_CHOICES = ['model', 'lflow', 'ovn-trace', 'auto'] as const;
export type EngineChoice = (typeof ENGINE_CHOICES)[number];
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export const LOG_FORMATS = ['json', 'logfmt', 'pretty'] as const;

export const DEFAULT_LISTEN_ADDRESS = '127.0.0.1:9477';

const DURATION_RE = /^(\d+(?:\.\d+)?)(ms|s|m)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };

/** `500ms`, `10s`, `1m` -> ms; null when malformed. */
export function parseSettingDuration(text: string): number | null {
  const m = DURATION_RE.exec(text.trim());
  return m ? Number(m[1]) * UNIT_MS[m[2]!]! : null;
}

const durationMs = z
  .string()
  .refine((v) => parseSettingDuration(v) !== null, 'must be a duration like 500ms, 10s or 1m')
  .transform((v) => parseSettingDuration(v)!);

/** Default of engine.sb_wait: how long an SB-traced check waits for the SB to reflect an NB change. */
export const DEFAULT_SB_WAIT_MS = 10_000;
/**
 * Default of ovn.probe_interval: after this long without a message from ovsdb-server we send `echo`, and
 * drop the connection when no answer comes within as long again (OVS's jsonrpc default). A server that
 * builds a very large monitor reply (an SB of hundreds of thousands of flows) can stay silent longer:
 * raise it there, as ovn-controller's ovn-remote-probe-interval.
 */
export const DEFAULT_PROBE_INTERVAL_MS = 5_000;
/** Default of engine.sb_settle: how long the SB must be quiet after an NB change (passive mode). */
export const DEFAULT_SB_SETTLE_MS = 500;

const byteSize = z
  .union([z.string(), z.number()])
  .refine((v) => parseByteSize(v) !== null, 'must be a size like 64MiB, 10MB or a number of bytes')
  .transform((v) => parseByteSize(v)!);

export const configFileSchema = z.strictObject({
  limits: z
    .strictObject({
      paths_file: byteSize.optional(),
      topology_file: byteSize.optional(),
      tokens_file: byteSize.optional(),
      parse_memory: byteSize.optional(),
    })
    .nullish(),
  web: z
    .strictObject({
      listen_address: z.string().optional(),
      insecure_no_auth: z.boolean().optional(),
      tokens_file: z.string().optional(),
      metrics_auth: z.boolean().optional(),
      rate_limit: z
        .strictObject({
          rate: z.number().positive().optional(),
          burst: z.number().int().positive().optional(),
        })
        .optional(),
      auth_failure_limit: z
        .strictObject({
          rate: z.number().positive().optional(),
          burst: z.number().int().positive().optional(),
        })
        .optional(),
      trace_timeout: z.string().optional(),
      request_timeout: z.string().optional(),
      max_traces_in_flight: z.number().int().positive().optional(),
      max_traces_per_request: z.number().int().positive().optional(),
    })
    .nullish(),
  ovn: z
    .strictObject({
      nb_db: z.string().optional(),
      sb_db: z.string().optional(),
      /** The OVN release whose behaviour the model follows, over what the NB or snapshot says. */
      version: z.string().optional(),
      bump_nb_cfg: z.boolean().optional(),
      /** Inactivity probe of the OVSDB connections (OVS's default 5s); `0s` turns it off. */
      probe_interval: durationMs.optional(),
      ssl: z
        .strictObject({
          private_key: z.string().optional(),
          certificate: z.string().optional(),
          ca_cert: z.string().optional(),
        })
        .optional(),
    })
    .nullish(),
  analysis: z
    .strictObject({
      max_ranges: z.number().int().positive().optional(),
      max_sources: z.number().int().positive().optional(),
    })
    .nullish(),
  topology: z.strictObject({ file: z.string().optional(), sb_file: z.string().optional() }).nullish(),
  paths: z
    .strictObject({ file: z.string().optional(), history: z.number().int().min(0).max(1000).optional() })
    .nullish(),
  what_if: z
    .strictObject({
      max_changes: z.number().int().positive().optional(),
      max_checks: z.number().int().positive().optional(),
    })
    .nullish(),
  engine: z
    .strictObject({
      type: z.enum(ENGINE_CHOICES).optional(),
      cross_check_sample: z.number().min(0).max(1).optional(),
      sb_wait: durationMs.optional(),
      sb_settle: durationMs.optional(),
      chassis: z.string().min(1).max(256).optional(),
    })
    .nullish(),
  log: z
    .strictObject({ level: z.enum(LOG_LEVELS).optional(), format: z.enum(LOG_FORMATS).optional() })
    .nullish(),
});

export type ConfigFile = z.infer<typeof configFileSchema>;

/** Key, certificate and CA files for ssl: remotes (OVS `-p`, `-c`, `-C`), relative paths already resolved. */
export interface SslSettings {
  readonly privateKey?: string | undefined;
  readonly certificate?: string | undefined;
  readonly caCert?: string | undefined;
}

/** The `web:` section: who may call the API and how much. Unset limits mean the API's defaults. */
export interface WebSettings {
  /** Bearer-token file, resolved against the config file's folder; null = none (env tokens still apply). */
  readonly tokensFile: string | null;
  readonly metricsAuth: boolean;
  readonly rate: number | null;
  readonly burst: number | null;
  /** Duration text as written (`30s`, `1500ms`, `2m`); parsed and checked by the trace API. */
  readonly traceTimeout: string | null;
  readonly maxTracesPerRequest: number | null;
  /** web.request_timeout as written: time to receive a whole request; null = the server's default. */
  readonly requestTimeout: string | null;
  /** web.max_traces_in_flight: trace requests running at once per engine; null = the default. */
  readonly maxTracesInFlight: number | null;
  /** web.auth_failure_limit: failed authentications per client address (token bucket); null = default. */
  readonly authFailureRate: number | null;
  readonly authFailureBurst: number | null;
}

/**
 * The effective settings every command runs with, after flags, environment and file are merged
 * (flag > environment > config file > default). Paths from the config file are resolved against its
 * folder here, once, so every consumer (NB client, ovn-trace, API) sees the same absolute files.
 */
export interface DaemonSettings {
  readonly configFile: string | null;
  readonly listenAddress: string;
  /** --web.config.file: exporter-toolkit web config (TLS for the listener), or null for plain HTTP. */
  readonly webConfigFile: string | null;
  readonly nbDb: string | null;
  readonly sbDb: string | null;
  /** --ovn.version (or ovn.version): the OVN release to model, over the NB's schema or a snapshot's ovn_version. */
  readonly ovnVersion: string | null;
  readonly topologyFile: string | null;
  /**
   * --topology.sb-file: a saved Southbound (the standalone OVSDB file ovsdb-server writes) for the lflow
   * engine offline; without an NB or a snapshot file the topology is derived from it too.
   */
  readonly sbFile: string | null;
  readonly pathsFile: string | null;
  readonly engine: EngineChoice;
  readonly logLevel: (typeof LOG_LEVELS)[number];
  readonly logFormat: (typeof LOG_FORMATS)[number];
  /** --web.insecure-no-auth (or web.insecure_no_auth): serve the API without tokens on a non-loopback address. */
  readonly insecureNoAuth: boolean;
  /** Files for ssl: remotes (NB and SB): --ovn.ssl.* flags over the config file's ovn.ssl; undefined when none is set. */
  readonly ssl: SslSettings | undefined;
  readonly web: WebSettings;
  /** engine.cross_check_sample: share of `auto` checks re-checked by a second engine; null = the default. */
  readonly crossCheckSample: number | null;
  /**
   * engine.chassis: the lflow engine traces as seen from this chassis (name or hostname): its
   * Chassis_Template_Var values fill `^name` templates and is_chassis_resident() is real; null = as
   * ovn-trace without a chassis (templated flows ignored with a warning, residency true).
   */
  readonly lflowChassis: string | null;
  /** ovn.probe_interval (ms; 0 = no probe) of the NB and SB OVSDB connections. */
  readonly probeIntervalMs: number;
  /** Never stale (src/sources/sb/sb-freshness.ts): engine.sb_wait, engine.sb_settle, ovn.bump_nb_cfg. */
  readonly sbFreshness: {
    readonly waitMs: number;
    readonly settleMs: number;
    /** --ovn.bump-nb-cfg: increment NB_Global.nb_cfg after NB changes (a write to the NB; opt-in). */
    readonly bumpNbCfg: boolean;
  };
  /** Size limits of the files the daemon reads (config `limits:`), checked before reading. */
  readonly limits: FileLimits;
  /**
   * The `analysis:` limits: traces per services answer (max_ranges), source groups per reachers answer
   * (max_sources); null = the API's defaults. Optional so settings built elsewhere need not name them.
   */
  readonly analysis?: { readonly maxRanges: number | null; readonly maxSources: number | null };
  /** paths.history: verdict transitions kept per check (0 = none). */
  readonly pathHistory: number;
  /** what_if: bounds of one what-if request, enforced before any work. */
  readonly whatIf: WhatIfLimits;
}

export interface WhatIfLimits {
  /** Changes (typed ops, or commands of nbctl lines) per request. */
  readonly maxChanges: number;
  /** Checks plus ad-hoc traces compared per request (each is traced before and after). */
  readonly maxChecks: number;
}

export const DEFAULT_WHAT_IF_LIMITS: WhatIfLimits = { maxChanges: 100, maxChecks: 20_000 };
export const DEFAULT_PATH_HISTORY = 10;

export function loadConfigFile(file: string): ConfigFile {
  const limit = { maxBytes: CONFIG_FILE_MAX_BYTES, setting: 'fixed for the config file' };
  return unwrapLoaded(readYamlFile(file, configFileSchema, limit), 'OVNCP_ERR_CONFIG').value;
}

function rel(base: string | null, p: string | undefined): string | null {
  if (!p) return null;
  return base && !isAbsolute(p) ? resolve(dirname(base), p) : p;
}

export interface SettingFlags {
  'config.file'?: string | undefined;
  'web.listen-address'?: string | undefined;
  'web.config.file'?: string | undefined;
  'ovn.nb-db'?: string | undefined;
  'ovn.sb-db'?: string | undefined;
  'ovn.version'?: string | undefined;
  'topology.file'?: string | undefined;
  'topology.sb-file'?: string | undefined;
  'ovn.bump-nb-cfg'?: boolean | undefined;
  'paths.file'?: string | undefined;
  engine?: string | undefined;
  'log.level'?: string | undefined;
  'log.format'?: string | undefined;
  'web.insecure-no-auth'?: boolean | undefined;
  'ovn.ssl.private-key'?: string | undefined;
  'ovn.ssl.certificate'?: string | undefined;
  'ovn.ssl.ca-cert'?: string | undefined;
}

/** SSL files from the flags, else the config file's ovn.ssl (relative to the config file). */
function sslSettings(
  flags: SettingFlags,
  configFile: string | null,
  file: ConfigFile,
): SslSettings | undefined {
  const ssl = file.ovn?.ssl;
  const out = {
    privateKey: flags['ovn.ssl.private-key'] ?? rel(configFile, ssl?.private_key) ?? undefined,
    certificate: flags['ovn.ssl.certificate'] ?? rel(configFile, ssl?.certificate) ?? undefined,
    caCert: flags['ovn.ssl.ca-cert'] ?? rel(configFile, ssl?.ca_cert) ?? undefined,
  };
  return out.privateKey || out.certificate || out.caCert ? out : undefined;
}

function fileLimits(file: ConfigFile): FileLimits {
  const l = file.limits ?? {};
  return {
    pathsFileBytes: l.paths_file ?? DEFAULT_FILE_LIMITS.pathsFileBytes,
    topologyFileBytes: l.topology_file ?? DEFAULT_FILE_LIMITS.topologyFileBytes,
    tokensFileBytes: l.tokens_file ?? DEFAULT_FILE_LIMITS.tokensFileBytes,
    parseMemoryBytes: l.parse_memory ?? DEFAULT_FILE_LIMITS.parseMemoryBytes,
  };
}

function webSettings(configFile: string | null, file: ConfigFile): WebSettings {
  const web = file.web ?? {};
  return {
    tokensFile: rel(configFile, web.tokens_file),
    metricsAuth: web.metrics_auth ?? false,
    rate: web.rate_limit?.rate ?? null,
    burst: web.rate_limit?.burst ?? null,
    traceTimeout: web.trace_timeout ?? null,
    maxTracesPerRequest: web.max_traces_per_request ?? null,
    requestTimeout: web.request_timeout ?? null,
    maxTracesInFlight: web.max_traces_in_flight ?? null,
    authFailureRate: web.auth_failure_limit?.rate ?? null,
    authFailureBurst: web.auth_failure_limit?.burst ?? null,
  };
}

/** Merges flags, environment and the config file. Throws OvncpError on a bad file. */
export function resolveSettings(flags: SettingFlags, env: NodeJS.ProcessEnv = process.env): DaemonSettings {
  const configFile = flags['config.file'] ?? null;
  const file: ConfigFile = configFile ? loadConfigFile(configFile) : {};
  return {
    configFile,
    listenAddress: flags['web.listen-address'] ?? file.web?.listen_address ?? DEFAULT_LISTEN_ADDRESS,
    webConfigFile: flags['web.config.file'] ?? null,
    nbDb: flags['ovn.nb-db'] ?? env.OVN_NB_DB ?? file.ovn?.nb_db ?? null,
    sbDb: flags['ovn.sb-db'] ?? env.OVN_SB_DB ?? file.ovn?.sb_db ?? null,
    // Checked against the known releases where it is used (runtime.ts).
    ovnVersion: flags['ovn.version'] ?? file.ovn?.version ?? null,
    topologyFile: flags['topology.file'] ?? rel(configFile, file.topology?.file),
    sbFile: flags['topology.sb-file'] ?? rel(configFile, file.topology?.sb_file),
    pathsFile: flags['paths.file'] ?? rel(configFile, file.paths?.file),
    engine: (flags.engine as EngineChoice | undefined) ?? file.engine?.type ?? 'auto',
    logLevel: (flags['log.level'] as DaemonSettings['logLevel'] | undefined) ?? file.log?.level ?? 'info',
    logFormat: (flags['log.format'] as DaemonSettings['logFormat'] | undefined) ?? file.log?.format ?? 'json',
    insecureNoAuth: flags['web.insecure-no-auth'] ?? file.web?.insecure_no_auth ?? false,
    ssl: sslSettings(flags, configFile, file),
    web: webSettings(configFile, file),
    crossCheckSample: file.engine?.cross_check_sample ?? null,
    lflowChassis: file.engine?.chassis ?? null,
    probeIntervalMs: file.ovn?.probe_interval ?? DEFAULT_PROBE_INTERVAL_MS,
    sbFreshness: {
      waitMs: file.engine?.sb_wait ?? DEFAULT_SB_WAIT_MS,
      settleMs: file.engine?.sb_settle ?? DEFAULT_SB_SETTLE_MS,
      bumpNbCfg: flags['ovn.bump-nb-cfg'] ?? file.ovn?.bump_nb_cfg ?? false,
    },
    limits: fileLimits(file),
    analysis: {
      maxRanges: file.analysis?.max_ranges ?? null,
      maxSources: file.analysis?.max_sources ?? null,
    },
    pathHistory: file.paths?.history ?? DEFAULT_PATH_HISTORY,
    whatIf: {
      maxChanges: file.what_if?.max_changes ?? DEFAULT_WHAT_IF_LIMITS.maxChanges,
      maxChecks: file.what_if?.max_checks ?? DEFAULT_WHAT_IF_LIMITS.maxChecks,
    },
  };
}
