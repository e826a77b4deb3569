// Older servers: a proxy in front of the real ovsdb-server answers "unknown method" for the newer monitor
// requests, as OVS before 2.12 (monitor_cond_since) and 2.6 (monitor_cond) did. The client must fall
// back and still follow changes through `update2` or plain RFC 7047 `update` notifications.

import { connect, createServer, type Server } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TopologyStore } from '../../src/ovn/topology/store.ts';
import { JsonStreamParser } from '../../src/ovsdb/json-stream.ts';
import { LiveTopology } from '../../src/sources/nb/live-topology.ts';
import { type OvnTestbed, skipWithoutOvn, startOvn } from '../helpers/ovn-testbed.ts';
import { waitForTopology } from './ovsdb-helpers.ts';

type Msg = { id: unknown; method?: string; params?: unknown[]; result?: unknown };
type Schema = { tables: Record<string, { columns: Record<string, unknown> }> };

/**
 * A TCP proxy to `socketPath` that refuses the given JSON-RPC methods like an old server would, and
 * optionally edits the schema it hands out (to play an older NB schema).
 */
function refusingProxy(
  socketPath: string,
  refused: readonly string[],
  editSchema: (s: Schema) => void = () => {},
): Promise<Server> {
  const server = createServer((client) => {
    const upstream = connect(socketPath);
    const fromClient = new JsonStreamParser();
    const fromServer = new JsonStreamParser();
    const schemaIds = new Set<unknown>();
    client.on('data', (chunk: Buffer) => {
      for (const msg of fromClient.push(chunk) as Msg[]) {
        if (msg.method === 'get_schema' && msg.params?.[0] === 'OVN_Northbound') schemaIds.add(msg.id);
        if (msg.method && refused.includes(msg.method))
          client.write(JSON.stringify({ id: msg.id, result: null, error: 'unknown method' }));
        else upstream.write(JSON.stringify(msg));
      }
    });
    upstream.on('data', (chunk: Buffer) => {
      for (const msg of fromServer.push(chunk) as Msg[]) {
        if (schemaIds.has(msg.id) && msg.result) editSchema(msg.result as Schema);
        client.write(JSON.stringify(msg));
      }
    });
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe.skipIf(skipWithoutOvn())('monitor method fallback', () => {
  let tb: OvnTestbed;
  beforeAll(async () => {
    tb = await startOvn();
  });
  afterAll(async () => {
    await tb?.stop();
  });

  it.each([
    ['monitor_cond', ['monitor_cond_since']],
    ['monitor', ['monitor_cond_since', 'monitor_cond']],
  ])('falls back to %s and follows changes', async (expected, refused) => {
    const proxy = await refusingProxy(tb.nbSock, refused);
    const port = (proxy.address() as { port: number }).port;
    const store = new TopologyStore();
    const live = new LiveTopology({
      remote: `tcp:127.0.0.1:${port}`,
      store,
      logger: pino({ level: 'silent' }),
    });
    const methods: string[] = [];
    live.client.on('connected', (_r, m) => methods.push(m));
    try {
      live.start();
      await live.synced();
      await new Promise((r) => setTimeout(r, 50));
      expect(methods).toEqual([expected]);
      const sw = `sw-${expected}`;
      const added = waitForTopology(
        store,
        (t) => t.ports.get(`${sw}-p`)?.addresses[0]?.raw === '00:00:00:00:00:aa',
        2000,
      );
      await tb.nbctl(
        'ls-add',
        sw,
        '--',
        'lsp-add',
        sw,
        `${sw}-p`,
        '--',
        'lsp-set-addresses',
        `${sw}-p`,
        '00:00:00:00:00:aa',
      );
      await added;
      const changed = waitForTopology(store, (t) => t.ports.get(`${sw}-p`)?.addresses.length === 2, 2000);
      await tb.nbctl('lsp-set-addresses', `${sw}-p`, '00:00:00:00:00:aa', '00:00:00:00:00:bb 10.1.1.1');
      await changed;
      const gone = waitForTopology(store, (t) => !t.switches.has(sw) && !t.ports.has(`${sw}-p`), 2000);
      await tb.nbctl('ls-del', sw);
      await gone;
    } finally {
      live.stop();
      proxy.close();
    }
  });

  it('tolerates a schema without columns and tables the model reads (older OVN)', async () => {
    await tb.nbctl(
      'ls-add',
      'old',
      '--',
      'lsp-add',
      'old',
      'old-p',
      '--',
      'lsp-set-addresses',
      'old-p',
      '00:00:00:00:00:cc 10.2.2.2',
    );
    await tb.nbctl('acl-add', 'old', 'to-lport', '100', 'ip4', 'drop');
    await tb.nbctl('set', 'ACL', '.', 'label=7', 'options:x=y');
    const proxy = await refusingProxy(tb.nbSock, [], (schema) => {
      delete schema.tables.Load_Balancer_Group;
      delete schema.tables.ACL!.columns.label;
      delete schema.tables.ACL!.columns.options;
      delete schema.tables.Logical_Switch!.columns.load_balancer_group;
    });
    const port = (proxy.address() as { port: number }).port;
    const store = new TopologyStore();
    const live = new LiveTopology({
      remote: `tcp:127.0.0.1:${port}`,
      store,
      logger: pino({ level: 'silent' }),
    });
    try {
      live.start();
      await live.synced();
      const acl = store.require().switches.get('old')?.acls[0];
      expect(acl).toMatchObject({ action: 'drop', label: 0, options: {} });
      expect(store.require().ports.get('old-p')?.addresses[0]?.raw).toBe('00:00:00:00:00:cc 10.2.2.2');
      expect(live.client.cache.tables.has('Load_Balancer_Group')).toBe(false);
    } finally {
      live.stop();
      proxy.close();
    }
  });
});
