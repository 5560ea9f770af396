// recap sample: captions a few images of a split with a checkpoint (greedy, beam, temperature).
import type { SampleOptions } from './args.js';
import type { Out } from './common.js';
import { type Split, caption, checkSplit, loadForInference, maxLengthOf, pickImages, splitOf } from './data.js';
import { sampleEntries } from './scores.js';

export async function sample(flags: SampleOptions, given: ReadonlySet<string>, o: Out): Promise<number> {
  const { ckpt, loaded, o: about } = await loadForInference(flags, given, 'sample');
  const split = flags.split as Split;
  checkSplit(loaded, split, 'sample');
  o.err(`${about}\n`);
  const { data } = loaded;
  const images = pickImages(data, split, flags.n, flags.seed);
  const entries = sampleEntries(ckpt.model, loaded, split, images, flags.beam);
  const feats = splitOf(data, split).features;
  const warm = flags.temperature > 0 ? caption(ckpt.model, feats, images, maxLengthOf(data), { temperature: flags.temperature, seed: flags.seed }) : null;
  const urls = splitOf(data, split).urls;
  entries.forEach((e, i) => {
    o.out(`${e.label}${urls ? `  ${urls[images[i]]}` : ''}\n`);
    o.out(`  greedy   ${e.greedy}\n`);
    if (e.beam !== undefined) o.out(`  beam ${String(flags.beam).padEnd(3)} ${e.beam}\n`);
    if (warm) o.out(`  T=${flags.temperature}${' '.repeat(Math.max(1, 6 - String(flags.temperature).length))} ${warm[i].join(' ')}\n`);
    e.truth.forEach((t, j) => o.out(`  ${j === 0 ? 'truth ' : '      '}   ${t}\n`));
    if (i < entries.length - 1) o.out('\n');
  });
  ckpt.model.dispose();
  return 0;
}
