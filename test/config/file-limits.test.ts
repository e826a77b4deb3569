// Size limits on every file the daemon reads, checked before reading: the limit settings, the
// refusal (naming the setting), a file that grows past its limit while read, and each loader using it.

import { closeSync, mkdtempSync, openSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadTokens } from '../../src/auth/tokens.ts';
import { resolveSettings } from '../../src/config/daemon-config.ts';
import { DEFAULT_FILE_LIMITS, parseByteSize, readBoundedText } from '../../src/config/yaml-file.ts';
import { runLoadJob } from '../../src/monitor/load-job.ts';
import { loadPathsFile } from '../../src/monitor/paths-config.ts';
import { loadTopologyFile } from '../../src/sources/file.ts';

const dir = mkdtempSync(join(tmpdir(), 'ovncp-limits-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A sparse file of `bytes` bytes: takes no disk and, if it were read, `bytes` of memory. */
function sparse(name: string, bytes: number): string {
  const f = join(dir, name);
  closeSync(openSync(f, 'w'));
  truncateSync(f, bytes);
  return f;
}

describe('file size limits', () => {
  it('parses sizes', () => {
    expect(parseByteSize('64MiB')).toBe(64 * 1024 * 1024);
    expect(parseByteSize('10MB')).toBe(10_000_000);
    expect(parseByteSize('512 KiB')).toBe(512 * 1024);
    expect(parseByteSize(4096)).toBe(4096);
    expect(parseByteSize('1.5GiB')).toBe(1.5 * 1024 ** 3);
    for (const bad of ['', 'big', '-1', '0', '10 parsecs', 1.5, 0]) expect(parseByteSize(bad)).toBeNull();
  });

  it('refuses a file over the limit before reading it (a 5 GB file costs nothing)', () => {
    const f = sparse('huge.yaml', 5 * 1024 ** 3);
    const before = process.memoryUsage().rss;
    const r = readBoundedText(f, 1024, 'limits.paths_file');
    expect(r).toEqual({
      ok: false,
      error: `${f}: 5368709120 bytes, over the limit of 1024 bytes (limits.paths_file); not read`,
    });
    expect(process.memoryUsage().rss - before).toBeLessThan(50 * 1024 * 1024);
    expect(readBoundedText(join(dir, 'absent'), 10, 'x')).toEqual({
      ok: false,
      error: `${join(dir, 'absent')}: cannot read: ENOENT`,
    });
  });

  it('reads a file of exactly the limit, and not one byte more even when fstat was fooled', () => {
    const f = join(dir, 'exact.txt');
    writeFileSync(f, 'x'.repeat(100));
    expect(readBoundedText(f, 100, 's')).toEqual({ ok: true, text: 'x'.repeat(100) });
    expect(readBoundedText(f, 99, 's')).toMatchObject({ ok: false });
    // /proc files report size 0 but have content: the bounded read still stops at the limit.
    expect(readBoundedText('/proc/self/status', 10, 'limits.x')).toEqual({
      ok: false,
      error: '/proc/self/status: more than 10 bytes, over the limit of 10 bytes (limits.x); not read',
    });
  });

  it('each loader applies its limit and names the setting', () => {
    const paths = sparse('paths.yaml', 65 * 1024 * 1024);
    expect(() => loadPathsFile(paths)).toThrow(
      /over the limit of 67108864 bytes \(limits.paths_file\); not read/,
    );
    const topo = sparse('net.yaml', 2000);
    expect(() => loadTopologyFile(topo, 1000)).toThrow(
      /2000 bytes, over the limit of 1000 bytes \(limits.topology_file\)/,
    );
    const tokens = sparse('tokens.yaml', 2 * 1024 * 1024);
    expect(() => loadTokens(tokens, {})).toThrow(/over the limit of 1048576 bytes \(limits.tokens_file\)/);
    const config = sparse('ovncp.yaml', 2 * 1024 * 1024);
    expect(() => resolveSettings({ 'config.file': config }, {})).toThrow(
      /over the limit of 1048576 bytes \(fixed for the config file\)/,
    );
  });

  it('reads limits from the config file, with defaults for the rest', () => {
    const f = join(dir, 'limits.yaml');
    writeFileSync(f, 'limits:\n  paths_file: 2MiB\n  topology_file: 100000\n');
    expect(resolveSettings({ 'config.file': f }, {}).limits).toEqual({
      ...DEFAULT_FILE_LIMITS,
      pathsFileBytes: 2 * 1024 * 1024,
      topologyFileBytes: 100_000,
    });
    writeFileSync(f, 'limits:\n  paths_file: lots\n');
    expect(() => resolveSettings({ 'config.file': f }, {})).toThrow(
      /limits.yaml:2: limits.paths_file: must be a size like 64MiB, 10MB or a number of bytes/,
    );
  });

  it('a paths file over max_checks is refused before any expansion, and unchanged content is a no-op', () => {
    const f = join(dir, 'many.yaml');
    const path = (i: number) =>
      `  - { name: p${i}, source_port: a, destination: b, protocol: tcp, ports: [1, 2, 3] }\n`;
    writeFileSync(f, `max_checks: 5\npaths:\n${path(1)}${path(2)}`);
    const job = {
      kind: 'paths',
      file: f,
      maxBytes: 1e6,
      previousDigest: null,
      shard: { shard: 0, total: 1 },
    } as const;
    expect(runLoadJob(job)).toEqual({
      kind: 'failed',
      error: `${f}: 6 checks before any group is expanded, over max_checks (5); raise max_checks or remove paths`,
    });
    writeFileSync(f, `max_checks: 6\npaths:\n${path(1)}${path(2)}`);
    const ok = runLoadJob(job);
    expect(ok.kind).toBe('loaded');
    if (ok.kind !== 'loaded') return;
    expect(runLoadJob({ ...job, previousDigest: ok.digest })).toEqual({
      kind: 'unchanged',
      digest: ok.digest,
    });
  });
});
