// Writes the database files the offline benches read (bench/lflow.bench.ts): for each size, the bench's
// generated network (bench/lib/topology-generator.ts) loaded into a throwaway real OVN 23.03 (the
// host's packages), northd given the time it needs, then copies of its NB and SB standalone database
// files (`nb-SIZE.db`, `sb-SIZE.db`) beside the snapshot and paths files (`snapshot-SIZE.yaml`,
// `paths-SIZE.yaml`). Run: node --import tsx bench/make-db.ts [--dir bench/results/db] L XL

import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { startOvn } from '../test/helpers/ovn-testbed.ts';
import { pathsYaml } from './lib/bench-paths.ts';
import { generate } from './lib/topology-generator.ts';

const { values, positionals } = parseArgs({
  options: { dir: { type: 'string', default: join(import.meta.dirname, 'results', 'db') } },
  allowPositionals: true,
});
const dir = values.dir!;
mkdirSync(dir, { recursive: true });
for (const size of positionals.length > 0 ? positionals : ['L']) {
  const g = generate(size);
  writeFileSync(join(dir, `snapshot-${size}.yaml`), stringify(g.doc));
  writeFileSync(join(dir, `paths-${size}.yaml`), pathsYaml(g.paths));
  const tb = await startOvn();
  try {
    const t0 = Date.now();
    try {
      await tb.loadSnapshot(g.doc);
    } catch {
      // The bed's own sync allows 60 s; northd needs longer at XL on a small machine.
      await tb.nbctl('--timeout=1800', '--wait=sb', 'sync');
    }
    console.log(`${size}: NB loaded and northd synced in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    copyFileSync(join(tb.dir, 'nb.db'), join(dir, `nb-${size}.db`));
    copyFileSync(join(tb.dir, 'sb.db'), join(dir, `sb-${size}.db`));
  } finally {
    await tb.stop();
  }
}
console.log(`database files in ${dir}`);
