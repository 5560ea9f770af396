// Large .npy files in Node without loading them whole: parse the header, then read rows of the
// leading axis on demand (e.g. the features of a few images out of an (N, D) array of 100k rows).
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { FormatError, fail } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import { npyPreambleBytes, parseNpyHeader, type NpyHeader } from './npy-header.js';
import { npyTensor } from './npy.js';

/** An open .npy file: its header, and reads of whole rows. Call close() when done. */
export class NpyFile {
  readonly path: string;
  readonly header: NpyHeader;
  /** Bytes of one row of the leading axis (the whole array for a 0-d array). */
  readonly rowBytes: number;
  private fd: number | null;

  private constructor(path: string, fd: number, header: NpyHeader) {
    this.path = path;
    this.fd = fd;
    this.header = header;
    const rows = header.shape.length === 0 ? 1 : header.shape[0];
    this.rowBytes = rows === 0 ? 0 : header.dataBytes / rows;
  }

  /**
   * Opens `path` and parses its header; checks the file holds exactly the data the header
   * announces (FormatError otherwise). Reads only the header's bytes.
   */
  static open(path: string): NpyFile {
    if (typeof path !== 'string' || path.length === 0) fail('path', 'a file path', typeof path);
    const fd = openSync(path, 'r');
    try {
      const size = fstatSync(fd).size;
      const pre = new Uint8Array(12);
      const got = readSync(fd, pre, 0, 12, 0);
      const preBytes = npyPreambleBytes(pre.subarray(0, got), path);
      if (got < preBytes) throw new FormatError(path, `truncated: ${got} bytes is too short for a .npy header`);
      const dv = new DataView(pre.buffer);
      const len = preBytes === 10 ? dv.getUint16(8, true) : dv.getUint32(8, true);
      if (preBytes + len > size) throw new FormatError(path, `truncated header: ${len} header bytes announced, ${size - preBytes} present`);
      const head = new Uint8Array(preBytes + len);
      readSync(fd, head, 0, head.length, 0);
      const header = parseNpyHeader(head, path);
      const present = size - header.dataOffset;
      if (present !== header.dataBytes) {
        throw new FormatError(path, present < header.dataBytes
          ? `truncated data: shape (${header.shape.join(', ')}) of ${header.descr} needs ${header.dataBytes} bytes, ${present} present`
          : `${present - header.dataBytes} unexpected bytes after the data of shape (${header.shape.join(', ')}) of ${header.descr}`);
      }
      return new NpyFile(path, fd, header);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  /** Rows [start, start + count) of the leading axis as a tensor of shape (count, ...rest). C order only. */
  readRows(start: number, count: number): Tensor {
    const h = this.header;
    if (h.shape.length === 0) fail('readRows', 'an array with at least one axis', 'a 0-d array');
    if (h.fortranOrder && h.shape.length > 1) throw new FormatError(this.path, 'rows of a Fortran-order array are not contiguous; read it whole (readAll) instead');
    const rows = h.shape[0];
    if (!Number.isSafeInteger(start) || start < 0 || start > rows) fail('start', `an integer in [0, ${rows}]`, start);
    if (!Number.isSafeInteger(count) || count < 0 || start + count > rows) fail('count', `an integer in [0, ${rows - start}]`, count);
    const bytes = this.readAt(h.dataOffset + start * this.rowBytes, count * this.rowBytes);
    return npyTensor({ ...h, shape: [count, ...h.shape.slice(1)], dataBytes: bytes.length }, bytes, this.path);
  }

  /** The whole array (as readNpy gives it; Fortran order transposed). */
  readAll(): Tensor {
    return npyTensor(this.header, this.readAt(this.header.dataOffset, this.header.dataBytes), this.path);
  }

  private readAt(position: number, length: number): Uint8Array {
    if (this.fd === null) fail('NpyFile', 'an open file', 'a closed one');
    const bytes = new Uint8Array(length);
    for (let done = 0; done < length;) {
      const n = readSync(this.fd, bytes, done, length - done, position + done);
      if (n === 0) throw new FormatError(this.path, 'the file became shorter while it was read');
      done += n;
    }
    return bytes;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
