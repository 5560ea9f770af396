// recap import: a checkpoint from CS231n parameters (np.savez of the notebook's model.params,
// or a file recap export wrote) and a vocabulary. Everything is read and checked before the
// checkpoint is written (atomically), so a failed import leaves nothing behind.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { FormatError, init, modelFromParams, parseVocabulary, readNpz, readSafetensors, type Tensor } from '../index.js';
import { saveCheckpointFile } from '../node.js';
import { UsageError, type ImportOptions } from './args.js';
import { type Out, version } from './common.js';
import { vocabSidecar } from './export.js';

export async function importParams(flags: ImportOptions, o: Out): Promise<number> {
  const bytes = new Uint8Array(await readFile(flags.params));
  let params: Record<string, Tensor>;
  let vocab: { text: string; name: string } | null = null;
  let savedCell: string | undefined;
  if (flags.params.endsWith('.safetensors')) {
    const st = readSafetensors(bytes, { name: flags.params });
    params = st.tensors;
    savedCell = st.metadata.cell_type;
    if (flags.vocab === undefined && st.metadata.idx_to_word !== undefined) vocab = { text: st.metadata.idx_to_word, name: `${flags.params} metadata idx_to_word` };
  } else {
    params = readNpz(bytes, { name: flags.params });
  }
  if (vocab === null) {
    const path = flags.vocab ?? (flags.params.endsWith('.npz') ? vocabSidecar(flags.params) : null);
    if (path === null || (flags.vocab === undefined && !existsSync(path))) {
      throw new UsageError(`missing --vocab FILE: ${flags.params} carries no vocabulary${path ? ` and ${path} does not exist` : ''}`, 'import');
    }
    vocab = { text: await readFile(path, 'utf8'), name: path };
  }
  const wordToIdx = parseVocabulary(vocab.text, vocab.name);
  if (savedCell !== undefined && savedCell !== 'rnn' && savedCell !== 'lstm') throw new FormatError(flags.params, `metadata cell_type ${JSON.stringify(savedCell)} is not rnn or lstm`);
  await init();
  const model = modelFromParams(params, { wordToIdx, cellType: flags.cell ?? (savedCell as 'rnn' | 'lstm' | undefined), dtype: flags.dtype, name: flags.params });
  try {
    const { inputDim: D, wordvecDim: W, hiddenDim: H, vocabSize: V, cellType, dtype } = model.config;
    const meta = { importedFrom: basename(flags.params), vocabulary: basename(vocab.name), recapVersion: await version() };
    await saveCheckpointFile(flags.out, model, null, meta);
    o.out(`wrote ${flags.out}: ${cellType} ${dtype}, D=${D} W=${W} H=${H} V=${V} (parameters from ${flags.params}, vocabulary from ${vocab.name})\n`);
  } finally {
    model.dispose();
  }
  return 0;
}
