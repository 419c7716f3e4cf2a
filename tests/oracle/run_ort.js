// Runs an ONNX model with ONNX Runtime (the reference oracle) and writes every output as .npy.
//
//   node run_ort.js MODEL OUT_DIR NAME=FILE.npy [NAME=FILE.npy ...] [--optimize all|disabled]
//       [--threads N] [--repeat N]
//
// OUT_DIR receives one .npy per graph output and index.json: [{"name", "file"}]. With --repeat,
// the model runs N more times and the median wall time per run is printed as JSON on stdout.
'use strict';
const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');

const NPY_TYPES = {
  '<f4': ['float32', Float32Array], '<f8': ['float64', Float64Array],
  '<i8': ['int64', BigInt64Array], '<i4': ['int32', Int32Array], '<i2': ['int16', Int16Array],
  '|i1': ['int8', Int8Array], '|u1': ['uint8', Uint8Array], '|b1': ['bool', Uint8Array],
};

function readNpy(file) {
  const buf = fs.readFileSync(file);
  if (buf.toString('latin1', 1, 6) !== 'NUMPY') throw new Error(`${file}: not a .npy file`);
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', start, start + headerLen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1].split(',').filter(s => s.trim()).map(Number);
  const [type, Ctor] = NPY_TYPES[descr] || [];
  if (!type) throw new Error(`${file}: dtype ${descr} not supported by the oracle`);
  const bytes = buf.subarray(start + headerLen);
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  let data = new Ctor(copy.buffer, 0, copy.length / Ctor.BYTES_PER_ELEMENT);
  if (type === 'bool') data = Uint8Array.from(data);
  return new ort.Tensor(type, data, shape);
}

const DESCR = { float32: '<f4', float64: '<f8', int64: '<i8', int32: '<i4', int16: '<i2',
                int8: '|i1', uint8: '|u1', bool: '|b1' };

function writeNpy(file, tensor) {
  const descr = DESCR[tensor.type];
  if (!descr) throw new Error(`cannot write ${tensor.type} tensor ${file}`);
  const dims = tensor.dims;
  const shape = dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const pre = Buffer.alloc(10);
  pre.write('\x93NUMPY', 0, 'latin1');
  pre[6] = 1; pre[7] = 0;
  pre.writeUInt16LE(header.length, 8);
  const data = tensor.type === 'bool' ? Uint8Array.from(tensor.data, v => (v ? 1 : 0)) : tensor.data;
  fs.writeFileSync(file, Buffer.concat([pre, Buffer.from(header, 'latin1'),
    Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
}

async function main() {
  const args = process.argv.slice(2);
  const opts = { optimize: 'all', threads: 0, repeat: 0 };
  const positional = [];
  for (let i = 0; i < args.length; ++i) {
    if (args[i] === '--optimize') opts.optimize = args[++i];
    else if (args[i] === '--threads') opts.threads = Number(args[++i]);
    else if (args[i] === '--repeat') opts.repeat = Number(args[++i]);
    else positional.push(args[i]);
  }
  const [model, outDir, ...inputSpecs] = positional;
  const feeds = {};
  for (const spec of inputSpecs) {
    const eq = spec.indexOf('=');
    feeds[spec.slice(0, eq)] = readNpy(spec.slice(eq + 1));
  }
  const sessionOptions = { graphOptimizationLevel: opts.optimize };
  if (opts.threads > 0) {
    sessionOptions.intraOpNumThreads = opts.threads;
    sessionOptions.interOpNumThreads = 1;
  }
  const session = await ort.InferenceSession.create(model, sessionOptions);
  const results = await session.run(feeds);
  if (outDir) {
    fs.mkdirSync(outDir, { recursive: true });
    const index = [];
    session.outputNames.forEach((name, i) => {
      const file = `output_${i}.npy`;
      writeNpy(path.join(outDir, file), results[name]);
      index.push({ name, file });
    });
    fs.writeFileSync(path.join(outDir, 'index.json'), JSON.stringify(index, null, 1));
  }
  if (opts.repeat > 0) {
    const times = [];
    for (let i = 0; i < opts.repeat; ++i) {
      const t0 = process.hrtime.bigint();
      await session.run(feeds);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    times.sort((a, b) => a - b);
    console.log(JSON.stringify({ median_ms: times[Math.floor(times.length / 2)], runs: times.length }));
  }
}

main().catch(e => { console.error(`error: ${e.message}`); process.exit(1); });
