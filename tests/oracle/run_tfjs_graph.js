// Runs a TensorFlow GraphDef with TensorFlow.js (tfjs-converter's graph executor on the CPU
// backend: TensorFlow's op semantics in pure JavaScript), the reference oracle for layerscope's
// TensorFlow frontend, and writes the tensors asked for as .npy.
//
//   node run_tfjs_graph.js MODEL_DIR FEEDS_DIR OUT_DIR [OUTPUTS_JSON]
//
// MODEL_DIR     model.json in tfjs's graph-model form ({"format": "graph-model", "modelTopology":
//               the GraphDef as protobuf JSON with the Consts' "value" attributes taken out,
//               "weightsManifest": [{"paths", "weights": [{name, shape, dtype}]}]}, a Const's value
//               being the weight named as the node) and the files its manifest names;
//               tests/tensorflow/tfjs_model.py writes them.
// FEEDS_DIR     one .npy per placeholder: index.json {placeholder name: file} when present, else
//               each file feeds the placeholder named as its stem. tfjs has only float32, int32
//               and bool numbers: float64/float16 feeds become float32, integer ones int32.
// OUTPUTS_JSON  ["node", "node:1", ...]: the tensors to compute (TF names: "node:k" is output k).
//               Default: output 0 of every node.
//
// OUT_DIR receives one .npy per tensor computed and index.json:
//   {"tensors": {tensor name: file}, "skipped": {tensor name: why}}
// A tensor is skipped rather than fatal when tfjs cannot compute it (an op it lacks or fails on,
// and so everything computed from that), when its node has no outputs (NoOp), or when it is a
// string or complex tensor. Exit status: 0 done, 1 error (bad arguments, a model tfjs cannot load,
// a feed it refuses, or no tensor computable at all).
'use strict';
const fs = require('fs');
const path = require('path');
const tf = require('@tensorflow/tfjs-core');
require('@tensorflow/tfjs-backend-cpu');
const tfconv = require('@tensorflow/tfjs-converter');
const { readNpy, writeNpy } = require('./npy');

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

// "node:1" -> "node"; a name with no ":k" is the node's.
function nodeName(tensorName) {
  const match = /^(.*):(\d+)$/.exec(tensorName);
  return match ? match[1] : tensorName;
}

// What tf.loadGraphModel asks an IO handler for: the topology and every manifest file's bytes,
// concatenated in manifest order as the weight specs are.
function modelArtifacts(modelDir, modelJson) {
  if (modelJson.format !== 'graph-model' || !modelJson.modelTopology) {
    throw new Error(`${modelDir}/model.json is not a tfjs graph model (format "graph-model" with a modelTopology)`);
  }
  const weightSpecs = [];
  const buffers = [];
  for (const group of modelJson.weightsManifest || []) {
    weightSpecs.push(...group.weights);
    for (const file of group.paths) buffers.push(fs.readFileSync(path.join(modelDir, file)));
  }
  const bytes = Buffer.concat(buffers);
  return {
    format: modelJson.format,
    generatedBy: modelJson.generatedBy,
    convertedBy: modelJson.convertedBy,
    modelTopology: modelJson.modelTopology,
    weightSpecs,
    weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
  };
}

function feedTensor({ dtype, shape, data }, file) {
  if (dtype === 'float32' || dtype === 'int32' || dtype === 'bool') return tf.tensor(data, shape, dtype);
  if (dtype === 'float64' || dtype === 'float16') return tf.tensor(Float32Array.from(data), shape, 'float32');
  if (['int64', 'int16', 'int8', 'uint8', 'uint16', 'uint32'].includes(dtype)) {
    const values = Int32Array.from(data, Number);
    values.forEach((v, i) => {
      if (Number(data[i]) !== v) throw new Error(`${file}: ${dtype} value ${data[i]} does not fit the int32 tfjs computes in`);
    });
    return tf.tensor(values, shape, 'int32');
  }
  throw new Error(`${file}: a ${dtype} feed cannot be given to TensorFlow.js`);
}

function readFeeds(feedsDir) {
  const indexFile = path.join(feedsDir, 'index.json');
  let files;
  if (fs.existsSync(indexFile)) {
    files = readJson(indexFile);
  } else {
    files = {};
    for (const file of fs.readdirSync(feedsDir).filter(f => f.endsWith('.npy'))) files[file.slice(0, -4)] = file;
  }
  const feeds = {};
  for (const [name, file] of Object.entries(files)) {
    feeds[name] = feedTensor(readNpy(path.join(feedsDir, file)), file);
  }
  return feeds;
}

function asList(result) {
  return Array.isArray(result) ? result : [result];
}

function firstLine(error) {
  return String(error.message || error).split('\n')[0];
}

// Every wanted tensor in one run; if that fails, each on its own so that one op tfjs cannot run
// costs only the tensors that need it. Returns {name: tensor}; the others go into `skipped`.
async function compute(model, feeds, wanted, skipped) {
  if (wanted.length === 0) return {};
  try {
    const tensors = asList(await model.executeAsync(feeds, wanted));
    if (tensors.every(t => t instanceof tf.Tensor)) {
      return Object.fromEntries(wanted.map((name, i) => [name, tensors[i]]));
    }
  } catch (e) {
    // Retried one by one below, where the error is recorded against the tensors it stops.
  }
  const computed = {};
  let firstError = null;
  for (const name of wanted) {
    try {
      const [tensor] = asList(await model.executeAsync(feeds, [name]));
      if (!(tensor instanceof tf.Tensor)) throw new Error(`tfjs gave no tensor for '${name}' (no such output?)`);
      computed[name] = tensor;
    } catch (e) {
      firstError = firstError || e;
      skipped[name] = `TensorFlow.js cannot compute it: ${firstLine(e)}`;
    }
  }
  if (Object.keys(computed).length === 0) throw firstError;
  return computed;
}

async function main() {
  const [modelDir, feedsDir, outDir, outputsFile] = process.argv.slice(2);
  if (!outDir) throw new Error('usage: node run_tfjs_graph.js MODEL_DIR FEEDS_DIR OUT_DIR [OUTPUTS_JSON]');
  await tf.setBackend('cpu');
  await tf.ready();
  // The CPU backend greets its first tensor with advice to install tfjs-node, and executeAsync
  // suggests execute() for graphs without control flow: keep stderr for errors.
  console.warn = () => {};

  const modelJson = readJson(path.join(modelDir, 'model.json'));
  const model = await tfconv.loadGraphModel({ load: async () => modelArtifacts(modelDir, modelJson) });
  const feeds = readFeeds(feedsDir);

  const opOf = new Map((modelJson.modelTopology.node || []).map(n => [n.name, n.op]));
  const requested = outputsFile ? readJson(outputsFile) : [...opOf.keys()];
  const skipped = {};
  const wanted = [];
  for (const name of requested) {
    const op = opOf.get(nodeName(name));
    if (op === undefined) throw new Error(`${outputsFile} asks for '${name}': the graph has no node '${nodeName(name)}'`);
    if (op === 'NoOp') skipped[name] = 'a NoOp has no outputs';
    else wanted.push(name);
  }

  const computed = await compute(model, feeds, wanted, skipped);
  fs.mkdirSync(outDir, { recursive: true });
  const tensors = {};
  for (const name of wanted) {
    const tensor = computed[name];
    if (!tensor) continue;
    if (!['float32', 'int32', 'bool'].includes(tensor.dtype)) {
      skipped[name] = `a ${tensor.dtype} tensor (.npy is written for float32, int32 and bool)`;
      continue;
    }
    const file = `t${Object.keys(tensors).length}.npy`;
    writeNpy(path.join(outDir, file), { dtype: tensor.dtype, shape: tensor.shape, data: await tensor.data() });
    tensors[name] = file;
  }
  fs.writeFileSync(path.join(outDir, 'index.json'), JSON.stringify({ tensors, skipped }, null, 1));
}

main().catch(e => {
  console.error(`error: ${e.stack || e.message}`);
  process.exit(1);
});
