// `snapshot`: reads the live Northbound database once and writes it in the snapshot file format
// (YAML, or JSON when the output file ends in .json), so production can be analysed offline and in CI.

import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { resolveSettings } from '../../config/daemon-config.ts';
import { OvncpError } from '../../errors.ts';
import { ovnInfoFromSchema } from '../../ovn/topology/ovn-releases.ts';
import { OvsdbClient } from '../../ovsdb/client.ts';
import { checkSsl, parseRemotes, type SslFiles } from '../../ovsdb/remote.ts';
import { ovnOverride } from '../../runtime/runtime.ts';
import { buildLenient, NB_TABLES, nbToSnapshot } from '../../sources/nb/from-nb.ts';
import { type Command, SOURCE_FLAGS, SSL_FLAGS, sslSettings, str } from '../command.ts';

/** Connects, waits for the first full copy of the NB tables, then disconnects. */
async function readNb(remote: string, ssl: SslFiles | undefined, timeoutMs: number): Promise<OvsdbClient> {
  const remotes = parseRemotes(remote);
  checkSsl(remotes, ssl);
  const client = new OvsdbClient({ remotes, ssl, database: 'OVN_Northbound', tables: NB_TABLES });
  try {
    await new Promise<void>((resolve, reject) => {
      let failures = 0;
      const timer = setTimeout(
        () => reject(new OvncpError('OVNCP_ERR_OVSDB', `no answer from ${remote} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      client.on('sync', () => {
        clearTimeout(timer);
        resolve();
      });
      // One-shot: give up once every member has failed once, with the last reason.
      client.on('attemptFailed', (_r, err) => {
        if (++failures < remotes.length) return;
        clearTimeout(timer);
        reject(err);
      });
      client.start();
    });
  } finally {
    client.stop();
  }
  return client;
}

export const snapshotCommand: Command = {
  name: 'snapshot',
  usage: 'ovncp-monitor snapshot --ovn.nb-db REMOTE [--output FILE]',
  summary: 'Write the live Northbound topology to a snapshot file.',
  flags: [
    ...SOURCE_FLAGS,
    { name: 'output', help: 'File to write (YAML; JSON if it ends in .json). Default: standard output.' },
    ...SSL_FLAGS,
    { name: 'timeout', help: 'Give up after this many seconds.', type: 'number', default: '30' },
  ],
  async run(flags, io) {
    const settings = resolveSettings(
      {
        'config.file': str(flags, 'config.file'),
        'ovn.nb-db': str(flags, 'ovn.nb-db'),
        'ovn.version': str(flags, 'ovn.version'),
        ...sslSettings(flags),
      },
      io.env,
    );
    if (!settings.nbDb)
      throw new OvncpError('OVNCP_ERR_CONFIG', 'needs --ovn.nb-db REMOTE (or OVN_NB_DB)', {
        field: 'ovn.nb-db',
      });
    const client = await readNb(settings.nbDb, settings.ssl, Number(str(flags, 'timeout') ?? 30) * 1000);
    const { doc: rows, warnings } = nbToSnapshot((t) => client.cache.table(t));
    // The release the NB's schema points at, so the file is traced as that OVN (a newer, unknown
    // schema writes the newest release known to be older: the closest behaviour we know).
    // --ovn.version overrides it (the file then says the release the operator named).
    const ovn =
      ovnOverride(settings.ovnVersion) ??
      (client.schema ? ovnInfoFromSchema(client.schema, null) : undefined);
    const raw = ovn ? { version: rows.version, ovn_version: ovn.release, ...rows } : rows;
    const built = buildLenient(raw, { kind: 'ovsdb', name: settings.nbDb }, undefined, ovn);
    const doc = built.doc;
    for (const w of [...warnings, ...built.warnings]) io.err.write(`ovncp-monitor snapshot: warning: ${w}\n`);
    const output = str(flags, 'output');
    const header = `# Snapshot of ${settings.nbDb} (NB schema ${client.schema?.version ?? '?'}, OVN ${ovn?.releaseRange ?? '?'}) taken ${new Date().toISOString()}\n`;
    const text = output?.endsWith('.json')
      ? `${JSON.stringify(doc, null, 1)}\n`
      : header + stringify(doc, { lineWidth: 0 });
    if (output) writeFileSync(output, text);
    else io.out.write(text);
    const t = built.topology;
    io.err.write(
      `ovncp-monitor snapshot: ${t.switches.size} switches, ${t.ports.size} ports, ${t.routers.size} routers${output ? ` written to ${output}` : ''}\n`,
    );
    return 0;
  },
};
