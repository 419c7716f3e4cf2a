# A GraphDef in TensorFlow.js's graph-model form, for the oracle (tests/oracle/run_tfjs_graph.js):
#
#   model.json   {"format": "graph-model", "modelTopology": the GraphDef as protobuf JSON,
#                 "weightsManifest": [{"paths": ["weights.bin"],
#                                      "weights": [{name, shape, dtype}, ...]}]}
#   weights.bin  every Const's value, in manifest order, little-endian.
#
# protobuf's JSON mapping is what tfjs-converter reads: lowerCamelCase field names ("node",
# "input", "attr", "unknownRank"), enums by name ("type": "DT_FLOAT"), int64 as decimal strings,
# bytes ("s") in base64. A Const's "value" attribute leaves the topology; tfjs finds its value as
# the weight of the same name. tfjs holds only float32, int32 and bool numbers, so float16/float64
# Consts are stored as float32 and integer ones as int32 (what tfjs itself computes in).
import json
from pathlib import Path

import numpy as np
from google.protobuf import json_format

import tf_protos


def tfjs_weight(name, array):
    """The array as tfjs stores it: (dtype name, little-endian bytes)."""
    if array.dtype.kind == "f":
        return "float32", array.astype("<f4").tobytes()
    if array.dtype.kind == "b":
        return "bool", array.astype(np.uint8).tobytes()
    if array.dtype.kind in "iu":
        info = np.iinfo(np.int32)
        if array.size and (array.min() < info.min or array.max() > info.max):
            raise ValueError(f"Const '{name}' holds {array.dtype} values outside int32's range, "
                             "which TensorFlow.js (int32 only) cannot hold")
        return "int32", array.astype("<i4").tobytes()
    raise ValueError(f"Const '{name}' is {array.dtype}: the TensorFlow.js oracle takes only "
                     "float, integer and bool constants")


def _fill_zero_dims(entry):
    """protobuf's JSON leaves out a Dim whose size is 0 ({}); tfjs would read it as NaN."""
    if isinstance(entry, dict):
        for key, value in entry.items():
            if key == "dim" and isinstance(value, list):
                for dim in value:
                    dim.setdefault("size", "0")
            _fill_zero_dims(value)
    elif isinstance(entry, list):
        for value in entry:
            _fill_zero_dims(value)


# TensorFlow attribute defaults tfjs has no default of its own for and fails without (TF itself
# writes them into every graph it makes). Only the oracle's copy of a graph gets them: layerscope
# still reads the graph as written, and its kernels' defaults are checked against TensorFlow's.
_DEFAULTS_TFJS_NEEDS = {
    "Conv2D": {"dilations": {"list": {"i": ["1", "1", "1", "1"]}}},
    "DepthwiseConv2dNative": {"dilations": {"list": {"i": ["1", "1", "1", "1"]}}},
}


def graph_model_json(graph_def):
    """(model.json's dict, weights.bin's bytes) for a GraphDef message."""
    topology = json_format.MessageToDict(graph_def)
    specs, data = [], []
    for node, node_json in zip(graph_def.node, topology.get("node", [])):
        for name, value in _DEFAULTS_TFJS_NEEDS.get(node.op, {}).items():
            node_json.setdefault("attr", {}).setdefault(name, value)
        if node.op != "Const":
            continue
        if "value" not in node.attr:
            raise ValueError(f"Const '{node.name}' has no value attribute")
        array = tf_protos.tensor_array(node.attr["value"].tensor)
        dtype, raw = tfjs_weight(node.name, array)
        specs.append({"name": node.name, "shape": list(array.shape), "dtype": dtype})
        data.append(raw)
        del node_json["attr"]["value"]
    _fill_zero_dims(topology)
    topology.setdefault("versions", {})  # tfjs reads versions.producer for its version string
    model = {
        "format": "graph-model",
        "generatedBy": "layerscope tests",
        "convertedBy": "tests/tensorflow/tfjs_model.py",
        "modelTopology": topology,
        "weightsManifest": [{"paths": ["weights.bin"], "weights": specs}],
    }
    return model, b"".join(data)


def write_graph_model(graph_def, folder):
    """Writes model.json and weights.bin into folder (made if needed); returns the folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    model, weights = graph_model_json(graph_def)
    (folder / "model.json").write_text(json.dumps(model, indent=1))
    (folder / "weights.bin").write_bytes(weights)
    return folder
