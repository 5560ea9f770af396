// Encoder input checking: a state dict of another architecture or with damaged entries is one
// RecapError listing every missing, unexpected and mis-shaped key, before anything is allocated;
// the table matches torchvision's state_dict names and shapes for all seven architectures
// (keys.json from scripts/make-encoder-fixtures.py); bad encode arguments; flat memory.
import { beforeAll, describe, expect, it } from 'vitest';
import { init, loadEncoder, memoryStats, readSafetensors, RecapError, Tensor, writeNpz, writeSafetensors } from '../../src/index.js';
import { ARCHS, network, paramSpecs } from '../../src/vision/arch.js';
import { valueShapes } from '../../src/vision/network.js';
import { keysFile, seededInput, seededStateDict } from './seeded.js';

beforeAll(async () => { await init({ threads: 1 }); });

/** The RecapError thrown by `p`. */
async function error(p: Promise<unknown>): Promise<RecapError> {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(RecapError);
  return e as RecapError;
}

describe('architecture tables', () => {
  it.each(ARCHS)("%s: every torchvision state_dict entry is read, ignored (the classifier) or optional, with torchvision's shape", (arch) => {
    const net = network(arch);
    const specs = new Map(paramSpecs(net).map((s) => [s.name, s]));
    const torch = keysFile.keys[arch];
    for (const [name, shape] of torch) {
      if (net.head.includes(name)) continue;
      expect(specs.has(name), name).toBe(true);
      if (!specs.get(name)!.optional) expect(specs.get(name)!.shape, name).toEqual(shape);
    }
    const names = new Set(torch.map(([k]) => k));
    for (const s of specs.values()) expect(names.has(s.name), s.name).toBe(true);
  });
});

describe('bad state dicts', () => {
  const sd = seededStateDict('resnet18');

  it('another architecture: missing and unexpected keys listed, nothing allocated', async () => {
    const before = memoryStats().inUse;
    const e = await error(loadEncoder(sd, { arch: 'resnet34' }));
    expect(e.argument).toBe('weights');
    expect(e.message).toContain('missing');
    expect(e.message).toContain('layer1.2.conv1.weight');
    expect(e.message).toContain('layer3.5.bn2.running_var');
    expect(memoryStats().inUse).toBe(before);
    const e50 = await error(loadEncoder(sd, { arch: 'resnet50' }));
    expect(e50.message).toMatch(/mis-shaped \d+: .*layer1\.0\.conv1\.weight \[64, 64, 3, 3\] \(expected \[64, 64, 1, 1\]\)/);
    expect(e50.message).toContain('layer1.0.conv3.weight');
    const eM = await error(loadEncoder(sd, { arch: 'mobilenet_v2' }));
    expect(eM.message).toMatch(/unexpected \d+: conv1\.weight/);
  });

  it('each damage is named: a missing, an extra, a mis-shaped and an int32 entry in one error', async () => {
    const bad: Record<string, Tensor> = { ...sd, 'layer5.0.conv1.weight': new Tensor(new Float32Array(1), [1]) };
    delete bad['layer2.1.bn1.running_mean'];
    bad['layer4.0.downsample.0.weight'] = new Tensor(new Float32Array(512 * 256), [512, 256]);
    bad['bn1.bias'] = new Tensor(new Int32Array(64), [64]);
    const e = await error(loadEncoder(bad, { arch: 'resnet18' }));
    expect(e.message).toContain('missing 1: layer2.1.bn1.running_mean');
    expect(e.message).toContain('unexpected 1: layer5.0.conv1.weight');
    expect(e.message).toContain('layer4.0.downsample.0.weight [512, 256] (expected [512, 256, 1, 1])');
    expect(e.message).toContain('bn1.bias (int32, expected a float tensor)');
  });

  it('the classifier may be absent or of any size; num_batches_tracked may be absent', async () => {
    const headless: Record<string, Tensor> = {};
    for (const [k, v] of Object.entries(sd)) if (!k.startsWith('fc.') && !k.endsWith('num_batches_tracked')) headless[k] = v;
    headless['fc.weight'] = new Tensor(new Float32Array(10 * 512), [10, 512]);
    const enc = await loadEncoder(headless, { arch: 'resnet18' });
    expect(enc.outputDim).toBe(512);
    enc.dispose();
  });

  it('bytes: safetensors and npz of the same state dict give the same bits; garbage is a FormatError', async () => {
    const x = seededInput(1, 40);
    const a = await loadEncoder(writeSafetensors(sd), { arch: 'resnet18' });
    const b = await loadEncoder(writeNpz(sd), { arch: 'resnet18' });
    const ya = await a.encode(x), yb = await b.encode(x);
    expect(Buffer.from(ya.data.buffer).equals(Buffer.from(yb.data.buffer))).toBe(true);
    a.dispose(); b.dispose();
    expect(Object.keys(readSafetensors(writeSafetensors(sd)).tensors).length).toBe(Object.keys(sd).length);
    await expect(loadEncoder(new Uint8Array([1, 2, 3]), { arch: 'resnet18' })).rejects.toThrow(/not a \.safetensors, \.npz or \.pth file/);
  });

  it('bad options and inputs', async () => {
    expect((await error(loadEncoder(sd, { arch: 'resnet19' as never }))).argument).toBe('options.arch');
    expect((await error(loadEncoder(sd, { arch: 'resnet18', dtype: 'int32' as never }))).argument).toBe('options.dtype');
    expect((await error(loadEncoder(null as never, { arch: 'resnet18' }))).argument).toBe('weights');
    const enc = await loadEncoder(sd, { arch: 'resnet18' });
    expect((await error(enc.encode(new Tensor(new Float32Array(4 * 32 * 32), [1, 4, 32, 32])))).argument).toBe('input');
    // VGG-16's five 2x2 pools need 32x32 at least (ResNets and MobileNetV2 run on any size)
    expect(() => valueShapes(network('vgg16'), 1, 31, 40)).toThrow(/large enough for vgg16.*31x40/);
    expect(valueShapes(network('vgg16'), 1, 32, 32).at(-1)).toEqual({ n: 1, h: 1, w: 1, c: 4096 });
    expect((await error(enc.encode(seededInput(1, 32), { output: 'map' as never }))).argument).toBe('options.output');
    enc.dispose();
    expect((await error(enc.encode(seededInput(1, 32)))).argument).toBe('encoder');
  });
});

describe('batches', () => {
  it('a batch of 3 gives each image the bits it gets alone (pooled and grid)', async () => {
    const enc = await loadEncoder(seededStateDict('resnet18'), { arch: 'resnet18' });
    const x = seededInput(3, 36);
    const per = 3 * 36 * 36;
    for (const output of ['pooled', 'grid'] as const) {
      const all = await enc.encode(x, { output });
      const n = all.size / 3;
      for (let i = 0; i < 3; i++) {
        const one = await enc.encode(new Tensor(x.data.slice(i * per, (i + 1) * per) as Float32Array, [1, 3, 36, 36]), { output });
        expect(Buffer.from(one.data.buffer).equals(Buffer.from(all.data.buffer, i * n * 4, n * 4))).toBe(true);
      }
    }
    enc.dispose();
  });
});

describe('memory', () => {
  it('encoding batch after batch allocates nothing after the first; dispose frees everything', async () => {
    const before = memoryStats().inUse;
    const enc = await loadEncoder(seededStateDict('mobilenet_v2'), { arch: 'mobilenet_v2' });
    const x = seededInput(2, 48);
    await enc.encode(x);
    const warm = memoryStats();
    for (let i = 0; i < 5; i++) await enc.encode(x, { output: i % 2 ? 'grid' : 'pooled' });
    await enc.encode(seededInput(1, 48));
    expect(memoryStats()).toEqual(warm);
    enc.dispose();
    expect(memoryStats().inUse).toBe(before);
  });
});
