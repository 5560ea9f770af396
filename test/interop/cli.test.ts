// `recap export` and `recap import` in-process through main(argv, io), as test/cli.test.ts runs
// the other commands: files written and read back, the CS231n notebook's np.savez parameters
// made into a checkpoint, and user errors as one line (usage → 2, bad files → 1, nothing written).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptioningRNN, PARAM_NAMES, init, loadCheckpoint, parseVocabulary, readNpz, readSafetensors, saveCheckpoint, shapesVocab, writeNpz } from '../../src/index.js';
import { writeCocoFixture } from '../support/coco-fixture.js';
import { runCli } from '../cli-run.js';

const MODELS = fileURLToPath(new URL('../fixtures/interop/models/', import.meta.url));
const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
let root: string;
let ckpt: string;
let model: CaptioningRNN;

const run = runCli;
const at = (name: string) => join(root, name);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'recap-interop-cli-'));
  await init();
  model = new CaptioningRNN({ wordToIdx: shapesVocab().wordToIdx, inputDim: 12, wordvecDim: 6, hiddenDim: 9, cellType: 'lstm', seed: 5 });
  ckpt = at('model.recap');
  await writeFile(ckpt, saveCheckpoint(model, null, {}));
});
afterAll(async () => {
  model.dispose();
  await rm(root, { recursive: true, force: true });
});

function expectSameModel(m: CaptioningRNN, ref: CaptioningRNN): void {
  expect(m.config).toEqual(ref.config);
  expect(m.wordToIdx).toEqual(ref.wordToIdx);
  const a = m.getParams();
  const b = ref.getParams();
  for (const k of PARAM_NAMES) expect(a[k].data, k).toEqual(b[k].data);
}

describe('recap export / import', () => {
  it('export .npz writes the 8 CS231n arrays and the vocabulary sidecar; import makes the same model', async () => {
    const r = await run(['export', '--checkpoint', ckpt, '--out', at('p.npz')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`wrote ${at('p.npz')} (8 parameters, lstm float32, D=12 W=6 H=9 V=${model.config.vocabSize}) and ${at('p.vocab.json')}\n`);
    const arrays = readNpz(await readFile(at('p.npz')));
    const params = model.getParams();
    for (const k of PARAM_NAMES) expect(arrays[k].data, k).toEqual(params[k].data);
    expect(arrays.Wx.shape).toEqual([6, 36]);
    const vocab = JSON.parse(await readFile(at('p.vocab.json'), 'utf8'));
    expect(vocab.word_to_idx).toEqual(model.wordToIdx);
    expect(vocab.idx_to_word).toEqual(model.idxToWord);

    const i = await run(['import', '--params', at('p.npz'), '--cell', 'lstm', '--out', at('back.recap')]);
    expect(i.code, i.stderr).toBe(0);
    expect(i.stdout).toMatch(/^wrote .*back\.recap: lstm float32, D=12 W=6 H=9 V=\d+ \(parameters from .*p\.npz, vocabulary from .*p\.vocab\.json\)\n$/);
    const back = loadCheckpoint(await readFile(at('back.recap')));
    expectSameModel(back.model, model);
    expect(back.meta).toMatchObject({ importedFrom: 'p.npz', vocabulary: 'p.vocab.json' });
    back.model.dispose();
  });

  it('export .safetensors carries the vocabulary; import needs no --vocab; --dtype converts', async () => {
    expect((await run(['export', '--checkpoint', ckpt, '--out', at('p.safetensors')])).code).toBe(0);
    const st = readSafetensors(await readFile(at('p.safetensors')));
    expect(st.metadata.cell_type).toBe('lstm');
    expect(JSON.parse(st.metadata.idx_to_word)).toEqual(model.idxToWord);
    expect((await run(['import', '--params', at('p.safetensors'), '--out', at('st.recap')])).code).toBe(0);
    const back = loadCheckpoint(await readFile(at('st.recap')));
    expectSameModel(back.model, model);
    back.model.dispose();
    expect((await run(['import', '--params', at('p.safetensors'), '--dtype', 'float64', '--out', at('st64.recap')])).code).toBe(0);
    const wide = loadCheckpoint(await readFile(at('st64.recap'))).model;
    expect(wide.config.dtype).toBe('float64');
    expect(Array.from(wide.getParams().Wh.data)).toEqual(Array.from(model.getParams().Wh.data));
    wide.dispose();
    // --compress deflates the members
    expect((await run(['export', '--checkpoint', ckpt, '--out', at('c.npz'), '--compress'])).code).toBe(0);
    expect((await readFile(at('c.npz'))).length).toBeLessThan((await readFile(at('p.npz'))).length);
  });

  it('the CS231n notebook parameters saved with np.savez become a checkpoint with the notebook loss', async () => {
    const r = await run(['import', '--params', join(MODELS, 'cs231n_rnn_params.npz'), '--vocab', join(MODELS, 'cs231n_vocab.json'), '--cell', 'rnn', '--out', at('nb.recap')]);
    expect(r.code, r.stderr).toBe(0);
    const m = loadCheckpoint(await readFile(at('nb.recap'))).model;
    const inputs = readNpz(await readFile(join(MODELS, 'cs231n_rnn_inputs.npz')));
    expect(m.loss(inputs.features, inputs.captions).loss.toFixed(11)).toBe('9.83235591003');
    m.dispose();
  });

  it('a model in CS231n files (np.savez + the coco_captioning vocabulary) imports and runs on that data: sample and eval', async () => {
    const coco = at('coco_captioning');
    await writeCocoFixture(coco, { numTrainImages: 6, numValImages: 4, captionsPerImage: 2, featureDim: 10, seed: 3 });
    // the notebook's side: model.params of a CaptioningRNN for this vocabulary and D, saved with np.savez
    const vocabPath = join(coco, 'coco2014_vocab.json');
    const wordToIdx = parseVocabulary(await readFile(vocabPath, 'utf8'));
    const nb = new CaptioningRNN({ wordToIdx, inputDim: 10, wordvecDim: 4, hiddenDim: 6, cellType: 'lstm', dtype: 'float64', seed: 8 });
    await writeFile(at('nb.npz'), writeNpz(nb.getParams()));
    nb.dispose();
    const i = await run(['import', '--params', at('nb.npz'), '--vocab', vocabPath, '--out', at('coco.recap')]);
    expect(i.code, i.stderr).toBe(0);
    const s = await run(['sample', '--checkpoint', at('coco.recap'), '--data', `coco:${coco}`, '--n', '2']);
    expect(s.code, s.stderr).toBe(0);
    expect(s.stdout).toMatch(/greedy/);
    const e = await run(['eval', '--checkpoint', at('coco.recap'), '--data', `coco:${coco}`]);
    expect(e.code, e.stderr).toBe(0);
    expect(e.stdout).toMatch(/BLEU/);
  });

  it('spawned (dist/cli/main.js): export then import, exit codes 0 and 2', () => {
    const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });
    const e = cli('export', '--checkpoint', ckpt, '--out', at('spawned.safetensors'));
    expect(e.status, e.stderr).toBe(0);
    const i = cli('import', '--params', at('spawned.safetensors'), '--out', at('spawned.recap'));
    expect(i.status, i.stderr).toBe(0);
    expect(existsSync(at('spawned.recap'))).toBe(true);
    const bad = cli('import', '--params', at('spawned.txt'), '--out', at('x.recap'));
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe(`recap import: --params: expected a file name ending in .npz or .safetensors, got ${JSON.stringify(at('spawned.txt'))} (see 'recap import --help')\n`);
  });

  it('help lists both commands; errors are one line (usage 2, bad files 1) and write nothing', async () => {
    const help = await run(['--help']);
    expect(help.stdout).toMatch(/^ {2}export {2}write a model's parameters/m);
    expect(help.stdout).toMatch(/^ {2}import {2}make a checkpoint/m);
    expect((await run(['import', '--help'])).stdout).toMatch(/^Usage: recap import --params FILE/m);
    await writeFile(at('bad.npz'), 'not a zip at all, just text');
    await copyFile(join(MODELS, 'cs231n_lstm_params.npz'), at('lstm.npz'));
    const cases: [string[], number, RegExp][] = [
      [['export', '--out', at('x.npz')], 2, /^recap export: missing --checkpoint FILE/],
      [['export', '--checkpoint', ckpt], 2, /^recap export: missing --out FILE/],
      [['export', '--checkpoint', ckpt, '--out', at('x.pt')], 2, /^recap export: --out: expected a file name ending in \.npz or \.safetensors, got ".*x\.pt"/],
      [['export', '--checkpoint', ckpt, '--out', at('x.safetensors'), '--compress'], 2, /^recap export: --compress applies to \.npz output only/],
      [['export', '--checkpoint', at('none.recap'), '--out', at('x.npz')], 1, /^recap export: .*none\.recap: no such checkpoint file$/],
      [['import', '--out', at('x.recap')], 2, /^recap import: missing --params FILE/],
      [['import', '--params', at('lstm.npz')], 2, /^recap import: missing --out FILE/],
      [['import', '--params', at('lstm.npz'), '--out', at('x.recap')], 2, /^recap import: missing --vocab FILE: .*lstm\.npz carries no vocabulary and .*lstm\.vocab\.json does not exist/],
      [['import', '--params', at('lstm.npz'), '--vocab', join(MODELS, 'cs231n_vocab.json'), '--cell', 'rnn', '--out', at('x.recap')], 1,
        /^recap import: .*lstm\.npz: the parameters are those of an lstm \(Wh is \[40, 160\] with H=40\), not an rnn$/],
      [['import', '--params', at('lstm.npz'), '--vocab', at('p.vocab.json'), '--out', at('x.recap')], 1, /^recap import: .*lstm\.npz: the vocabulary has \d+ words, W_embed has 3 rows$/],
      [['import', '--params', at('bad.npz'), '--vocab', at('p.vocab.json'), '--out', at('x.recap')], 1, /^recap import: .*bad\.npz: not an \.npz file/],
      [['import', '--params', at('missing.npz'), '--vocab', at('p.vocab.json'), '--out', at('x.recap')], 1, /^recap import: ENOENT/],
      [['import', '--params', at('lstm.npz'), '--vocab', at('bad.npz'), '--out', at('x.recap')], 1, /^recap import: .*bad\.npz: not valid JSON/],
    ];
    for (const [argv, code, message] of cases) {
      const r = await run(argv);
      expect(r.code, argv.join(' ')).toBe(code);
      expect(r.stderr.split('\n').filter(Boolean), argv.join(' ')).toHaveLength(1);
      expect(r.stderr.split('\n')[0], argv.join(' ')).toMatch(message);
      expect(r.stdout).toBe('');
    }
    expect(existsSync(at('x.recap'))).toBe(false);
    expect(existsSync(at('x.npz'))).toBe(false);
  });
});
