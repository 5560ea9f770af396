// `node|bun|deno run -A bench/relaxed_engine_child.mjs [rounds] [reps]`: one engine's line of
// bench/relaxed-engines.mjs (bench/relaxed_engine.mjs), printed as one JSON line.
import * as recap from '../dist/index.js';
import * as arch from '../dist/vision/arch.js';
import { measure } from './relaxed_engine.mjs';

const argv = (globalThis.Deno ? globalThis.Deno.args : process.argv.slice(2)).map(Number);
console.log(JSON.stringify(await measure(recap, arch, { rounds: argv[0] || 3, reps: argv[1] || 3 })));
