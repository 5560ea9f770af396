#!/usr/bin/env node
// The Node side of the cross-engine check: runs one variant of test/shared/seeded-run.mjs in this
// (fresh) process against dist/index.js and prints the result as one JSON line.
//   node test/shared/seeded-run-node.mjs [variant index]
import * as recap from '../../dist/index.js';
import { VARIANTS, seededRun } from './seeded-run.mjs';

const index = Number(process.argv[2] ?? 0);
const variant = VARIANTS[index];
if (!variant) {
  console.error(`no variant ${index} (there are ${VARIANTS.length})`);
  process.exit(2);
}
console.log(JSON.stringify(await seededRun(recap, variant)));
