// SIGTERM ends `ovncp-monitor serve` within seconds even while a client holds a connection it stopped
// reading: the daemon's answers fill the socket buffers, so that connection is never idle, and a plain
// close() would wait on it (about a minute, in the last session's note). A real daemon, a real socket;
// and stop() in-process with an answer that never finishes (what a client that stops reading mid-answer
// leaves): it resolves after the grace, where close() alone waited for ever.

import { connect } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveSettings } from '../../src/config/daemon-config.ts';
import { createLogger } from '../../src/log.ts';
import { createDaemon } from '../../src/runtime/daemon.ts';
import { type ServeHandle, serve } from '../helpers/cli.ts';

let d: ServeHandle | undefined;
afterAll(async () => {
  await d?.stop('SIGKILL');
});

describe('shutdown with a client that does not read', () => {
  it('exits within a few seconds of SIGTERM', async () => {
    d = await serve(['--engine=model']);
    const { hostname, port } = new URL(d.url);
    const sock = connect(Number(port), hostname);
    await new Promise<void>((resolve, reject) => sock.once('connect', resolve).once('error', reject));
    sock.on('error', () => {}); // the daemon resets it on the way out: that is the point
    sock.pause(); // never read: the kernel buffers fill, then the daemon's writes wait forever
    // Pipelined requests for the largest answer the daemon has (the OpenAPI document, ~44 KB).
    const req = `GET /openapi.json HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`;
    sock.write(req.repeat(300));
    // Until the daemon's side is stuck: the answers we did not read pile up in our receive buffer.
    await new Promise((r) => setTimeout(r, 1500));
    const t0 = Date.now();
    const code = await d.stop('SIGTERM');
    const ms = Date.now() - t0;
    sock.destroy();
    expect(code, d.logs()).toBe(0);
    expect(ms).toBeLessThan(8000);
    expect(d.logs()).toContain('"msg":"stopped"');
    console.log(`SIGTERM -> exit with a non-reading client: ${ms} ms`);
  }, 90_000);

  it('stop() closes a connection whose answer never finishes, after the grace', async () => {
    const settings = resolveSettings({ 'web.listen-address': '127.0.0.1:0', engine: 'model' }, {});
    const daemon = createDaemon(settings, { logger: createLogger('fatal', 'json') });
    daemon.app.get('/test-never-ends', (_req, reply) => {
      reply.hijack();
      reply.raw.writeHead(200, { 'content-type': 'text/plain' });
      reply.raw.write('first part; the rest never comes');
    });
    await daemon.start();
    const res = await fetch(`http://${daemon.address()}/test-never-ends`);
    expect(res.status).toBe(200);
    const body = res.text().catch((e: Error) => `cut: ${e.message}`);
    const t0 = Date.now();
    await daemon.stop();
    const ms = Date.now() - t0;
    expect(await body).toMatch(/^cut: /);
    expect(ms).toBeGreaterThanOrEqual(2500); // the grace: in-flight requests are not cut at once
    expect(ms).toBeLessThan(10_000);
  }, 30_000);
});
