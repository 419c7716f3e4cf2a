#!/usr/bin/python3
# Turns a real Keras file into the TensorFlow.js oracle's MODEL_DIR (tests/oracle/run_tfjs.js), so
# that `layerscope run FILE --input ... --dump DIR` can be checked layer by layer against
# TensorFlow.js on models people publish, not only on the ones model_zoo.py builds.
#
#   /usr/bin/python3 tests/keras/h5_to_oracle.py MODEL.h5|MODEL.keras MODEL_DIR [--batch 2] [--seed 0]
#
# MODEL_DIR receives what write_oracle_dir() in test_fixtures.py writes:
#   model.json    the Keras 2 model config (a Keras 3 config, from a Keras 3 legacy .h5 or a .keras,
#                 is rewritten to Keras 2's form: dtype policies -> strings, batch_shape ->
#                 batch_input_shape, Functional inbound_nodes -> [[[layer, node, tensor, kwargs]]],
#                 initializers -> Zeros);
#   weights.json  [{"layer": "name" or "outer/inner", "files": ["w/....npy", ...]}] in Keras weight
#                 order: a Keras 2 .h5 gives each layer's weights in its `weight_names` order (a
#                 nested model's group is split per inner layer by the weight names' path parts);
#                 a .keras gives each layer's `vars/0, 1, ...`, then those of its cell /
#                 forward_layer / backward_layer;
#   inputs.json   + input_K.npy: random inputs of the model's input shapes, batch --batch (2); a
#                 free (None) dimension becomes 8 (a sequence) or 32 (an image side); an input that
#                 feeds an Embedding (or is declared int) gets random integers in [0, input_dim).
# It prints one JSON line: {"inputs": [...npy paths], "keras_version": ..., "note": ...}.
# Exit status 0 done, 1 error, 2 the file holds no architecture (weights-only) or is Keras 1.
#
# Needs numpy and h5py (use /usr/bin/python3). Never commit the real model files this reads.
import argparse
import json
import re
import sys
import zipfile
from pathlib import Path

import h5py
import numpy as np

NO_ARCHITECTURE = 2


class Refused(Exception):
    pass


def _s(v):
    return v.decode("utf8") if isinstance(v, bytes) else str(v)


def attr_strings(group, name):
    """An attribute tf.keras may have split into name0, name1, ..., as a list of str."""
    if name in group.attrs:
        values = list(np.atleast_1d(group.attrs[name]))
    else:
        values, i = [], 0
        while f"{name}{i}" in group.attrs:
            values += list(np.atleast_1d(group.attrs[f"{name}{i}"]))
            i += 1
    return [_s(v) for v in values]


# ---------------------------------------------------------------------------------------------
# Keras 3 config -> Keras 2 config (what TensorFlow.js reads)

def _tensor_ref(t):
    if isinstance(t, dict) and t.get("class_name") == "__keras_tensor__":
        name, node, index = t["config"]["keras_history"]
        return [name, node, index]
    return None


def _k3_inbound(nodes):
    out = []
    for node in nodes:
        if not isinstance(node, dict):
            return nodes  # already Keras 2
        args = node.get("args", [])
        kwargs = {k: v for k, v in node.get("kwargs", {}).items() if _tensor_ref(v) is None}
        refs = []
        first = args[0] if args else []
        items = first if isinstance(first, list) else [first]
        for a in items:
            r = _tensor_ref(a)
            if r is not None:
                refs.append(r + [kwargs])
        # further positional tensors (e.g. initial states) are appended as well
        for a in args[1:]:
            for b in (a if isinstance(a, list) else [a]):
                r = _tensor_ref(b)
                if r is not None:
                    refs.append(r + [kwargs])
        out.append(refs)
    return out


def _io_list(v):
    if v and isinstance(v, list) and isinstance(v[0], str):
        return [v]
    return v


def _downgrade(obj):
    if isinstance(obj, list):
        return [_downgrade(v) for v in obj]
    if not isinstance(obj, dict):
        return obj
    if obj.get("class_name") in ("DTypePolicy", "Policy", "DTypePolicyMap") and "config" in obj:
        return obj["config"].get("name", "float32")
    out = {}
    for k, v in obj.items():
        if k.endswith("_initializer") and v is not None:
            # Keras 3 initializer classes (OrthogonalInitializer, ...) are unknown to TensorFlow.js,
            # and the oracle sets every weight anyway: Zeros, as run_tfjs.js does after its check.
            out[k] = {"class_name": "Zeros", "config": {}}
            continue
        if k in ("module", "registered_name", "build_config", "compile_config", "shared_object_id",
                 "optional", "quantization_config", "lora_rank", "lora_alpha"):
            continue
        out[k] = _downgrade(v)
    cfg = out.get("config")
    if isinstance(cfg, dict):
        if out.get("class_name") == "InputLayer" and "batch_shape" in cfg:
            cfg["batch_input_shape"] = cfg.pop("batch_shape")
        if "inbound_nodes" in out:
            out["inbound_nodes"] = _k3_inbound(out["inbound_nodes"])
        for key in ("input_layers", "output_layers"):
            if key in cfg:
                cfg[key] = _io_list(cfg[key])
    return out


# ---------------------------------------------------------------------------------------------
# config walking

def is_model(entry):
    return entry.get("class_name") in ("Sequential", "Functional", "Model")


def layers_of(entry):
    cfg = entry["config"]
    if isinstance(cfg, list):  # Keras 2.0/2.1 Sequential: the config is the list of layers
        return cfg
    return cfg.get("layers", [])


def lname(entry):
    return entry.get("config", {}).get("name") or entry.get("name")


def model_inputs(entry):
    """[(name, batch_input_shape, dtype, first consumer entries)] in model-input order."""
    layers = layers_of(entry)
    if entry["class_name"] == "Sequential":
        first = layers[0]
        shape = first["config"].get("batch_input_shape")
        dtype = first["config"].get("dtype", "float32")
        consumers = [first] if first["class_name"] != "InputLayer" else layers[1:2]
        return [(lname(first), shape, dtype, consumers)]
    by_name = {lname(l): l for l in layers}
    out = []
    for ref in _io_list(entry["config"]["input_layers"]):
        layer = by_name[ref[0]]
        consumers = []
        for l in layers:
            for node in l.get("inbound_nodes", []):
                if any(isinstance(r, list) and r and r[0] == ref[0] for r in node):
                    consumers.append(l)
        shape = layer["config"].get("batch_input_shape")
        out.append((ref[0], shape, layer["config"].get("dtype", "float32"), consumers))
    return out


def random_inputs(entry, batch, rng):
    xs = []
    for name, shape, dtype, consumers in model_inputs(entry):
        if shape is None:
            raise Refused(f"input '{name}' has no batch_input_shape in the config")
        dims = [batch]
        rest = shape[1:]
        for i, d in enumerate(rest):
            if d is None:
                d = 8 if len(rest) <= 2 else 32
                if len(rest) == 3 and i == len(rest) - 1:
                    d = 3
            dims.append(d)
        emb = [c for c in consumers if c["class_name"] == "Embedding"]
        if emb or str(dtype).startswith("int"):
            high = emb[0]["config"]["input_dim"] if emb else 10
            x = rng.integers(0, high, size=dims)
            x = x.astype(np.int32 if str(dtype).startswith("int") else np.float32)
        else:
            x = rng.standard_normal(dims).astype(np.float32)
        xs.append((name, x))
    return xs


# ---------------------------------------------------------------------------------------------
# weights

def leaf_names(entry):
    return [lname(l) for l in layers_of(entry)]


def h5_weights(config, mw):
    """{layer path: [np arrays]} from a Keras 2 (or Keras 3 legacy) .h5 model_weights group."""
    out = {}
    for layer in layers_of(config):
        name = lname(layer)
        if name not in mw:
            continue
        g = mw[name]
        names = attr_strings(g, "weight_names")
        if not names:
            continue
        if is_model(layer):
            inner = {lname(l): l for l in layers_of(layer)}
            split = {}
            for wn in names:
                parts = wn.split("/")
                owner = next((p for p in parts[:-1] if p in inner), None)
                if owner is None:
                    raise Refused(f"nested model '{name}': weight '{wn}' names none of its layers")
                split.setdefault(owner, []).append(np.asarray(g[wn]))
            for inner_name, values in split.items():
                sub = inner[inner_name]
                if is_model(sub):
                    raise Refused(f"model nested two levels deep ('{name}/{inner_name}') is not handled")
                out[f"{name}/{inner_name}"] = values
        else:
            out[name] = [np.asarray(g[wn]) for wn in names]
    return out


def _vars_in(group):
    values = []
    if "vars" in group:
        v = group["vars"]
        for k in sorted(v.keys(), key=int):
            values.append(np.asarray(v[k]))
    order = ["cell", "forward_layer", "backward_layer"]
    subs = [k for k in order if k in group] + sorted(
        k for k in group.keys() if k not in order and k not in ("vars", "layers")
        and isinstance(group[k], h5py.Group))
    for k in subs:
        values += _vars_in(group[k])
    return values


def keras3_weights(config, h5):
    """{layer path: [arrays]} from a .keras file's model.weights.h5, whose groups keras_files.py's
    keras3_weight_paths names (snake_case class names made unique in layer order)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import keras_files
    out = {}
    for lp, group in keras_files.keras3_weight_paths(config).items():
        if group in h5:
            values = _vars_in(h5[group])
            if values:
                out[lp] = values
    return out


def load(path):
    """(Keras 2 config, {layer path: [arrays]}, keras_version)."""
    if zipfile.is_zipfile(path):
        z = zipfile.ZipFile(path)
        if "config.json" not in z.namelist() or "model.weights.h5" not in z.namelist():
            raise Refused("a zip without config.json and model.weights.h5: not a Keras 3 .keras file")
        config = json.loads(z.read("config.json"))
        meta = json.loads(z.read("metadata.json")) if "metadata.json" in z.namelist() else {}
        import io
        h5 = h5py.File(io.BytesIO(z.read("model.weights.h5")), "r")
        if not is_model(config):
            raise Refused(f"the model is a {config.get('class_name')}, not a Sequential or Functional model")
        config2 = _downgrade(config)
        return config2, keras3_weights(config, h5), meta.get("keras_version", "3?")
    f = h5py.File(path, "r")
    version = _s(f.attrs.get("keras_version", "")) or _s(f.get("model_weights", f).attrs.get("keras_version", ""))
    if "model_config" not in f.attrs:
        raise Refused("a weights-only file: no model_config")
    if version.startswith("1"):
        raise Refused(f"Keras {version}")
    config = json.loads(_s(f.attrs["model_config"]))
    if version.startswith("3") or '"batch_shape"' in _s(f.attrs["model_config"]):
        config = _downgrade(config)
    return config, h5_weights(config, f["model_weights"]), version


def write_dir(path, directory, batch=2, seed=0):
    directory = Path(directory)
    (directory / "w").mkdir(parents=True, exist_ok=True)
    config, weights, version = load(path)
    if not is_model(config):
        raise Refused(f"the model is a {config.get('class_name')}, not a Sequential or Functional model")
    (directory / "model.json").write_text(json.dumps(config))
    entries = []
    for lp, values in weights.items():
        files = []
        for i, value in enumerate(values):
            name = f"w/{re.sub(r'[^A-Za-z0-9_.-]', '_', lp)}_{i}.npy"
            np.save(directory / name, value)
            files.append(name)
        entries.append({"layer": lp, "files": files})
    (directory / "weights.json").write_text(json.dumps(entries, indent=1))
    rng = np.random.default_rng(seed)
    inputs = []
    for i, (_, x) in enumerate(random_inputs(config, batch, rng)):
        np.save(directory / f"input_{i}.npy", x)
        inputs.append(f"input_{i}.npy")
    (directory / "inputs.json").write_text(json.dumps(inputs))
    return {"inputs": [str(directory / n) for n in inputs], "keras_version": version}


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("model")
    p.add_argument("model_dir")
    p.add_argument("--batch", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    try:
        print(json.dumps(write_dir(a.model, a.model_dir, a.batch, a.seed)))
    except Refused as e:
        print(f"refused: {e}", file=sys.stderr)
        return NO_ARCHITECTURE
    return 0


if __name__ == "__main__":
    sys.exit(main())
