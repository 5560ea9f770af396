// The PyTorch recipe of docs/interop.md, run for real when a python3 with torch is on the machine
// (Debian's python3-torch, say), skipped otherwise: scripts/check-pytorch-recipe.py reads the
// recipe from the doc, loads recap's float64 exports into nn.LSTM / nn.RNN, compares PyTorch's
// loss with recap's, maps the weights back, takes one SGD step in PyTorch and saves the result,
// which recap then imports and scores.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init, modelFromParams, parseVocabulary, readNpz, readSafetensors } from '../../src/index.js';

const SCRIPT = fileURLToPath(new URL('../../scripts/check-pytorch-recipe.py', import.meta.url));
const MODELS = fileURLToPath(new URL('../fixtures/interop/models/', import.meta.url));
const python = ['python3', '/usr/bin/python3'].find((py) => spawnSync(py, ['-c', 'import torch, numpy'], { stdio: 'ignore' }).status === 0);

describe.skipIf(python === undefined)('PyTorch recipe (docs/interop.md) with torch', () => {
  const dir = mkdtempSync(join(tmpdir(), 'recap-torch-'));
  let report: Record<string, { loss: number; recap_loss: number; roundtrip_exact: boolean; stepped_loss: number }>;
  beforeAll(async () => {
    await init();
    report = JSON.parse(execFileSync(python!, [SCRIPT, dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(['rnn', 'lstm'])('%s: PyTorch\'s loss is recap\'s, the weights map back exactly, and a PyTorch-tuned model imports', (cell) => {
    const r = report[cell];
    expect(Math.abs(r.loss - r.recap_loss) / r.recap_loss).toBeLessThan(1e-12);
    expect(r.roundtrip_exact).toBe(true);
    const { tensors, metadata } = readSafetensors(readFileSync(join(dir, `torch_${cell}.safetensors`)));
    const model = modelFromParams(tensors, { wordToIdx: parseVocabulary(metadata.idx_to_word), cellType: metadata.cell_type as 'rnn' | 'lstm' });
    const { features, captions } = readNpz(readFileSync(join(MODELS, 'recap_inputs.npz')));
    const { loss } = model.loss(features, captions);
    expect(r.stepped_loss).toBeLessThan(r.loss);
    expect(Math.abs(loss - r.stepped_loss) / r.stepped_loss).toBeLessThan(1e-12);
    model.dispose();
  });
});
