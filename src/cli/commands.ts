// The commands and their flags: one spec table per command (kind, range, default, help), read by
// the parser and the help text in args.ts.
import { UPDATE_RULE_NAMES } from '../nn/update-rules.js';
import { KEEP_BEST_METRICS } from '../train/validation.js';
import type { FlagSpec, Values } from './flags.js';

/** The update rules `--update` offers: every rule of the table. */
const CLI_UPDATE_RULES = UPDATE_RULE_NAMES;

/** The largest seed (2^32 − 1). */
export const U32_MAX = 0xffffffff;

// The data flags every command shares.
const dataFlags = {
  data: { kind: 'data', metavar: 'shapes|coco:DIR|prepared:FILE|karpathy:JSON', help: 'training data: the built-in shapes world, a CS231n coco_captioning directory, a file written by recap prepro, or a Karpathy-split JSON (with --features)' },
  features: { kind: 'string', metavar: 'PATH', help: 'karpathy: image features, a folder of {imgid}.npy or one .npy/.npz/.h5 array (see recap prepro --help)' },
  maxTrain: { kind: 'int', min: 1, max: 1e9, metavar: 'N', help: 'shapes: training images (5 captions each); coco, prepared, karpathy: training captions, drawn as CS231n max_train' },
  numVal: { kind: 'int', min: 1, max: 1e6, metavar: 'N', help: 'shapes: validation images' },
  dataSeed: { kind: 'int', min: 0, max: U32_MAX, metavar: 'N', help: 'seed of the shapes scenes / of the --max-train draw (coco, prepared, karpathy; default 231 as the notebooks)' },
} as const satisfies Record<string, FlagSpec>;

export const TRAIN_FLAGS = {
  ...dataFlags,
  cell: { kind: 'enum', values: ['rnn', 'lstm'], default: 'lstm', help: 'recurrent cell' },
  hidden: { kind: 'int', min: 1, max: 8192, default: 128, metavar: 'N', help: 'hidden size H' },
  wordvec: { kind: 'int', min: 1, max: 8192, default: 64, metavar: 'N', help: 'word-vector size W' },
  update: { kind: 'enum', values: CLI_UPDATE_RULES, default: 'adam', help: 'update rule' },
  lr: { kind: 'number', min: 0, minExclusive: true, max: 10, default: 5e-3, metavar: 'X', help: 'learning rate' },
  lrDecay: { kind: 'number', min: 0, minExclusive: true, max: 1, default: 0.85, metavar: 'X', help: 'learning-rate factor applied after each epoch' },
  epochs: { kind: 'int', min: 1, max: 1e6, default: 2, metavar: 'N', help: 'epochs (an epoch is floor(captions / batch) iterations)' },
  batch: { kind: 'int', min: 1, max: 1e5, default: 50, metavar: 'N', help: 'minibatch size (captions)' },
  threads: { kind: 'int', min: 1, max: 256, metavar: 'N', help: 'threads for the wasm kernels (default: every core; any count gives the same bits)' },
  seed: { kind: 'int', min: 0, max: U32_MAX, default: 0, metavar: 'N', help: 'seed of the weight init and the minibatch draws' },
  evalEvery: { kind: 'int', min: 0, max: 1e9, metavar: 'N', help: 'evaluate on val (loss, BLEU, ROUGE-L, CIDEr-D) every N iterations and at the end (default: each epoch; 0: never)' },
  evalImages: { kind: 'int', min: 1, max: 1e7, default: 500, metavar: 'N', help: 'val images per evaluation (the first N)' },
  keepBest: { kind: 'enum', values: KEEP_BEST_METRICS, default: 'cider', help: 'metric whose best evaluation is saved to DIR/best.recap' },
  patience: { kind: 'int', min: 1, max: 1e6, metavar: 'N', help: 'stop after N evaluations in a row without a new best (default: never)' },
  out: { kind: 'string', default: 'out', metavar: 'DIR', help: 'output directory (model.recap, best.recap, loss.svg, samples.html)' },
  resume: { kind: 'switch', help: 'continue the run saved in --out DIR/model.recap (bit-identical)' },
  force: { kind: 'switch', help: 'start a new run even if --out DIR holds one (overwrites it)' },
  objective: { kind: 'enum', values: ['xe', 'scst'], default: 'xe', help: "'xe': cross-entropy; 'scst': self-critical sequence training of the --init model (CIDEr-D reward; defaults --lr 5e-4 --epochs 1)" },
  init: { kind: 'string', metavar: 'FILE', help: "start from this checkpoint's model with a fresh optimizer (required with --objective scst)" },
  scstSamples: { kind: 'int', min: 1, max: 1000, default: 5, metavar: 'K', help: 'scst: captions sampled per image' },
  scstBaseline: { kind: 'enum', values: ['greedy', 'mean'], default: 'greedy', help: "scst: the reward baseline, the greedy caption's reward or the mean of the image's other samples" },
  encoder: { kind: 'enum', values: ['cnn'], help: "'cnn': learn the image features from the pixels (--data shapes): a small CNN trained jointly with the model (default: the data's features)" },
  encoderLr: { kind: 'number', min: 0, minExclusive: true, max: 10, default: 1e-2, metavar: 'X', help: "--encoder cnn: the CNN's Adam learning rate (decays with --lr-decay)" },
  finetuneAfter: { kind: 'int', min: -1, max: 1e9, default: -1, metavar: 'N', help: "--encoder cnn: the first iteration that fine-tunes the CNN jointly with the model on the captioning loss (before it, after --encoder-lead, the CNN only encodes; -1: never)" },
  encoderLead: { kind: 'int', min: 0, max: 1e9, metavar: 'N', help: '--encoder cnn: iterations at the start in which the CNN trains alone on the concept loss, the model waiting for features worth reading (default: one epoch; then --epochs defaults to 4)' },
  encoderWordLoss: { kind: 'number', min: 0, max: 100, default: 0, metavar: 'X', help: "--encoder cnn: weight of the word loss (the caption's words predicted from the CNN's features by a head of their own; it teaches the CNN shapes)" },
  encoderConceptLoss: { kind: 'number', min: 0, max: 100, default: 1, metavar: 'X', help: "--encoder cnn: weight of the concept loss (the CNN's features are the probabilities of the words and word pairs the image's captions agree on, e.g. 'red circle'; it binds colours to shapes; 0: 64 plain features)" },
  encoderWarmup: { kind: 'int', min: 0, max: 1e9, default: 0, metavar: 'N', help: "--encoder cnn: iterations from --finetune-after over which the CNN's learning rate rises from 0 to --encoder-lr" },
  help: { kind: 'switch', help: 'show this help' },
} as const satisfies Record<string, FlagSpec>;

export const SAMPLE_FLAGS = {
  checkpoint: { kind: 'string', metavar: 'FILE', help: 'checkpoint written by recap train (required)' },
  ...dataFlags,
  split: { kind: 'enum', values: ['train', 'val', 'test'], default: 'val', help: 'which split to caption (test: Karpathy-split data)' },
  n: { kind: 'int', min: 1, max: 10000, default: 10, metavar: 'N', help: 'images to caption' },
  beam: { kind: 'int', min: 1, max: 100, default: 3, metavar: 'K', help: 'beam width of the beam-search caption (1: greedy only)' },
  temperature: { kind: 'number', min: 0, max: 1e3, default: 0, metavar: 'X', help: 'also show a caption sampled at this temperature (0: none)' },
  seed: { kind: 'int', min: 0, max: U32_MAX, default: 0, metavar: 'N', help: 'seed of the image choice (and of temperature sampling)' },
  help: { kind: 'switch', help: 'show this help' },
} as const satisfies Record<string, FlagSpec>;

export const EVAL_FLAGS = {
  checkpoint: { kind: 'string', metavar: 'FILE', help: 'checkpoint written by recap train (required)' },
  ...dataFlags,
  split: { kind: 'enum', values: ['train', 'val', 'test'], default: 'val', help: 'which split to score (test: Karpathy-split data)' },
  beam: { kind: 'int', min: 1, max: 100, default: 1, metavar: 'K', help: 'beam width of the captions scored (1: greedy)' },
  maxImages: { kind: 'int', min: 1, max: 1e7, default: 1000, metavar: 'N', help: 'score at most the first N images of the split' },
  json: { kind: 'switch', help: 'print one JSON object { split, images, bleu, rougeL, cider, ... } and nothing else on stdout' },
  allowOverlap: { kind: 'switch', help: "score a val split that holds images the model was trained on (refused otherwise)" },
  help: { kind: 'switch', help: 'show this help' },
} as const satisfies Record<string, FlagSpec>;

export const EXPORT_FLAGS = {
  checkpoint: { kind: 'string', metavar: 'FILE', help: 'checkpoint to export (required)' },
  out: { kind: 'string', metavar: 'FILE', help: 'params.npz (plus params.vocab.json beside it) or params.safetensors (required)' },
  compress: { kind: 'switch', help: '.npz: deflate the arrays (as np.savez_compressed)' },
  help: { kind: 'switch', help: 'show this help' },
} as const satisfies Record<string, FlagSpec>;

export const IMPORT_FLAGS = {
  params: { kind: 'string', metavar: 'FILE', help: 'CS231n parameters: .npz (np.savez of model.params) or .safetensors (required)' },
  vocab: { kind: 'string', metavar: 'FILE', help: 'vocabulary JSON (CS231n coco2014_vocab.json form); default: the .npz\'s sidecar FILE.vocab.json, or the safetensors metadata' },
  cell: { kind: 'enum', values: ['rnn', 'lstm'], help: 'recurrent cell (default: read from Wh\'s shape, and checked when given)' },
  dtype: { kind: 'enum', values: ['float32', 'float64'], help: 'the model\'s dtype (default: the parameters\')' },
  out: { kind: 'string', metavar: 'FILE', help: 'checkpoint to write, e.g. model.recap (required)' },
  help: { kind: 'switch', help: 'show this help' },
} as const satisfies Record<string, FlagSpec>;

const ARCH_NAMES = ['resnet18', 'resnet34', 'resnet50', 'resnet101', 'resnet152', 'mobilenet_v2', 'vgg16'] as const;

// How images become features: shared by features and prepro --images.
const encoderFlags = {
  encoder: { kind: 'string', metavar: 'FILE', help: "the encoder's torchvision state_dict: .pth (as torchvision downloads it), .safetensors or .npz" },
  arch: { kind: 'enum', values: ARCH_NAMES, help: 'the architecture the weights are for' },
  output: { kind: 'enum', values: ['pooled', 'grid'], default: 'pooled', help: "'pooled': one vector per image (vgg16: fc7); 'grid': the last feature map (h, w, C)" },
  resize: { kind: 'int', min: 0, max: 65535, default: 256, metavar: 'N', help: "Resize(N): the shorter side to N, PIL bilinear (0: no resize)" },
  crop: { kind: 'int', min: 0, max: 65535, default: 224, metavar: 'N', help: 'CenterCrop(N) after the resize (0: no crop)' },
  threads: { kind: 'int', min: 1, max: 256, metavar: 'N', help: 'threads for the wasm kernels (default: every core; any count gives the same bits)' },
  skipBad: { kind: 'switch', help: 'leave out images that cannot be read (listed) instead of stopping at the first' },
} as const satisfies Record<string, FlagSpec>;

export const PREPRO_FLAGS = {
  captions: { kind: 'string', metavar: 'JSON', help: 'Karpathy-split captions: dataset_coco.json, dataset_flickr8k.json or dataset_flickr30k.json (required)' },
  features: { kind: 'string', metavar: 'PATH', help: 'image features: a folder of {imgid}.npy (or {file name stem}.npy), or one .npy (N, D) / .npz / .h5 array for all images (this or --images)' },
  images: { kind: 'string', metavar: 'DIR', help: "encode the images instead: the JSON's filepath/filename under DIR, with --encoder and --arch (resumable: DIR's features are kept in OUT.cache/ until the file is written)" },
  encoder: encoderFlags.encoder, arch: encoderFlags.arch, resize: encoderFlags.resize, crop: encoderFlags.crop,
  batch: { kind: 'int', min: 1, max: 1024, default: 8, metavar: 'N', help: '--images: images per forward pass' },
  threads: encoderFlags.threads, skipBad: encoderFlags.skipBad,
  featureIds: { kind: 'string', metavar: 'FILE', help: "the rows' image ids of a one-array features file (one per line, or a JSON array); default: an ids array in the file, else the JSON's image order" },
  featureKey: { kind: 'string', metavar: 'NAME', help: 'the features array in an .npz/.h5 file (default: features, feats, fc, or the only 2-D float array)' },
  wordCountThreshold: { kind: 'int', min: 0, max: 1e9, default: 5, metavar: 'N', help: 'keep a word when it occurs more than N times in the training captions (else <UNK>), as prepro_labels.py' },
  maxLength: { kind: 'int', min: 1, max: 1000, default: 16, metavar: 'N', help: 'longest caption in words; longer ones are truncated (and counted)' },
  noRestval: { kind: 'switch', help: "leave the 'restval' images out (by default they join train, as ImageCaptioning.pytorch)" },
  pca: { kind: 'int', min: 1, max: 65536, metavar: 'D', help: 'reduce the features to D dimensions by PCA fitted on the training images (in wasm, f64; saved with the data)' },
  dtype: { kind: 'enum', values: ['float32', 'float64'], default: 'float32', help: 'dtype of the stored features' },
  out: { kind: 'string', metavar: 'FILE', help: 'the .recapdata file to write (required; written atomically)' },
  help: { kind: 'switch', help: 'show this help' },
} as const satisfies Record<string, FlagSpec>;

export const FEATURES_FLAGS = {
  images: { kind: 'string', metavar: 'DIR|LIST', help: 'a folder of PNG/JPEG images, or a .txt list of image paths (required)' },
  ...encoderFlags,
  dtype: { kind: 'enum', values: ['float32', 'float64'], default: 'float32', help: "the encoder's (and the features') dtype" },
  batch: { kind: 'int', min: 1, max: 1024, default: 8, metavar: 'N', help: 'images per forward pass (1 with --crop 0)' },
  out: { kind: 'string', metavar: 'feats.npy|DIR/', help: "one .npy array (ids in FILE.ids.txt beside it) or a folder of {id}.npy (resumable: existing files are kept) (required)" },
  help: { kind: 'switch', help: 'show this help' },
} as const satisfies Record<string, FlagSpec>;

export const CAPTION_FLAGS = {
  checkpoint: { kind: 'string', metavar: 'FILE', help: 'a checkpoint trained on features recap made (prepro --images), or from pixels with its own CNN (train --encoder cnn) (required)' },
  encoder: { kind: 'string', metavar: 'FILE', help: "the encoder weights the training features came from (checked against the checkpoint's recipe); none for a checkpoint with its own CNN" },
  beam: { kind: 'int', min: 1, max: 100, default: 1, metavar: 'K', help: 'beam width (1: greedy)' },
  lengthPenalty: { kind: 'number', min: 0, max: 10, default: 0, metavar: 'X', help: "beam search: GNMT's length penalty alpha (0: none)" },
  blockNgrams: { kind: 'int', min: 0, max: 100, default: 0, metavar: 'N', help: 'never repeat an n-gram of this size in a caption (0: off)' },
  temperature: { kind: 'number', min: 0, max: 1e3, default: 0, metavar: 'X', help: 'sample at this temperature instead of the argmax (0: greedy / beam)' },
  topP: { kind: 'number', min: 0, minExclusive: true, max: 1, default: 1, metavar: 'P', help: 'with --temperature: nucleus sampling from the smallest set of words of probability >= P' },
  seed: { kind: 'int', min: 0, max: U32_MAX, default: 0, metavar: 'N', help: 'seed of temperature sampling' },
  maxLength: { kind: 'int', min: 1, max: 1000, metavar: 'N', help: "longest caption in words (default: the training captions')" },
  threads: { kind: 'int', min: 1, max: 256, metavar: 'N', help: 'threads for the wasm kernels (default: every core)' },
  json: { kind: 'switch', help: 'print one JSON object { image, caption } per line and nothing else on stdout' },
  help: { kind: 'switch', help: 'show this help' },
} as const satisfies Record<string, FlagSpec>;

export type PreproOptions = Values<typeof PREPRO_FLAGS> & { captions: string; out: string };
// recap inspect / compare / lr-find (src/cli/inspect.ts, compare.ts, lr-find.ts; docs/inspect.md)
export const INSPECT_FLAGS = {
  checkpoint: { kind: 'string', metavar: 'FILE', help: 'checkpoint to inspect (required)' },
  ...dataFlags,
  compare: { kind: 'string', metavar: 'FILE', help: 'a second checkpoint (e.g. the RNN of an LSTM) drawn beside it in the gradient-flow figure' },
  n: { kind: 'int', min: 1, max: 10000, default: 32, metavar: 'N', help: 'val captions (of the most common length) for gradient flow and gate statistics' },
  image: { kind: 'int', min: 0, max: 1e7, default: 0, metavar: 'I', help: 'val image whose caption is traced (activations, attributions)' },
  caption: { kind: 'string', metavar: 'WORDS', help: 'trace these words (teacher-forced) instead of the greedy caption' },
  steps: { kind: 'int', min: 2, max: 4096, default: 32, metavar: 'K', help: "integrated gradients: Simpson intervals (even)" },
  knockoutImages: { kind: 'int', min: 1, max: 1e6, default: 100, metavar: 'N', help: 'val images (and their captions) for the knockout table' },
  out: { kind: 'string', default: 'inspect', metavar: 'DIR', help: 'output directory (DIR/inspect.html)' },
  help: { kind: 'switch', help: 'show this help' },
} as const satisfies Record<string, FlagSpec>;
export const COMPARE_FLAGS = {
  out: { kind: 'string', default: 'compare', metavar: 'DIR', help: 'output directory (DIR/compare.html)' },
  help: { kind: 'switch', help: 'show this help' },
} as const satisfies Record<string, FlagSpec>;
export const LR_FIND_FLAGS = {
  ...dataFlags,
  cell: TRAIN_FLAGS.cell, hidden: TRAIN_FLAGS.hidden, wordvec: TRAIN_FLAGS.wordvec, update: TRAIN_FLAGS.update, batch: TRAIN_FLAGS.batch, seed: TRAIN_FLAGS.seed,
  minLr: { kind: 'number', min: 0, minExclusive: true, max: 10, default: 1e-5, metavar: 'X', help: 'first learning rate of the sweep' },
  maxLr: { kind: 'number', min: 0, minExclusive: true, max: 100, default: 1, metavar: 'X', help: 'last learning rate of the sweep' },
  iterations: { kind: 'int', min: 5, max: 100000, default: 100, metavar: 'N', help: 'steps of the sweep (the rate grows geometrically from --min-lr to --max-lr)' },
  out: { kind: 'string', default: 'lr-find', metavar: 'DIR', help: 'output directory (DIR/lr-find.svg)' },
  help: { kind: 'switch', help: 'show this help' },
} as const satisfies Record<string, FlagSpec>;
export type InspectOptions = Values<typeof INSPECT_FLAGS> & { checkpoint: string };
export type CompareOptions = Values<typeof COMPARE_FLAGS>;
export type LrFindOptions = Values<typeof LR_FIND_FLAGS>;

export type TrainOptions = Values<typeof TRAIN_FLAGS>;
export type FeaturesOptions = Values<typeof FEATURES_FLAGS> & { images: string; encoder: string; arch: string; out: string };
export type CaptionOptions = Values<typeof CAPTION_FLAGS> & { checkpoint: string; images: string[] };
export type SampleOptions = Values<typeof SAMPLE_FLAGS> & { checkpoint: string };
export type EvalOptions = Values<typeof EVAL_FLAGS> & { checkpoint: string };
export type ExportOptions = Values<typeof EXPORT_FLAGS> & { checkpoint: string; out: string };
export type ImportOptions = Values<typeof IMPORT_FLAGS> & { params: string; out: string };

export type CommandName = 'train' | 'sample' | 'eval' | 'export' | 'import' | 'prepro' | 'features' | 'caption' | 'inspect' | 'compare' | 'lr-find';
export const COMMANDS: Record<CommandName, { flags: Record<string, FlagSpec>; summary: string; usage: string; examples: string[] }> = {
  train: {
    flags: TRAIN_FLAGS,
    summary: 'train a captioning RNN/LSTM; writes DIR/model.recap, loss.svg and samples.html',
    usage: 'recap train [--data shapes|coco:DIR] [--cell rnn|lstm] [--hidden N] [--wordvec N] [--update RULE] [--lr X] [--lr-decay X] [--epochs N] [--batch N] [--max-train N] [--threads N] [--seed N] [--eval-every N] [--eval-images N] [--keep-best METRIC] [--patience N] [--out DIR] [--resume | --force] [--objective scst --init FILE [--scst-samples K] [--scst-baseline greedy|mean]] [--encoder cnn [--encoder-lr X] [--finetune-after N]]',
    examples: [
      'recap train                                  # LSTM on the built-in shapes world, under a minute on 2 idle cores',
      'recap train --cell rnn --epochs 2 --out runs/rnn',
      'recap train --data coco:datasets/coco_captioning --max-train 50 --hidden 512 --wordvec 256 --batch 25 --epochs 50 --lr 5e-3 --lr-decay 1',
      'recap train --resume --out runs/rnn          # continue an interrupted run (Ctrl-C saves it)',
      'recap train --eval-every 200 --keep-best cider --patience 5 --out runs/es   # early stopping on val CIDEr-D',
      'recap train --objective scst --init out/model.recap --out out-scst   # self-critical training of a trained model',
      'recap train --encoder cnn --out out-cnn       # the shapes world from pixels: a CNN trained jointly with the LSTM',
    ],
  },
  sample: {
    flags: SAMPLE_FLAGS,
    summary: 'caption images with a trained model: greedy, beam search and the ground truth',
    usage: 'recap sample --checkpoint FILE [--data shapes|coco:DIR|prepared:FILE|karpathy:JSON] [--split train|val|test] [--n N] [--beam K] [--temperature X] [--seed N]',
    examples: [
      'recap sample --checkpoint out/model.recap',
      'recap sample --checkpoint out/model.recap --split train --n 5 --beam 5',
    ],
  },
  eval: {
    flags: EVAL_FLAGS,
    summary: 'score a trained model: COCO BLEU-1..4, ROUGE-L, CIDEr-D, CS231n unigram BLEU (shapes: single-object accuracy)',
    usage: 'recap eval --checkpoint FILE [--data shapes|coco:DIR|prepared:FILE|karpathy:JSON] [--split train|val|test] [--beam K] [--max-images N] [--json] [--allow-overlap]',
    examples: [
      'recap eval --checkpoint out/model.recap',
      'recap eval --checkpoint out/best.recap --beam 3 --json',
      'recap eval --checkpoint runs/coco/model.recap --data coco:datasets/coco_captioning --split val --max-images 5000',
      'recap eval --checkpoint runs/flickr8k/model.recap --data prepared:data/flickr8k.recapdata --split test --beam 3',
    ],
  },
  export: {
    flags: EXPORT_FLAGS,
    summary: 'write a model\'s parameters for numpy / the CS231n notebook / PyTorch (.npz or .safetensors)',
    usage: 'recap export --checkpoint FILE --out params.npz|params.safetensors [--compress]',
    examples: [
      'recap export --checkpoint out/model.recap --out params.npz          # also writes params.vocab.json',
      'recap export --checkpoint out/model.recap --out params.safetensors  # vocabulary in the metadata',
    ],
  },
  import: {
    flags: IMPORT_FLAGS,
    summary: 'make a checkpoint from CS231n parameters saved by numpy (np.savez) or a safetensors file',
    usage: 'recap import --params FILE [--vocab FILE] [--cell rnn|lstm] [--dtype float32|float64] --out model.recap',
    examples: [
      'recap import --params params.npz --vocab coco2014_vocab.json --cell lstm --out model.recap',
      'recap import --params params.safetensors --out model.recap',
    ],
  },
  prepro: {
    flags: PREPRO_FLAGS,
    summary: 'prepare your own data: Karpathy-split captions + image features -> one .recapdata file',
    usage: 'recap prepro --captions JSON (--features PATH [--feature-ids FILE] [--feature-key NAME] | --images DIR --encoder FILE --arch ARCH [--resize N] [--crop N] [--batch N] [--threads N] [--skip-bad]) [--word-count-threshold 5] [--max-length 16] [--no-restval] [--pca D] [--dtype float32|float64] --out FILE',
    examples: [
      'recap prepro --captions data/dataset_flickr8k.json --features data/flickr8k_fc --out data/flickr8k.recapdata   # Flickr8k, one {imgid}.npy per image',
      'recap prepro --captions data/dataset_flickr8k.json --features data/flickr8k_fc --pca 512 --out data/flickr8k_pca512.recapdata',
      'recap prepro --captions data/dataset_coco.json --features data/coco_fc.h5 --word-count-threshold 5 --out data/coco.recapdata',
      'recap prepro --captions data/dataset_flickr8k.json --images data/Flicker8k_Dataset --encoder resnet18-f37072fd.pth --arch resnet18 --pca 256 --out data/flickr8k.recapdata',
      'recap train --data prepared:data/flickr8k.recapdata --hidden 512 --wordvec 256 --out runs/flickr8k',
      'recap train --data prepared:data/flickr8k.recapdata --max-train 5000 --out runs/flickr8k-small   # 5000 training captions',
    ],
  },
  features: {
    flags: FEATURES_FLAGS,
    summary: "image features with a torchvision encoder (ResNet, MobileNetV2, VGG-16) from its .pth/.safetensors weights",
    usage: 'recap features --images DIR|LIST --encoder FILE --arch ARCH [--output pooled|grid] [--resize N] [--crop N] [--dtype float32|float64] [--batch N] [--threads N] [--skip-bad] --out feats.npy|DIR/',
    examples: [
      'recap features --images photos/ --encoder resnet18-f37072fd.pth --arch resnet18 --out feats/      # one {name}.npy per photo',
      'recap features --images list.txt --encoder vgg16-397923af.pth --arch vgg16 --out fc7.npy          # one array, ids in fc7.npy.ids.txt',
    ],
  },
  caption: {
    flags: CAPTION_FLAGS,
    summary: 'caption photos (PNG/JPEG files, folders, patterns) with a checkpoint and the encoder it was trained with',
    usage: 'recap caption IMAGE... --checkpoint FILE [--encoder FILE] [--beam K] [--length-penalty X] [--block-ngrams N] [--temperature X] [--top-p P] [--seed N] [--max-length N] [--threads N] [--json]',
    examples: [
      'recap caption photo.jpg --checkpoint runs/flickr8k/model.recap --encoder resnet18-f37072fd.pth',
      "recap caption photos/ 'more/*.png' --checkpoint model.recap --encoder resnet18.pth --beam 3 --json",
      'recap caption scene.png --checkpoint out-cnn/model.recap     # a model trained from pixels (--encoder cnn) carries its CNN',
    ],
  },
  inspect: {
    flags: INSPECT_FLAGS,
    summary: 'one HTML page of figures: gradient flow, gate saturation, activations, attributions, knockouts',
    usage: 'recap inspect --checkpoint FILE [--data ...] [--compare FILE] [--n N] [--image I] [--caption WORDS] [--steps K] [--knockout-images N] [--out DIR]',
    examples: ['recap inspect --checkpoint out/model.recap --out inspect', 'recap inspect --checkpoint runs/lstm/model.recap --compare runs/rnn/model.recap'],
  },
  compare: {
    flags: COMPARE_FLAGS,
    summary: 'several checkpoints side by side: loss curves, val metrics, scene accuracy, hyperparameters',
    usage: 'recap compare FILE FILE... [--out DIR]',
    examples: ['recap compare runs/rnn/model.recap runs/lstm/model.recap --out compare'],
  },
  'lr-find': {
    flags: LR_FIND_FLAGS,
    summary: "Smith's learning-rate range test: the loss while the rate grows; suggests a rate",
    usage: 'recap lr-find [--data ...] [--cell rnn|lstm] [--hidden N] [--wordvec N] [--update RULE] [--batch N] [--seed N] [--min-lr X] [--max-lr X] [--iterations N] [--out DIR]',
    examples: ['recap lr-find --cell lstm --out lr-find', 'recap lr-find --update sgd_momentum --min-lr 1e-4 --max-lr 10'],
  },
};
