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
const { readNpy, writeNpy } = require('./npy');

function readTensor(file) {
  const { dtype, shape, data } = readNpy(file);
  return new ort.Tensor(dtype, data, shape);
}

function writeTensor(file, tensor) {
  writeNpy(file, { dtype: tensor.type, shape: tensor.dims, data: tensor.data });
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
    feeds[spec.slice(0, eq)] = readTensor(spec.slice(eq + 1));
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
      writeTensor(path.join(outDir, file), results[name]);
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
