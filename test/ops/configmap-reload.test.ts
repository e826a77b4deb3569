// A Kubernetes ConfigMap update as the kubelet performs it, against a real `serve` process: the mounted
// directory holds a timestamped data dir, a `..data` symlink to it, and per-key symlinks through
// `..data`; an update writes a new data dir and swaps `..data` atomically (rename). The daemon, given
// the mounted ovncp.yaml, must pick up the new paths.yaml by itself, and refuse a bad one.

import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServeHandle, serve } from '../helpers/cli.ts';
import { poll } from './ops-tools.ts';

const CONFIG = 'paths:\n  file: paths.yaml\n';
const path = (name: string, port: number) =>
  `  - { name: ${name}, source_port: vm1-port, destination: vm2-port, protocol: tcp, port: ${port} }\n`;

/** Mimics the kubelet's atomic writer: a fresh data dir, then `..data` swapped by rename. */
function publish(dir: string, version: number, files: Record<string, string>): void {
  const data = `..v${version}`;
  mkdirSync(join(dir, data));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, data, name), text);
  symlinkSync(data, join(dir, '..data_tmp'));
  renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
  for (const name of Object.keys(files)) {
    try {
      symlinkSync(join('..data', name), join(dir, name));
    } catch {
      // the key's symlink exists from an earlier version and already points through ..data
    }
  }
}

async function gauge(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : Number.NaN;
}

describe('ConfigMap-style update of the mounted config directory', () => {
  let dir = '';
  let daemon: ServeHandle | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ovncp-cm-'));
    publish(dir, 1, { 'ovncp.yaml': CONFIG, 'paths.yaml': `paths:\n${path('http', 80)}` });
    daemon = await serve(['--config.file', join(dir, 'ovncp.yaml')]);
    await poll('one path configured', async () =>
      (await gauge(daemon!.url, 'ovncp_paths_configured')) === 1 ? true : undefined,
    );
  });

  afterAll(async () => {
    await daemon?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reloads the new paths.yaml when ..data is swapped', async () => {
    publish(dir, 2, { 'ovncp.yaml': CONFIG, 'paths.yaml': `paths:\n${path('http', 80)}${path('ssh', 22)}` });
    await poll('two paths configured', async () =>
      (await gauge(daemon!.url, 'ovncp_paths_configured')) === 2 ? true : undefined,
    );
    expect(await gauge(daemon!.url, 'ovncp_config_last_reload_successful')).toBe(1);
  });

  it('keeps the previous paths and reports the failure when the new paths.yaml is bad', async () => {
    publish(dir, 3, { 'ovncp.yaml': CONFIG, 'paths.yaml': 'paths:\n  - { name: broken }\n' });
    await poll('the failed reload to show', async () =>
      (await gauge(daemon!.url, 'ovncp_config_last_reload_successful')) === 0 ? true : undefined,
    );
    expect(await gauge(daemon!.url, 'ovncp_paths_configured')).toBe(2);
    expect(daemon!.proc.exitCode).toBeNull();
  });
});
