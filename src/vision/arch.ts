// The torchvision encoders as tables of layers over one kernel set (conv2d_nhwc, dwconv2d_nhwc,
// max_pool2d_nhwc, adaptive_avg_pool2d_nhwc). One builder per architecture family, following
// torchvision 0.14's models/resnet.py (BasicBlock / Bottleneck, _make_layer), mobilenetv2.py
// (InvertedResidual, ReLU6) and vgg.py (cfg 'D', classifier[:5]); parameter names and shapes are
// torchvision's state_dict() names. Nothing here touches memory: network.ts reads the tables.
//
// Values are numbered: 0 is the network input (N,H,W,3), layer i writes value i + 1. A batch
// norm named by a layer is folded into its convolution at load; `res` is a value added before
// the activation (the residual connection); act 0 none, 1 ReLU, 2 ReLU6.

export type Arch = 'resnet18' | 'resnet34' | 'resnet50' | 'resnet101' | 'resnet152' | 'mobilenet_v2' | 'vgg16';
export const ARCHS: readonly Arch[] = ['resnet18', 'resnet34', 'resnet50', 'resnet101', 'resnet152', 'mobilenet_v2', 'vgg16'];

export type Act = 0 | 1 | 2;
export const NONE: Act = 0;
export const RELU: Act = 1;
export const RELU6: Act = 2;

export type Layer =
  /** Dense convolution (groups 1); `bn` folded in; `bias` the conv's own bias (VGG). */
  | { op: 'conv'; name: string; bn: string | null; bias: boolean; cin: number; cout: number; k: number; stride: number; pad: number; act: Act; input: number; res: number | null }
  /** Depthwise convolution (groups = channels), `bn` folded in. */
  | { op: 'dwconv'; name: string; bn: string; c: number; k: number; stride: number; pad: number; act: Act; input: number }
  | { op: 'maxpool'; k: number; stride: number; pad: number; input: number }
  | { op: 'avgpool'; oh: number; ow: number; input: number }
  /** Linear layer; `flatten` (c,h,w): its input is the NHWC map torch flattens in (c,h,w) order. */
  | { op: 'fc'; name: string; cin: number; cout: number; act: Act; input: number; flatten: readonly [number, number, number] | null };

export interface Network {
  arch: Arch;
  layers: Layer[];
  /** The value of the last feature map (the 'grid' output) and of the 'pooled' output. */
  grid: number;
  pooled: number;
  outputDim: number;
  /** The classifier's parameters: accepted when present, any shape, never used. */
  head: readonly string[];
}

/** Builds a layer list: each method appends a layer and returns the value it writes. */
class Builder {
  layers: Layer[] = [];
  private add(layer: Layer): number {
    this.layers.push(layer);
    return this.layers.length;
  }
  conv(name: string, cin: number, cout: number, k: number, stride: number, pad: number, bn: string | null, act: Act, input: number, res: number | null = null): number {
    return this.add({ op: 'conv', name, bn, bias: bn === null, cin, cout, k, stride, pad, act, input, res });
  }
  dwconv(name: string, c: number, k: number, stride: number, bn: string, act: Act, input: number): number {
    return this.add({ op: 'dwconv', name, bn, c, k, stride, pad: (k - 1) >> 1, act, input });
  }
  maxpool(k: number, stride: number, pad: number, input: number): number {
    return this.add({ op: 'maxpool', k, stride, pad, input });
  }
  avgpool(oh: number, ow: number, input: number): number {
    return this.add({ op: 'avgpool', oh, ow, input });
  }
  fc(name: string, cin: number, cout: number, act: Act, input: number, flatten: readonly [number, number, number] | null = null): number {
    return this.add({ op: 'fc', name, cin, cout, act, input, flatten });
  }
}

/** torchvision ResNet: the stem, four _make_layer stages of BasicBlock (expansion 1) or Bottleneck (4). */
function resnet(arch: Arch, bottleneck: boolean, blocks: readonly number[]): Network {
  const b = new Builder();
  const expansion = bottleneck ? 4 : 1;
  let x = b.conv('conv1', 3, 64, 7, 2, 3, 'bn1', RELU, 0);
  x = b.maxpool(3, 2, 1, x);
  let inplanes = 64;
  [64, 128, 256, 512].forEach((planes, stage) => {
    for (let i = 0; i < blocks[stage]; i++) {
      const stride = i === 0 && stage > 0 ? 2 : 1;
      const p = `layer${stage + 1}.${i}`;
      const out = planes * expansion;
      let identity = x;
      if (i === 0 && (stride !== 1 || inplanes !== out)) {
        identity = b.conv(`${p}.downsample.0`, inplanes, out, 1, stride, 0, `${p}.downsample.1`, NONE, x);
      }
      if (bottleneck) {
        let t = b.conv(`${p}.conv1`, inplanes, planes, 1, 1, 0, `${p}.bn1`, RELU, x);
        t = b.conv(`${p}.conv2`, planes, planes, 3, stride, 1, `${p}.bn2`, RELU, t);
        x = b.conv(`${p}.conv3`, planes, out, 1, 1, 0, `${p}.bn3`, RELU, t, identity);
      } else {
        const t = b.conv(`${p}.conv1`, inplanes, planes, 3, stride, 1, `${p}.bn1`, RELU, x);
        x = b.conv(`${p}.conv2`, planes, planes, 3, 1, 1, `${p}.bn2`, RELU, t, identity);
      }
      inplanes = out;
    }
  });
  const pooled = b.avgpool(1, 1, x);
  return { arch, layers: b.layers, grid: x, pooled, outputDim: 512 * expansion, head: ['fc.weight', 'fc.bias'] };
}

/** torchvision MobileNetV2 (width 1.0): (expansion t, channels c, repeats n, first stride s). */
const MOBILENET_V2_SETTING = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1]] as const;

function mobilenetV2(): Network {
  const b = new Builder();
  let x = b.conv('features.0.0', 3, 32, 3, 2, 1, 'features.0.1', RELU6, 0);
  let inp = 32;
  let index = 1;
  for (const [t, c, n, s] of MOBILENET_V2_SETTING) {
    for (let i = 0; i < n; i++) {
      const stride = i === 0 ? s : 1;
      const hidden = inp * t;
      const p = `features.${index}.conv`;
      let h = x;
      let j = 0;
      if (t !== 1) {
        h = b.conv(`${p}.0.0`, inp, hidden, 1, 1, 0, `${p}.0.1`, RELU6, h);
        j = 1;
      }
      h = b.dwconv(`${p}.${j}.0`, hidden, 3, stride, `${p}.${j}.1`, RELU6, h);
      x = b.conv(`${p}.${j + 1}`, hidden, c, 1, 1, 0, `${p}.${j + 2}`, NONE, h, stride === 1 && inp === c ? x : null);
      inp = c;
      index++;
    }
  }
  x = b.conv(`features.${index}.0`, inp, 1280, 1, 1, 0, `features.${index}.1`, RELU6, x);
  const pooled = b.avgpool(1, 1, x);
  return { arch: 'mobilenet_v2', layers: b.layers, grid: x, pooled, outputDim: 1280, head: ['classifier.1.weight', 'classifier.1.bias'] };
}

/** torchvision VGG-16 (cfg 'D', no batch norm): features, avgpool (7,7), classifier[:5] (fc6, ReLU, dropout off, fc7, ReLU). */
const VGG16_CFG = [64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0] as const; // 0: max pool

function vgg16(): Network {
  const b = new Builder();
  let x = 0;
  let cin = 3;
  let index = 0;
  for (const v of VGG16_CFG) {
    if (v === 0) {
      x = b.maxpool(2, 2, 0, x);
      index += 1;
    } else {
      x = b.conv(`features.${index}`, cin, v, 3, 1, 1, null, RELU, x);
      cin = v;
      index += 2;
    }
  }
  const grid = x;
  x = b.avgpool(7, 7, x);
  x = b.fc('classifier.0', 512 * 7 * 7, 4096, RELU, x, [512, 7, 7]);
  x = b.fc('classifier.3', 4096, 4096, RELU, x);
  return { arch: 'vgg16', layers: b.layers, grid, pooled: x, outputDim: 4096, head: ['classifier.6.weight', 'classifier.6.bias'] };
}

/** The network of an architecture (a fresh table each call). */
export function network(arch: Arch): Network {
  switch (arch) {
    case 'resnet18': return resnet(arch, false, [2, 2, 2, 2]);
    case 'resnet34': return resnet(arch, false, [3, 4, 6, 3]);
    case 'resnet50': return resnet(arch, true, [3, 4, 6, 3]);
    case 'resnet101': return resnet(arch, true, [3, 4, 23, 3]);
    case 'resnet152': return resnet(arch, true, [3, 8, 36, 3]);
    case 'mobilenet_v2': return mobilenetV2();
    case 'vgg16': return vgg16();
  }
}

/** One expected state_dict entry: its name, shape, and whether it may be absent. */
export interface ParamSpec { name: string; shape: readonly number[]; optional: boolean }

/** The state_dict entries a network reads (plus batch norm's num_batches_tracked, optional). */
export function paramSpecs(net: Network): ParamSpec[] {
  const out: ParamSpec[] = [];
  const req = (name: string, shape: readonly number[]) => out.push({ name, shape, optional: false });
  const bn = (name: string, c: number) => {
    for (const leaf of ['weight', 'bias', 'running_mean', 'running_var']) req(`${name}.${leaf}`, [c]);
    out.push({ name: `${name}.num_batches_tracked`, shape: [], optional: true });
  };
  for (const l of net.layers) {
    if (l.op === 'conv') {
      req(`${l.name}.weight`, [l.cout, l.cin, l.k, l.k]);
      if (l.bias) req(`${l.name}.bias`, [l.cout]);
      if (l.bn) bn(l.bn, l.cout);
    } else if (l.op === 'dwconv') {
      req(`${l.name}.weight`, [l.c, 1, l.k, l.k]);
      bn(l.bn, l.c);
    } else if (l.op === 'fc') {
      req(`${l.name}.weight`, [l.cout, l.cin]);
      req(`${l.name}.bias`, [l.cout]);
    }
  }
  return out;
}
