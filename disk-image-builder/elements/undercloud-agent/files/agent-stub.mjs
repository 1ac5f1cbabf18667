// Stand-in for the real node agent bundle (see the element's README): announces itself and stays up.
import { setInterval } from 'node:timers';
const mode = (process.argv.find((a) => a.startsWith('--mode=')) ?? `--mode=${process.argv[process.argv.indexOf('--mode') + 1] ?? 'node'}`).slice(7);
console.log(`undercloud-agent starting (mode=${mode}, node ${process.version}, stub)`);
setInterval(() => {}, 1 << 30);
