// The import rules of src/ (.dependency-cruiser.cjs: no cycles, every import down the layers) hold on
// the code, and they do catch what they are for: run on a small tree made here with an upward import, a
// file cycle and a folder without a layer, they report all three. Type-only imports count too.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { cruise, type ICruiseResult, type IViolation } from 'dependency-cruiser';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const rules = createRequire(import.meta.url)(join(ROOT, '.dependency-cruiser.cjs'));

async function violations(baseDir: string, withTsConfig: boolean): Promise<IViolation[]> {
  const cwd = process.cwd();
  process.chdir(baseDir); // dependency-cruiser names modules relative to the working directory
  try {
    const { tsConfig, ...rest } = rules.options;
    const options = {
      ...rest,
      ...(withTsConfig ? { tsConfig } : {}),
      ruleSet: { forbidden: rules.forbidden },
      validate: true,
    };
    const res = await cruise(['src'], options);
    return (res.output as ICruiseResult).summary.violations;
  } finally {
    process.chdir(cwd);
  }
}

const show = (v: IViolation) => `${v.rule.name}: ${v.from} -> ${v.to}`;

describe('import rules (.dependency-cruiser.cjs)', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'ovncp-imports-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('hold on src/: no cycle, no import up the layers', async () => {
    expect((await violations(ROOT, true)).map(show)).toEqual([]);
  }, 60_000);

  it('report an upward import, a file cycle and a folder without a layer', async () => {
    const files: Record<string, string> = {
      'src/ovn/expr/lexer.ts': "import type { T } from '../../engine/types.ts';\nexport const x: T = 1;\n",
      'src/engine/types.ts': 'export type T = number;\n',
      'src/engine/a.ts': "import { b } from './b.ts';\nexport const a = () => b;\n",
      'src/engine/b.ts': "import { a } from './a.ts';\nexport const b = () => a;\n",
      'src/newroom/x.ts': "import { b } from '../engine/b.ts';\nexport const x = b;\n",
    };
    for (const [f, text] of Object.entries(files)) {
      mkdirSync(dirname(join(tmp, f)), { recursive: true });
      writeFileSync(join(tmp, f), text);
    }
    const found = (await violations(tmp, false)).map((v) => v.rule.name);
    expect(found).toContain('layer-ovn-expr');
    expect(found).toContain('no-circular');
    expect(found).toContain('unknown-folder');
  }, 60_000);
});
