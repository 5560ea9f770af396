// A Python pickle reader that builds plain data only and executes nothing (browser-safe).
//
// It interprets the opcodes of protocols 2 to 5 (and protocol 0's simple ones: INT, LONG,
// FLOAT, GET, PUT, DICT, LIST) as CPython's pickle.py does, with these values:
//   None → null, bool → boolean, int → number (bigint beyond 2^53), float → number,
//   str → string (protocol 2's byte strings too, decoded as UTF-8 like torch.load does),
//   bytes / bytearray → Uint8Array, list → array, tuple → frozen array, set → Set,
//   dict and collections.OrderedDict → PyDict (a Map; BUILD's attributes in `attributes`).
// A GLOBAL is looked up in a table: collections.OrderedDict plus whatever the caller lists
// (`globals`, e.g. torch's tensor rebuild functions, which only build descriptions of tensors).
// Any other global is a FormatError naming it, before anything is built from it: a pickle
// cannot call os.system, eval or a constructor through this reader. REDUCE, NEWOBJ and BUILD
// act only on listed globals and dicts; BINPERSID goes to the caller's `persistentLoad`.
// Reference: CPython Lib/pickle.py (_Unpickler) and Lib/pickletools.py (the opcode table).
import { FormatError } from '../core/errors.js';

/** A dict or collections.OrderedDict from a pickle; BUILD's state (e.g. `_metadata`) goes to `attributes`. */
export class PyDict extends Map<unknown, unknown> {
  readonly attributes = new Map<string, unknown>();
  constructor(readonly ordered = false) {
    super();
  }
}

/** What a listed global does: `call` builds a value from REDUCE / NEWOBJ arguments; without it the global can only be referenced. */
export interface PickleGlobal { call?: (args: readonly unknown[]) => unknown }

/** A global the pickle referenced (one of the listed ones). */
export class PyGlobal {
  constructor(readonly name: string, readonly spec: PickleGlobal) {}
}

/** Options of readPickle. */
export interface PickleOptions {
  /** Names the pickle in errors (e.g. `resnet18.pth/archive/data.pkl`). */
  file: string;
  /** Byte offset where the pickle starts (several pickles may follow each other). */
  offset?: number;
  /** `module.name` → what the global does; collections.OrderedDict is always there. */
  globals?: Readonly<Record<string, PickleGlobal>>;
  /** BINPERSID's handler; without it a persistent id is an error. */
  persistentLoad?: (pid: unknown) => unknown;
  /** A hint added to the error for a refused global (what the file probably is). */
  refusalHint?: (name: string) => string;
}

const ORDERED_DICT: PickleGlobal = {
  call: (args) => {
    const d = new PyDict(true);
    if (args.length === 0) return d;
    const src = args[0];
    if (args.length === 1 && src instanceof Map) {
      for (const [k, v] of src) d.set(k, v);
      return d;
    }
    // Python 2 wrote OrderedDict([[k, v], ...])
    if (args.length === 1 && Array.isArray(src) && src.every((p) => Array.isArray(p) && p.length === 2)) {
      for (const [k, v] of src as unknown[][]) d.set(checkKey(k), v);
      return d;
    }
    throw new TypeError('OrderedDict takes no arguments, a dict or a list of pairs');
  },
};

/** The printable name of opcode `op` (for errors). */
function opName(op: number): string {
  return OPCODE_NAMES[op] ?? `0x${op.toString(16).padStart(2, '0')}`;
}
const OPCODE_NAMES: Record<number, string> = {
  0x28: 'MARK', 0x2e: 'STOP', 0x30: 'POP', 0x31: 'POP_MARK', 0x32: 'DUP', 0x46: 'FLOAT', 0x49: 'INT', 0x4a: 'BININT',
  0x4b: 'BININT1', 0x4c: 'LONG', 0x4d: 'BININT2', 0x4e: 'NONE', 0x50: 'PERSID', 0x51: 'BINPERSID', 0x52: 'REDUCE',
  0x53: 'STRING', 0x54: 'BINSTRING', 0x55: 'SHORT_BINSTRING', 0x56: 'UNICODE', 0x58: 'BINUNICODE', 0x61: 'APPEND',
  0x62: 'BUILD', 0x63: 'GLOBAL', 0x64: 'DICT', 0x7d: 'EMPTY_DICT', 0x65: 'APPENDS', 0x67: 'GET', 0x68: 'BINGET',
  0x69: 'INST', 0x6a: 'LONG_BINGET', 0x6c: 'LIST', 0x5d: 'EMPTY_LIST', 0x6f: 'OBJ', 0x70: 'PUT', 0x71: 'BINPUT',
  0x72: 'LONG_BINPUT', 0x73: 'SETITEM', 0x74: 'TUPLE', 0x29: 'EMPTY_TUPLE', 0x75: 'SETITEMS', 0x47: 'BINFLOAT',
  0x80: 'PROTO', 0x81: 'NEWOBJ', 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4', 0x85: 'TUPLE1', 0x86: 'TUPLE2', 0x87: 'TUPLE3',
  0x88: 'NEWTRUE', 0x89: 'NEWFALSE', 0x8a: 'LONG1', 0x8b: 'LONG4', 0x42: 'BINBYTES', 0x43: 'SHORT_BINBYTES',
  0x8c: 'SHORT_BINUNICODE', 0x8d: 'BINUNICODE8', 0x8e: 'BINBYTES8', 0x8f: 'EMPTY_SET', 0x90: 'ADDITEMS', 0x91: 'FROZENSET',
  0x92: 'NEWOBJ_EX', 0x93: 'STACK_GLOBAL', 0x94: 'MEMOIZE', 0x95: 'FRAME', 0x96: 'BYTEARRAY8', 0x97: 'NEXT_BUFFER', 0x98: 'READONLY_BUFFER',
};

/** A dict key as Python would accept it: unhashable values (list, dict, set) are refused. */
function checkKey(k: unknown): unknown {
  if ((Array.isArray(k) && !Object.isFrozen(k)) || k instanceof Map || k instanceof Set) throw new TypeError('unhashable dict key (a list, dict or set)');
  return k;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads one pickle from `bytes` at `options.offset`: its value and the offset just past its
 * STOP. Throws FormatError naming `options.file` and the byte for anything malformed,
 * truncated or refused (a global not listed, an opcode that would need one).
 */
export function readPickle(bytes: Uint8Array, options: PickleOptions): { value: unknown; end: number } {
  const { file } = options;
  const globals = options.globals ?? {};
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = options.offset ?? 0;
  let op = -1;
  let opAt = pos;
  let stack: unknown[] = [];
  const metastack: unknown[][] = [];
  const memo = new Map<number, unknown>();
  const bad = (msg: string): never => {
    throw new FormatError(file, `pickle byte ${opAt}${op >= 0 ? ` (${opName(op)})` : ''}: ${msg}`);
  };
  const need = (n: number): number => {
    if (!(n >= 0) || pos + n > bytes.length) bad(`truncated: ${n} bytes needed, ${bytes.length - pos} left`);
    const at = pos;
    pos += n;
    return at;
  };
  const u8 = () => bytes[need(1)];
  const u32 = () => dv.getUint32(need(4), true);
  const u64 = (): number => {
    const at = need(8);
    const hi = dv.getUint32(at + 4, true);
    if (hi >= 0x200000) bad('a length beyond 2^53');
    return hi * 2 ** 32 + dv.getUint32(at, true);
  };
  const take = (n: number) => bytes.subarray(need(n), pos);
  const text = (n: number): string => {
    try {
      return utf8.decode(take(n));
    } catch {
      return bad('a string that is not UTF-8');
    }
  };
  const line = (): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) bad('truncated: no end of line');
    const s = String.fromCharCode(...bytes.subarray(pos, Math.min(end, pos + 256)));
    if (end - pos > 256) bad('a text argument over 256 bytes');
    pos = end + 1;
    return s;
  };
  const pop = (): unknown => {
    if (stack.length === 0) bad('stack underflow');
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length === 0) bad('stack underflow');
    return stack[stack.length - 1];
  };
  // push(f()) rather than stack.push(f()): `stack` is read before the call, and popMark replaces it
  const push = (v: unknown) => {
    stack.push(v);
  };
  const popMark = (): unknown[] => {
    if (metastack.length === 0) bad('no MARK to pop to');
    const items = stack;
    stack = metastack.pop()!;
    return items;
  };
  const global = (module: string, name: string): PyGlobal => {
    const full = `${module}.${name}`;
    const spec = full === 'collections.OrderedDict' ? ORDERED_DICT : Object.hasOwn(globals, full) ? globals[full] : undefined;
    if (!spec) {
      throw new FormatError(file, `pickle byte ${opAt}: refers to the Python global ${full}, which recap does not allow: `
        + `refused, nothing was executed (a .pth is read as tensors, dicts, lists, strings and numbers only)${options.refusalHint?.(full) ?? ''}`);
    }
    return new PyGlobal(full, spec);
  };
  const call = (callable: unknown, args: unknown, how: string): unknown => {
    if (!(callable instanceof PyGlobal)) return bad(`${how} of something that is not a global`);
    if (!callable.spec.call) return bad(`${how} of ${callable.name}, which is not callable here`);
    if (!Array.isArray(args) || !Object.isFrozen(args)) return bad(`${how} of ${callable.name} without an argument tuple`);
    try {
      return callable.spec.call(args);
    } catch (e) {
      if (e instanceof FormatError) throw e;
      return bad(`${callable.name}${how === 'REDUCE' ? '' : ` (${how})`}: ${(e as Error).message}`);
    }
  };
  const setItems = (d: unknown, items: unknown[]) => {
    if (!(d instanceof Map)) bad('SETITEM(S) on something that is not a dict');
    if (items.length % 2) bad('an odd number of items for a dict');
    for (let i = 0; i < items.length; i += 2) {
      try {
        (d as Map<unknown, unknown>).set(checkKey(items[i]), items[i + 1]);
      } catch (e) {
        bad((e as Error).message);
      }
    }
  };
  const int = (v: bigint): number | bigint => (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
  const long = (n: number): number | bigint => {
    const b = take(n);
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    if (n > 0 && b[n - 1] & 0x80) v -= 1n << BigInt(8 * n);
    return int(v);
  };
  const tuple = (items: unknown[]) => Object.freeze(items);

  for (;;) {
    opAt = pos;
    op = -1; // none read yet: a truncation here names no opcode
    op = u8();
    switch (op) {
      case 0x80: { // PROTO
        const v = u8();
        if (v > 5) bad(`pickle protocol ${v} is newer than 5`);
        break;
      }
      case 0x95: // FRAME: frames only group bytes; the length is checked
        if (u64() > bytes.length - pos) bad('truncated: a frame longer than the rest of the file');
        break;
      case 0x2e: // STOP
        return { value: pop(), end: pos };
      case 0x28: metastack.push(stack); stack = []; break; // MARK
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: stack.push(top()); break; // DUP
      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x4a: stack.push(dv.getInt32(need(4), true)); break; // BININT
      case 0x4b: stack.push(u8()); break; // BININT1
      case 0x4d: stack.push(dv.getUint16(need(2), true)); break; // BININT2
      case 0x8a: stack.push(long(u8())); break; // LONG1
      case 0x8b: { // LONG4
        const n = dv.getInt32(need(4), true);
        if (n < 0 || n > 1024) bad(`an integer of ${n} bytes (at most 1024 are read)`);
        stack.push(long(n));
        break;
      }
      case 0x49: { // INT (protocol 0): "I01\n" and "I00\n" are True and False
        const s = line();
        if (s === '01' || s === '00') stack.push(s === '01');
        else if (/^[-+]?\d+$/.test(s)) stack.push(int(BigInt(s)));
        else bad(`not an integer: ${JSON.stringify(s)}`);
        break;
      }
      case 0x4c: { // LONG (protocol 0)
        const s = line().replace(/L$/, '');
        if (!/^[-+]?\d+$/.test(s)) bad(`not an integer: ${JSON.stringify(s)}`);
        stack.push(int(BigInt(s)));
        break;
      }
      case 0x46: { // FLOAT (protocol 0)
        const s = line();
        const v = Number(s);
        if (s.trim() === '' || (Number.isNaN(v) && !/^[-+]?nan$/i.test(s))) bad(`not a float: ${JSON.stringify(s)}`);
        stack.push(v);
        break;
      }
      case 0x47: stack.push(dv.getFloat64(need(8), false)); break; // BINFLOAT (big-endian)
      case 0x55: stack.push(text(u8())); break; // SHORT_BINSTRING
      case 0x54: { // BINSTRING
        const n = dv.getInt32(need(4), true);
        if (n < 0) bad('a negative length');
        stack.push(text(n));
        break;
      }
      case 0x8c: stack.push(text(u8())); break; // SHORT_BINUNICODE
      case 0x58: stack.push(text(u32())); break; // BINUNICODE
      case 0x8d: stack.push(text(u64())); break; // BINUNICODE8
      case 0x43: stack.push(take(u8()).slice()); break; // SHORT_BINBYTES
      case 0x42: stack.push(take(u32()).slice()); break; // BINBYTES
      case 0x8e: case 0x96: stack.push(take(u64()).slice()); break; // BINBYTES8, BYTEARRAY8
      case 0x29: stack.push(tuple([])); break; // EMPTY_TUPLE
      case 0x74: push(tuple(popMark())); break; // TUPLE
      case 0x85: stack.push(tuple([pop()])); break; // TUPLE1
      case 0x86: { const b = pop(); const a = pop(); stack.push(tuple([a, b])); break; } // TUPLE2
      case 0x87: { const c = pop(); const b = pop(); const a = pop(); stack.push(tuple([a, b, c])); break; } // TUPLE3
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x6c: push(popMark()); break; // LIST
      case 0x61: { // APPEND
        const v = pop();
        const l = top();
        if (!Array.isArray(l) || Object.isFrozen(l)) bad('APPEND to something that is not a list');
        (l as unknown[]).push(v);
        break;
      }
      case 0x65: { // APPENDS
        const items = popMark();
        const l = top();
        if (!Array.isArray(l) || Object.isFrozen(l)) bad('APPENDS to something that is not a list');
        for (const v of items) (l as unknown[]).push(v);
        break;
      }
      case 0x7d: stack.push(new PyDict()); break; // EMPTY_DICT
      case 0x64: { const d = new PyDict(); setItems(d, popMark()); stack.push(d); break; } // DICT
      case 0x73: { const v = pop(); const k = pop(); setItems(top(), [k, v]); break; } // SETITEM
      case 0x75: { const items = popMark(); setItems(top(), items); break; } // SETITEMS
      case 0x8f: stack.push(new Set()); break; // EMPTY_SET
      case 0x90: { // ADDITEMS
        const items = popMark();
        const s = top();
        if (!(s instanceof Set)) bad('ADDITEMS to something that is not a set');
        for (const v of items) (s as Set<unknown>).add(checkKeyOrBad(v, bad));
        break;
      }
      case 0x91: push(new Set(popMark().map((v) => checkKeyOrBad(v, bad)))); break; // FROZENSET
      case 0x63: { // GLOBAL
        const module = line();
        stack.push(global(module, line()));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') bad('STACK_GLOBAL of values that are not strings');
        stack.push(global(module as string, name as string));
        break;
      }
      case 0x69: { // INST (protocol 0): a global called with the marked items; refused unless listed and callable
        const module = line();
        const g = global(module, line());
        push(call(g, tuple(popMark()), 'INST'));
        break;
      }
      case 0x6f: { // OBJ
        const items = popMark();
        if (items.length === 0) bad('OBJ without a class');
        stack.push(call(items[0], tuple(items.slice(1)), 'OBJ'));
        break;
      }
      case 0x52: { const args = pop(); const f = pop(); stack.push(call(f, args, 'REDUCE')); break; } // REDUCE
      case 0x81: { const args = pop(); const cls = pop(); stack.push(call(cls, args, 'NEWOBJ')); break; } // NEWOBJ
      case 0x92: { // NEWOBJ_EX
        const kwargs = pop();
        const args = pop();
        const cls = pop();
        if (!(kwargs instanceof Map) || kwargs.size > 0) bad('NEWOBJ_EX with keyword arguments');
        stack.push(call(cls, args, 'NEWOBJ_EX'));
        break;
      }
      case 0x62: { // BUILD: only a dict's attributes (OrderedDict's _metadata) may be set
        const state = pop();
        const obj = top();
        if (!(obj instanceof PyDict)) bad('BUILD on something that is not a dict (only a dict\'s attributes may be set)');
        const dictState = Array.isArray(state) && Object.isFrozen(state) && state.length === 2 ? state[0] : state;
        if (dictState === null) break;
        if (!(dictState instanceof Map)) bad('BUILD with a state that is not a dict');
        for (const [k, v] of dictState as Map<unknown, unknown>) {
          if (typeof k !== 'string') bad('BUILD with an attribute name that is not a string');
          (obj as PyDict).attributes.set(k as string, v);
        }
        break;
      }
      case 0x51: case 0x50: { // BINPERSID, PERSID
        const pid = op === 0x50 ? line() : pop();
        if (!options.persistentLoad) bad('a persistent id, which this pickle may not hold');
        try {
          stack.push(options.persistentLoad!(pid));
        } catch (e) {
          if (e instanceof FormatError) throw e;
          bad((e as Error).message);
        }
        break;
      }
      case 0x68: case 0x6a: case 0x67: { // BINGET, LONG_BINGET, GET
        const i = op === 0x68 ? u8() : op === 0x6a ? u32() : Number(line());
        if (!memo.has(i)) bad(`memo entry ${i} was never stored`);
        stack.push(memo.get(i));
        break;
      }
      case 0x71: case 0x72: case 0x70: { // BINPUT, LONG_BINPUT, PUT
        const i = op === 0x71 ? u8() : op === 0x72 ? u32() : Number(line());
        if (!Number.isSafeInteger(i) || i < 0) bad('a bad memo index');
        memo.set(i, top());
        break;
      }
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      default:
        bad(op in OPCODE_NAMES ? 'an opcode recap does not read (extension registry, out-of-band buffers or protocol 0 text strings)' : 'not a pickle opcode');
    }
  }
}

function checkKeyOrBad(v: unknown, bad: (msg: string) => never): unknown {
  try {
    return checkKey(v);
  } catch (e) {
    return bad((e as Error).message);
  }
}
