// The interop readers and writers in Chromium (browser-safe, fflate bundled by Vite): files numpy
// and torch wrote read as in Node, and a recap model exported there gives numpy's recorded loss.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CaptioningRNN, FormatError, init, modelFromParams, modelToSafetensors, parseVocabulary, readNpy, readNpz, readSafetensors, readStateDict, tensor, writeNpy, writeNpz,
} from '../../dist/index.js';
import pthZipUrl from '../fixtures/pth/small_zip.pth?url';
import pthLegacyUrl from '../fixtures/pth/small_legacy.pth?url';
import pthTarUrl from '../fixtures/pth/small_tar.pth?url';
import pthEvilUrl from '../fixtures/pth/evil_os_system.pth?url';
import pthSafetensorsUrl from '../fixtures/pth/small.safetensors?url';
import deflatedUrl from '../fixtures/interop/readers/deflated.npz?url';
import beUrl from '../fixtures/interop/readers/f8_be_v1.npy?url';
import inputsUrl from '../fixtures/interop/models/recap_inputs.npz?url';
import manifest from '../fixtures/interop/readers/manifest.json';
import losses from '../fixtures/interop/models/numpy_losses.json';
import spec from '../fixtures/interop/models/recap_spec.json';

const fetchBytes = async (url: string) => new Uint8Array(await (await fetch(url)).arrayBuffer());

beforeAll(async () => {
  await init();
});

describe('interop in Chromium', () => {
  it('reads numpy files (deflated .npz, big-endian .npy) and round-trips the writers', async () => {
    const arrays = readNpz(await fetchBytes(deflatedUrl));
    const want = (manifest as unknown as Record<string, Record<string, { data: number[]; shape: number[] }>>)['deflated.npz'];
    for (const k of Object.keys(want)) {
      expect(arrays[k].shape).toEqual(want[k].shape);
      expect(Array.from(arrays[k].data)).toEqual(k === 'small' ? Array.from(Float32Array.from(want[k].data)) : want[k].data);
    }
    expect(Array.from(readNpy(await fetchBytes(beUrl)).data)).toEqual((manifest as unknown as Record<string, { data: number[] }>)['f8_be_v1.npy'].data);
    const t = tensor([[1.5, -2], [3, 4e-300]], undefined, 'float64');
    expect(readNpy(writeNpy(t)).data).toEqual(t.data);
    expect(readNpz(writeNpz({ t }, { compress: true })).t.data).toEqual(t.data);
  });

  it('reads PyTorch .pth files (zip, legacy, tar) as the same bits as safetensors, and refuses os.system', async () => {
    const want = readStateDict(await fetchBytes(pthSafetensorsUrl), 'small.safetensors');
    const bits = (t: { data: ArrayBufferView }) => Array.from(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    for (const url of [pthZipUrl, pthLegacyUrl, pthTarUrl]) {
      const sd = readStateDict(await fetchBytes(url), url);
      expect(Object.keys(sd).sort()).toEqual(Object.keys(want).sort());
      for (const k of Object.keys(want)) expect(bits(sd[k]), k).toEqual(bits(want[k]));
    }
    const evil = await fetchBytes(pthEvilUrl);
    expect(() => readStateDict(evil, 'evil.pth')).toThrow(FormatError);
    expect(() => readStateDict(evil, 'evil.pth')).toThrow(/global posix\.system, which recap does not allow/);
  });

  it('a seeded float64 LSTM exported to safetensors and imported back gives numpy\'s recorded loss', async () => {
    const m = new CaptioningRNN({ wordToIdx: spec.wordToIdx, inputDim: spec.inputDim, wordvecDim: spec.wordvecDim, hiddenDim: spec.hiddenDim, cellType: 'lstm', dtype: 'float64', seed: spec.seed });
    m.setParams(Object.fromEntries(Object.entries(spec.biases.lstm).map(([k, v]) => [k, tensor(v as number[], [(v as number[]).length], 'float64')])));
    const st = readSafetensors(modelToSafetensors(m));
    const back = modelFromParams(st.tensors, { wordToIdx: parseVocabulary(st.metadata.idx_to_word) });
    const { features, captions } = readNpz(await fetchBytes(inputsUrl));
    const loss = back.loss(features, captions).loss;
    expect(Math.abs(loss - losses.losses.recap_lstm_safetensors) / loss).toBeLessThan(1e-10);
    m.dispose();
    back.dispose();
  });
});
