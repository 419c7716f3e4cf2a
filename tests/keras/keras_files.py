# Writes one Keras model, given as a Keras 2 config dict plus its weights, in the on-disk layouts
# that layerscope's Keras frontend reads, without TensorFlow or Keras installed:
#
#   write_keras2_h5        what tf.keras 2.x `model.save("m.h5")` writes (tf_keras/saving/legacy/
#                          hdf5_format.py): root attrs model_config/keras_version/backend, and
#                          model_weights/<layer>/<weight name> with layer_names/weight_names attrs;
#   write_weights_only_h5  what `model.save_weights("w.h5")` writes (the same weight groups at the
#                          root, no model_config);
#   write_keras3           a Keras 3 `.keras` zip (keras/src/saving/saving_lib.py): metadata.json,
#                          config.json in Keras 3's own form, and model.weights.h5 with each layer's
#                          variables under layers/<snake_case class name>[_N]/vars/<i>.
#
# `config` is {"class_name": "Sequential"|"Functional"|"Model", "config": {...}} exactly as tf.keras
# 2.x puts it in an .h5 file. `weights` maps a layer to its variables in Keras weight order
# (layer.get_weights()): {"dense": [("kernel", array), ("bias", array)], ...}; a layer inside a
# nested model is keyed by its path, "base/conv2d"; a Bidirectional layer lists its forward
# layer's variables then its backward layer's. The files' structure is checked by
# test_fixtures.py, which also runs the TensorFlow.js oracle on every model of model_zoo.py.
import copy
import datetime
import io
import json
import re
import zipfile

import h5py
import numpy as np

# Largest attribute tf.keras writes in one piece; longer lists are split into name0, name1, ...
HDF5_OBJECT_HEADER_LIMIT = 64512

MODEL_CLASSES = ("Sequential", "Functional", "Model")
RNN_CELLS = {"SimpleRNN": "simple_rnn_cell", "LSTM": "lstm_cell", "GRU": "gru_cell"}
NON_TRAINABLE_VARIABLES = {"moving_mean", "moving_variance"}


# --- walking a Keras 2 config ------------------------------------------------------------------

def is_model(entry):
    return entry["class_name"] in MODEL_CLASSES


def layer_name(entry):
    return entry["config"]["name"]


def model_layers(model_entry, include_sequential_input=False):
    """The layers of a model as Keras 2's `model.layers` lists them: a Sequential hides its
    InputLayer, a Functional model does not."""
    layers = model_entry["config"]["layers"]
    if model_entry["class_name"] == "Sequential" and not include_sequential_input:
        layers = [e for e in layers if e["class_name"] != "InputLayer"]
    return layers


def leaf_layers(model_entry, prefix=""):
    """(path, entry) of every non-model layer, depth first, nested models expanded."""
    out = []
    for entry in model_layers(model_entry):
        path = prefix + layer_name(entry)
        if is_model(entry):
            out += leaf_layers(entry, path + "/")
        else:
            out.append((path, entry))
    return out


def _weights_of(weights, path):
    return list(weights.get(path, []))


# --- Keras 2 .h5 -------------------------------------------------------------------------------

def keras2_variable_names(entry, variables):
    """tf.keras 2.x variable names (`dense/kernel:0`) of one non-model layer's variables."""
    name, cls = layer_name(entry), entry["class_name"]
    if cls in RNN_CELLS:
        return [f"{name}/{RNN_CELLS[cls]}/{var}:0" for var, _ in variables]
    if cls == "Bidirectional":
        inner = entry["config"]["layer"]
        cell = RNN_CELLS[inner["class_name"]]
        half = len(variables) // 2
        return [f"{name}/{'forward' if i < half else 'backward'}_{layer_name(inner)}/{cell}/{var}:0"
                for i, (var, _) in enumerate(variables)]
    return [f"{name}/{var}:0" for var, _ in variables]


def _is_trainable(entry, var):
    # Normalization's adapted mean, variance and count are all non-trainable.
    return (entry["config"].get("trainable", True) and var not in NON_TRAINABLE_VARIABLES
            and entry["class_name"] != "Normalization")


def keras2_layer_weights(entry, path, weights):
    """[(weight name, array)] of one top-level layer as tf.keras 2.x saves it
    (`layer.trainable_weights + layer.non_trainable_weights`: for a nested model, all the
    trainable variables of its layers first, then the rest)."""
    if not is_model(entry):
        variables = _weights_of(weights, path)
        named = list(zip(keras2_variable_names(entry, variables), (v for _, v in variables)))
        keep = [_is_trainable(entry, var) for var, _ in variables]
        return [n for n, k in zip(named, keep) if k] + [n for n, k in zip(named, keep) if not k]
    trainable, frozen = [], []
    for inner_path, inner in leaf_layers(entry, path + "/"):
        variables = _weights_of(weights, inner_path)
        names = keras2_variable_names(inner, variables)
        for (var, value), name in zip(variables, names):
            (trainable if _is_trainable(inner, var) else frozen).append((name, value))
    return trainable + frozen


def _save_attribute(group, name, values):
    """As tf.keras's save_attributes_to_hdf5_group: a fixed-length bytes array, split into
    name0, name1, ... when it exceeds the HDF5 object header limit."""
    data = np.asarray(values)
    chunks = 1
    parts = np.array_split(data, chunks)
    while any(p.nbytes > HDF5_OBJECT_HEADER_LIMIT for p in parts):
        chunks += 1
        parts = np.array_split(data, chunks)
    if chunks > 1:
        for i, part in enumerate(parts):
            group.attrs[f"{name}{i}"] = part
    else:
        group.attrs[name] = data


def _version_at_least(version, minimum):
    return tuple(int(p) for p in re.findall(r"\d+", version)[:3]) >= minimum


def _write_weight_groups(group, config, weights, keras_version):
    layers = model_layers(config)
    _save_attribute(group, "layer_names", [layer_name(e).encode("utf8") for e in layers])
    group.attrs["backend"] = b"tensorflow"
    group.attrs["keras_version"] = keras_version.encode("utf8")
    for entry in sorted(layers, key=layer_name):
        g = group.create_group(layer_name(entry))
        named = keras2_layer_weights(entry, layer_name(entry), weights)
        _save_attribute(g, "weight_names", [n.encode("utf8") for n, _ in named])
        for name, value in named:
            g.create_dataset(name, data=np.asarray(value))
    if _version_at_least(keras_version, (2, 13)):
        g = group.create_group("top_level_model_weights")
        _save_attribute(g, "weight_names", [])


def write_keras2_h5(path, config, weights, keras_version="2.11.0"):
    """A whole model as tf.keras 2.x `model.save("m.h5")` writes it (not compiled: no
    training_config, no optimizer_weights)."""
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = keras_version.encode("utf8")
        f.attrs["backend"] = b"tensorflow"
        # h5py stores Python bytes as a variable-length ASCII string, as tf.keras does.
        f.attrs["model_config"] = json.dumps(config).encode("utf8")
        _write_weight_groups(f.create_group("model_weights"), config, weights, keras_version)


def write_weights_only_h5(path, config, weights, keras_version="2.11.0"):
    """Weights only, as tf.keras 2.x `model.save_weights("w.h5")` writes them."""
    with h5py.File(path, "w") as f:
        _write_weight_groups(f, config, weights, keras_version)


# --- output shapes of a Keras 2 config (for Keras 3's build_config and __keras_tensor__) -------

def _conv_length(n, k, s, padding, d=1):
    if n is None:
        return None
    k = (k - 1) * d + 1
    return -(-n // s) if padding == "same" else (n - k) // s + 1


def _deconv_length(n, k, s, padding, output_padding=None):
    if n is None:
        return None
    if output_padding is not None:  # keras.utils.conv_utils.deconv_output_length
        return (n - 1) * s + k - 2 * (k // 2 if padding == "same" else 0) + output_padding
    return n * s if padding == "same" else n * s + max(k - s, 0)


def _spatial(shape, cfg, transpose=False):
    ks, ss = cfg.get("kernel_size") or cfg["pool_size"], cfg.get("strides") or cfg["pool_size"]
    ds = cfg.get("dilation_rate", [1] * len(ks))
    if transpose:
        ops = cfg.get("output_padding") or [None] * len(ks)
        return [_deconv_length(n, k, s, cfg["padding"], op)
                for n, k, s, op in zip(shape[1:-1], ks, ss, ops)]
    return [_conv_length(n, k, s, cfg["padding"], d) for n, k, s, d in zip(shape[1:-1], ks, ss, ds)]


def _rnn_shapes(cls, cfg, shape):
    units = cfg["units"]
    out = [shape[0], shape[1], units] if cfg.get("return_sequences") else [shape[0], units]
    if not cfg.get("return_state"):
        return [out]
    return [out] + [[shape[0], units]] * (2 if cls == "LSTM" else 1)


def layer_output_shapes(entry, in_shapes):
    """Output shapes ([None, ...] lists) of a non-model layer given its input shapes."""
    cls, cfg = entry["class_name"], entry["config"]
    x = in_shapes[0]
    if cls == "Dense":
        return [x[:-1] + [cfg["units"]]]
    if cls in ("Conv1D", "Conv2D", "Conv3D"):
        return [[x[0]] + _spatial(x, cfg) + [cfg["filters"]]]
    if re.fullmatch(r"Conv[123]DTranspose", cls):
        return [[x[0]] + _spatial(x, cfg, transpose=True) + [cfg["filters"]]]
    if cls == "SeparableConv2D":
        return [[x[0]] + _spatial(x, cfg) + [cfg["filters"]]]
    if cls == "DepthwiseConv2D":
        return [[x[0]] + _spatial(x, cfg) + [x[-1] * cfg["depth_multiplier"]]]
    if re.fullmatch(r"(Max|Average)Pooling[123]D", cls):
        return [[x[0]] + _spatial(x, cfg) + [x[-1]]]
    if re.fullmatch(r"Global(Max|Average)Pooling[123]D", cls):
        return [[x[0], x[-1]] if not cfg.get("keepdims") else [x[0]] + [1] * (len(x) - 2) + [x[-1]]]
    if cls == "Flatten":
        n = 1
        for d in x[1:]:
            n = None if d is None or n is None else n * d
        return [[x[0], n]]
    if cls == "Reshape":
        return [[x[0]] + list(cfg["target_shape"])]
    if cls == "Permute":
        return [[x[0]] + [x[d] for d in cfg["dims"]]]
    if cls == "RepeatVector":
        return [[x[0], cfg["n"], x[1]]]
    if cls == "Embedding":
        return [x + [cfg["output_dim"]]]
    if cls in RNN_CELLS:
        return _rnn_shapes(cls, cfg, x)
    if cls == "Bidirectional":
        inner = cfg["layer"]
        shapes = _rnn_shapes(inner["class_name"], inner["config"], x)
        merge = cfg.get("merge_mode", "concat")
        out = shapes[0][:-1] + [shapes[0][-1] * (2 if merge == "concat" else 1)]
        return ([out] if merge is not None else [shapes[0]] * 2) + shapes[1:] * 2
    if cls == "TimeDistributed":  # the inner layer on batch and time merged
        merged = [None if x[0] is None or x[1] is None else x[0] * x[1]] + list(x[2:])
        (inner,) = layer_output_shapes(cfg["layer"], [merged])
        return [x[:2] + inner[1:]]
    if cls == "ZeroPadding2D":
        (t, b), (l, r) = cfg["padding"]
        return [[x[0], x[1] + t + b, x[2] + l + r, x[3]]]
    if cls == "Cropping2D":
        (t, b), (l, r) = cfg["cropping"]
        return [[x[0], x[1] - t - b, x[2] - l - r, x[3]]]
    if cls == "UpSampling2D":
        return [[x[0], x[1] * cfg["size"][0], x[2] * cfg["size"][1], x[3]]]
    if cls in ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"):
        # Keras expands lower-rank inputs after the batch axis, then broadcasts.
        rank = max(len(s) for s in in_shapes)
        out = [1] * rank
        for s in in_shapes:
            padded = [s[0]] + [1] * (rank - len(s)) + list(s[1:])
            out = [b if a == 1 else a for a, b in zip(out, padded)]
        out[0] = x[0]
        return [out]
    if cls == "Dot":
        axes = cfg["axes"] if isinstance(cfg["axes"], list) else [cfg["axes"]] * 2
        a, b = in_shapes
        a0, a1 = axes[0] % len(a), axes[1] % len(b)
        out = [d for i, d in enumerate(a) if i != a0] + [d for i, d in enumerate(b) if i not in (0, a1)]
        return [out if len(out) > 1 else out + [1]]
    if cls in ("Resizing", "CenterCrop"):
        return [[x[0], cfg["height"], cfg["width"], x[3]]]
    if cls == "MultiHeadAttention":
        out = cfg.get("output_shape") or [x[-1]]
        return [x[:-1] + (list(out) if isinstance(out, list) else [out])]
    if cls == "Concatenate":
        axis = cfg.get("axis", -1) % len(x)
        out = list(x)
        out[axis] = sum(s[axis] for s in in_shapes)
        return [out]
    return [list(x)]  # elementwise: activations, normalisation, Dropout, Add, Multiply, ...


def infer_shapes(model_entry, input_shapes=None):
    """{(layer name, call index): [output shapes]} and the model's output shapes, for a Keras 2
    model config. A nested model's call maps to its outputs; its inner layers get their own keys
    in the returned `inner` dict, keyed by nested model name."""
    cfg = model_entry["config"]
    shapes, inner = {}, {}
    if model_entry["class_name"] == "Sequential":
        layers = cfg["layers"]
        if layers[0]["class_name"] == "InputLayer":
            x = list(layers[0]["config"]["batch_input_shape"])
            shapes[(layer_name(layers[0]), 0)] = [x]
            layers = layers[1:]
        else:
            x = list(input_shapes[0]) if input_shapes else list(layers[0]["config"]["batch_input_shape"])
        for entry in layers:
            if is_model(entry):
                sub, sub_inner, outs = infer_shapes(entry, [x])
                inner[layer_name(entry)] = (sub, sub_inner)
            else:
                outs = layer_output_shapes(entry, [x])
            shapes[(layer_name(entry), 0)] = outs
            x = outs[0]
        return shapes, inner, [x]
    by_name = {}
    for i, (name, _, _) in enumerate(cfg["input_layers"]):
        if input_shapes:
            shapes[(name, 0)] = [list(input_shapes[i])]
    for entry in cfg["layers"]:
        name = entry["name"]
        by_name[name] = entry
        if entry["class_name"] == "InputLayer":
            shapes.setdefault((name, 0), [list(entry["config"]["batch_input_shape"])])
            continue
        for call, node in enumerate(entry["inbound_nodes"]):
            ins = [shapes[(src, n)][t] for src, n, t, *_ in node]
            if is_model(entry):
                sub, sub_inner, outs = infer_shapes(entry, ins)
                inner[name if call == 0 else f"{name}@{call}"] = (sub, sub_inner)
            else:
                outs = layer_output_shapes(entry, ins)
            shapes[(name, call)] = outs
    outs = [shapes[(n, c)][t] for n, c, t in cfg["output_layers"]]
    return shapes, inner, outs


# --- Keras 3 .keras ----------------------------------------------------------------------------

def to_snake_case(name):
    """keras.src.utils.naming.to_snake_case, which names saved layers in model.weights.h5."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _k3_object(module, class_name, config, registered_name=None):
    return {"module": module, "class_name": class_name, "config": config,
            "registered_name": registered_name}


def _k3_dtype(dtype, style):
    if style["dtype_policy"]:
        return _k3_object("keras", "DTypePolicy", {"name": dtype})
    return dtype


# Keys tf.keras 2.x writes that Keras 3 no longer has.
_K2_ONLY_KEYS = {"time_major", "implementation", "input_length", "batch_input_shape"}


def _k3_value(key, value):
    """A Keras 2 config value in Keras 3 form: serialized objects gain module/registered_name."""
    if isinstance(value, dict) and "class_name" in value and "config" in value:
        module = {"initializer": "keras.initializers", "regularizer": "keras.regularizers",
                  "constraint": "keras.constraints"}
        kind = next((m for k, m in module.items() if key.endswith(k)), "keras.layers")
        return _k3_object(kind, value["class_name"], value["config"])
    return value


def _k3_layer(entry, style, build_shapes):
    """One layer (or nested model) entry, Keras 3 form, without inbound_nodes/name."""
    cls, cfg = entry["class_name"], entry["config"]
    if is_model(entry):
        return _k3_model(entry, style, build_shapes)
    if cls == "InputLayer":
        config = {"batch_shape": cfg["batch_input_shape"], "dtype": cfg.get("dtype", "float32"),
                  "sparse": cfg.get("sparse", False), "name": cfg["name"]}
        if style["ragged"]:
            config["ragged"] = False
        return _k3_object("keras.layers", "InputLayer", config)
    config = {}
    for key, value in cfg.items():
        if key in _K2_ONLY_KEYS:
            continue
        if key == "dtype":
            config[key] = _k3_dtype(value, style)
        elif cls == "Bidirectional" and key == "layer":
            fwd = copy.deepcopy(value)
            fwd["config"]["name"] = "forward_" + layer_name(value)
            bwd = copy.deepcopy(value)
            bwd["config"]["name"] = "backward_" + layer_name(value)
            bwd["config"]["go_backwards"] = not value["config"].get("go_backwards", False)
            config["layer"] = _k3_layer(fwd, style, None)
            config["backward_layer"] = _k3_layer(bwd, style, None)
        elif cls == "TimeDistributed" and key == "layer":
            config["layer"] = _k3_layer(value, style, None)
        else:
            config[key] = _k3_value(key, value)
    if cls in RNN_CELLS:
        config.setdefault("seed", None)
    out = _k3_object("keras.layers", cls, config)
    if build_shapes is not None and cls in _BUILT_LAYERS:
        out["build_config"] = {"input_shape": build_shapes[0] if len(build_shapes) == 1 else build_shapes}
    return out


# Layers that override build() and so carry a build_config in Keras 3 (the others, such as pooling
# or Flatten, do not).
_BUILT_LAYERS = {"Dense", "Conv1D", "Conv2D", "Conv2DTranspose", "SeparableConv2D", "DepthwiseConv2D",
                 "BatchNormalization", "LayerNormalization", "Embedding", "SimpleRNN", "LSTM", "GRU",
                 "Bidirectional", "TimeDistributed", "PReLU", "Concatenate", "Add", "Subtract", "Multiply", "Average",
                 "Maximum", "Minimum", "Dot"}


def _keras_tensor(shape, source, style):
    return {"class_name": "__keras_tensor__",
            "config": {"shape": shape, "dtype": "float32", "keras_history": list(source)}}


def _k3_io(refs, style):
    refs = [list(r[:3]) for r in refs]
    if len(refs) == 1 and style["flat_single_io"]:
        return refs[0]
    return refs


def _k3_model(entry, style, input_shapes):
    cls, cfg = entry["class_name"], entry["config"]
    shapes, inner, outs = infer_shapes(entry, input_shapes)
    if cls == "Sequential":
        layers = []
        x = None
        for layer in cfg["layers"]:
            ins = [x] if x is not None else None
            if layer["class_name"] == "InputLayer":
                x = layer["config"]["batch_input_shape"]
                layers.append(_k3_layer(layer, style, None))
                continue
            if x is None:
                x = list(input_shapes[0]) if input_shapes else layer["config"]["batch_input_shape"]
                ins = [x]
            layers.append(_k3_layer(layer, style, ins))
            x = shapes[(layer_name(layer), 0)][0]
        first = cfg["layers"][0]["config"]
        build_input = first.get("batch_input_shape") or (list(input_shapes[0]) if input_shapes else None)
        config = {"name": cfg["name"], "trainable": True, "dtype": _k3_dtype("float32", style),
                  "layers": layers, "build_input_shape": build_input}
        out = _k3_object("keras", "Sequential", config)
        out["build_config"] = {"input_shape": build_input}
        return out
    layers = []
    for layer in cfg["layers"]:
        name = layer["name"]
        nodes, build = [], None
        for call, node in enumerate(layer["inbound_nodes"]):
            args = [_keras_tensor(shapes[(src, n)][t], (src, n, t), style) for src, n, t, *_ in node]
            kwargs = next((ref[3] for ref in node if len(ref) > 3), {})
            # Tensors passed by keyword (MultiHeadAttention's value and key) as Keras tensors.
            kwargs = {k: _keras_tensor(shapes[(r[0], r[1])][r[2]], r, style)
                      if isinstance(r, list) and len(r) == 3 and isinstance(r[0], str) else r
                      for k, r in kwargs.items()}
            in_shapes = [a["config"]["shape"] for a in args]
            build = build or in_shapes
            nodes.append({"args": [args[0]] if len(args) == 1 else [args], "kwargs": kwargs})
        k3 = _k3_layer(layer, style, build) if not is_model(layer) else _k3_model(layer, style, build)
        k3["name"] = name
        k3["inbound_nodes"] = nodes
        layers.append(k3)
    config = {"name": cfg["name"], "trainable": True, "layers": layers,
              "input_layers": _k3_io(cfg["input_layers"], style),
              "output_layers": _k3_io(cfg["output_layers"], style)}
    out = _k3_object("keras.src.models.functional", "Functional", config, "Functional")
    out["build_config"] = {"input_shape": None}
    return out


def keras3_style(keras_version):
    """What changed across Keras 3 releases in what saving writes."""
    return {
        "dtype_policy": _version_at_least(keras_version, (3, 4)),  # dtype as a DTypePolicy object
        "ragged": _version_at_least(keras_version, (3, 7)),  # InputLayer config has "ragged"
        "flat_single_io": _version_at_least(keras_version, (3, 11)),  # input_layers ["x", 0, 0]
        "vars_name_attr": _version_at_least(keras_version, (3, 10)),  # vars groups carry "name"
        # MultiHeadAttention's sublayers saved as query_dense (3.0: _query_dense)
        "public_sublayers": _version_at_least(keras_version, (3, 1)),
    }


def keras3_config(config, keras_version="3.5.0"):
    """The Keras 3 config.json object for a Keras 2 model config."""
    return _k3_model(config, keras3_style(keras_version), None)


def _k3_save_layer(h5, path, entry, variables, style):
    """The vars groups of one non-model layer; variables in Keras order."""
    cls = entry["class_name"]

    def vars_group(p, name, values):
        g = h5.create_group(f"{p}/vars")
        if style["vars_name_attr"]:
            g.attrs["name"] = name
        for i, v in enumerate(values):
            g.create_dataset(str(i), data=np.asarray(v))

    if cls in RNN_CELLS:
        vars_group(path, layer_name(entry), [])
        vars_group(f"{path}/cell", RNN_CELLS[cls], [v for _, v in variables])
    elif cls == "MultiHeadAttention":
        # EinsumDense sublayers saved under their public properties (Keras >= 3.1; 3.0 used the
        # private attributes, _query_dense), then the weightless private sublayers.
        vars_group(path, layer_name(entry), [])
        for part, sub in (("query", "query_dense"), ("key", "key_dense"), ("value", "value_dense"),
                          ("attention_output", "output_dense")):
            values = [v for n, v in variables if n.startswith(part + "/")]
            prefix = "" if style["public_sublayers"] else "_"
            vars_group(f"{path}/{prefix}{sub}", part, values)
        vars_group(f"{path}/_dropout_layer", "dropout", [])
        vars_group(f"{path}/_softmax", "softmax", [])
    elif cls == "Bidirectional":
        inner = entry["config"]["layer"]
        half = len(variables) // 2
        vars_group(path, layer_name(entry), [])
        for side, part in (("forward", variables[:half]), ("backward", variables[half:])):
            vars_group(f"{path}/{side}_layer", f"{side}_{layer_name(inner)}", [])
            vars_group(f"{path}/{side}_layer/cell", RNN_CELLS[inner["class_name"]], [v for _, v in part])
    elif cls == "TimeDistributed":  # the wrapped layer is its attribute `layer`
        vars_group(path, layer_name(entry), [])
        vars_group(f"{path}/layer", layer_name(entry["config"]["layer"]), [v for _, v in variables])
    else:
        vars_group(path, layer_name(entry), [v for _, v in variables])


def _k3_children(entry, path):
    """(layer, group path) of a model's layers in model.weights.h5: saving_lib names each by its
    snake_case class name, made unique within the model by _1, _2, ... in layer order."""
    used = {}
    for layer in model_layers(entry):
        snake = to_snake_case(layer["class_name"] if layer["class_name"] != "Model" else "Functional")
        used[snake] = used.get(snake, -1) + 1
        name = snake if used[snake] == 0 else f"{snake}_{used[snake]}"
        yield layer, (f"{path}/layers/{name}" if path else f"layers/{name}")


def _k3_save_model(h5, path, entry, weights, prefix, style):
    g = h5.create_group(f"{path}/vars" if path else "vars")
    if style["vars_name_attr"]:
        g.attrs["name"] = layer_name(entry)
    for layer, layer_path in _k3_children(entry, path):
        key = prefix + layer_name(layer)
        if is_model(layer):
            _k3_save_model(h5, layer_path, layer, weights, key + "/", style)
        else:
            _k3_save_layer(h5, layer_path, layer, _weights_of(weights, key), style)


def keras3_weight_paths(config):
    """{layer path ("base/conv2d"): h5 group of its variables} as write_keras3 lays them out."""
    out = {}

    def walk(entry, path, prefix):
        for layer, layer_path in _k3_children(entry, path):
            if is_model(layer):
                walk(layer, layer_path, prefix + layer_name(layer) + "/")
            else:
                out[prefix + layer_name(layer)] = layer_path
    walk(config, "", "")
    return out


def write_keras3(path, config, weights, keras_version="3.5.0", optimizer=True, date_saved=None):
    """A Keras 3 `.keras` file (a zip, entries stored) for a Keras 2 model config. With
    `optimizer`, model.weights.h5 also holds an Adam optimizer's variables, as a saved trained
    model does (a reader must ignore them)."""
    style = keras3_style(keras_version)
    metadata = {"keras_version": keras_version,
                "date_saved": date_saved or datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")}
    k3 = keras3_config(config, keras_version)
    buf = io.BytesIO()
    with h5py.File(buf, "w") as h5:
        _k3_save_model(h5, "", config, weights, "", style)
        if optimizer:
            g = h5.create_group("optimizer/vars")
            if style["vars_name_attr"]:
                g.attrs["name"] = "adam"
            values = [np.array(0, dtype=np.int64), np.array(0.001, dtype=np.float32)]
            for path_, entry in leaf_layers(config):
                for var, v in _weights_of(weights, path_):
                    if _is_trainable(entry, var):
                        values += [np.zeros_like(v), np.zeros_like(v)]
            for i, v in enumerate(values):
                g.create_dataset(str(i), data=v)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr("metadata.json", json.dumps(metadata))
        zf.writestr("config.json", json.dumps(k3))
        zf.writestr("model.weights.h5", buf.getvalue())
