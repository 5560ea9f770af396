// The shipped pretrained checkpoint: loadPretrained() from the package's own file, from bytes
// and from a URL; bad sources give typed errors naming the source.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { beforeAll, expect, it } from 'vitest';
import {
  COLOUR_RGB, FEATURE_DIM, FormatError, RecapError, decodeCaptions, extractFeatures, init, loadPretrained, pretrainedUrl, renderScene, tensor,
} from '../src/index.js';

const file = new URL('../assets/shapes-lstm.recap', import.meta.url);

beforeAll(() => init({ threads: 1 }));

it('pretrainedUrl() points at the packaged file (exported as recap/models/shapes-lstm.recap)', () => {
  expect(pretrainedUrl().href).toBe(file.href);
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  expect(manifest.exports['./models/shapes-lstm.recap']).toBe('./assets/shapes-lstm.recap');
});

it('loads the shipped LSTM from the package, and it names a single shape', async () => {
  const { model, meta } = await loadPretrained();
  expect(model.config.cellType).toBe('lstm');
  expect(meta.name).toBe('shapes-lstm');
  const scene = { background: 255, objects: [{ shape: 'circle', colour: 'blue', size: 'big', x: 0.5, y: 0.5, r: 0.2, rgb: [...COLOUR_RGB.blue] }] } as const;
  const features = tensor(extractFeatures(renderScene(scene as never, 32)), [1, FEATURE_DIM]);
  const [caption] = decodeCaptions(model.sample(features, { maxLength: 12 }), model.idxToWord) as string[];
  expect(caption).toMatch(/blue circle/);
  model.dispose();
});

it('bytes and a served URL give the same parameters as the packaged file', async () => {
  const bytes = readFileSync(file);
  const server = createServer((req, res) => {
    if (req.url === '/m.recap') res.writeHead(200).end(bytes);
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const a = await loadPretrained();
    const b = await loadPretrained(new Uint8Array(bytes));
    const c = await loadPretrained(`${base}/m.recap`);
    for (const other of [b, c]) expect(other.model.getParams().Wx.data).toEqual(a.model.getParams().Wx.data);
    await expect(loadPretrained(`${base}/missing.recap`)).rejects.toThrow(/HTTP 404; serve recap\/models\/shapes-lstm\.recap/);
    for (const m of [a, b, c]) m.model.dispose();
  } finally {
    server.close();
  }
});

it('bad sources: typed errors naming the source', async () => {
  await expect(loadPretrained(42 as never)).rejects.toThrow(RecapError);
  await expect(loadPretrained('relative/path.recap')).rejects.toThrow(/^source: expected an absolute URL/);
  await expect(loadPretrained(new URL('./no-such.recap', file))).rejects.toThrow(FormatError);
  await expect(loadPretrained(new Uint8Array(30))).rejects.toThrow(/not a recap checkpoint/);
});
