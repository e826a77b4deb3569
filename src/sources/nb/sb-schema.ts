// The Southbound's schema version, for the topology's OvnInfo: one `get_schema` over the OVSDB client's
// connection code, no monitor (the model does not read the SB). Called by whatever wires the daemon.

import { readSchema } from '../../ovsdb/client.ts';
import { checkSsl, parseRemotes, type SslFiles } from '../../ovsdb/remote.ts';

/** The SB schema version at `remote` (comma list: the first member that answers); throws on failure. */
export async function readSbSchemaVersion(
  remote: string,
  ssl: SslFiles | undefined,
  timeoutMs = 10_000,
): Promise<string> {
  const remotes = parseRemotes(remote);
  checkSsl(remotes, ssl);
  return (await readSchema(remotes, ssl, 'OVN_Southbound', timeoutMs)).version;
}
