// The `recap` CLI end to end: in-process through main(argv, io) (fast), and as a spawned
// `node dist/cli/main.js` (shebang entry, exit codes, SIGINT). Small models on tiny data throughout.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evalCurvesSvg } from '../src/cli/eval-plot.js';
import { encodePng, logTicks, lossCurveSvg, niceTicks } from '../src/cli/report.js';
import { crc32, init, loadCheckpoint, renderScene, makeShapesScenes } from '../src/index.js';
import { writeCocoFixture } from './support/coco-fixture.js';
import { type CliRun, runCli } from './cli-run.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
// 60 images × 5 captions / batch 10 = 30 iterations per epoch
const TINY = ['--max-train', '60', '--num-val', '12', '--hidden', '16', '--wordvec', '8', '--batch', '10'];

let root: string;
let n = 0;
const dir = () => join(root, `run${n++}`);


const run = runCli;

function lines(s: string): string[] {
  return s.split('\n').filter((l) => l !== '');
}

async function checkpointOf(d: string) {
  return loadCheckpoint(await readFile(join(d, 'model.recap')));
}

/** Minimal XML well-formedness: one root, tags balanced and properly nested, attributes quoted. */
function checkXml(text: string): string[] {
  const body = text.replace(/^<\?xml[^>]*\?>\s*/, '').trim();
  const stack: string[] = [];
  const seen: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|<!--[\s\S]*?-->/g;
  let last = 0;
  let m: RegExpExecArray | null;
  let roots = 0;
  while ((m = tag.exec(body))) {
    const between = body.slice(last, m.index);
    expect(between, `text before ${m[0].slice(0, 40)}`).not.toMatch(/[<>]/);
    if (stack.length === 0) expect(between.trim(), 'text outside the root').toBe('');
    last = tag.lastIndex;
    if (m[0].startsWith('<!--')) continue;
    const [, close, name, , selfClose] = m;
    if (close) {
      expect(stack.pop(), `closing </${name}>`).toBe(name);
    } else {
      if (stack.length === 0) roots++;
      seen.push(name);
      if (!selfClose) stack.push(name);
    }
  }
  expect(body.slice(last).trim()).toBe('');
  expect(stack).toEqual([]);
  expect(roots).toBe(1);
  return seen;
}

/** PNG chunks, checking the signature and every CRC. */
function pngChunks(png: Uint8Array): { type: string; data: Uint8Array }[] {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const out: { type: string; data: Uint8Array }[] = [];
  let p = 8;
  while (p < png.length) {
    const len = dv.getUint32(p);
    const type = String.fromCharCode(...png.subarray(p + 4, p + 8));
    const data = png.subarray(p + 8, p + 8 + len);
    expect(dv.getUint32(p + 8 + len), `CRC of ${type}`).toBe(crc32(png.subarray(p + 4, p + 8 + len)));
    out.push({ type, data });
    p += 12 + len;
  }
  expect(p).toBe(png.length);
  return out;
}

function spawnCli(args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'recap-cli-'));
  await init();
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('report helpers', () => {
  it('encodePng writes a valid PNG of the pixels (IHDR, zlib IDAT, IEND, CRC-32)', () => {
    const scene = makeShapesScenes(1, 3)[0];
    const img = renderScene(scene, 20);
    const png = encodePng(img.data, 20, 20, 4);
    const chunks = pngChunks(png);
    expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    const ihdr = new DataView(chunks[0].data.buffer, chunks[0].data.byteOffset, 13);
    expect([ihdr.getUint32(0), ihdr.getUint32(4), chunks[0].data[8], chunks[0].data[9]]).toEqual([20, 20, 8, 6]);
    const raw = inflateSync(chunks[1].data);
    expect(raw.length).toBe(20 * (20 * 4 + 1));
    for (let y = 0; y < 20; y++) {
      expect(raw[y * 81]).toBe(0);
      expect([...raw.subarray(y * 81 + 1, (y + 1) * 81)]).toEqual([...img.data.subarray(y * 80, (y + 1) * 80)]);
    }
    const rgb = pngChunks(encodePng([255, 0, 0, 0, 255, 0], 2, 1, 3));
    expect(rgb[0].data[9]).toBe(2);
    expect(() => encodePng([1, 2, 3], 2, 1, 4)).toThrow(RangeError);
  });

  it('lossCurveSvg is well-formed SVG with axes, ticks, labels, raw and smoothed lines', () => {
    const losses = Array.from({ length: 3000 }, (_, i) => 40 * Math.exp(-i / 200) + 4 + Math.sin(i) * 0.5);
    for (const ls of [losses, losses.slice(0, 5), [3], []]) {
      const svg = lossCurveSvg(ls, { iterationsPerEpoch: 300 });
      const tags = checkXml(svg);
      expect(tags[0]).toBe('svg');
      expect(svg).toContain('xmlns="http://www.w3.org/2000/svg"');
      expect(svg).not.toMatch(/NaN|Infinity|undefined/);
      expect(svg).toContain('>iteration</text>');
      expect(svg).toMatch(/>loss( \(log scale\))?<\/text>/);
      if (ls.length > 0) expect(tags.filter((t) => t === 'polyline')).toHaveLength(2);
    }
    // a loss falling from ~44 to ~4 gets a log axis (1-2-5 ticks), so the late part is not flat
    const log = lossCurveSvg(losses, { valLoss: [{ iteration: 1000, loss: 5 }, { iteration: 2000, loss: 4.5 }] });
    expect(log).toContain('>loss (log scale)</text>');
    expect([...log.matchAll(/text-anchor="end">([\d.]+)<\/text>/g)].map((m) => Number(m[1]))).toEqual(logTicks(3.5, 44.5));
    expect(logTicks(3.5, 44.5)).toEqual([2, 5, 10, 20, 50]);
    expect(log.match(/<circle /g)).toHaveLength(3); // two val points and the legend's
    expect(lossCurveSvg(losses, { logY: false })).toContain('>loss</text>');
    const evals = [10, 20, 30].map((it, i) => ({ iteration: it, epoch: 0, valLoss: 5 - i, bleu: [0.5, 0.4, 0.3, 0.2 + i / 10] as [number, number, number, number],
      rougeL: 0.5, cider: 1 + i, images: 12, learningRate: 1e-3, improved: i !== 1 }));
    const ev = evalCurvesSvg(evals, { numIterations: 30 });
    expect(checkXml(ev)[0]).toBe('svg');
    expect(ev).not.toMatch(/NaN|Infinity|undefined/);
    expect(ev.match(/<polyline /g)).toHaveLength(3);
    expect(ev).toMatch(/class="best" cx="[\d.]+"/);
    expect(checkXml(evalCurvesSvg([]))[0]).toBe('svg');
    expect(niceTicks(0, 10, 6)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(1, 3000, 7)).toEqual([500, 1000, 1500, 2000, 2500, 3000]);
  });
});

describe('recap train / sample / eval in-process', () => {
  let out: string;

  it('train writes model.recap, loss.svg and samples.html and prints the scores', async () => {
    out = dir();
    const r = await run(['train', ...TINY, '--epochs', '2', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/BLEU-4/);
    expect(r.stdout).toMatch(/val corpus BLEU-4: \d\.\d{3}/);
    expect(r.stdout).toMatch(/single-object val scenes named correctly \(colour and shape\): /);
    expect(r.stdout).toMatch(/^val scenes named exactly \(every object by colour and shape\): \d+\.\d% \(\d+\/12\); 1 object (\d+\.\d%|–), 2 objects (\d+\.\d%|–), 3 objects (\d+\.\d%|–)$/m);
    expect(r.stdout).toMatch(/^split\s+images\s+all\s+1 object\s+2 objects\s+3 objects$/m);
    expect(r.stdout).toMatch(/val captions \(greedy \| ground truth\)/);
    expect(r.stderr).toMatch(/^data: shapes world: 60 train images \(300 captions\), 12 val images/m);
    expect(r.stderr).toMatch(/iteration 60\/60 \(epoch 2\/2\)/);

    const ckpt = await checkpointOf(out);
    expect(ckpt.lossHistory).toHaveLength(60);
    expect(ckpt.solverState?.iteration).toBe(60);
    expect(ckpt.model.config).toMatchObject({ hiddenDim: 16, wordvecDim: 8, cellType: 'lstm', inputDim: 96 });
    expect(ckpt.meta).toMatchObject({ data: 'shapes', maxTrain: 60, numVal: 12, dataSeed: 0, cell: 'lstm', hidden: 16, wordvec: 8,
      update: 'adam', lr: 5e-3, lrDecay: 0.85, epochs: 2, batch: 10, seed: 0, finished: true, iteration: 60 });
    ckpt.model.dispose();

    const svg = await readFile(join(out, 'loss.svg'), 'utf8');
    expect(checkXml(svg)[0]).toBe('svg');
    const html = await readFile(join(out, 'samples.html'), 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<h2>train samples</h2>');
    expect(html).toContain('<h2>val samples</h2>');
    expect(html).toMatch(/<th>BLEU-4<\/th>/);
    expect(html).toContain('<th>exact scene: all</th><th>1 object</th><th>2 objects</th><th>3 objects</th>');
    expect(html).toMatch(/<b>beam 3<\/b>/);
    const urls = [...html.matchAll(/src="data:image\/png;base64,([A-Za-z0-9+/=]+)"/g)];
    expect(urls.length).toBe(24); // 8 train, 8 val and the 8 val images of lowest CIDEr-D
    expect(html).toMatch(/<th>ROUGE-L<\/th><th>CIDEr-D<\/th>/);
    const worst = html.slice(html.indexOf('<h2>val samples, lowest CIDEr-D first</h2>'));
    const ciders = [...worst.matchAll(/CIDEr-D (\d+\.\d{3})</g)].map((m) => Number(m[1]));
    expect(ciders).toHaveLength(8);
    expect([...ciders].sort((a, b) => a - b)).toEqual(ciders);
    expect(html).toContain('<h2>Training curves</h2>');
    expect(html).toContain('<th>exact scene: all</th><th>1 object</th><th>2 objects</th><th>3 objects</th>');
    expect(html.match(/scene [✓✗]/g)?.length).toBe(8 + 8 + 8); // every sampled image was scored (train: the first 1000 include all 60)
    expect(html).toContain('<title>Validation (12 images)</title>');
    const chunks = pngChunks(new Uint8Array(Buffer.from(urls[0][1], 'base64')));
    expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
  });

  it('sample captions images from the checkpoint (data options from its meta)', async () => {
    const r = await run(['sample', '--checkpoint', join(out, 'model.recap'), '--n', '3', '--beam', '2', '--temperature', '1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.match(/^val image \d+$/gm)).toHaveLength(3);
    expect(r.stdout.match(/^ {2}greedy {3}/gm)).toHaveLength(3);
    expect(r.stdout.match(/^ {2}beam 2 {3}/gm)).toHaveLength(3);
    expect(r.stdout.match(/^ {2}T=1 /gm)).toHaveLength(3);
    expect(r.stdout.match(/^ {2}truth {4}/gm)).toHaveLength(3);
    expect(r.stderr).toMatch(/LSTM H=16 W=8, iteration 60; shapes world: 60 train images/);
    const train = await run(['sample', '--checkpoint', join(out, 'model.recap'), '--split', 'train', '--n', '2', '--beam', '1']);
    expect(train.stdout.match(/^train image \d+$/gm)).toHaveLength(2);
    expect(train.stdout).not.toMatch(/beam/);
  });

  it('sample --temperature so small that scores / temperature overflow prints the greedy caption (the limit; it used to print token −1)', async () => {
    const r = await run(['sample', '--checkpoint', join(out, 'model.recap'), '--n', '4', '--beam', '1', '--temperature', '1e-40']);
    expect(r.code, r.stderr).toBe(0);
    const greedy = [...r.stdout.matchAll(/^ {2}greedy {3}(.*)$/gm)].map((m) => m[1]);
    const tiny = [...r.stdout.matchAll(/^ {2}T=1e-40 +(.*)$/gm)].map((m) => m[1]);
    expect(greedy).toHaveLength(4);
    expect(tiny).toEqual(greedy);
  });

  it('eval prints the BLEU table and the single-object accuracy', async () => {
    const r = await run(['eval', '--checkpoint', join(out, 'model.recap')]);
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stdout)[0]).toMatch(/^split\s+images\s+BLEU-1\s+BLEU-2\s+BLEU-3\s+BLEU-4\s+ROUGE-L\s+CIDEr-D\s+CS231n BLEU/);
    expect(lines(r.stdout)[1]).toMatch(/^val\s+12(\s+\d+\.\d{3}){7}/);
    expect(r.stdout).toMatch(/single-object scenes named correctly \(colour and shape\): \d+\.\d% \(\d+\/\d+\)/);
    expect(r.stdout).toMatch(/^scenes named exactly \(every object by colour and shape, nothing else\): \d+\.\d% \(\d+\/12\); 1 object/m);
    // other data than the checkpoint's: a different shapes split (same vocabulary)
    const other = await run(['eval', '--checkpoint', join(out, 'model.recap'), '--num-val', '7', '--split', 'val']);
    expect(lines(other.stdout)[1]).toMatch(/^val\s+7\s/);
  });

  it('--data coco:DIR trains on a COCO-layout fixture; sample and eval reuse it', async () => {
    const coco = join(root, 'coco_captioning');
    await writeCocoFixture(coco, { numTrainImages: 12, numValImages: 6, captionsPerImage: 3, featureDim: 24, seed: 2 });
    const o = dir();
    const r = await run(['train', '--data', `coco:${coco}`, '--cell', 'rnn', '--hidden', '12', '--wordvec', '6', '--batch', '6', '--epochs', '2', '--out', o]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^data: COCO .*: 36 train captions \(12 images\), 18 val captions \(6 images\), V=20, D=24/m);
    expect(r.stdout).not.toMatch(/single-object/);
    expect(r.stdout).not.toMatch(/named exactly/);
    const html = await readFile(join(o, 'samples.html'), 'utf8');
    expect(html).toMatch(/<img src="[^"d][^"]*"/); // URLs from val2014_urls.txt, not data: URLs
    expect(html).not.toContain('data:image/png');
    const ckpt = await checkpointOf(o);
    expect(ckpt.meta).toMatchObject({ data: `coco:${coco}`, maxTrain: null, numVal: null, dataSeed: 231, cell: 'rnn' });
    ckpt.model.dispose();
    const e = await run(['eval', '--checkpoint', join(o, 'model.recap'), '--split', 'train']);
    expect(e.code, e.stderr).toBe(0);
    expect(lines(e.stdout)[1]).toMatch(/^train\s+12\s/);
    const s = await run(['sample', '--checkpoint', join(o, 'model.recap'), '--n', '2']);
    expect(s.code, s.stderr).toBe(0);
    expect(s.stdout).toMatch(/^val image \d+ {2}\S+/m); // with its URL
    // --max-train draws CS231n-style (with replacement) from the fixture's captions
    const m = await run(['train', '--data', `coco:${coco}`, '--max-train', '10', '--hidden', '8', '--wordvec', '4', '--batch', '5', '--epochs', '1', '--out', dir()]);
    expect(m.code, m.stderr).toBe(0);
    expect(m.stderr).toMatch(/: 10 train captions/);
    // the shapes checkpoint does not fit the COCO data
    const bad = await run(['eval', '--checkpoint', join(out, 'model.recap'), '--data', `coco:${coco}`]);
    expect(bad.code).toBe(1);
    expect(lines(bad.stderr)).toHaveLength(1);
    expect(bad.stderr).toMatch(/^recap eval: .*model\.recap: vocabulary mismatch/);
  });

  it('user errors are one line: usage → 2, missing files and bad data → 1', async () => {
    const cases: [string[], number, RegExp][] = [
      [['train', '--hidden', 'big'], 2, /^recap train: --hidden: expected an integer, got "big" \(see 'recap train --help'\)$/],
      [['train', '--epochs', '0'], 2, /^recap train: --epochs: expected an integer in \[1, 1e6\], got "0"/],
      [['sample', '--checkpoint'], 2, /^recap sample: --checkpoint needs a value/],
      [['frobnicate'], 2, /^recap: unknown command "frobnicate"/],
      [['eval', '--checkpoint', join(root, 'nope.recap')], 1, /^recap eval: .*nope\.recap: no such checkpoint file$/],
      [['train', '--resume', '--out', join(root, 'empty')], 1, /^recap train: .*empty\/model\.recap: no such checkpoint file$/],
      [['train', '--data', `coco:${join(root, 'no-such-dir')}`, '--out', dir()], 1, /^recap train: .*no-such-dir: the coco_captioning directory does not exist/],
      [['train', '--data', 'coco:x', '--num-val', '3'], 2, /^recap train: --num-val applies to --data shapes only/],
    ];
    for (const [argv, code, message] of cases) {
      const r = await run(argv);
      expect(r.code, argv.join(' ')).toBe(code);
      expect(lines(r.stderr), argv.join(' ')).toHaveLength(1);
      expect(lines(r.stderr)[0], argv.join(' ')).toMatch(message);
      expect(r.stdout).toBe('');
    }
    const corrupt = join(root, 'corrupt.recap');
    await writeFile(corrupt, 'not a checkpoint at all, really');
    const c = await run(['sample', '--checkpoint', corrupt]);
    expect(c.code).toBe(1);
    expect(c.stderr).toMatch(/^recap sample: .*corrupt\.recap: not a recap checkpoint/);
    const help = await run(['train', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: recap train/m);
  });
});

describe('interrupt and --resume', () => {
  const LONG = [...TINY, '--epochs', '100']; // 3000 iterations, a few seconds
  let reference: number[];
  let referenceParams: Record<string, Float32Array>;

  beforeAll(async () => {
    const o = dir();
    const r = await run(['train', ...LONG, '--out', o]);
    expect(r.code, r.stderr).toBe(0);
    const ckpt = await checkpointOf(o);
    reference = ckpt.lossHistory;
    referenceParams = Object.fromEntries(Object.entries(ckpt.model.getParams()).map(([k, t]) => [k, t.data as Float32Array]));
    ckpt.model.dispose();
    expect(reference).toHaveLength(3000);
  });

  async function expectSameAsReference(o: string): Promise<void> {
    const ckpt = await checkpointOf(o);
    expect(ckpt.lossHistory).toHaveLength(reference.length);
    expect(ckpt.lossHistory).toEqual(reference); // bit-identical (float64, exact)
    for (const [k, t] of Object.entries(ckpt.model.getParams())) expect(t.data, k).toEqual(referenceParams[k]);
    ckpt.model.dispose();
  }

  it('an aborted run saves its checkpoint (exit 130); --resume finishes it bit-identically', async () => {
    const o = dir();
    const ac = new AbortController();
    const r = await run(['train', ...LONG, '--out', o], { signal: ac.signal, onStep: (info) => { if (info.iteration === 1234) ac.abort(); } });
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/interrupted at iteration 1235\/3000; saved .*model\.recap/);
    expect(r.stderr).toContain(`resume with: npx recap train --resume --out ${o}`);
    const mid = await checkpointOf(o);
    expect(mid.lossHistory).toEqual(reference.slice(0, 1235));
    expect(mid.meta).toMatchObject({ finished: false, iteration: 1235 });
    mid.model.dispose();
    expect(existsSync(join(o, 'loss.svg'))).toBe(false);

    // changing the model on resume is refused; --epochs, --threads may change
    const refused = await run(['train', '--resume', '--out', o, '--hidden', '32']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^recap train: --hidden 32 differs from the checkpoint's 16; drop it to resume/);
    const same = await run(['train', '--resume', '--out', o, '--hidden', '16', '--cell', 'lstm', '--threads', '1']);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stderr).toMatch(/resuming .*model\.recap at iteration 1235\/3000/);
    await expectSameAsReference(o);
    expect(existsSync(join(o, 'samples.html'))).toBe(true);

    // a finished run resumed with more epochs keeps going
    const more = await run(['train', '--resume', '--out', o, '--epochs', '101']);
    expect(more.code, more.stderr).toBe(0);
    const ckpt = await checkpointOf(o);
    expect(ckpt.lossHistory).toHaveLength(3030);
    expect(ckpt.lossHistory.slice(0, 3000)).toEqual(reference);
    expect(ckpt.meta.epochs).toBe(101);
    ckpt.model.dispose();
  });

  it('spawned: bad flag → exit 2 with one line; missing checkpoint → exit 1 naming the file; --help', () => {
    const bad = spawnCli(['train', '--lr', 'fast']);
    expect(bad.status).toBe(2);
    expect(lines(bad.stderr)).toEqual(['recap train: --lr: expected a number, got "fast" (see \'recap train --help\')']);
    expect(bad.stdout).toBe('');
    const missing = spawnCli(['eval', '--checkpoint', 'nowhere/model.recap']);
    expect(missing.status).toBe(1);
    expect(lines(missing.stderr)).toEqual(['recap eval: nowhere/model.recap: no such checkpoint file']);
    const help = spawnCli(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/Examples:/);
  });

  it('spawned: SIGINT stops after the current step, saves, exits 130; --resume completes bit-identically', async () => {
    // the reference comes from the same build (dist/) as the interrupted and resumed processes
    const ref = dir();
    const full = spawnCli(['train', ...LONG, '--out', ref]);
    expect(full.status, full.stderr).toBe(0);
    const refCkpt = await checkpointOf(ref);
    const spawnedReference = refCkpt.lossHistory;
    refCkpt.model.dispose();
    expect(spawnedReference).toHaveLength(3000);

    const o = dir();
    const child = spawn(process.execPath, [CLI, 'train', ...LONG, '--out', o], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    let sent = false;
    child.stdout.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => {
      stderr += b;
      if (!sent && /iteration 1\/3000/.test(stderr)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(sent).toBe(true);
    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(/interrupt: stopping after the current step/);
    expect(stderr).toMatch(/interrupted at iteration (\d+)\/3000; saved /);
    expect(stderr).toContain(`resume with: npx recap train --resume --out ${o}`);
    expect(stdout).toBe('');
    const mid = await checkpointOf(o);
    const stoppedAt = mid.lossHistory.length;
    expect(stoppedAt).toBeGreaterThan(0);
    expect(stoppedAt).toBeLessThan(3000);
    expect(mid.lossHistory).toEqual(spawnedReference.slice(0, stoppedAt));
    mid.model.dispose();

    const resumed = spawnCli(['train', '--resume', '--out', o]);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`at iteration ${stoppedAt}/3000`);
    const ckpt = await checkpointOf(o);
    expect(ckpt.lossHistory).toEqual(spawnedReference); // bit-identical
    ckpt.model.dispose();
  });
});
