// recap features: a folder (or list) of photos → torchvision encoder features, one .npy array
// with its ids beside it, or one {id}.npy per image in a folder (resumable), with progress.
import { init, loadEncoder } from '../index.js';
import { writeFileAtomic } from '../node.js';
import { readFileNamed } from '../core/files.node.js';
import { writeNpy } from '../interop/npy.js';
import { encodeImageFiles, listImageFiles } from '../vision/encode-files.node.js';
import type { Arch } from '../vision/arch.js';
import type { FeaturesOptions } from './args.js';
import { type CliIO, type Out, clock } from './common.js';
import { PhaseProgress } from './prepro.js';

export async function features(flags: FeaturesOptions, io: CliIO, o: Out): Promise<number> {
  await init({ threads: flags.threads });
  const files = await listImageFiles([flags.images], '--images');
  const encoder = await loadEncoder(await readFileNamed(flags.encoder, 'no such encoder weights file'), { arch: flags.arch as Arch, dtype: flags.dtype });
  try {
    const dir = flags.out.endsWith('/') ? flags.out : undefined;
    const start = performance.now();
    const bar = new PhaseProgress(o.err, io.stderrIsTTY ?? process.stderr.isTTY === true, io.progressInterval ?? 5000);
    o.err(`encoding ${files.length} images with ${flags.arch} (${flags.output}, ${flags.dtype}) → ${flags.out}\n`);
    const r = await encodeImageFiles(files, encoder, {
      output: flags.output, resize: flags.resize || null, crop: flags.crop || null, batch: flags.crop === 0 ? 1 : flags.batch,
      dir, skipBad: flags.skipBad, onProgress: (d, t) => bar.update('images', d, t),
    });
    bar.finish();
    for (const b of r.bad) o.err(`skipped ${b.path}: ${b.reason}\n`);
    if (r.ids.length === 0) {
      o.err('no image could be read: nothing written\n');
      return 1;
    }
    if (!dir) {
      await writeFileAtomic(`${flags.out}.ids.txt`, new TextEncoder().encode(`${r.ids.join('\n')}\n`));
      await writeFileAtomic(flags.out, writeNpy(r.features!));
    }
    const shape = r.features ? `[${r.features.shape.join(', ')}]` : `${r.ids.length} files`;
    o.out(`wrote ${flags.out} (${shape}${dir ? '' : `, ids in ${flags.out}.ids.txt`})${r.skipped ? `, ${r.skipped} already there` : ''}${r.bad.length ? `, ${r.bad.length} bad images left out` : ''} in ${clock((performance.now() - start) / 1000)}\n`);
  } finally {
    encoder.dispose();
  }
  return 0;
}
