// loadEncoder / ImageEncoder: torchvision's ResNet-18…152, MobileNetV2 and VGG-16 from a
// state_dict (docs/encoders.md). The weights are checked against the architecture's table
// (arch.ts), folded and packed once (weights.ts); encode runs the network's plan (network.ts) on
// a preprocessed NCHW batch, in chunks whose activations are reused from call to call.
import { RecapError, fail } from '../core/errors.js';
import { WasmBuffer } from '../core/memory.js';
import { rt } from '../core/runtime.js';
import { Tensor, allocTyped, type FloatDType } from '../core/tensor.js';
import { readStateDict } from '../interop/state-dict.js';
import { type EncoderRecipe, hashTensors } from '../data/recipe.js';
import { ARCHS, type Arch, type ParamSpec, network, paramSpecs } from './arch.js';
import { type ImageInput } from './image.js';
import { type ImageSize, preprocessImages } from './preprocess.js';
import { CompiledNetwork, valueShapes } from './network.js';
import { checkStateDict, freePacked, packNetwork } from './weights.js';

export type { Arch, ParamSpec } from './arch.js';
export { ARCHS } from './arch.js';

/**
 * The state_dict entries an architecture reads, as torchvision names and shapes them (in the
 * network's order; `optional`: batch norm's num_batches_tracked): what `loadEncoder` checks.
 */
export function encoderStateDictSpec(arch: Arch): ParamSpec[] {
  if (!ARCHS.includes(arch)) fail('arch', ARCHS.map((a) => `'${a}'`).join(', '), arch);
  return paramSpecs(network(arch)).map((p) => ({ name: p.name, shape: [...p.shape], optional: p.optional }));
}

export interface LoadEncoderOptions { arch: Arch; dtype?: FloatDType }
export type EncoderOutput = 'pooled' | 'grid';
export interface EncodeOptions {
  output?: EncoderOutput;
  /** For image inputs: torchvision's Resize (default 256: the shorter side) and CenterCrop (default 224); null skips the step. */
  resize?: ImageSize | null;
  crop?: ImageSize | null;
}

/** Activation memory one chunk of a batch may use; larger batches run in chunks (memory stays flat). */
const CHUNK_BYTES = 256 * 2 ** 20;

/**
 * Builds a torchvision encoder from its state_dict (`weights`: a `Record<string, Tensor>` or the
 * bytes of a .safetensors, .npz or PyTorch .pth file with torchvision's names and shapes; a .pth
 * is read without executing anything: src/interop/pth.ts). Every missing,
 * unexpected or mis-shaped entry is listed in one RecapError, before anything is allocated.
 */
export async function loadEncoder(weights: Uint8Array | ArrayBuffer | Record<string, Tensor>, options: LoadEncoderOptions): Promise<ImageEncoder> {
  if (options === null || typeof options !== 'object') fail('options', "an object with 'arch'", options);
  const { arch, dtype = 'float32' } = options;
  if (!ARCHS.includes(arch)) fail('options.arch', ARCHS.map((a) => `'${a}'`).join(', '), arch);
  if (dtype !== 'float32' && dtype !== 'float64') fail('options.dtype', "'float32' or 'float64'", dtype);
  rt();
  const sd = weights instanceof Uint8Array || weights instanceof ArrayBuffer ? readStateDict(weights, 'weights') : weights;
  const net = network(arch);
  checkStateDict(net, sd);
  // the recipe's weights hash: every float tensor the network reads, in the table's order
  const hash = hashTensors(paramSpecs(net).filter((p) => p.name in sd && sd[p.name].dtype !== 'int32').map((p) => [p.name, sd[p.name]] as const));
  const packed = packNetwork(net, sd, dtype);
  let zero: WasmBuffer;
  try {
    // the zero row padded taps read: a whole tap row (k·C) of the widest layer input
    let C = 3;
    for (const l of net.layers) C = Math.max(C, l.op === 'conv' ? l.k * l.cin : l.op === 'fc' ? l.cin : l.op === 'dwconv' ? l.c : 0);
    zero = new WasmBuffer(dtype, C);
    zero.zero();
  } catch (e) {
    freePacked(packed);
    throw e;
  }
  return new ImageEncoder(arch, dtype, hash, new CompiledNetwork(net, dtype, packed, zero), () => { freePacked(packed); zero.free(); });
}

export class ImageEncoder {
  /** Features per image of the 'pooled' output (resnet18/34: 512, resnet50+: 2048, mobilenet_v2: 1280, vgg16: 4096). */
  readonly outputDim: number;
  private disposed = false;
  private busy = false;

  /** @internal use loadEncoder */
  constructor(readonly arch: Arch, readonly dtype: FloatDType,
    /** A hash of the weights the network reads (the feature recipe's `weights`: src/data/recipe.ts). */
    readonly weightsHash: string,
    private readonly compiled: CompiledNetwork, private readonly release: () => void) {
    this.outputDim = compiled.net.outputDim;
  }

  /**
   * torchvision's preprocessing of images for this encoder: `convert('RGB')`, Resize, CenterCrop,
   * ToTensor, Normalize (ImageNet's mean and std) as a tensor (N,3,H,W) of the encoder's dtype.
   */
  preprocess(images: ImageInput | ImageInput[] | readonly unknown[], options: Pick<EncodeOptions, 'resize' | 'crop'> = {}): Tensor {
    return preprocessImages(images, { resize: options.resize, crop: options.crop, dtype: this.dtype });
  }

  /** How this encoder makes features with `options` (defaults as encode's): what `.recapdata` files and checkpoints record. */
  recipe(options: EncodeOptions = {}): EncoderRecipe {
    const size = (v: ImageSize | null | undefined, d: number) => (v === undefined ? d : v === null ? null : typeof v === 'number' ? v : [v[0], v[1]] as [number, number]);
    const crop = size(options.crop, 224);
    return {
      arch: this.arch, output: options.output ?? 'pooled', resize: size(options.resize, 256),
      crop: Array.isArray(crop) ? (crop[0] === crop[1] ? crop[0] : fail('options.crop', 'a square crop (one number) for a feature recipe', crop)) : crop,
      weights: this.weightsHash, dtype: this.dtype,
    };
  }

  /**
   * Features of images (ImageInput-like objects: preprocessed first with `options.resize` and
   * `options.crop`, see `preprocess`) or of a preprocessed batch `input` (N,3,H,W), torchvision's
   * layout and normalisation.
   * 'pooled' (default): (N, outputDim), the global average of the last feature map (vgg16: fc7
   * after its ReLU). 'grid': the last feature map as (N, h, w, C). Returns the encoder's dtype.
   */
  async encode(images: ImageInput | ImageInput[] | readonly unknown[] | Tensor, options: EncodeOptions = {}): Promise<Tensor> {
    if (this.disposed) fail('encoder', 'an encoder not yet disposed', 'disposed');
    const output = options.output ?? 'pooled';
    if (output !== 'pooled' && output !== 'grid') fail('options.output', "'pooled' or 'grid'", output);
    const input = images instanceof Tensor ? images : this.preprocess(images, options);
    if (input.shape.length !== 4 || input.shape[1] !== 3 || input.shape.some((d) => d < 1)) fail('input', 'shape (N,3,H,W), N,H,W >= 1', input.shape);
    if (input.dtype === 'int32') fail('input', 'a float32 or float64 tensor', input.dtype);
    if (this.busy) fail('encoder', 'one encode at a time per encoder (await the previous one)', 'a call still running');
    const [N, , H, W] = input.shape;
    const net = this.compiled.net;
    const shapes = valueShapes(net, 1, H, W); // checks the size first
    const v = output === 'pooled' ? net.pooled : net.grid;
    const per = shapes[v].h * shapes[v].w * shapes[v].c;
    const out = allocTyped(this.dtype, N * per);
    const chunk = Math.max(1, Math.min(N, Math.floor(CHUNK_BYTES / this.compiled.bytesPerImage(H, W))));
    this.busy = true;
    try {
      for (let n0 = 0; n0 < N; n0 += chunk) {
        const n = Math.min(chunk, N - n0);
        const { read } = await this.compiled.forward(n, H, W, v, (view) => toNhwc(view, input.data as Float32Array | Float64Array, n0, n, H, W));
        out.set(read(v), n0 * per);
      }
    } finally {
      this.busy = false;
    }
    const shape = output === 'pooled' ? [N, per] : [N, shapes[v].h, shapes[v].w, shapes[v].c];
    return new Tensor(out, shape);
  }

  /**
   * @internal bench/encoder.mjs: one forward pass of `input` (N,3,H,W) timed layer by layer
   * (each layer's kernel calls, all partitions): its kind (conv kxk, dwconv, pool, fc), FLOPs and ms.
   */
  async timeLayers(input: Tensor): Promise<{ kind: string; flops: number; ms: number }[]> {
    const [N, , H, W] = input.shape;
    const net = this.compiled.net;
    const rows: { kind: string; flops: number; ms: number }[] = [];
    const { shapes } = await this.compiled.forward(N, H, W, net.layers.length, (view) => toNhwc(view, input.data as Float32Array | Float64Array, 0, N, H, W), (i, ms) => {
      const l = net.layers[i];
      rows.push({ kind: l.op === 'conv' ? `conv${l.k}x${l.k}` : l.op, flops: 0, ms });
    });
    rows.forEach((r, i) => { r.flops = this.compiled.flops(i, shapes); });
    return rows;
  }

  /** Frees the packed weights and activations; the encoder is unusable afterwards. */
  dispose(): void {
    if (this.disposed) return;
    if (this.busy) throw new RecapError('encoder', 'no encode running while disposing', 'an encode still running');
    this.disposed = true;
    this.compiled.dispose();
    this.release();
  }
}

/** Images [n0, n0+n) of x (N,3,H,W) into dst (n,H,W,3). */
function toNhwc(dst: Float32Array | Float64Array, x: Float32Array | Float64Array, n0: number, n: number, H: number, W: number): void {
  const hw = H * W;
  for (let i = 0; i < n; i++) {
    const src = (n0 + i) * 3 * hw, d = i * 3 * hw;
    for (let p = 0; p < hw; p++) {
      dst[d + 3 * p] = x[src + p];
      dst[d + 3 * p + 1] = x[src + hw + p];
      dst[d + 3 * p + 2] = x[src + 2 * hw + p];
    }
  }
}
