// recap caption: photos in, captions out, with a checkpoint trained on recap-made features and the
// encoder those were made with (checked against the checkpoint's feature recipe), or a
// checkpoint trained from pixels that carries its own CNN.
import { RecapError, init, loadCaptioner, loadEncoder, type Arch } from '../index.js';
import { loadCheckpointFile, readImage } from '../node.js';
import { readFileNamed } from '../core/files.node.js';
import { listImageFiles } from '../vision/encode-files.node.js';
import type { CaptionOptions } from './args.js';
import type { Out } from './common.js';

export async function caption(flags: CaptionOptions, o: Out): Promise<number> {
  await init({ threads: flags.threads });
  const files = await listImageFiles(flags.images, 'images');
  const ckpt = await loadCheckpointFile(flags.checkpoint);
  const recipe = ckpt.features?.recipe;
  let problem: [string, string, string] | null = null;
  if (ckpt.encoder) {
    if (flags.encoder !== undefined) problem = ['--encoder', 'none: the checkpoint carries its own CNN (recap train --encoder cnn), which makes its features', flags.encoder];
  } else if (!recipe) {
    problem = ['--checkpoint', 'a checkpoint trained on features recap made (recap prepro --images) or from pixels (recap train --encoder cnn)', `${flags.checkpoint}, which records no feature recipe`];
  } else if (flags.encoder === undefined) {
    problem = ['--encoder', `the ${recipe.encoder.arch} weights the checkpoint's features were made with`, 'none'];
  }
  if (problem) {
    ckpt.model.dispose();
    throw new RecapError(...problem);
  }
  const encoder = ckpt.encoder ? undefined
    : await loadEncoder(await readFileNamed(flags.encoder!, 'no such encoder weights file'), { arch: recipe!.encoder.arch as Arch, dtype: recipe!.encoder.dtype });
  try {
    const captioner = await loadCaptioner({ model: ckpt, encoder });
    const options = {
      beamSize: flags.beam, lengthPenalty: flags.lengthPenalty, blockRepeatNgrams: flags.blockNgrams,
      temperature: flags.temperature, topP: flags.topP, seed: flags.seed, ...(flags.maxLength ? { maxLength: flags.maxLength } : {}),
    };
    for (const f of files) {
      const [text] = await captioner.caption(await readImage(f.path), options);
      o.out(flags.json ? `${JSON.stringify({ image: f.path, caption: text })}\n` : `${f.path}\t${text}\n`);
    }
  } finally {
    ckpt.model.dispose();
    encoder?.dispose();
  }
  return 0;
}
