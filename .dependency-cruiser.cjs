// The import rules of src/: no cycles, and every import runs down the layers (checked in `npm test` by
// test/layers/import-rules.test.ts; `npm run lint:imports` prints them). A folder may import only the folders listed for it in LAYERS (and itself);
// the base files (errors, log, version) are importable from anywhere. To add a folder, give it a line here.
/** @type {Record<string, string[]>} folder -> folders it may import */
const LAYERS = {
  'ovn/net': [],
  'ovn/expr': ['ovn/net'],
  'ovn/topology': ['ovn/expr', 'ovn/net'],
  'ovn/sb': ['ovn/expr', 'ovn/net'],
  ovsdb: [],
  config: [],
  auth: ['config'],
  metrics: [],
  sources: ['ovn/sb', 'ovn/topology', 'ovn/expr', 'ovn/net', 'ovsdb', 'config'],
  engine: ['ovn/sb', 'ovn/topology', 'ovn/expr', 'ovn/net', 'ovsdb', 'metrics'],
  analysis: ['engine', 'ovn/topology', 'ovn/expr', 'ovn/net'],
  // sources sit beside the engines, below the monitor: a paths/snapshot reload parses in a worker that
  // loads snapshot files too.
  monitor: ['analysis', 'engine', 'sources', 'ovn/sb', 'ovn/topology', 'ovn/expr', 'ovn/net', 'config', 'metrics'],
  client: ['analysis', 'engine', 'monitor', 'ovn/topology', 'ovn/net'],
  api: ['monitor', 'analysis', 'engine', 'ovn/topology', 'ovn/expr', 'ovn/net', 'config', 'auth', 'metrics'],
  runtime: [
    'api', 'monitor', 'analysis', 'engine', 'sources', 'ovsdb', 'ovn/sb', 'ovn/topology', 'ovn/expr', 'ovn/net',
    'config', 'auth', 'metrics',
  ],
  cli: [
    'runtime', 'api', 'client', 'monitor', 'analysis', 'engine', 'sources', 'ovsdb', 'ovn/sb', 'ovn/topology',
    'ovn/expr', 'ovn/net', 'config', 'auth', 'metrics',
  ],
};
const BASE = '^src/(errors|log|version)\\.ts$';
const esc = (s) => s.replace(/\//g, '\\/');

const layerRules = Object.entries(LAYERS).map(([from, allowed]) => ({
  name: `layer-${from.replace('/', '-')}`,
  comment: `src/${from} may import only: ${allowed.length ? allowed.join(', ') : 'nothing'} (and the base files)`,
  severity: 'error',
  from: { path: `^src/${esc(from)}/` },
  to: {
    path: '^src/',
    pathNot: [BASE, `^src/${esc(from)}/`, ...allowed.map((a) => `^src/${esc(a)}/`)],
  },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'Modules must not depend on each other in a cycle (type-only imports count too).',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'base-is-a-leaf',
      comment: 'errors.ts, log.ts and version.ts import nothing of ours.',
      severity: 'error',
      from: { path: BASE },
      to: { path: '^src/', pathNot: BASE },
    },
    {
      name: 'unknown-folder',
      comment: 'Every src/ folder has a line in LAYERS (.dependency-cruiser.cjs).',
      severity: 'error',
      from: {
        path: '^src/',
        pathNot: [BASE, ...Object.keys(LAYERS).map((f) => `^src/${esc(f)}/`)],
      },
      to: { path: '^src/' },
    },
    ...layerRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(node_modules|test|bench)/' },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
