// A one-shot read of a live Southbound: the project's OvsdbClient monitors SB_TABLES, the first full sync
// becomes an SbDatabase, and the client stops. For `trace`/`check` runs on an SB without following it
// (the live follower keeps its own client and turns updates into SbChanges).

import { OvncpError } from '../../errors.ts';
import type { SbDatabase } from '../../ovn/sb/types.ts';
import { OvsdbClient } from '../../ovsdb/client.ts';
import { checkSsl, parseRemotes, type SslFiles } from '../../ovsdb/remote.ts';
import { SB_TABLES, sbDatabaseFromRows } from './sb-rows.ts';

/** Reads the whole SB at `remote` (comma list of members) once; throws OvncpError on timeout. */
export async function readSbOnce(
  remote: string,
  ssl: SslFiles | undefined,
  timeoutMs = 30_000,
): Promise<SbDatabase> {
  const remotes = parseRemotes(remote, 'ovn.sb-db');
  checkSsl(remotes, ssl);
  const client = new OvsdbClient({
    remotes,
    database: 'OVN_Southbound',
    tables: SB_TABLES,
    ssl,
    backoffMaxMs: 2000,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new OvncpError('OVNCP_ERR_OVSDB', `no Southbound data from ${remote} in ${timeoutMs} ms`)),
        timeoutMs,
      );
      client.on('sync', (ev) => {
        if (!ev.initial) return;
        clearTimeout(timer);
        resolve();
      });
      client.start();
    });
    return sbDatabaseFromRows((t) => client.cache.table(t), client.schema?.version ?? '');
  } finally {
    client.stop();
  }
}
