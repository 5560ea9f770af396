#!/usr/bin/env node
// Image-encoder section of the benchmark: torchvision's resnet18 and mobilenet_v2 at 224², batch
// 1 and 8, and vgg16 batch 1, up to recap's 'pooled' output, side by side in one run:
//   recap (loadEncoder from ../dist; 1 and 2 threads, and the relaxed-SIMD build on 1 thread),
//   TF.js 4.22 wasm backend (XNNPACK; the same network from the same weights, bench/tfjs_encoders.mjs),
//   onnxruntime-web's wasm backend (the same weights exported to ONNX; 1 and 2 threads),
//   PyTorch CPU (torch.set_num_threads 1 and 2; bench/torch_encoders.py) where python has torch.
// Every engine runs in its own process (bench/encoder_child.mjs), repetitions interleaved round by
// round (batch 1: three forwards in a row per engine and round, timed together); figures are
// medians after warm-up. Weights: bench/.cache/encoders, written by
// scripts/export-encoder-weights.py (run here when missing and python has torch + torchvision).
//
//   node bench/encoders.mjs [--quick] [--arch resnet18,...] [--batch 1,8]   alone (or npm run bench -- --encoders-only)
// Alone, it rewrites the encoder part of bench/RESULTS.md (between its markers) and the
// `encoders` entry of bench/results.json; bench/run.mjs calls runEncoders() as one section.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import os from 'node:os';
import { LineWorker } from './lineworker.mjs';
import { median } from './common.mjs';
import { ARCHS, benchInput, layerTable, flopByKind, readSafetensors, shapesOf } from './encoder_nets.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');
const CACHE = join(HERE, '.cache', 'encoders');
const fmt = (x, d = 1) => (x === null || x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(d));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export const CONFIGS = [['resnet18', 1], ['resnet18', 8], ['mobilenet_v2', 1], ['mobilenet_v2', 8], ['vgg16', 1]];
/**
 * Forwards per engine per round by batch size, timed together (their mean is the round's figure):
 * a folder of photos is encoded back to back, so a figure is the steady state, not one forward's
 * right after the other engines have had the cores and the caches.
 */
const REPEAT = { 1: 3, 8: 1 };

/** The engines, in the order each round runs them. */
const ENGINES = [
  { name: 'recap1', label: 'recap 1t', engine: 'recap', threads: 1 },
  { name: 'recap2', label: 'recap 2t', engine: 'recap', threads: 2 },
  { name: 'recapRelaxed', label: 'recap relaxed 1t', engine: 'recap', threads: 1, build: 'relaxed' },
  { name: 'tfjs1', label: 'TF.js-wasm 1t', engine: 'tfjs', threads: 1 },
  { name: 'ort1', label: 'ORT-web 1t', engine: 'ort', threads: 1 },
  { name: 'ort2', label: 'ORT-web 2t', engine: 'ort', threads: 2 },
  { name: 'torch1', label: 'PyTorch 1t', engine: 'torch', threads: 1 },
  { name: 'torch2', label: 'PyTorch 2t', engine: 'torch', threads: 2 },
];

/** A python3 with torch and torchvision, or null. */
function pythonWithTorch() {
  for (const py of ['/usr/bin/python3', 'python3']) {
    try {
      execFileSync(py, ['-c', 'import torch, torchvision'], { stdio: 'ignore', timeout: 120000 });
      return py;
    } catch { /* next */ }
  }
  return null;
}

/** Does this Node run relaxed SIMD without a flag? (Node 20 needs --experimental-wasm-relaxed-simd.) */
function relaxedFlag() {
  // (module (func (result v128) v128.const 0 v128.const 0 v128.const 0 f32x4.relaxed_madd)) — opcode 0xfd 0x85 0x02
  const bytes = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 61, 1, 59, 0,
    253, 12, ...new Array(16).fill(0), 253, 12, ...new Array(16).fill(0), 253, 12, ...new Array(16).fill(0), 253, 133, 2, 11]);
  return WebAssembly.validate(bytes) ? [] : ['--experimental-wasm-relaxed-simd'];
}

/** The weights and ONNX files, made by the export script when missing. */
function ensureWeights(archs, python, notes, log) {
  const missing = archs.filter((a) => !['safetensors', 'onnx'].every((e) => existsSync(join(CACHE, `${a}.${e}`))));
  if (missing.length === 0) return archs;
  if (!python) {
    notes.push(`no python3 with torch + torchvision: the weights of ${missing.join(', ')} cannot be made (scripts/export-encoder-weights.py), those rows are skipped`);
    return archs.filter((a) => !missing.includes(a));
  }
  log(`writing weights and ONNX of ${missing.join(', ')} to bench/.cache/encoders (scripts/export-encoder-weights.py, once)`);
  mkdirSync(CACHE, { recursive: true });
  execFileSync(python, [join(ROOT, 'scripts', 'export-encoder-weights.py'), CACHE, ...missing], { stdio: ['ignore', 'inherit', 'inherit'], timeout: 900000 });
  return archs;
}

function inputFile(N) {
  const p = join(CACHE, `input-${N}x3x224x224.f32`);
  if (!existsSync(p)) { const x = benchInput(N); writeFileSync(p, new Uint8Array(x.buffer, x.byteOffset, x.byteLength)); }
  return p;
}

/** Peaks: strict (peak.wat) and fused (peak_fma.wat), measured in a child with relaxed SIMD enabled. */
function measurePeaks(quick, flags) {
  try {
    const out = execFileSync(process.execPath, [...flags, join(HERE, 'peak_child.mjs'), quick ? '30' : '80', quick ? '5' : '9'], { encoding: 'utf8', timeout: 120000 });
    return JSON.parse(out.trim().split('\n').pop());
  } catch (e) {
    return { error: String(e.message).split('\n')[0] };
  }
}

function startEngines({ python, flags, notes }) {
  const w = {};
  for (const e of ENGINES) {
    if (e.engine === 'torch') {
      if (!python) continue;
      const env = { ...process.env, OMP_NUM_THREADS: String(e.threads), MKL_NUM_THREADS: String(e.threads) };
      w[e.name] = new LineWorker(e.label, python, [join(HERE, 'torch_encoders.py'), String(e.threads)], env);
    } else {
      const f = e.build === 'relaxed' ? flags : [];
      w[e.name] = new LineWorker(e.label, process.execPath, [...f, join(HERE, 'encoder_child.mjs'), e.engine, String(e.threads), e.build ?? 'simd']);
    }
  }
  if (!python) notes.push('no python3 with torch: PyTorch columns skipped');
  return w;
}

/** max |y - ref| / max |ref| */
function relDiff(y, ref) {
  if (!y || !ref || y.length !== ref.length) return null;
  let m = 0, d = 0;
  for (let i = 0; i < ref.length; i++) { m = Math.max(m, Math.abs(ref[i])); d = Math.max(d, Math.abs(y[i] - ref[i])); }
  return d / Math.max(m, 1e-30);
}

/** recap's layer kinds ('conv3x3', 'dwconv', 'maxpool', 'avgpool', 'fc') in the layer table's words. */
const KIND_WORDS = { dwconv: 'depthwise 3×3', maxpool: 'max pool', avgpool: 'average pool', fc: 'fully connected' };

/**
 * Rows of recap's per-layer timing in the hook's form { name, ms, kind?, flop? }: rows of
 * `profile()` pass as they are; rows of `timeLayers()` ({ kind, flops, ms }) get the layer
 * table's kind names ('conv3x3' -> 'conv 3×3'; every depthwise conv of the supported networks is 3×3).
 */
export function normaliseProfile(rows) {
  if (!Array.isArray(rows)) return null;
  return rows.map((r) => {
    if (r.name !== undefined) return r;
    const m = /^conv(\d+)x(\d+)$/.exec(r.kind);
    const kind = m ? `conv ${m[1]}×${m[2]}` : KIND_WORDS[r.kind] ?? r.kind;
    return { name: r.kind, kind, flop: r.flops, ms: r.ms };
  });
}

/**
 * Per-layer-kind table from recap's per-layer profile, when its encoder offers one:
 * `encoder.profile(x, { output })` -> [{ name, ms, kind?, flop? }] with torchvision layer names
 * (e.g. 'layer1.0.conv1', 'features.3.conv.1.0'); kind and flop default to the bench's layer table.
 */
export function profileByKind(profile, table) {
  if (!Array.isArray(profile) || profile.length === 0) return null;
  const byName = new Map(table.rows.map((r) => [r.name, r]));
  const k = {};
  for (const p of profile) {
    const row = byName.get(String(p.name).replace(/\.weight$/, ''));
    const kind = p.kind ?? row?.kind ?? 'other';
    const flop = p.flop ?? row?.flop ?? 0;
    k[kind] ??= { ms: 0, flop: 0, layers: 0 };
    k[kind].ms += p.ms; k[kind].flop += flop; k[kind].layers += 1;
  }
  return k;
}

/**
 * Runs the encoder section. Returns { results, targets, markdown (lines) }.
 * `archs` limits the networks; `log` prints progress.
 */
export async function runEncoders({ quick = false, log = console.log, archs = ARCHS, batches = null } = {}) {
  const started = Date.now();
  const C = quick ? { warm: 1, reps: 3, vggReps: 2 } : { warm: 2, reps: 9, vggReps: 5 };
  const notes = [];
  const python = pythonWithTorch();
  const flags = relaxedFlag();
  const haveArchs = ensureWeights(archs, python, notes, log);
  const results = { date: new Date().toISOString(), quick, config: C, loadavgStart: os.loadavg(), notes, rows: [], engines: {} };

  log('\n## image encoders (224², float32, pooled output)');
  results.peaks = measurePeaks(quick, flags);
  const P = results.peaks;
  log(P.error ? `peaks: ${P.error}` : `wasm SIMD peak: strict mul+add ${fmt(P.strict, 2)} GFLOP/s, fused relaxed_madd ${fmt(P.fused, 2)} GFLOP/s (12 chains; 6 chains ${fmt(P.fused6, 2)}); relaxed_madd ${P.fuses ? 'fuses (one rounding)' : P.fuses === false ? 'does NOT fuse' : 'n/a'}`);

  const W = startEngines({ python, flags, notes });
  for (const [name, w] of Object.entries(W)) {
    try {
      results.engines[name] = await w.request({ cmd: 'info' });
    } catch (e) {
      results.engines[name] = { available: false, why: String(e.message) };
    }
    if (results.engines[name].available === false) {
      if (name.startsWith('recap')) { if (name === 'recap1') notes.push(results.engines[name].why); } else notes.push(`${name}: ${results.engines[name].why}`);
      await w.close(); delete W[name];
    }
  }
  if (!W.recap1) log('recap encoder not built on this branch: recap columns are n/a');
  for (const [name, i] of Object.entries(results.engines)) if (W[name]) log(`${name}: ${JSON.stringify(i)}`);

  for (const [arch, N] of CONFIGS) {
    if (!haveArchs.includes(arch) || (batches && !batches.includes(N))) continue;
    const sd = readSafetensors(readFileSync(join(CACHE, `${arch}.safetensors`)));
    const table = layerTable(arch, shapesOf(sd), N);
    const req = { arch, N, weights: join(CACHE, `${arch}.safetensors`), onnx: join(CACHE, `${arch}.onnx`), input: inputFile(N) };
    const key = `${arch}-${N}`;
    const live = [];
    const outputs = {};
    const errors = {};
    for (const [name, w] of Object.entries(W)) {
      try {
        await w.request({ cmd: 'setup', key, ...req });
        const r = await w.request({ cmd: 'run', key, output: true }); // first warm-up, and the output for the check
        outputs[name] = r.output;
        live.push(name);
      } catch (e) {
        errors[name] = String(e.message).slice(0, 200);
        log(`${arch} batch ${N}: ${name} failed: ${errors[name]}`);
      }
    }
    const reps = arch === 'vgg16' ? C.vggReps : C.reps;
    const times = Object.fromEntries(live.map((n) => [n, []]));
    const cpuTimes = Object.fromEntries(live.map((n) => [n, []]));
    for (let r = 0; r < C.warm - 1 + reps; r++) {
      for (const name of live) {
        const { seconds, cpuSeconds } = await W[name].request({ cmd: 'run', key, repeat: REPEAT[N] ?? 1 });
        if (r >= C.warm - 1) { times[name].push(seconds * 1e3); cpuTimes[name].push(cpuSeconds * 1e3); }
        if (ENGINES.find((e) => e.name === name).threads > 1) await sleep(100); // spinning pool threads go idle
      }
    }
    let profile = null;
    if (W.recap1 && live.includes('recap1')) {
      try { profile = profileByKind(normaliseProfile((await W.recap1.request({ cmd: 'profile', key })).profile), table); } catch { profile = null; }
    }
    for (const name of Object.keys(W)) { try { await W[name].request({ cmd: 'drop', key }); } catch { /* gone */ } }

    const ref = outputs.torch1 ?? outputs.tfjs1 ?? null;
    const refName = outputs.torch1 ? 'torch1' : 'tfjs1';
    const row = { arch, N, gflop: table.flop / 1e9, flopByKind: flopByKind(table), reps, ref: refName, ms: {}, cpuMs: {}, gflops: {}, relDiff: {}, rawMs: times, errors, profile };
    for (const name of live) {
      row.ms[name] = median(times[name]);
      row.cpuMs[name] = median(cpuTimes[name]);
      row.gflops[name] = table.flop / 1e9 / (row.ms[name] / 1e3);
      row.relDiff[name] = relDiff(outputs[name], ref);
    }
    const peer1 = ['tfjs1', 'ort1'].filter((n) => row.ms[n] !== undefined);
    row.fastestPeer1 = peer1.length ? peer1.reduce((a, b) => (row.ms[a] <= row.ms[b] ? a : b)) : null;
    if (row.ms.recap1 !== undefined) {
      row.ratio = {};
      for (const p of ['tfjs1', 'ort1', 'torch1']) if (row.ms[p] !== undefined) row.ratio[p] = row.ms.recap1 / row.ms[p];
      for (const p of ['ort2', 'torch2']) if (row.ms[p] !== undefined && row.ms.recap2 !== undefined) row.ratio[p] = row.ms.recap2 / row.ms[p];
      if (row.ms.recap2 !== undefined) row.threadScaling = row.ms.recap1 / row.ms.recap2;
      if (row.ms.recapRelaxed !== undefined) row.relaxedSpeedup = row.ms.recap1 / row.ms.recapRelaxed;
    }
    results.rows.push(row);
    log(`${arch.padEnd(12)} batch ${N} (${fmt(row.gflop, 2)} GFLOP): ` + live.map((n) => `${n} ${fmt(row.ms[n])} ms (${fmt(row.gflops[n], 1)} GFLOP/s)`).join(', '));
    log('  CPU ms: ' + live.map((n) => `${n} ${fmt(row.cpuMs[n])}`).join(', '));
    const agree = live.filter((n) => n !== refName).map((n) => `${n} ${row.relDiff[n] === null ? 'n/a' : row.relDiff[n].toExponential(1)}`);
    if (ref) log(`  outputs vs ${refName} (max |diff| / max |ref|): ${agree.join(', ')}`);
  }
  for (const w of Object.values(W)) await w.close();
  // the same gauge again: a shared VM's cores change speed with their neighbours' load, which
  // moves every figure of the run (per CPU-second, so time-sharing alone does not show here)
  results.peaksEnd = measurePeaks(quick, flags);
  const moved = speedNote(results.peaks, results.peaksEnd);
  if (moved) notes.push(moved);
  results.loadavgEnd = os.loadavg();
  results.seconds = (Date.now() - started) / 1e3;

  const targets = encoderTargets(results);
  for (const t of targets) log(`${t.verdict}  ${t.target}: ${t.value}`);
  return { results, targets, markdown: encoderMarkdown(results, targets) };
}

const verdict = (ok) => (ok === null ? 'SKIP' : ok ? 'PASS' : 'MISS');

/** A note when the strict peak moved by more than 10% between the start and the end of the run, else null. */
export function speedNote(start, end) {
  const [p0, p1] = [start?.strict, end?.strict];
  if (!p0 || !p1 || Math.abs(p1 / p0 - 1) <= 0.1) return null;
  return `the strict peak moved from ${fmt(p0)} to ${fmt(p1)} GFLOP/s during the run: the cores' speed changed (neighbours on a shared machine), so figures from different rounds differ by more than their engines do`;
}

/** '; round by round lo-hi×': the range of a/b over a row's rounds (each times every engine once, back to back), or '' without them. */
function roundRange(row, a, b) {
  if (!row.rawMs?.[a]?.length || !row.rawMs?.[b]?.length) return '';
  const r = row.rawMs[a].map((t, i) => t / row.rawMs[b][i]);
  return `; round by round ${fmt(Math.min(...r), 2)}-${fmt(Math.max(...r), 2)}×`;
}

export function encoderTargets(results) {
  const T = [];
  const row = (a, n) => results.rows.find((r) => r.arch === a && r.N === n);
  const r18 = row('resnet18', 1);
  const need = !results.rows.some((r) => r.ms.recap1 !== undefined) ? 'recap encoder n/a' : 'not measured in this run';
  {
    const ok = r18 && r18.ms.recap1 !== undefined && r18.fastestPeer1 ? r18.ms.recap1 <= 0.9 * r18.ms[r18.fastestPeer1] : null;
    T.push({ target: 'ResNet-18 224² batch 1, 1 thread: recap ≤ 0.9× the time of the faster of TF.js-wasm and ORT-web',
      value: ok === null ? need : `${fmt(r18.ms.recap1 / r18.ms[r18.fastestPeer1], 2)}× (${fmt(r18.ms.recap1)} vs ${r18.fastestPeer1} ${fmt(r18.ms[r18.fastestPeer1])} ms)`, ok });
  }
  {
    const ok = r18 && r18.threadScaling !== undefined ? r18.threadScaling >= 1.8 : null;
    T.push({ target: 'ResNet-18 224² batch 1: recap on 2 threads ≥ 1.8× its 1-thread speed', value: ok === null ? need : `${fmt(r18.threadScaling, 2)}× (${fmt(r18.ms.recap1)} → ${fmt(r18.ms.recap2)} ms${roundRange(r18, 'recap1', 'recap2')})`, ok });
  }
  {
    const rows = [row('mobilenet_v2', 1), row('mobilenet_v2', 8)].filter((r) => r && r.ms.recap1 !== undefined && r.fastestPeer1);
    const ok = rows.length ? rows.every((r) => r.ms.recap1 < r.ms[r.fastestPeer1]) : null;
    T.push({ target: 'MobileNetV2 224², 1 thread: recap ahead of both TF.js-wasm and ORT-web (batch 1 and 8)',
      value: ok === null ? need : rows.map((r) => `batch ${r.N}: ${fmt(r.ms.recap1 / r.ms[r.fastestPeer1], 2)}× of ${r.fastestPeer1} (${fmt(r.ms.recap1)} vs ${fmt(r.ms[r.fastestPeer1])} ms)`).join('; '), ok });
  }
  {
    const fuses = results.peaks?.fuses;
    const ok = r18 && r18.relaxedSpeedup !== undefined && fuses ? r18.relaxedSpeedup >= 1.3 : null;
    T.push({ target: 'relaxed-SIMD (FMA) build ≥ 1.3× the strict build where the engine fuses (ResNet-18 batch 1, 1 thread)',
      value: ok === null ? (fuses === false ? 'this engine does not fuse relaxed_madd' : need) : `${fmt(r18.relaxedSpeedup, 2)}× (${fmt(r18.ms.recap1)} → ${fmt(r18.ms.recapRelaxed)} ms${roundRange(r18, 'recap1', 'recapRelaxed')}); fused/strict peak ${fmt(results.peaks.fused / results.peaks.strict, 2)}×`, ok });
  }
  {
    const tol = 1e-4;
    const all = results.rows.flatMap((r) => Object.entries(r.relDiff).filter(([n, v]) => n !== r.ref && v !== null).map(([n, v]) => ({ n, v, r })));
    const worst = all.reduce((a, b) => (a && a.v >= b.v ? a : b), null);
    const ok = all.length ? all.every((x) => x.v <= tol) : null;
    T.push({ target: `encoder outputs agree across engines (largest abs difference ≤ ${tol} × largest abs reference value; reference PyTorch, else TF.js)`,
      value: worst ? `worst ${worst.v.toExponential(1)} (${worst.n}, ${worst.r.arch} batch ${worst.r.N})` : 'no outputs compared', ok });
  }
  for (const t of T) t.verdict = verdict(t.ok);
  return T;
}

const LABEL = Object.fromEntries(ENGINES.map((e) => [e.name, e.label]));

export function encoderMarkdown(results, targets) {
  const md = [];
  const P = results.peaks ?? {};
  const e = results.engines;
  const cpu = (() => { try { return readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m)[1].trim(); } catch { return 'unknown'; } })();
  md.push('## Image encoders (224², float32)', '');
  md.push(`Written by bench/encoders.mjs (${results.quick ? 'quick: few repetitions' : 'full'}), ${results.date}, ${cpu}, ${os.cpus().length} logical cores, load average ${results.loadavgStart.map((x) => x.toFixed(2)).join(' ')} at start, ${results.loadavgEnd.map((x) => x.toFixed(2)).join(' ')} at end; ${fmt(results.seconds, 0)} s.`, '');
  md.push('torchvision resnet18, mobilenet_v2 and vgg16, randomly initialised with a fixed seed (batch-norm statistics randomised), up to recap\'s `\'pooled\'` output (global average pool; vgg16: fc7 after its ReLU). Every engine runs the same network from the same weights (bench/.cache/encoders, written by scripts/export-encoder-weights.py) on the same NCHW float32 batch, in its own process, repetitions interleaved round by round (at batch 1 each round times three forwards in a row per engine: the steady state of encoding a folder); times are medians after warm-up, from the input batch to the output read back. ' +
    `GFLOP = 2·MACs of the convolutions and fully-connected layers (plus one op per element read by pools; bench/encoder_nets.mjs layerTable). Repetitions: ${results.config.reps} (vgg16 ${results.config.vggReps}) after ${results.config.warm} warm-up.`, '');
  const eng = [];
  if (e.recap1) eng.push(`recap: \`loadEncoder\` + \`encode(tensor, { output: 'pooled' })\`, ${e.recap1.backend} build, ${e.recap1.threads} thread; 2 threads: \`init({ threads: 2 })\`; relaxed: \`init({ wasm: 'relaxed' })\` (${e.recapRelaxed ? 'run' : 'not run'})`);
  else eng.push('recap: encoder not built on this branch (no `loadEncoder` in dist/index.js): columns n/a');
  if (e.tfjs1) eng.push(`TF.js ${e.tfjs1.version} wasm backend (XNNPACK, SIMD ${e.tfjs1.simd}, 1 thread: the Node build has no multithread support): tf.fused.conv2d / depthwiseConv2d with bias and ReLU/ReLU6, batch norm folded at load, NHWC (the input transpose is timed), bench/tfjs_encoders.mjs`);
  if (e.ort1) eng.push(`onnxruntime-web ${e.ort1.version} wasm backend (graphOptimizationLevel 'all', which folds batch norm), env.wasm.numThreads 1 and 2; ONNX opset 13 from torch.onnx.export`);
  if (e.torch1) eng.push(`PyTorch ${e.torch1.torch} (torchvision ${e.torch1.torchvision}) CPU, eval, inference_mode, torch.set_num_threads 1 and 2`);
  for (const x of eng) md.push(`- ${x}`);
  for (const n of results.notes) md.push(`- Note: ${n}`);
  md.push('');
  md.push('### Targets', '', '| | target | measured |', '|---|---|---|');
  for (const t of targets) md.push(`| **${t.verdict}** | ${t.target} | ${t.value} |`);
  md.push('');
  const cols = ENGINES.map((x) => x.name).filter((n) => results.rows.some((r) => r.ms[n] !== undefined) || n.startsWith('recap'));
  md.push('### Time per batch, ms (GFLOP/s)', '');
  md.push(`| network | batch | GFLOP | ${cols.map((n) => LABEL[n]).join(' | ')} |`, `|---|---|---|${cols.map(() => '---|').join('')}`);
  for (const r of results.rows) md.push(`| ${r.arch} | ${r.N} | ${fmt(r.gflop, 2)} | ${cols.map((n) => (r.ms[n] === undefined ? 'n/a' : `${fmt(r.ms[n])} (${fmt(r.gflops[n], 1)})`)).join(' | ')} |`);
  md.push('');
  const one = cols.filter((n) => ENGINES.find((x) => x.name === n).threads === 1);
  md.push('CPU time of the 1-thread engines, ms (the process\'s CPU seconds per batch, all its threads: on a shared machine a steadier measure of single-thread speed than the wall clock; on an idle one about the same):', '');
  md.push(`| network | batch | ${one.map((n) => LABEL[n]).join(' | ')} | recap ÷ faster of TF.js and ORT (CPU) | relaxed speed-up (CPU) |`, `|---|---|${one.map(() => '---|').join('')}---|---|`);
  for (const r of results.rows) {
    const c = r.cpuMs ?? {};
    const peer = ['tfjs1', 'ort1'].filter((n) => c[n] !== undefined).reduce((a, b) => (a === null || c[b] < c[a] ? b : a), null);
    md.push(`| ${r.arch} | ${r.N} | ${one.map((n) => fmt(c[n])).join(' | ')} | ${c.recap1 !== undefined && peer ? fmt(c.recap1 / c[peer], 2) : 'n/a'} | ${c.recap1 !== undefined && c.recapRelaxed !== undefined ? fmt(c.recap1 / c.recapRelaxed, 2) + '×' : 'n/a'} |`);
  }
  md.push('');
  md.push('### recap ÷ peer (time; < 1: recap faster)', '');
  md.push('| network | batch | vs TF.js 1t | vs ORT-web 1t | vs PyTorch 1t | 2t vs ORT-web 2t | 2t vs PyTorch 2t | recap 2t speed-up | relaxed speed-up |', '|---|---|---|---|---|---|---|---|---|');
  for (const r of results.rows) {
    const q = r.ratio ?? {};
    md.push(`| ${r.arch} | ${r.N} | ${fmt(q.tfjs1, 2)} | ${fmt(q.ort1, 2)} | ${fmt(q.torch1, 2)} | ${fmt(q.ort2, 2)} | ${fmt(q.torch2, 2)} | ${r.threadScaling === undefined ? 'n/a' : fmt(r.threadScaling, 2) + '×'} | ${r.relaxedSpeedup === undefined ? 'n/a' : fmt(r.relaxedSpeedup, 2) + '×'} |`);
  }
  md.push('');
  md.push('### Agreement of the outputs', '');
  md.push('max |output − reference| ÷ max |reference| per engine (reference: PyTorch 1 thread where present, else TF.js); a sanity check that every engine computes the same network.', '');
  md.push(`| network | batch | ${cols.map((n) => LABEL[n]).join(' | ')} |`, `|---|---|${cols.map(() => '---|').join('')}`);
  for (const r of results.rows) md.push(`| ${r.arch} | ${r.N} | ${cols.map((n) => (n === r.ref ? 'reference' : r.relDiff[n] === undefined || r.relDiff[n] === null ? 'n/a' : r.relDiff[n].toExponential(1))).join(' | ')} |`);
  md.push('');
  md.push('### recap per layer kind', '');
  const strict = P.strict ?? null;
  md.push(`Measured wasm SIMD peak in this run (bench/peak_child.mjs): strict f32x4 mul+add ${fmt(P.strict, 2)} GFLOP/s, fused relaxed_madd ${fmt(P.fused, 2)} GFLOP/s (12 chains; 6 chains ${fmt(P.fused6, 2)}); relaxed_madd ${P.fuses ? 'fuses on this engine (one rounding)' : P.fuses === false ? 'is lowered unfused here' : 'n/a'}. The peaks are per second of CPU time, the layer times wall-clock (the same on an idle machine).${results.peaksEnd?.strict ? ` Measured again at the end: strict ${fmt(results.peaksEnd.strict, 2)}, fused ${fmt(results.peaksEnd.fused, 2)} GFLOP/s.` : ''}`, '');
  const prof = results.rows.filter((r) => r.profile);
  if (prof.length === 0) {
    md.push('n/a: the recap encoder offers no per-layer profile (`encoder.profile(x, { output })` returning `[{ name, ms, kind?, flop? }]` with torchvision layer names; bench/README.md). FLOP share per layer kind, from the layer table:', '');
    md.push('| network | batch | ' + ['conv 7×7', 'conv 3×3', 'conv 1×1', 'depthwise 3×3', 'fully connected', 'max pool', 'average pool'].join(' | ') + ' |', '|---|---|---|---|---|---|---|---|---|');
    for (const r of results.rows) {
      const tot = Object.values(r.flopByKind).reduce((a, b) => a + b, 0);
      md.push(`| ${r.arch} | ${r.N} | ${['conv 7×7', 'conv 3×3', 'conv 1×1', 'depthwise 3×3', 'fully connected', 'max pool', 'average pool'].map((k) => (r.flopByKind[k] ? `${fmt(100 * r.flopByKind[k] / tot, 1)}%` : '')).join(' | ')} |`);
    }
  } else {
    md.push('| network | batch | layer kind | layers | GFLOP | ms | GFLOP/s | % of strict peak |', '|---|---|---|---|---|---|---|---|');
    for (const r of prof) {
      for (const [k, v] of Object.entries(r.profile)) {
        const g = v.flop / 1e9 / (v.ms / 1e3);
        md.push(`| ${r.arch} | ${r.N} | ${k} | ${v.layers} | ${fmt(v.flop / 1e9, 3)} | ${fmt(v.ms, 2)} | ${fmt(g, 1)} | ${strict ? fmt(100 * g / strict, 0) + '%' : 'n/a'} |`);
      }
    }
  }
  md.push('');
  return md;
}

// ------------------------------------------------------------------------ alone

export const BEGIN = '<!-- encoders: written by bench/encoders.mjs -->';
export const END = '<!-- /encoders -->';

/** RESULTS.md with its encoder part replaced (or appended). */
export function spliceResults(text, md) {
  const block = [BEGIN, ...md, END].join('\n');
  const a = text.indexOf(BEGIN), b = text.indexOf(END);
  if (a >= 0 && b > a) return text.slice(0, a) + block + text.slice(b + END.length);
  return text.replace(/\n*$/, '\n\n') + block + '\n';
}

/** Runs the section alone and rewrites its part of RESULTS.md and results.json. */
export async function encodersMain({ quick = false, archs = ARCHS, batches = null } = {}) {
  const { results, markdown } = await runEncoders({ quick, archs, batches });
  for (const n of results.notes) console.log(`note: ${n}`);
  const mdPath = join(HERE, 'RESULTS.md'), jsonPath = join(HERE, 'results.json');
  writeFileSync(mdPath, spliceResults(existsSync(mdPath) ? readFileSync(mdPath, 'utf8') : '# recap benchmark results\n', markdown));
  const json = existsSync(jsonPath) ? JSON.parse(readFileSync(jsonPath, 'utf8')) : {};
  json.encoders = results;
  writeFileSync(jsonPath, JSON.stringify(json, null, 2) + '\n');
  console.log('\nwrote the encoder part of bench/RESULTS.md and bench/results.json');
}

/** --quick, --arch a,b and --batch 1,8 of a command line. */
export function encoderArgs(argv) {
  const opt = (name) => { const i = argv.indexOf(`--${name}`); return i > 0 ? argv[i + 1].split(',') : null; };
  return { quick: argv.includes('--quick'), archs: opt('arch') ?? ARCHS, batches: opt('batch')?.map(Number) ?? null };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await encodersMain(encoderArgs(process.argv));
