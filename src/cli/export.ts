// recap export: a checkpoint's parameters under their CS231n names, for numpy, the CS231n
// notebook and PyTorch (docs/interop.md). .npz gets the vocabulary as a sidecar JSON beside it
// (params.npz → params.vocab.json); .safetensors carries it in its metadata.
import { init, modelToNpz, modelToSafetensors } from '../index.js';
import { loadCheckpointFile, writeFileAtomic } from '../node.js';
import type { ExportOptions } from './args.js';
import type { Out } from './common.js';

/** The sidecar vocabulary file of an .npz: params.npz → params.vocab.json. */
export function vocabSidecar(npzPath: string): string {
  return npzPath.replace(/\.npz$/, '.vocab.json');
}

export async function exportParams(flags: ExportOptions, o: Out): Promise<number> {
  await init();
  const { model } = await loadCheckpointFile(flags.checkpoint);
  try {
    const { inputDim: D, wordvecDim: W, hiddenDim: H, vocabSize: V, cellType, dtype } = model.config;
    const about = `${cellType} ${dtype}, D=${D} W=${W} H=${H} V=${V}`;
    if (flags.out.endsWith('.npz')) {
      const { npz, vocab } = modelToNpz(model, { compress: flags.compress });
      const sidecar = vocabSidecar(flags.out);
      await writeFileAtomic(sidecar, new TextEncoder().encode(vocab));
      await writeFileAtomic(flags.out, npz);
      o.out(`wrote ${flags.out} (8 parameters, ${about}) and ${sidecar}\n`);
    } else {
      await writeFileAtomic(flags.out, modelToSafetensors(model));
      o.out(`wrote ${flags.out} (8 parameters, ${about}; vocabulary and cell type in the metadata)\n`);
    }
  } finally {
    model.dispose();
  }
  return 0;
}
