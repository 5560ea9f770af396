// The encoder benchmark's own logic (bench/encoders.mjs, bench/encoder_nets.mjs): the layer
// table's FLOP counts against torchvision's published figures, the safetensors reader, the
// RESULTS.md splice, the per-layer profile hook and the PASS/MISS/SKIP rules. No weights, no
// Python: the state-dict shapes are test/fixtures/bench/encoder-shapes.json
// (scripts/export-encoder-weights.py --shapes).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
// @ts-expect-error: plain ESM bench helpers without types
import { layerTable, flopByKind, readSafetensors, ARCHS } from '../bench/encoder_nets.mjs';
// @ts-expect-error: plain ESM bench helpers without types
import { spliceResults, profileByKind, normaliseProfile, encoderTargets, encoderMarkdown, speedNote, BEGIN, END } from '../bench/encoders.mjs';

const SHAPES = JSON.parse(readFileSync(new URL('./fixtures/bench/encoder-shapes.json', import.meta.url), 'utf8'));

describe('layer table', () => {
  // torchvision's model docs ("GFLOPS", multiply-adds at 224², classifier included)
  const PUBLISHED_GMACS: Record<string, number> = { resnet18: 1.81, mobilenet_v2: 0.30, vgg16: 15.47 };
  const FINAL_FC: Record<string, [number, number]> = { resnet18: [512, 1000], mobilenet_v2: [1280, 1000], vgg16: [4096, 1000] };

  it('multiply-adds of the three networks match torchvision within 1% (plus the classifier the bench leaves out)', () => {
    for (const arch of ARCHS) {
      const t = layerTable(arch, SHAPES[arch], 1);
      const macs = t.rows.filter((r: { kind: string }) => r.kind.startsWith('conv') || r.kind.startsWith('depthwise') || r.kind === 'fully connected')
        .reduce((a: number, r: { flop: number }) => a + r.flop / 2, 0) + FINAL_FC[arch][0] * FINAL_FC[arch][1];
      expect(Math.abs(macs / 1e9 - PUBLISHED_GMACS[arch]) / PUBLISHED_GMACS[arch]).toBeLessThan(0.01);
    }
  });

  it('rows by hand: the stem, the output size, batch scaling and the layer kinds', () => {
    const r18 = layerTable('resnet18', SHAPES.resnet18, 1);
    expect(r18.rows[0]).toMatchObject({ name: 'conv1', kind: 'conv 7×7', out: [1, 64, 112, 112], flop: 2 * 64 * 3 * 49 * 112 * 112, act: 'relu' });
    expect(r18.output).toEqual([1, 512]);
    expect(r18.rows.filter((r: { residual: boolean }) => r.residual).length).toBe(8);
    expect(layerTable('resnet18', SHAPES.resnet18, 8).flop).toBe(8 * r18.flop);
    const mb = layerTable('mobilenet_v2', SHAPES.mobilenet_v2, 1);
    expect(mb.output).toEqual([1, 1280]);
    const dw = mb.rows.find((r: { name: string }) => r.name === 'features.2.conv.1.0');
    expect(dw).toMatchObject({ kind: 'depthwise 3×3', out: [1, 96, 56, 56], flop: 2 * 96 * 9 * 56 * 56, act: 'relu6' });
    const vgg = layerTable('vgg16', SHAPES.vgg16, 1);
    expect(vgg.output).toEqual([1, 4096]);
    expect(Object.keys(flopByKind(vgg)).sort()).toEqual(['conv 3×3', 'fully connected', 'max pool']);
  });

  it('refuses a state dict whose fc does not take the flattened map', () => {
    const bad = { ...SHAPES.vgg16, 'classifier.0.weight': [4096, 1000] };
    expect(() => layerTable('vgg16', bad, 1)).toThrow(/classifier.0.weight: input 25088 features, weight takes 1000/);
  });
});

describe('safetensors reader', () => {
  function file(): Uint8Array {
    const header = { a: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] }, n: { dtype: 'I64', shape: [], data_offsets: [16, 24] }, __metadata__: { x: '1' } };
    let h = new TextEncoder().encode(JSON.stringify(header));
    const pad = (8 - (h.length % 8)) % 8;
    h = new Uint8Array([...h, ...new Array(pad).fill(32)]);
    const body = new Uint8Array(24);
    new Float32Array(body.buffer, 0, 4).set([1.5, -2, 3.25, 0]);
    new BigInt64Array(body.buffer, 16, 1)[0] = 7n;
    const out = new Uint8Array(8 + h.length + body.length);
    new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
    out.set(h, 8);
    out.set(body, 8 + h.length);
    return out;
  }

  it('reads names, shapes and values, also from a Node Buffer that is a view into a larger pool', () => {
    const bytes = file();
    const pooled = Buffer.concat([Buffer.alloc(5, 9), Buffer.from(bytes)]).subarray(5);
    for (const src of [bytes, pooled]) {
      const sd = readSafetensors(src);
      expect(Object.keys(sd)).toEqual(['a', 'n']);
      expect(sd.a.shape).toEqual([2, 2]);
      expect(Array.from(sd.a.data)).toEqual([1.5, -2, 3.25, 0]);
      expect(sd.n.data[0]).toBe(7n);
    }
  });
});

describe('RESULTS.md splice', () => {
  it('appends the encoder part once, then replaces only what lies between its markers', () => {
    const first = spliceResults('# results\n\nbody\n', ['## Image encoders', 'v1']);
    expect(first).toBe(`# results\n\nbody\n\n${BEGIN}\n## Image encoders\nv1\n${END}\n`);
    const around = first + '\n## Why relaxed SIMD gains little\n';
    const second = spliceResults(around, ['## Image encoders', 'v2']);
    expect(second).toContain('v2');
    expect(second).not.toContain('v1');
    expect(second.startsWith('# results\n\nbody\n')).toBe(true);
    expect(second.endsWith('\n## Why relaxed SIMD gains little\n')).toBe(true);
  });
});

describe('per-layer profile hook', () => {
  it('sums ms and FLOPs per layer kind, kind and flop defaulting to the layer table', () => {
    const t = layerTable('resnet18', SHAPES.resnet18, 1);
    const k = profileByKind([
      { name: 'conv1', ms: 2 },
      { name: 'layer1.0.conv1.weight', ms: 1 },
      { name: 'layer1.0.conv2', ms: 1.5 },
      { name: 'fused-epilogue', ms: 0.25, kind: 'elementwise', flop: 1000 },
      { name: 'mystery', ms: 0.5 },
    ], t);
    const c3 = t.rows.find((r: { name: string }) => r.name === 'layer1.0.conv1').flop;
    expect(k['conv 7×7']).toEqual({ ms: 2, flop: 2 * 64 * 3 * 49 * 112 * 112, layers: 1 });
    expect(k['conv 3×3']).toEqual({ ms: 2.5, flop: 2 * c3, layers: 2 });
    expect(k.elementwise).toEqual({ ms: 0.25, flop: 1000, layers: 1 });
    expect(k.other).toEqual({ ms: 0.5, flop: 0, layers: 1 });
    expect(profileByKind(null, t)).toBeNull();
    expect(normaliseProfile(null)).toBeNull();
    expect(profileByKind([], t)).toBeNull();
  });

  it("takes the encoder's timeLayers rows ({ kind, flops, ms }) in the layer table's kind names", () => {
    const t = layerTable('mobilenet_v2', SHAPES.mobilenet_v2, 1);
    const rows = normaliseProfile([
      { kind: 'conv3x3', flops: 10, ms: 1 }, { kind: 'dwconv', flops: 4, ms: 2 }, { kind: 'conv1x1', flops: 6, ms: 1 },
      { kind: 'conv1x1', flops: 6, ms: 3 }, { kind: 'avgpool', flops: 1, ms: 0.5 }, { kind: 'fc', flops: 8, ms: 1 }, { kind: 'maxpool', flops: 2, ms: 1 },
    ]);
    expect(profileByKind(rows, t)).toEqual({
      'conv 3×3': { ms: 1, flop: 10, layers: 1 }, 'depthwise 3×3': { ms: 2, flop: 4, layers: 1 }, 'conv 1×1': { ms: 4, flop: 12, layers: 2 },
      'average pool': { ms: 0.5, flop: 1, layers: 1 }, 'fully connected': { ms: 1, flop: 8, layers: 1 }, 'max pool': { ms: 1, flop: 2, layers: 1 },
    });
    const named = [{ name: 'conv1', ms: 1 }];
    expect(normaliseProfile(named)).toEqual(named);
  });
});

describe('targets', () => {
  const row = (arch: string, N: number, ms: Record<string, number>, extra = {}) => {
    const r: Record<string, unknown> = { arch, N, ms, ref: 'torch1', relDiff: { tfjs1: 2e-7, ort1: 3e-7, torch1: 0 }, ...extra };
    const peers = ['tfjs1', 'ort1'].filter((n) => ms[n] !== undefined);
    r.fastestPeer1 = peers.reduce((a, b) => (ms[a] <= ms[b] ? a : b));
    if (ms.recap1 !== undefined) {
      if (ms.recap2 !== undefined) r.threadScaling = ms.recap1 / ms.recap2;
      if (ms.recapRelaxed !== undefined) r.relaxedSpeedup = ms.recap1 / ms.recapRelaxed;
    }
    return r;
  };
  const verdicts = (rows: unknown[], fuses: boolean | null) => encoderTargets({ rows, peaks: { fuses, strict: 30, fused: 50 } }).map((t: { verdict: string }) => t.verdict);

  it('PASS and MISS from the measured times', () => {
    const rows = [
      row('resnet18', 1, { recap1: 100, recap2: 60, recapRelaxed: 74, tfjs1: 130, ort1: 140 }),
      row('mobilenet_v2', 1, { recap1: 20, tfjs1: 25, ort1: 19 }),
      row('mobilenet_v2', 8, { recap1: 150, tfjs1: 200, ort1: 160 }),
    ];
    // 100 ≤ 0.9·130; 100/60 = 1.67 < 1.8; batch 1 loses to ORT; 100/74 = 1.35 ≥ 1.3; outputs agree
    expect(verdicts(rows, true)).toEqual(['PASS', 'MISS', 'MISS', 'PASS', 'PASS']);
    // 118 > 0.9·130
    expect(verdicts([row('resnet18', 1, { recap1: 118, recap2: 60, recapRelaxed: 100, tfjs1: 130, ort1: 140 })], true).slice(0, 2)).toEqual(['MISS', 'PASS']);
  });

  it('the thread and relaxed targets give the range of their ratio round by round', () => {
    const r = row('resnet18', 1, { recap1: 100, recap2: 55, recapRelaxed: 80, tfjs1: 130, ort1: 140 },
      { rawMs: { recap1: [100, 120, 90], recap2: [50, 80, 60], recapRelaxed: [80, 80, 75] } });
    const [, threads, , relaxed] = encoderTargets({ rows: [r], peaks: { fuses: true, strict: 30, fused: 50 } });
    expect(threads.value).toBe('1.82× (100.0 → 55.0 ms; round by round 1.50-2.00×)');
    expect(relaxed.value).toBe('1.25× (100.0 → 80.0 ms; round by round 1.20-1.50×); fused/strict peak 1.67×');
  });

  it('a note when the strict peak moved by more than 10% during the run', () => {
    expect(speedNote({ strict: 37 }, { strict: 36 })).toBeNull();
    expect(speedNote({ strict: 37 }, { strict: 31.6 })).toMatch(/^the strict peak moved from 37\.0 to 31\.6 GFLOP\/s/);
    expect(speedNote({ error: 'x' }, { strict: 31 })).toBeNull();
  });

  it('SKIP without the recap encoder, and for relaxed where the engine does not fuse; outputs that disagree MISS', () => {
    const noRecap = [row('resnet18', 1, { tfjs1: 130, ort1: 140 }), row('mobilenet_v2', 1, { tfjs1: 25, ort1: 19 })];
    expect(verdicts(noRecap, true)).toEqual(['SKIP', 'SKIP', 'SKIP', 'SKIP', 'PASS']);
    const r = row('resnet18', 1, { recap1: 100, recap2: 50, recapRelaxed: 70, tfjs1: 130, ort1: 140 }, { relDiff: { tfjs1: 0.3, ort1: 1e-7, torch1: 0 } });
    const t = verdicts([r], false);
    expect(t[3]).toBe('SKIP');
    expect(t[4]).toBe('MISS');
  });
});

describe('markdown', () => {
  it('every table row has as many cells as its header, n/a where an engine did not run, no NaN', () => {
    const ms = { recap1: 100, recap2: 55, recapRelaxed: 80, tfjs1: 130, ort1: 140, ort2: 90, torch1: 60, torch2: 35 };
    const rows = [
      { arch: 'resnet18', N: 1, gflop: 3.63, flopByKind: { 'conv 3×3': 3 }, ref: 'torch1', ms, cpuMs: ms, gflops: { recap1: 36.3 }, relDiff: { recap1: 5e-7, torch1: 0 },
        fastestPeer1: 'tfjs1', ratio: { tfjs1: 100 / 130 }, threadScaling: 100 / 55, relaxedSpeedup: 1.25, profile: { 'conv 3×3': { ms: 90, flop: 3.35e9, layers: 16 } } },
      { arch: 'vgg16', N: 1, gflop: 30.9, flopByKind: { 'conv 3×3': 30, 'fully connected': 0.2 }, ref: 'tfjs1', ms: { tfjs1: 900 }, cpuMs: { tfjs1: 900 }, gflops: { tfjs1: 34 }, relDiff: { tfjs1: 0 },
        fastestPeer1: 'tfjs1', profile: null },
    ];
    const results = { date: 'd', quick: true, config: { warm: 1, reps: 3, vggReps: 2 }, loadavgStart: [1, 1, 1], loadavgEnd: [1, 1, 1], seconds: 10, notes: ['a note'],
      peaks: { strict: 33, fused: 53, fused6: 41, fuses: true }, engines: { recap1: { backend: 'simd', threads: 1 }, tfjs1: { version: '4.22.0', simd: true } }, rows };
    const md: string[] = encoderMarkdown(results, encoderTargets(results));
    const text = md.join('\n');
    expect(text).not.toMatch(/NaN|undefined/);
    expect(text).toContain('- Note: a note');
    expect(text).toContain('| resnet18 | 1 | conv 3×3 | 16 | 3.350 | 90.00 | 37.2 | 113% |');
    let header = 0;
    for (const line of md) {
      if (!line.startsWith('|')) { header = 0; continue; }
      const cells = line.split('|').length;
      if (header === 0) header = cells;
      else expect(cells, line).toBe(header);
    }
  });
});
