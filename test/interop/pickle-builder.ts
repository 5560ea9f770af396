// Hand-written pickles and .pth archives for the reader's tests (what torch.save would write, and
// what it never would). Opcodes as CPython's Lib/pickle.py names them.
import { zipSync } from 'fflate';

export type Ops = number[];
const utf8 = (s: string) => [...new TextEncoder().encode(s)];
const i32 = (n: number) => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff];

export const P = {
  proto: (v = 2): Ops => [0x80, v],
  stop: [0x2e], mark: [0x28], tuple: [0x74], emptyTuple: [0x29], reduce: [0x52], build: [0x62], emptyDict: [0x7d],
  emptyList: [0x5d], setitems: [0x75], setitem: [0x73], append: [0x61], binpersid: [0x51], none: [0x4e], false: [0x89], true: [0x88],
  str: (s: string): Ops => {
    const b = utf8(s);
    return [0x58, ...i32(b.length), ...b];
  },
  int: (n: number): Ops => [0x4a, ...i32(n)],
  global: (module: string, name: string): Ops => [0x63, ...utf8(`${module}\n${name}\n`)],
};

/** A pickle of the ops between PROTO 2 and STOP. */
export const pickle = (...ops: Ops[]): Uint8Array => Uint8Array.from([...P.proto(), ...ops.flat(), ...P.stop]);

/**
 * torch._utils._rebuild_tensor_v2 of storage `key` (numel elements of `type`) as torch.save's zip
 * pickle writes it; with `view` (null or [view key, offset, size]) as the legacy format writes it.
 */
export function tensorOps(key: string, numel: number, offset: number, size: number[], stride: number[], type = 'FloatStorage', view?: null | [string, number, number]): Ops {
  const legacy = view === undefined ? [] : view === null ? P.none : [...P.mark, ...P.str(view[0]), ...P.int(view[1]), ...P.int(view[2]), ...P.tuple];
  return [
    ...P.global('torch._utils', '_rebuild_tensor_v2'), ...P.mark,
    ...P.mark, ...P.str('storage'), ...P.global('torch', type), ...P.str(key), ...P.str('cpu'), ...P.int(numel), ...legacy, ...P.tuple, ...P.binpersid,
    ...P.int(offset), ...P.mark, ...size.flatMap(P.int), ...P.tuple, ...P.mark, ...stride.flatMap(P.int), ...P.tuple,
    ...P.false, ...P.global('collections', 'OrderedDict'), ...P.emptyTuple, ...P.reduce, ...P.tuple, ...P.reduce,
  ];
}

/** A pickle of a dict of the entries (name → the ops of its value). */
export const dictPickle = (entries: Array<[string, Ops]>): Uint8Array => pickle(P.emptyDict, P.mark, ...entries.flatMap(([k, v]) => [P.str(k), v]), P.setitems);

/** A zip-format .pth: `archive/data.pkl` and the storages as `archive/data/<key>`, plus other members. */
export function zipPth(pkl: Uint8Array, storages: Record<string, Uint8Array>, extra: Record<string, Uint8Array> = {}): Uint8Array {
  const files: Record<string, Uint8Array> = { 'archive/data.pkl': pkl, ...extra };
  for (const [k, v] of Object.entries(storages)) files[`archive/data/${k}`] = v;
  return zipSync(files, { level: 0 });
}

/**
 * A legacy-format .pth: magic number, protocol version 1001, sys_info, the object's pickle, the
 * storage keys, then each storage as [key, element count written, bytes].
 */
export function legacyPth(pkl: Uint8Array, storages: Array<[string, number, Uint8Array]>, keys = storages.map(([k]) => k)): Uint8Array {
  const magic = Uint8Array.from([0x80, 2, 0x8a, 10, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e]);
  const version = pickle([0x4d, 0xe9, 0x03]);
  const sysInfo = pickle(P.emptyDict, P.str('little_endian'), P.true, P.setitem);
  const list = pickle(P.emptyList, ...keys.map((k) => [...P.str(k), ...P.append]));
  const parts: number[][] = [[...magic], [...version], [...sysInfo], [...pkl], [...list]];
  for (const [, count, bytes] of storages) parts.push([...i32(count), 0, 0, 0, 0, ...bytes]);
  return Uint8Array.from(parts.flat());
}

export const f32bytes = (values: number[]) => new Uint8Array(Float32Array.from(values).buffer);
