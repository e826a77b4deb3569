// Remote strings: the forms OVS accepts, and a one-line error naming the bad member otherwise.

import { describe, expect, it } from 'vitest';
import { checkSsl, parseRemotes } from '../../src/ovsdb/remote.ts';
import { cli } from '../helpers/cli.ts';

describe('parseRemotes', () => {
  it.each([
    ['unix:/run/ovn/ovnnb_db.sock', [{ kind: 'unix', path: '/run/ovn/ovnnb_db.sock' }]],
    ['tcp:127.0.0.1:6641', [{ kind: 'tcp', host: '127.0.0.1', port: 6641 }]],
    ['ssl:[fd00::1]:6641', [{ kind: 'ssl', host: 'fd00::1', port: 6641 }]],
    [
      'tcp:10.0.0.1:6641, tcp:10.0.0.2:6641,tcp:ovn-3.example:6641',
      [
        { kind: 'tcp', host: '10.0.0.1', port: 6641 },
        { kind: 'tcp', host: '10.0.0.2', port: 6641 },
        { kind: 'tcp', host: 'ovn-3.example', port: 6641 },
      ],
    ],
  ])('%s', (text, expected) => {
    expect(parseRemotes(text)).toMatchObject(expected);
  });

  it.each([
    ['', 'bad OVSDB remote "": no remote given'],
    [
      'localhost:6641',
      'bad OVSDB remote "localhost:6641": unknown method "localhost:" (use unix:, tcp: or ssl:)',
    ],
    ['tcp:127.0.0.1', 'bad OVSDB remote "tcp:127.0.0.1": expected HOST:PORT (IPv6 as [ADDR]:PORT)'],
    ['tcp:127.0.0.1:70000', 'bad OVSDB remote "tcp:127.0.0.1:70000": port 70000 is not in 1..65535'],
    ['ptcp:6641', 'bad OVSDB remote "ptcp:6641": "ptcp:" is a listening (server) remote; use tcp:'],
    ['unix:', 'bad OVSDB remote "unix:": empty socket path'],
    ['tcp:1.1.1.1:1,ssl:[zz]:5', 'bad OVSDB remote "ssl:[zz]:5": "zz" is not an IPv6 address'],
    [
      '/var/run/nb.sock',
      'bad OVSDB remote "/var/run/nb.sock": expected unix:PATH, tcp:HOST:PORT or ssl:HOST:PORT',
    ],
  ])('rejects %j', (text, message) => {
    expect(() => parseRemotes(text)).toThrow(message);
  });

  it('asks for the key, certificate and CA of an ssl: remote before connecting', () => {
    const remotes = parseRemotes('ssl:10.0.0.1:6641');
    expect(() => checkSsl(remotes, { certificate: '/c.pem' })).toThrow(
      'remote "ssl:10.0.0.1:6641" needs private key, CA certificate (config ovn.ssl or --ovn.ssl.* flags)',
    );
    expect(() => checkSsl(remotes, { privateKey: 'k', certificate: 'c', caCert: 'ca' })).not.toThrow();
  });
});

describe('bad remotes on the command line', () => {
  it('serve and snapshot exit with one line naming the remote', async () => {
    for (const cmd of ['serve', 'snapshot']) {
      const r = await cli([cmd, '--ovn.nb-db', 'tcp:nowhere']);
      expect(r.code).toBe(1);
      // serve may log (JSON) before it reaches the topology source; the error is the one plain line.
      const plain = r.stderr.split('\n').filter((l) => l && !l.startsWith('{'));
      expect(plain).toEqual([
        `ovncp-monitor ${cmd}: bad OVSDB remote "tcp:nowhere": expected HOST:PORT (IPv6 as [ADDR]:PORT)`,
      ]);
    }
  });

  it('snapshot against a socket nobody listens on fails with one line', async () => {
    const r = await cli(['snapshot', '--ovn.nb-db', 'unix:/nonexistent/nb.sock']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ovncp-monitor snapshot: unix:\/nonexistent\/nb.sock: connect ENOENT[^\n]*\n$/);
  });
});
