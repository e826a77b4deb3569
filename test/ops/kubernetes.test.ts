// The Kubernetes manifests: every file parses, the kustomizations list existing files, and the objects
// refer to each other correctly (names, ports, labels, mounted paths, probes, security, shards).
// With kubectl on PATH, `kubectl kustomize` must also build both variants.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { loadWebConfig } from '../../src/api/web-config.ts';
import { configFileSchema } from '../../src/config/daemon-config.ts';
import { parsePathsText } from '../../src/monitor/paths-config.ts';
import { run, which } from './ops-tools.ts';

const K8S = join(import.meta.dirname, '../../deploy/kubernetes');

// biome-ignore lint/suspicious/noExplicitAny: manifests are free-form YAML, checked field by field below
type Obj = any;

/** Loads a kustomization directory the way kustomize does: its resources, recursively, in order. */
function loadKustomization(dir: string): Obj[] {
  const k = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8'));
  const objs: Obj[] = [];
  for (const res of k.resources as string[]) {
    const p = join(dir, res);
    expect(existsSync(p), `${dir}: resource ${res}`).toBe(true);
    if (existsSync(join(p, 'kustomization.yaml'))) objs.push(...loadKustomization(p));
    else {
      for (const doc of parseAllDocuments(readFileSync(p, 'utf8'))) {
        expect(doc.errors, p).toEqual([]);
        objs.push(doc.toJS());
      }
    }
  }
  return objs;
}

const find = (objs: Obj[], kind: string, name: string): Obj => {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  expect(o, `${kind}/${name}`).toBeDefined();
  return o;
};
const selects = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

/** Checks one workload (Deployment or StatefulSet) against the shared objects. */
function checkWorkload(objs: Obj[], w: Obj): void {
  const pod = w.spec.template;
  expect(selects(w.spec.selector.matchLabels, pod.metadata.labels), 'selector matches pod labels').toBe(true);
  const c = pod.spec.containers[0];
  const port = c.ports.find((p: Obj) => p.name === 'https');
  expect(port.containerPort).toBe(9477);
  expect(c.args).toContain('serve');
  expect(c.args).toContain('--web.listen-address=:9477');
  // The listener serves HTTPS (--web.config.file): probes and scrapes say so.
  expect(c.livenessProbe.httpGet).toEqual({ path: '/-/healthy', port: 'https', scheme: 'HTTPS' });
  expect(c.readinessProbe.httpGet).toEqual({ path: '/-/ready', port: 'https', scheme: 'HTTPS' });
  expect(c.resources.requests.cpu).toBeDefined();
  expect(c.resources.limits.memory).toBeDefined();
  expect(pod.spec.securityContext.runAsNonRoot).toBe(true);
  expect(pod.spec.securityContext.runAsUser).toBeGreaterThan(0);
  expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
  expect(c.securityContext.allowPrivilegeEscalation).toBe(false);
  checkMounts(objs, pod.spec, c);
  // The Service exposes these pods on the named port, and the ServiceMonitor scrapes that Service.
  const svc = find(objs, 'Service', 'ovncp-monitor');
  expect(selects(svc.spec.selector, pod.metadata.labels), 'Service selects the pods').toBe(true);
  expect(svc.spec.ports[0].targetPort).toBe('https');
  const sm = find(objs, 'ServiceMonitor', 'ovncp-monitor');
  const scraped = objs.filter(
    (o) => o.kind === 'Service' && selects(sm.spec.selector.matchLabels, o.metadata.labels),
  );
  expect(
    scraped.map((s) => s.metadata.name),
    'ServiceMonitor scrapes one Service',
  ).toEqual(['ovncp-monitor']);
  expect(sm.spec.endpoints[0].port).toBe(svc.spec.ports[0].name);
  expect(sm.spec.endpoints[0].path).toBe('/metrics');
  expect(sm.spec.endpoints[0].scheme).toBe('https');
  const ca = sm.spec.endpoints[0].tlsConfig.ca.secret;
  expect(find(objs, 'Secret', ca.name).stringData[ca.key], 'ServiceMonitor CA').toBeDefined();
}

/** Volumes exist, the config directory is not a subPath mount, and every file the config names is mounted. */
function checkMounts(objs: Obj[], podSpec: Obj, c: Obj): void {
  const volumes = new Map<string, Obj>(podSpec.volumes.map((v: Obj) => [v.name, v]));
  const mountAt = new Map<string, Obj>();
  for (const m of c.volumeMounts) {
    expect(volumes.has(m.name), `volume ${m.name}`).toBe(true);
    expect(m.subPath, `${m.mountPath} must be a directory mount so updates reach the pod`).toBeUndefined();
    mountAt.set(m.mountPath, volumes.get(m.name));
  }
  expect(mountAt.get('/tmp')?.emptyDir, 'writable /tmp').toBeDefined();
  const configArg = c.args.find((a: string) => a.startsWith('--config.file='));
  const configPath = configArg.slice('--config.file='.length);
  // Every file the daemon will open must be a key of the ConfigMap or Secret mounted at its directory.
  const fileAt = (p: string): string | undefined => {
    const vol = mountAt.get(posix.dirname(p));
    if (!vol) return undefined;
    const src = vol.configMap
      ? find(objs, 'ConfigMap', vol.configMap.name).data
      : find(objs, 'Secret', vol.secret.secretName).stringData;
    return src?.[posix.basename(p)];
  };
  checkWebConfig(c, fileAt);
  const configText = fileAt(configPath);
  expect(configText, configPath).toBeDefined();
  const config = configFileSchema.parse(parse(configText!));
  const resolve = (p: string) => (isAbsolute(p) ? p : posix.join(posix.dirname(configPath), p));
  const files = [
    config.paths?.file,
    config.web?.tokens_file,
    config.ovn?.ssl?.private_key,
    config.ovn?.ssl?.certificate,
    config.ovn?.ssl?.ca_cert,
  ].filter((f): f is string => Boolean(f));
  expect(files.length).toBe(5);
  for (const f of files) expect(fileAt(resolve(f)), `${resolve(f)} is mounted`).toBeDefined();
  // The monitor's own parser accepts the shipped paths file (it throws with file:line on an error).
  const paths = parsePathsText('paths.yaml', fileAt(resolve(config.paths!.file!))!);
  expect(paths.paths.length).toBeGreaterThan(0);
}

/** The web config named by --web.config.file is mounted, valid, and its certificate files are mounted. */
function checkWebConfig(c: Obj, fileAt: (p: string) => string | undefined): void {
  const arg = c.args.find((a: string) => a.startsWith('--web.config.file='));
  expect(arg, '--web.config.file').toBeDefined();
  const webPath = arg.slice('--web.config.file='.length);
  const text = fileAt(webPath);
  expect(text, webPath).toBeDefined();
  const dir = mkdtempSync(join(tmpdir(), 'ovncp-k8s-'));
  try {
    writeFileSync(join(dir, 'web.yml'), text!);
    const tls = loadWebConfig(join(dir, 'web.yml'));
    expect(tls).not.toBeNull();
    for (const f of [tls!.certFile, tls!.keyFile]) expect(fileAt(f), `${f} is mounted`).toBeDefined();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('deploy/kubernetes (single replica)', () => {
  const objs = loadKustomization(K8S);

  it('has the expected objects', () => {
    const kinds = objs.map((o) => `${o.kind}/${o.metadata.name}`).sort();
    expect(kinds).toEqual(
      [
        'ConfigMap/ovncp-config',
        'Deployment/ovncp-monitor',
        'Namespace/ovncp-monitor',
        'PrometheusRule/ovncp-monitor',
        'Secret/ovncp-secrets',
        'Service/ovncp-monitor',
        'ServiceMonitor/ovncp-monitor',
      ].sort(),
    );
  });

  it('wires the Deployment to the Service, ServiceMonitor, ConfigMap and Secret', () => {
    checkWorkload(objs, find(objs, 'Deployment', 'ovncp-monitor'));
  });

  it('runs one replica without shard flags', () => {
    const d = find(objs, 'Deployment', 'ovncp-monitor');
    expect(d.spec.replicas).toBe(1);
    expect(d.spec.template.spec.containers[0].args.some((a: string) => a.startsWith('--shard'))).toBe(false);
  });
});

describe('deploy/kubernetes/sharded', () => {
  const objs = loadKustomization(join(K8S, 'sharded'));
  const sts = find(objs, 'StatefulSet', 'ovncp-monitor');

  it('wires the StatefulSet to the shared objects and its headless Service', () => {
    checkWorkload(objs, sts);
    const headless = find(objs, 'Service', sts.spec.serviceName);
    expect(headless.spec.clusterIP).toBe('None');
    expect(selects(headless.spec.selector, sts.spec.template.metadata.labels)).toBe(true);
  });

  it('passes --shard from the pod index and --total-shards equal to replicas', () => {
    const c = sts.spec.template.spec.containers[0];
    const total = c.args.find((a: string) => a.startsWith('--total-shards='));
    expect(Number(total.split('=')[1])).toBe(sts.spec.replicas);
    const shardArg = c.args.find((a: string) => a.startsWith('--shard='));
    const envName = /^--shard=\$\((\w+)\)$/.exec(shardArg)?.[1];
    const env = c.env.find((e: Obj) => e.name === envName);
    expect(env.valueFrom.fieldRef.fieldPath).toBe("metadata.labels['apps.kubernetes.io/pod-index']");
  });
});

describe.skipIf(!which('kubectl'))('kubectl kustomize', () => {
  for (const dir of ['.', 'sharded']) {
    it(`builds ${dir} with the image set`, async () => {
      const r = await run('kubectl', ['kustomize', join(K8S, dir)]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const docs = parseAllDocuments(r.stdout).map((d) => d.toJS());
      const workload = docs.find((d) => d.kind === 'Deployment' || d.kind === 'StatefulSet');
      expect(workload.spec.template.spec.containers[0].image).toMatch(/\/ovncp-monitor:/);
      for (const d of docs.filter((x) => x.kind !== 'Namespace'))
        expect(d.metadata.namespace, `${d.kind}/${d.metadata.name}`).toBe('ovncp-monitor');
    });
  }
});
