// Preloaded into `serve` by the change-lflow step (OVNCP_BENCH_SERVE_PROF=DIR, through NODE_OPTIONS:
// Node 20 refuses --cpu-prof there): a V8 CPU profile of the whole process, written to DIR on exit.
const inspector = require('node:inspector');
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');

const dir = process.env.OVNCP_CPU_PROFILE_DIR;
if (dir) {
  const session = new inspector.Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.start');
  process.on('exit', () => {
    // An in-thread session answers synchronously, so this runs before the process ends.
    session.post('Profiler.stop', (err, res) => {
      if (!err) writeFileSync(join(dir, `serve-${process.pid}.cpuprofile`), JSON.stringify(res.profile));
    });
  });
}
