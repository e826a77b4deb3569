// Process entry point for bin/ovncp-monitor.

import { main } from './main.ts';

const code = await main(process.argv.slice(2), {
  out: process.stdout,
  err: process.stderr,
  env: process.env,
});
process.exitCode = code;
