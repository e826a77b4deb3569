// resolveSettings: every value a consumer reads from the config file arrives as a typed, resolved field
// (relative paths against the config file's folder), with flag > environment > file > default.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveSettings } from '../../src/config/daemon-config.ts';
import { DEFAULT_FILE_LIMITS } from '../../src/config/yaml-file.ts';

describe('resolveSettings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ovncp-settings-'));
  const conf = join(dir, 'etc', 'ovncp.yaml');
  mkdirSync(join(dir, 'etc'));
  writeFileSync(
    conf,
    `web:
  tokens_file: secrets/tokens.yaml
  metrics_auth: true
  rate_limit: { rate: 3, burst: 7 }
  trace_timeout: 5s
  max_traces_per_request: 9
ovn:
  nb_db: unix:/run/nb.sock
  sb_db: ssl:10.0.0.1:6642
  probe_interval: 30s
  ssl: { private_key: ../pki/key.pem, certificate: /abs/cert.pem, ca_cert: pki/ca.pem }
topology: { file: net.yaml }
paths: { file: /etc/paths.yaml }
engine: { type: model, cross_check_sample: 0.25 }
`,
  );
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('resolves the file’s relative paths against its folder and types every section', () => {
    const s = resolveSettings({ 'config.file': conf }, {});
    const etc = join(dir, 'etc');
    expect(s.web).toEqual({
      tokensFile: join(etc, 'secrets/tokens.yaml'),
      metricsAuth: true,
      rate: 3,
      burst: 7,
      traceTimeout: '5s',
      maxTracesPerRequest: 9,
      requestTimeout: null,
      maxTracesInFlight: null,
      authFailureRate: null,
      authFailureBurst: null,
    });
    expect(s.ssl).toEqual({
      privateKey: join(dir, 'pki/key.pem'),
      certificate: '/abs/cert.pem',
      caCert: join(etc, 'pki/ca.pem'),
    });
    expect(s.topologyFile).toBe(join(etc, 'net.yaml'));
    expect(s.pathsFile).toBe('/etc/paths.yaml');
    expect(s.crossCheckSample).toBe(0.25);
    expect(s.probeIntervalMs).toBe(30_000);
    expect(s.engine).toBe('model');
    expect(s).not.toHaveProperty('raw');
  });

  it('takes flags over environment over the file', () => {
    const s = resolveSettings(
      { 'config.file': conf, 'ovn.sb-db': 'unix:/flag.sock', 'ovn.ssl.ca-cert': 'rel/ca.pem' },
      { OVN_NB_DB: 'unix:/env.sock', OVN_SB_DB: 'unix:/env-sb.sock' },
    );
    expect(s.nbDb).toBe('unix:/env.sock');
    expect(s.sbDb).toBe('unix:/flag.sock');
    // A flag is taken as given (relative to the cwd, like any command-line path); the others stay from the file.
    expect(s.ssl?.caCert).toBe('rel/ca.pem');
    expect(s.ssl?.privateKey).toBe(join(dir, 'pki/key.pem'));
  });

  it('has defaults without a file', () => {
    const s = resolveSettings({}, {});
    expect(s.ssl).toBeUndefined();
    expect(s.crossCheckSample).toBeNull();
    expect(s.probeIntervalMs).toBe(5_000);
    expect(s.web).toEqual({
      tokensFile: null,
      metricsAuth: false,
      rate: null,
      burst: null,
      traceTimeout: null,
      maxTracesPerRequest: null,
      requestTimeout: null,
      maxTracesInFlight: null,
      authFailureRate: null,
      authFailureBurst: null,
    });
    expect(s.limits).toEqual(DEFAULT_FILE_LIMITS);
    expect(s.insecureNoAuth).toBe(false);
  });
});
