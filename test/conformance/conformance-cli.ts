// The long conformance run, one command: `npm run conformance -- --release 25.03 --cases 3000`
// (options: --release 23.03|25.03|26.03, --cases N, --seed S, --engines model,ovn-trace,
// --features bed|none (bed: every generator feature the bed's NB schema supports), --per N). Starts a bed of that release, runs the harness, prints agreement
// per engine and every disagreement's seed; exits 1 when an engine disagrees.

import { parseArgs } from 'node:util';
import { type OvnRelease, startOvn } from '../helpers/ovn-testbed.ts';
import { modelConformanceEngine, ovnTraceConformanceEngine } from './engines.ts';
import { featuresOfBed, NO_FEATURES } from './generator.ts';
import { type ConformanceEngine, reportLines, runConformance } from './run-conformance.ts';

const { values } = parseArgs({
  options: {
    release: { type: 'string', default: '23.03' },
    cases: { type: 'string', default: '3000' },
    seed: { type: 'string', default: '20260' },
    engines: { type: 'string', default: 'model,ovn-trace' },
    features: { type: 'string', default: 'bed' },
    per: { type: 'string', default: '12' },
    show: { type: 'string', default: '50' },
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
};
const names = values.engines.split(',').filter(Boolean);
const unknown = names.filter((n) => !factories[n]);
if (unknown.length > 0) {
  console.error(
    `conformance: unknown engines ${unknown.join(', ')} (known: ${Object.keys(factories).join(', ')})`,
  );
  await tb.stop();
  process.exit(2);
}
if (values.features !== 'bed' && values.features !== 'none') {
  console.error('conformance: --features must be bed or none');
  await tb.stop();
  process.exit(2);
}
const features = values.features === 'none' ? NO_FEATURES : featuresOfBed(tb);
const seed = Number(values.seed);
const t0 = Date.now();
try {
  console.log(`conformance: OVN ${tb.ovnVersion} (${release}), features ${JSON.stringify(features)}`);
  const rep = await runConformance(
    tb,
    names.map((n) => factories[n]!()),
    { seed, cases: Number(values.cases), perTopology: Number(values.per), features },
  );
  for (const l of reportLines(rep, seed, Number(values.show))) console.log(l);
  console.log(`conformance: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  process.exitCode = Object.values(rep.engines).some((e) => e.disagreements.length > 0) ? 1 : 0;
} finally {
  await tb.stop();
}
