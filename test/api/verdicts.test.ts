// The seed's example requests against the embedded demo network, answered by the real model engine
// through the HTTP layer (app.inject): each gives the verdict the contract documents.

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModelEngine } from '../../src/engine/model/index.ts';
import { buildApp, demo } from './harness.ts';

let app: FastifyInstance;
beforeAll(async () => {
  const model = createModelEngine();
  app = await buildApp({ engine: model, model });
});
afterAll(() => app.close());

async function post(path: string, body: unknown) {
  const res = await app.inject({ method: 'POST', url: `/api/v1/trace/${path}`, payload: body as object });
  return { status: res.statusCode, body: res.json() };
}

const seedFlow = {
  source_port: 'vm1-port',
  source_mac: '00:00:00:00:00:01',
  source_ip: '10.0.0.1',
  destination_mac: '00:00:00:00:00:02',
  destination_ip: '10.0.0.2',
  protocol: 'tcp',
  source_port_num: 12345,
  destination_port_num: 80,
  verbose: true,
};

describe('single traces (seed examples)', () => {
  it('vm1 -> vm2 tcp/80 is allowed by allow-http and delivered to vm2-port', async () => {
    for (const path of ['flow', 'simulate']) {
      const r = await post(path, seedFlow);
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({
        success: true,
        reaches_destination: true,
        dropped_at: null,
        engine: 'model',
      });
      expect(r.body.output_ports).toEqual(['vm2-port']);
      expect(r.body.request).toEqual(seedFlow);
      const acls = r.body.hops.flatMap((h: { acl_matches?: { acl_name: string }[] }) => h.acl_matches ?? []);
      expect(acls.map((a: { acl_name: string }) => a.acl_name)).toContain('allow-http');
      expect(r.body.hops.at(-1).next_hop ?? r.body.hops.at(-1).description).toMatch(/vm2-port/);
    }
  });

  it('vm1 -> vm2 tcp/22 is dropped by deny-ssh', async () => {
    const r = await post('flow', { ...seedFlow, destination_port_num: 22 });
    expect(r.status).toBe(200);
    expect(r.body.reaches_destination).toBe(false);
    expect(r.body.dropped_at.type).toBe('acl');
    expect(r.body.dropped_at.acl_matches[0]).toMatchObject({
      acl_name: 'deny-ssh',
      priority: 2100,
      action: 'drop',
    });
  });

  it('auto-fill: source_port, destination_ip, protocol and destination_port_num are enough', async () => {
    const r = await post('flow', {
      source_port: 'web-server-port',
      destination_ip: '10.0.2.10',
      protocol: 'tcp',
      destination_port_num: 3306,
    });
    expect(r.status).toBe(200);
    expect(r.body.reaches_destination).toBe(true);
    expect(r.body.output_ports).toEqual(['db-server-port']);
    expect(r.body.warnings.join('\n')).toMatch(/source_mac auto-filled.*\n.*source_ip auto-filled/);
  });

  it("security audit: dmz -> 10.0.0.5 tcp/22 is blocked (by dmz-no-ssh-internal with the port's own MAC)", async () => {
    const r = await post('flow', {
      source_port: 'dmz-port',
      destination_ip: '10.0.0.5',
      protocol: 'tcp',
      destination_port_num: 22,
    });
    expect(r.body.reaches_destination).toBe(false);
    expect(r.body.dropped_at.acl_matches[0].acl_name).toBe('dmz-no-ssh-internal');
    // The seed's literal body uses MAC 00:00:00:00:00:20, which is not dmz-port's: port security drops it first.
    const seed = await post('flow', {
      source_port: 'dmz-port',
      source_mac: '00:00:00:00:00:20',
      source_ip: '172.16.0.10',
      destination_ip: '10.0.0.5',
      protocol: 'tcp',
      destination_port_num: 22,
    });
    expect(seed.body.reaches_destination).toBe(false);
    expect(seed.body.dropped_at.type).toBe('port_security');
  });
});

describe('multi-path (seed example)', () => {
  it('vm1 -> 10.0.0.2 over tcp/udp/icmp × 22,80,443,3306: only tcp:22 blocked, by deny-ssh', async () => {
    const r = await post('multi-path', {
      source_port: 'vm1-port',
      source_mac: '00:00:00:00:00:01',
      source_ip: '10.0.0.1',
      destination_ip: '10.0.0.2',
      protocols: ['tcp', 'udp', 'icmp'],
      ports: [22, 80, 443, 3306],
    });
    expect(r.status).toBe(200);
    const paths = r.body.paths as {
      protocol: string;
      port?: number;
      blocked: boolean;
      blocked_by?: string;
      hop_count: number;
      reaches_destination: boolean;
    }[];
    expect(paths.map((p) => `${p.protocol}:${p.port ?? ''}`)).toEqual([
      'tcp:22',
      'tcp:80',
      'tcp:443',
      'tcp:3306',
      'udp:22',
      'udp:80',
      'udp:443',
      'udp:3306',
      'icmp:',
    ]);
    expect(paths[0]).toMatchObject({
      blocked: true,
      reaches_destination: false,
      blocked_by: 'ACL: deny-ssh (Priority: 2100)',
      hop_count: 2,
    });
    for (const p of paths.slice(1)) expect(p).toMatchObject({ blocked: false, reaches_destination: true });
    expect(paths[8]!.port).toBeUndefined();
    expect(r.body.summary).toBe(
      '1 of 9 paths blocked. Allowed: tcp:80, tcp:443, tcp:3306, udp:22, udp:80, udp:443, udp:3306, icmp',
    );
  });

  it('defaults: tcp, udp, icmp × 22,80,443,3306,5432,6379,8080 (15 paths), summary agrees with paths', async () => {
    const r = await post('multi-path', { source_port: 'web-server-port', destination_ip: '10.0.2.10' });
    expect(r.status).toBe(200);
    const paths = r.body.paths as {
      protocol: string;
      port?: number;
      blocked: boolean;
      blocked_by?: string;
    }[];
    expect(paths).toHaveLength(15);
    const open = paths
      .filter((p) => !p.blocked)
      .map((p) => (p.port ? `${p.protocol}:${p.port}` : p.protocol));
    expect(open).toEqual(['tcp:3306', 'icmp']);
    expect(r.body.summary).toBe('13 of 15 paths blocked. Allowed: tcp:3306, icmp');
    expect(paths.find((p) => p.protocol === 'tcp' && p.port === 22)!.blocked_by).toBe(
      'ACL: db-default-deny (Priority: 1000)',
    );
  });
});

describe('multi-path: routing drops', () => {
  it('a destination behind the discard route is blocked by the routing step, named in blocked_by', async () => {
    const r = await post('multi-path', {
      source_port: 'vm1-port',
      destination_ip: '10.99.0.1',
      protocols: ['icmp'],
    });
    expect(r.status).toBe(200);
    expect(r.body.paths).toHaveLength(1);
    expect(r.body.paths[0].blocked).toBe(true);
    expect(r.body.paths[0].blocked_by).toMatch(/discard|route/i);
    expect(r.body.summary).toBe('1 of 1 paths blocked. Allowed: none');
  });
});

describe('connectivity (seed example)', () => {
  it('web -> db and cache open on their exact services, app closed, with recommendations', async () => {
    // Without protocols/ports every target gets its exact allowed services: each port range with its
    // verdict, the closed ones with what closed them.
    const r = await post('connectivity', {
      source_port: 'web-server-port',
      target_ports: ['db-server-port', 'cache-server-port', 'app-server-port'],
    });
    expect(r.status).toBe(200);
    const dbDeny = 'ACL: db-default-deny (Priority: 1000)';
    const cacheDeny = 'ACL: cache-default-deny (Priority: 1000)';
    const appDeny = 'ACL: app-default-deny (Priority: 1000)';
    expect(r.body.target_ports).toEqual([
      {
        port_name: 'db-server-port',
        port_ip: '10.0.2.10',
        reachable: true,
        protocols: {
          icmp: true,
          'tcp:1-3305': false,
          'tcp:3306': true,
          'tcp:3307-65535': false,
          'udp:1-65535': false,
        },
        blocked_by: { 'tcp:1-3305': dbDeny, 'tcp:3307-65535': dbDeny, 'udp:1-65535': dbDeny },
      },
      {
        port_name: 'cache-server-port',
        port_ip: '10.0.3.10',
        reachable: true,
        protocols: {
          icmp: true,
          'tcp:1-6378': false,
          'tcp:6379': true,
          'tcp:6380-65535': false,
          'udp:1-65535': false,
        },
        blocked_by: { 'tcp:1-6378': cacheDeny, 'tcp:6380-65535': cacheDeny, 'udp:1-65535': cacheDeny },
      },
      {
        port_name: 'app-server-port',
        port_ip: '10.0.1.20',
        reachable: false,
        protocols: { icmp: false, 'tcp:1-65535': false, 'udp:1-65535': false },
        blocked_by: { icmp: appDeny, 'tcp:1-65535': appDeny, 'udp:1-65535': appDeny },
      },
    ]);
    expect(r.body.fully_reachable).toBe(false);
    expect(r.body.recommendations[0]).toBe('The following ports are unreachable: app-server-port');
    expect(r.body.recommendations).toContain(`app-server-port tcp:1-65535 is blocked by ${appDeny}`);
  });

  it('mgmt -> app is reachable on tcp:8080 (app-allow-mgmt) only; ssh dies earlier, at deny-ssh', async () => {
    const r = await post('connectivity', { source_port: 'mgmt-port', target_ports: ['app-server-port'] });
    const t = r.body.target_ports[0];
    expect(Object.entries(t.protocols).filter(([, open]) => open)).toEqual([['tcp:8080', true]]);
    expect(t.blocked_by['tcp:22']).toBe('ACL: deny-ssh (Priority: 2100)');
    expect(t.blocked_by.icmp).toBe('ACL: app-default-deny (Priority: 1000)');
    expect(r.body.fully_reachable).toBe(true);
  });

  it('requested protocols/ports replace the services read from ACLs', async () => {
    const r = await post('connectivity', {
      source_port: 'vm1-port',
      target_ports: ['vm2-port'],
      protocols: ['tcp'],
      ports: [22, 80],
    });
    expect(r.body.target_ports[0].protocols).toEqual({ 'tcp:22': false, 'tcp:80': true });
    expect(r.body.target_ports[0].blocked_by).toEqual({ 'tcp:22': 'ACL: deny-ssh (Priority: 2100)' });
  });
});

describe('port addresses', () => {
  it('by name and by UUID, with router ports resolved through their peer', async () => {
    const byName = await app.inject({ method: 'GET', url: '/api/v1/trace/ports/vm1-port/addresses' });
    expect(byName.statusCode).toBe(200);
    const body = byName.json();
    expect(body).toEqual({
      port_id: demo.ports.get('vm1-port')!.uuid,
      port_name: 'vm1-port',
      addresses: [{ mac: '00:00:00:00:00:01', ip: '10.0.0.1' }],
      type: 'vif',
    });
    const byUuid = await app.inject({ method: 'GET', url: `/api/v1/trace/ports/${body.port_id}/addresses` });
    expect(byUuid.json()).toEqual(body);
    const router = await app.inject({ method: 'GET', url: '/api/v1/trace/ports/ls1-lr-core/addresses' });
    expect(router.json()).toMatchObject({
      type: 'router',
      addresses: [{ mac: '00:00:00:00:ff:01', ip: '10.0.0.254' }],
    });
    const lrp = await app.inject({ method: 'GET', url: '/api/v1/trace/ports/lr-core-db/addresses' });
    expect(lrp.json()).toMatchObject({
      type: 'router_port',
      addresses: [{ mac: '00:00:00:00:ff:03', ip: '10.0.2.254' }],
    });
    const unknownToo = await app.inject({ method: 'GET', url: '/api/v1/trace/ports/dmz-fw-port/addresses' });
    expect(unknownToo.json().addresses).toEqual([{ mac: '00:00:00:00:16:01', ip: '172.16.0.1' }]);
  });
});
