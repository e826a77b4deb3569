// Reads a SB Logical_Flow's `external_ids:stage-hint` (the NB row that made the flow) by the uuid
// prefix ovn-trace prints, with `ovn-sbctl list Logical_Flow PREFIX` (ovn-sbctl accepts a unique uuid
// prefix). Answers are cached until the SB changes; a lookup runs only for ACL hops.

import { run } from './children.ts';

export interface StageHintOptions {
  readonly sbDb: string;
  readonly dbOptions?: readonly string[];
  readonly timeoutMs?: number;
}

export class StageHints {
  private cache = new Map<string, Promise<string | null>>();

  constructor(private readonly opts: StageHintOptions) {}

  /** Forget every answer (the SB changed). */
  clear(): void {
    this.cache = new Map();
  }

  lookup = (prefix: string): Promise<string | null> => {
    if (!/^[0-9a-f]{4,36}$/.test(prefix)) return Promise.resolve(null);
    let hit = this.cache.get(prefix);
    if (!hit) {
      hit = this.fetch(prefix);
      this.cache.set(prefix, hit);
    }
    return hit;
  };

  private async fetch(prefix: string): Promise<string | null> {
    const argv = [
      `--db=${this.opts.sbDb}`,
      ...(this.opts.dbOptions ?? []),
      '--format=json',
      '--columns=external_ids',
      'list',
      'Logical_Flow',
      prefix,
    ];
    const r = await run('ovn-sbctl', argv, {
      reject: false,
      timeout: this.opts.timeoutMs ?? 10_000,
      stdin: 'ignore',
    });
    if (r.failed) return null;
    return parseStageHint(r.stdout);
  }
}

/** Extracts stage-hint from `ovn-sbctl --format=json --columns=external_ids list` output. */
export function parseStageHint(json: string): string | null {
  try {
    const doc = JSON.parse(json) as { data?: unknown[][] };
    const cell = doc.data?.[0]?.[0] as [string, [string, string][]] | undefined;
    if (cell?.[0] !== 'map') return null;
    const hint = cell[1].find(([k]) => k === 'stage-hint')?.[1];
    return hint && /^[0-9a-f]{1,36}$/.test(hint) ? hint : null;
  } catch {
    return null;
  }
}
