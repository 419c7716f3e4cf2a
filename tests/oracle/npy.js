// Reads and writes NumPy .npy files (format 1.0/2.0 read, 1.0 written; C order, little-endian) for
// the oracle scripts. An array is {dtype, shape, data}: dtype a name such as 'float32', shape an
// array of numbers, data a typed array ('bool' as a Uint8Array of 0/1; 'float16', which JavaScript
// has no array for, read into a Float32Array of the same values).
'use strict';
const fs = require('fs');

const NPY_TYPES = {
  '<f4': ['float32', Float32Array], '<f8': ['float64', Float64Array],
  '<f2': ['float16', Uint16Array],
  '<i8': ['int64', BigInt64Array], '<i4': ['int32', Int32Array], '<i2': ['int16', Int16Array],
  '|i1': ['int8', Int8Array], '|u1': ['uint8', Uint8Array], '|b1': ['bool', Uint8Array],
  '<u2': ['uint16', Uint16Array], '<u4': ['uint32', Uint32Array],
};

// IEEE 754 half precision: 1 sign bit, 5 exponent bits (bias 15), 10 fraction bits.
function halfToNumber(bits) {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;  // zero and subnormals
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

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
  if (dtype === 'float16') data = Float32Array.from(data, halfToNumber);
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
  // The data may come in another array type than the dtype's (tfjs casts bool -> int32 without
  // converting its Uint8Array): write the values, converted.
  const Ctor = Object.values(NPY_TYPES).find(([name]) => name === dtype)[1];
  let bytes = data instanceof Ctor ? data : Ctor.from(data);
  if (dtype === 'bool') bytes = Uint8Array.from(data, v => (v ? 1 : 0));
  fs.writeFileSync(file, Buffer.concat([pre, Buffer.from(header, 'latin1'),
    Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)]));
}

module.exports = { readNpy, writeNpy };
