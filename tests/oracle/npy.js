// Reads and writes NumPy .npy files (format 1.0/2.0 read, 1.0 written; C order, little-endian) for
// the oracle scripts. An array is {dtype, shape, data}: dtype a name such as 'float32', shape an
// array of numbers, data a typed array ('bool' as a Uint8Array of 0/1).
'use strict';
const fs = require('fs');

const NPY_TYPES = {
  '<f4': ['float32', Float32Array], '<f8': ['float64', Float64Array],
  '<i8': ['int64', BigInt64Array], '<i4': ['int32', Int32Array], '<i2': ['int16', Int16Array],
  '|i1': ['int8', Int8Array], '|u1': ['uint8', Uint8Array], '|b1': ['bool', Uint8Array],
};

const DESCR = { float32: '<f4', float64: '<f8', int64: '<i8', int32: '<i4', int16: '<i2',
                int8: '|i1', uint8: '|u1', bool: '|b1' };

function readNpy(file) {
  const buf = fs.readFileSync(file);
  if (buf.toString('latin1', 1, 6) !== 'NUMPY') throw new Error(`${file}: not a .npy file`);
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', start, start + headerLen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
  if (/'fortran_order':\s*True/.test(header)) throw new Error(`${file}: Fortran order not supported`);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1].split(',').filter(s => s.trim()).map(Number);
  const [dtype, Ctor] = NPY_TYPES[descr] || [];
  if (!dtype) throw new Error(`${file}: dtype ${descr} not supported by the oracle`);
  const bytes = buf.subarray(start + headerLen);
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  let data = new Ctor(copy.buffer, 0, copy.length / Ctor.BYTES_PER_ELEMENT);
  if (dtype === 'bool') data = Uint8Array.from(data);
  return { dtype, shape, data };
}

function writeNpy(file, { dtype, shape, data }) {
  const descr = DESCR[dtype];
  if (!descr) throw new Error(`cannot write ${dtype} array ${file}`);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const pre = Buffer.alloc(10);
  pre.write('\x93NUMPY', 0, 'latin1');
  pre[6] = 1; pre[7] = 0;
  pre.writeUInt16LE(header.length, 8);
  const bytes = dtype === 'bool' ? Uint8Array.from(data, v => (v ? 1 : 0)) : data;
  fs.writeFileSync(file, Buffer.concat([pre, Buffer.from(header, 'latin1'),
    Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)]));
}

module.exports = { readNpy, writeNpy };
