// Runs a Keras model with TensorFlow.js (the reference oracle for Keras layers) and writes every
// layer's output as float32 .npy.
//
//   node run_tfjs.js MODEL_DIR OUT_DIR
//
// MODEL_DIR holds
//   model.json    the Keras 2 model config, {"class_name": "Sequential"|"Functional"|"Model",
//                 "config": {...}}, as tf.keras 2.x writes it into an .h5 file's `model_config`;
//   weights.json  [{"layer": "conv2d", "files": ["w/conv2d_0.npy", ...]}]: each layer's weights in
//                 Keras weight order (layer.get_weights()); a layer inside a nested model is
//                 named by its path, "base/conv2d". Every layer that has weights must be listed.
//   inputs.json   ["x0.npy", ...]: the model's inputs in model-input order.
// Paths inside the JSON files are relative to MODEL_DIR.
//
// OUT_DIR receives one .npy per layer output and index.json:
//   [{"layer", "file", "shape", "class_name", "input"}]
// in execution order. Names follow layerscope's `run --dump` `layer` field: a layer's output is
// "name", its further outputs "name:1", "name:2" (an LSTM with return_state); the second call of a
// shared layer is "name@1"; a layer inside a nested model is "outer/inner" (and the nested model's
// own output is "outer"). InputLayers are listed with "input": true.
//
// The model runs in inference mode (Dropout is the identity, BatchNormalization uses its moving
// statistics) on the CPU backend. Exit status: 0 done, 1 error, 3 the model uses something
// TensorFlow.js does not implement (the reason is printed; see UNSUPPORTED below).
'use strict';
const fs = require('fs');
const path = require('path');
const tf = require('@tensorflow/tfjs-core');
require('@tensorflow/tfjs-backend-cpu');
const tfl = require('@tensorflow/tfjs-layers');
const { readNpy, writeNpy } = require('./npy');

const EXIT_UNSUPPORTED = 3;

class Unsupported extends Error {}

// Features of Keras that TensorFlow.js 4.22 rejects or computes differently; a model using one
// is refused rather than compared against a wrong reference.
const UNSUPPORTED = [
  [(cls, cfg) => (cls === 'GRU' || cls === 'GRUCell') && cfg.reset_after === true,
   'GRU with reset_after=true (TensorFlow.js implements only reset_after=false)'],
  [(cls, cfg) => cfg.activation === 'exponential',
   'the "exponential" activation (TensorFlow.js has none)'],
  [(cls, cfg) => cls === 'ELU' && cfg.alpha !== undefined && cfg.alpha !== 1,
   'an ELU layer with alpha != 1 (TensorFlow.js implements only alpha = 1)'],
  [(cls) => cls === 'Resizing',
   'Resizing (TensorFlow.js samples with align_corners, TensorFlow with half-pixel centers)'],
  [(cls) => cls === 'CenterCrop',
   'CenterCrop (TensorFlow.js samples with crop_and_resize and shifts the crop by one column)'],
  [(cls) => cls === 'MultiHeadAttention',
   'MultiHeadAttention (TensorFlow.js\'s Functional loader cannot pass value/key tensors given by keyword)'],
];

// Weights are all set from weights.json (setWeights checks that none is left out), so the
// initializers never matter; TensorFlow.js 4.22's Orthogonal initializer even throws
// ("rMat.flatten is not a function"). Every *_initializer becomes Zeros before the model is built.
function neutralInitializers(entry) {
  if (Array.isArray(entry)) return entry.map(neutralInitializers);
  if (entry === null || typeof entry !== 'object') return entry;
  const out = {};
  for (const [key, value] of Object.entries(entry)) {
    out[key] = key.endsWith('_initializer') && value !== null
      ? { class_name: 'Zeros', config: {} } : neutralInitializers(value);
  }
  return out;
}

function checkSupported(entry) {
  if (Array.isArray(entry)) { entry.forEach(checkSupported); return; }
  if (entry === null || typeof entry !== 'object') return;
  if (typeof entry.class_name === 'string' && entry.config && typeof entry.config === 'object') {
    const known = tf.serialization.SerializationMap.getMap().classNameMap;
    if (!(entry.class_name in known)) {
      const name = entry.config.name || entry.name || entry.class_name;
      throw new Unsupported(`layer '${name}' is a ${entry.class_name}, which TensorFlow.js does not have`);
    }
    for (const [applies, what] of UNSUPPORTED) {
      if (applies(entry.class_name, entry.config)) {
        const name = entry.config.name || entry.name || entry.class_name;
        throw new Unsupported(`layer '${name}' (${entry.class_name}) uses ${what}`);
      }
    }
  }
  for (const value of Object.values(entry)) checkSupported(value);
}

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

function toTensor({ dtype, shape, data }, file) {
  if (dtype === 'float32' || dtype === 'int32') return tf.tensor(data, shape, dtype);
  if (dtype === 'float64') return tf.tensor(Float32Array.from(data), shape, 'float32');
  if (dtype === 'int64' || dtype === 'int16' || dtype === 'int8' || dtype === 'uint8') {
    return tf.tensor(Int32Array.from(data, Number), shape, 'int32');
  }
  throw new Error(`${file}: dtype ${dtype} cannot be fed to TensorFlow.js`);
}

function graphOf(layer) {
  // A Sequential keeps its graph in an inner LayersModel, made when it is built.
  if (!(layer instanceof tfl.Sequential)) return layer;
  if (layer.model == null) layer.build();
  return layer.model;
}

function isContainer(layer) {
  return layer instanceof tfl.LayersModel;
}

function findLayer(model, layerPath) {
  let layer = null;
  let scope = model;
  for (const part of layerPath.split('/')) {
    if (!scope) break;
    layer = graphOf(scope).layers.find(l => l.name === part) || null;
    if (!layer) break;
    scope = isContainer(layer) ? layer : null;
  }
  if (!layer) throw new Error(`weights.json names layer '${layerPath}', which the model does not have`);
  return layer;
}

function leafLayersWithWeights(container, prefix, out) {
  for (const layer of graphOf(container).layers) {
    if (isContainer(layer)) leafLayersWithWeights(layer, `${prefix}${layer.name}/`, out);
    else if (layer.weights.length > 0) out.push([`${prefix}${layer.name}`, layer]);
  }
  return out;
}

function setWeights(model, modelDir, entries) {
  const done = new Set();
  for (const { layer: layerPath, files } of entries) {
    const layer = findLayer(model, layerPath);
    if (isContainer(layer)) {
      throw new Error(`weights.json gives weights for nested model '${layerPath}'; give them per inner layer ('${layerPath}/<layer>')`);
    }
    if (files.length !== layer.weights.length) {
      throw new Error(`layer '${layerPath}' (${layer.getClassName()}) has ${layer.weights.length} weights in TensorFlow.js, weights.json gives ${files.length}`);
    }
    const values = files.map(f => toTensor(readNpy(path.join(modelDir, f)), f));
    try {
      layer.setWeights(values);
    } catch (e) {
      throw new Error(`layer '${layerPath}': ${e.message}`);
    }
    done.add(layer);
  }
  const missing = leafLayersWithWeights(model, '', []).filter(([, l]) => !done.has(l)).map(([n]) => n);
  if (missing.length > 0) throw new Error(`weights.json gives no weights for layer(s) ${missing.join(', ')}`);
}

// For every node of `graph` that belongs to it, which call of its layer it is (0 for the first
// call inside this graph, 1 for the second, ...). A nested model's own input-to-output node does
// not count, as in Keras.
function callIndices(graph) {
  const index = new Map();
  for (const layer of graph.layers) {
    let k = 0;
    layer.inboundNodes.forEach((node, nodeIndex) => {
      if (graph.containerNodes.has(`${layer.name}_ib-${nodeIndex}`)) index.set(node, k++);
    });
  }
  return index;
}

// Runs `container` on concrete inputs like TensorFlow.js's Container.runInternalGraph, but node by
// node so that every layer's output (and, recursively, every nested model's layers' outputs) is
// recorded under its Keras name. Returns [outputs, masks].
function runGraph(container, inputs, masks, prefix, record) {
  const graph = graphOf(container);
  const tensorMap = new Map();
  graph.inputs.forEach((x, i) => tensorMap.set(x.id, [inputs[i], masks[i]]));
  const calls = callIndices(graph);
  const depths = Object.keys(graph.nodesByDepth).map(Number).sort((a, b) => b - a);
  for (const depth of depths) {
    for (const node of graph.nodesByDepth[depth]) {
      const layer = node.outboundLayer;
      const call = calls.get(node) || 0;
      const name = `${prefix}${layer.name}${call > 0 ? `@${call}` : ''}`;
      if (layer.getClassName() === 'InputLayer') {
        const [value] = tensorMap.get(node.outputTensors[0].id);
        record(name, 0, value, layer, true);
        continue;
      }
      const computed = node.inputTensors.filter(x => tensorMap.has(x.id)).map(x => tensorMap.get(x.id));
      if (computed.length !== node.inputTensors.length) {
        throw new Error(`layer '${name}': an input was not computed before it`);
      }
      const kwargs = Object.assign({}, node.callArgs || {});
      const single = computed.length === 1;
      const xs = single ? computed[0][0] : computed.map(c => c[0]);
      const inMasks = single ? computed[0][1] : computed.map(c => c[1]);
      if (kwargs.mask == null) kwargs.mask = inMasks;
      let outputs;
      let outMasks;
      if (isContainer(layer)) {
        const innerInputs = single ? [xs] : xs;
        const innerMasks = single ? [inMasks] : inMasks;
        [outputs, outMasks] = runGraph(layer, innerInputs, innerMasks, `${name}/`, record);
      } else {
        outputs = toList(layer.call(xs, kwargs));
        outMasks = toList(layer.computeMask(xs, inMasks));
      }
      node.outputTensors.forEach((x, i) => {
        tensorMap.set(x.id, [outputs[i], outMasks[i]]);
        record(name, i, outputs[i], layer, false);
      });
    }
  }
  const results = graph.outputs.map(x => {
    if (!tensorMap.has(x.id)) throw new Error(`model output ${x.name} was not computed`);
    return tensorMap.get(x.id);
  });
  return [results.map(r => r[0]), results.map(r => r[1])];
}

function toList(x) {
  if (Array.isArray(x)) return x;
  return x == null ? [null] : [x];
}

function safeFileName(name) {
  return name.replace(/[^A-Za-z0-9_.-]/g, '_');
}

async function main() {
  const [modelDir, outDir] = process.argv.slice(2);
  if (!modelDir || !outDir) throw new Error('usage: node run_tfjs.js MODEL_DIR OUT_DIR');
  const config = readJson(path.join(modelDir, 'model.json'));
  checkSupported(config);
  await tf.setBackend('cpu');
  await tf.ready();
  // The CPU backend greets its first tensor with advice to install tfjs-node; keep stderr for errors.
  const warn = console.warn;
  console.warn = () => {};
  tf.tensor([0]).dispose();
  console.warn = warn;
  const model = await tfl.models.modelFromJSON(neutralInitializers(config));
  setWeights(model, modelDir, readJson(path.join(modelDir, 'weights.json')));
  const inputFiles = readJson(path.join(modelDir, 'inputs.json'));
  if (inputFiles.length !== model.inputs.length) {
    throw new Error(`inputs.json lists ${inputFiles.length} inputs, the model has ${model.inputs.length}`);
  }
  const inputs = inputFiles.map(f => toTensor(readNpy(path.join(modelDir, f)), f));

  fs.mkdirSync(outDir, { recursive: true });
  const index = [];
  const record = (layerName, outputIndex, value, layer, isInput) => {
    const name = outputIndex > 0 ? `${layerName}:${outputIndex}` : layerName;
    if (!(value instanceof tf.Tensor)) throw new Error(`layer '${name}' gave no tensor`);
    const file = `${String(index.length).padStart(3, '0')}_${safeFileName(name)}.npy`;
    const asFloat = value.dtype === 'float32' ? value : value.cast('float32');
    writeNpy(path.join(outDir, file), { dtype: 'float32', shape: asFloat.shape, data: asFloat.dataSync() });
    const entry = { layer: name, file, shape: asFloat.shape, class_name: layer.getClassName() };
    if (isInput) entry.input = true;
    index.push(entry);
  };
  runGraph(model, inputs, inputs.map(() => null), '', record);
  fs.writeFileSync(path.join(outDir, 'index.json'), JSON.stringify(index, null, 1));
}

main().catch(e => {
  if (e instanceof Unsupported) {
    console.error(`unsupported by the TensorFlow.js oracle: ${e.message}`);
    process.exit(EXIT_UNSUPPORTED);
  }
  console.error(`error: ${e.stack || e.message}`);
  process.exit(1);
});
