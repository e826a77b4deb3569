// The long conformance run, one command: `npm run conformance -- --release 25.03 --cases 3000`
// (options: --release 23.03|25.03|26.03, --cases N, --seed S, --engines model,ovn-trace,lflow,
// --oracle ovn-trace|lflow (lflow: the model judged by the lflow engine on the bed's SB, fast),
// --source NAME (sources.ts; default generator), --features bed|none (bed: every generator feature the
// bed's NB schema supports), --per N cases per network, --show N disagreements printed). Starts a bed of
// that release, runs the harness, prints agreement per engine and every disagreement's seed; exits 1
// when an engine disagrees (on ports, or on the dropping stage when --stages is given).

import { parseArgs } from 'node:util';
import { type OvnRelease, startOvn } from '../helpers/ovn-testbed.ts';
import {
  lflowConformanceEngine,
  lflowOracle,
  modelConformanceEngine,
  ovnTraceConformanceEngine,
} from './engines.ts';
import { featuresOfBed, NO_FEATURES } from './generator.ts';
import { type ConformanceEngine, ovnTraceOracle, reportLines, runConformance } from './run-conformance.ts';
import { CASE_SOURCES } from './sources.ts';

const { values } = parseArgs({
  options: {
    release: { type: 'string', default: '23.03' },
    cases: { type: 'string', default: '3000' },
    seed: { type: 'string', default: '20260' },
    engines: { type: 'string', default: 'model,ovn-trace' },
    features: { type: 'string', default: 'bed' },
    per: { type: 'string', default: '12' },
    show: { type: 'string', default: '50' },
    oracle: { type: 'string', default: 'ovn-trace' },
    source: { type: 'string', default: 'generator' },
    stages: { type: 'boolean', default: false },
  },
});
const release = values.release as OvnRelease;
if (!['23.03', '25.03', '26.03'].includes(release)) {
  console.error(`conformance: --release must be 23.03, 25.03 or 26.03`);
  process.exit(2);
}
const tb = await startOvn({ release });
const factories: Record<string, () => ConformanceEngine> = {
  model: modelConformanceEngine,
  'ovn-trace': () => ovnTraceConformanceEngine(tb),
  lflow: () => lflowConformanceEngine(),
};
async function usage(msg: string): Promise<never> {
  console.error(`conformance: ${msg}`);
  await tb.stop();
  process.exit(2);
}
const names = values.engines.split(',').filter(Boolean);
const unknown = names.filter((n) => !factories[n]);
if (unknown.length > 0)
  await usage(`unknown engines ${unknown.join(', ')} (known: ${Object.keys(factories).join(', ')})`);
if (values.oracle !== 'ovn-trace' && values.oracle !== 'lflow')
  await usage('--oracle must be ovn-trace or lflow');
if (values.oracle === 'lflow' && names.includes('lflow'))
  await usage('--oracle lflow judges other engines: drop lflow from --engines');
const source = CASE_SOURCES[values.source];
if (!source) await usage(`unknown source ${values.source} (known: ${Object.keys(CASE_SOURCES).join(', ')})`);
if (values.features !== 'bed' && values.features !== 'none') await usage('--features must be bed or none');
const features = values.features === 'none' ? NO_FEATURES : featuresOfBed(tb);
const seed = Number(values.seed);
const t0 = Date.now();
try {
  console.log(`conformance: OVN ${tb.ovnVersion} (${release}), features ${JSON.stringify(features)}`);
  const rep = await runConformance(
    tb,
    names.map((n) => factories[n]!()),
    {
      seed,
      cases: Number(values.cases),
      perTopology: Number(values.per),
      features,
      source: source!,
      oracle: values.oracle === 'lflow' ? lflowOracle() : ovnTraceOracle(tb),
    },
  );
  for (const l of reportLines(rep, seed, Number(values.show))) console.log(l);
  console.log(`conformance: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const bad = (e: (typeof rep.engines)[string]) =>
    e.disagreements.length > 0 || (values.stages && e.stageDisagreements.length > 0);
  process.exitCode = Object.values(rep.engines).some(bad) ? 1 : 0;
} finally {
  await tb.stop();
}
