// `ovncp-monitor trace` without a daemon: the in-process model on the demo network (the real binary).

import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';

describe('trace command (local)', () => {
  it('prints the hop table and exits 1 for a blocked packet, 0 with --json for a delivered one', async () => {
    const blocked = await cli([
      'trace',
      '--source-port',
      'vm1-port',
      '--destination-ip',
      '10.0.0.2',
      '--protocol',
      'tcp',
      '--destination-port-num',
      '22',
    ]);
    expect(blocked.code).toBe(1);
    expect(blocked.stdout.split('\n').slice(0, 5)).toEqual([
      'BLOCKED at hop 1 (acl) [engine model]',
      expect.stringMatching(/deny-ssh/),
      expect.stringMatching(/^blocked by acl deny-ssh \(id [0-9a-f-]{36}\)$/),
      '',
      expect.stringMatching(/^#\s+DATAPATH\s+TYPE\s+ACTION\s+COMPONENT\s+DESCRIPTION$/),
    ]);
    expect(blocked.stdout).toMatch(
      /^warning: source_mac auto-filled from port vm1-port: 00:00:00:00:00:01$/m,
    );
    const ok = await cli([
      'trace',
      '--json',
      '--source-port=web-server-port',
      '--destination-ip=10.0.2.10',
      '--protocol=tcp',
      '--destination-port-num=3306',
    ]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({
      reaches_destination: true,
      output_ports: ['db-server-port'],
      engine: 'model',
    });
  });

  it('bad usage exits 2; a bad field or unknown port exits 1 with the API message', async () => {
    const none = await cli(['trace', '--destination-ip', '10.0.0.2']);
    expect(none).toMatchObject({ code: 2, stderr: 'ovncp-monitor trace: --source-port is required\n' });
    const proto = await cli(['trace', '--source-port', 'vm1-port', '--protocol', 'gre']);
    expect(proto.code).toBe(2);
    const ghost = await cli(['trace', '--source-port', 'ghost', '--destination-ip', '10.0.0.2']);
    expect(ghost).toMatchObject({ code: 1, stderr: 'ovncp-monitor trace: Source port not found: ghost\n' });
    const mac = await cli([
      'trace',
      '--source-port',
      'vm1-port',
      '--destination-ip',
      '10.0.0.2',
      '--source-mac',
      'zz',
    ]);
    expect(mac).toMatchObject({ code: 1, stderr: 'ovncp-monitor trace: Invalid MAC address: zz\n' });
  });
});
