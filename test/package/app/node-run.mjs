// The Node side: the same seeded run and caption with the installed package, by name.
import * as recap from 'recap';
import { VARIANTS, seededRun } from './seeded-run.mjs';
import { captionScene } from './caption.mjs';

const run = await seededRun(recap, VARIANTS[Number(process.argv[2] ?? 0)]);
const caption = await captionScene(recap);
console.log(JSON.stringify({ run, caption }));
