// Entry of a load worker thread (see load-worker.ts). Plain JavaScript because a new thread starts
// without the TypeScript loader: it registers tsx, like bin/ovncp-monitor, then runs its one job.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { runLoadJob } = await import('./load-job.ts');
parentPort.postMessage(runLoadJob(workerData));
