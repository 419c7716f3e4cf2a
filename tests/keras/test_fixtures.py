# Proves the Keras test harness before layerscope's Keras frontend exists: every model_zoo.py model
# is written by keras_files.py as a Keras 2 .h5, a weights-only .h5 and a Keras 3 .keras file,
# re-read with h5py/zipfile to check the layout (paths, attributes, shapes), and run through the
# TensorFlow.js oracle (tests/oracle/run_tfjs.js), whose per-layer output shapes must match the
# shapes keras_files.py infers for Keras 3's config.
#
#   cd tests/keras && LAYERSCOPE_SOURCE_DIR=/path/to/repo /usr/bin/python3 -m unittest -v
#
# Needs numpy and h5py, node, and tests/oracle/node_modules (`npm ci --ignore-scripts` there).
# write_oracle_dir() and run_oracle() are also what a comparison against `layerscope run --dump`
# uses: the oracle's index.json names layers as the tool's `layer` field does.
import json
import os
import subprocess
import sys
import tempfile
import unittest
import zipfile
from pathlib import Path

import h5py
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import keras_files  # noqa: E402
import model_zoo  # noqa: E402

EXIT_UNSUPPORTED = 3


def source_dir():
    return Path(os.environ.get("LAYERSCOPE_SOURCE_DIR", Path(__file__).resolve().parents[2]))


def oracle_script():
    return source_dir() / "tests" / "oracle" / "run_tfjs.js"


def write_oracle_dir(model, directory):
    """MODEL_DIR for run_tfjs.js: model.json, weights.json + .npy, inputs.json + .npy."""
    directory = Path(directory)
    (directory / "w").mkdir(parents=True, exist_ok=True)
    (directory / "model.json").write_text(json.dumps(model.config))
    entries = []
    for path, variables in model.weights.items():
        files = []
        for i, (_, value) in enumerate(variables):
            name = f"w/{path.replace('/', '__')}_{i}.npy"
            np.save(directory / name, value)
            files.append(name)
        entries.append({"layer": path, "files": files})
    (directory / "weights.json").write_text(json.dumps(entries, indent=1))
    inputs = []
    for i, x in enumerate(model.inputs):
        np.save(directory / f"input_{i}.npy", x)
        inputs.append(f"input_{i}.npy")
    (directory / "inputs.json").write_text(json.dumps(inputs))
    return directory


def run_oracle(model_dir, out_dir):
    """Runs the TensorFlow.js oracle; returns (exit status, stderr, index or None)."""
    proc = subprocess.run(["node", str(oracle_script()), str(model_dir), str(out_dir)],
                          capture_output=True, text=True, timeout=120)
    index = None
    if proc.returncode == 0:
        index = json.loads((Path(out_dir) / "index.json").read_text())
    return proc.returncode, proc.stderr, index


def _attr_strings(group, name):
    """An attribute tf.keras may have split into name0, name1, ..., as a list of str."""
    if name in group.attrs:
        values = list(group.attrs[name])
    else:
        values, i = [], 0
        while f"{name}{i}" in group.attrs:
            values += list(group.attrs[f"{name}{i}"])
            i += 1
    return [v.decode("utf8") if isinstance(v, bytes) else str(v) for v in values]


def _expected_shapes(model):
    """{dump layer name: shape} from keras_files.infer_shapes, batch filled in."""
    batch = model.inputs[0].shape[0]
    out = {}

    def walk(shapes, inner, prefix):
        for (name, call), outs in shapes.items():
            base = f"{prefix}{name}" + (f"@{call}" if call else "")
            for i, s in enumerate(outs):
                out[base + (f":{i}" if i else "")] = [batch if d is None else d for d in s]
        for name, (sub, sub_inner) in inner.items():
            walk(sub, sub_inner, f"{prefix}{name}/")

    shapes, inner, _ = keras_files.infer_shapes(model.config, [list((None,) + x.shape[1:]) for x in model.inputs])
    walk(shapes, inner, "")
    return out


class KerasFixtures(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="keras_fixtures_")
        cls.root = Path(cls.tmp.name)
        cls.models = model_zoo.all_models()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_keras2_h5_layout(self):
        for model in self.models:
            with self.subTest(model=model.name):
                path = self.root / f"{model.name}.h5"
                keras_files.write_keras2_h5(path, model.config, model.weights)
                with h5py.File(path, "r") as f:
                    self.assertIn(f.attrs["keras_version"], (b"2.11.0", "2.11.0"))
                    config = f.attrs["model_config"]
                    self.assertEqual(json.loads(config), model.config)
                    self.assertTrue(h5py.check_string_dtype(f.attrs.get_id("model_config").dtype))
                    self.assertIsNone(h5py.check_string_dtype(f.attrs.get_id("model_config").dtype).length,
                                      "model_config is a variable-length string")
                    self.check_weight_groups(model, f["model_weights"])

    def test_weights_only_h5_layout(self):
        for model in self.models:
            with self.subTest(model=model.name):
                path = self.root / f"{model.name}.weights.h5"
                keras_files.write_weights_only_h5(path, model.config, model.weights)
                with h5py.File(path, "r") as f:
                    self.assertNotIn("model_config", f.attrs)
                    self.assertNotIn("model_weights", f)
                    self.check_weight_groups(model, f)

    def check_weight_groups(self, model, group):
        layers = keras_files.model_layers(model.config)
        names = [keras_files.layer_name(e) for e in layers]
        self.assertEqual(_attr_strings(group, "layer_names"), names)
        self.assertEqual(group.attrs["layer_names"].dtype.kind, "S", "layer_names is fixed-length bytes")
        for entry in layers:
            name = keras_files.layer_name(entry)
            g = group[name]
            weight_names = _attr_strings(g, "weight_names")
            expected = keras_files.keras2_layer_weights(entry, name, model.weights)
            self.assertEqual(weight_names, [n for n, _ in expected])
            for wname, value in expected:
                np.testing.assert_array_equal(g[wname][()], value)
            # Every listed weight, and nothing else, is stored under the layer's group.
            stored = []
            g.visititems(lambda p, obj: stored.append(p) if isinstance(obj, h5py.Dataset) else None)
            self.assertEqual(sorted(stored), sorted(weight_names))
        if model.name == "transfer_learning":
            self.assertEqual(_attr_strings(group["base"], "weight_names"), [
                "base_conv/kernel:0", "base_conv/bias:0", "base_bn/gamma:0", "base_bn/beta:0",
                "base_dense/kernel:0", "base_dense/bias:0", "base_bn/moving_mean:0",
                "base_bn/moving_variance:0"])
        if model.name == "recurrent":
            self.assertEqual(_attr_strings(group["bidirectional"], "weight_names")[3],
                             "bidirectional/backward_lstm_1/lstm_cell/kernel:0")

    def test_long_weight_name_lists_are_split(self):
        path = self.root / "split.h5"
        with h5py.File(path, "w") as f:
            names = [f"layer_with_a_long_name_{i:05d}/kernel:0".encode() for i in range(2500)]
            keras_files._save_attribute(f, "weight_names", names)
            self.assertNotIn("weight_names", f.attrs)
            self.assertIn("weight_names1", f.attrs)
            self.assertTrue(all(f.attrs[k].nbytes <= keras_files.HDF5_OBJECT_HEADER_LIMIT for k in f.attrs))
            self.assertEqual(_attr_strings(f, "weight_names"), [n.decode() for n in names])

    def test_keras3_layout(self):
        for model in self.models:
            with self.subTest(model=model.name):
                for version in ("3.5.0", "3.12.0"):
                    path = self.root / f"{model.name}-{version}.keras"
                    keras_files.write_keras3(path, model.config, model.weights, keras_version=version)
                    self.check_keras3(model, path, version)

    def check_keras3(self, model, path, version):
        with zipfile.ZipFile(path) as zf:
            self.assertEqual(sorted(zf.namelist()), ["config.json", "metadata.json", "model.weights.h5"])
            self.assertTrue(all(i.compress_type == zipfile.ZIP_STORED for i in zf.infolist()))
            meta = json.loads(zf.read("metadata.json"))
            self.assertEqual(meta["keras_version"], version)
            self.assertIn("date_saved", meta)
            config = json.loads(zf.read("config.json"))
            self.check_keras3_config(config, version)
            with h5py.File(zf.open("model.weights.h5"), "r") as h5:
                self.assertIn("vars", h5)
                self.assertIn("optimizer/vars/0", h5)
                paths = keras_files.keras3_weight_paths(model.config)
                self.assertEqual(sorted(paths), sorted(p for p, _ in keras_files.leaf_layers(model.config)))
                for layer_path, entry in keras_files.leaf_layers(model.config):
                    group = paths[layer_path]
                    variables = model.weights.get(layer_path, [])
                    if entry["class_name"] in keras_files.RNN_CELLS:
                        self.assertEqual(len(h5[f"{group}/vars"]), 0)
                        stored = [h5[f"{group}/cell/vars/{i}"][()] for i in range(len(h5[f"{group}/cell/vars"]))]
                    elif entry["class_name"] == "Bidirectional":
                        stored = []
                        for side in ("forward_layer", "backward_layer"):
                            g = h5[f"{group}/{side}/cell/vars"]
                            stored += [g[str(i)][()] for i in range(len(g))]
                    elif entry["class_name"] == "TimeDistributed":
                        self.assertEqual(len(h5[f"{group}/vars"]), 0)
                        g = h5[f"{group}/layer/vars"]
                        stored = [g[str(i)][()] for i in range(len(g))]
                    elif entry["class_name"] == "MultiHeadAttention":
                        self.assertEqual(len(h5[f"{group}/vars"]), 0)
                        prefix = "" if keras_files._version_at_least(version, (3, 1)) else "_"
                        stored = []
                        for sub in ("query_dense", "key_dense", "value_dense", "output_dense"):
                            g = h5[f"{group}/{prefix}{sub}/vars"]
                            stored += [g[str(i)][()] for i in range(len(g))]
                    else:
                        g = h5[f"{group}/vars"]
                        stored = [g[str(i)][()] for i in range(len(g))]
                        if keras_files._version_at_least(version, (3, 10)):
                            self.assertEqual(g.attrs["name"], entry["config"]["name"])
                    self.assertEqual(len(stored), len(variables), layer_path)
                    for s, (_, v) in zip(stored, variables):
                        np.testing.assert_array_equal(s, v)
                if model.name == "transfer_learning":
                    self.assertIn("layers/functional/layers/conv2d/vars/0", h5)
                    self.assertIn("layers/functional/layers/input_layer/vars", h5)
                    self.assertIn("layers/sequential/layers/dense_1/vars/1", h5)
                    self.assertNotIn("layers/sequential/layers/input_layer", h5)
                if model.name == "recurrent":
                    self.assertIn("layers/lstm/cell/vars/2", h5)
                    self.assertIn("layers/bidirectional/backward_layer/cell/vars/2", h5)
                    self.assertIn("layers/gru/cell/vars/0", h5)
        return config

    def check_keras3_config(self, config, version):
        self.assertIn(config["class_name"], ("Sequential", "Functional"))
        self.assertIn("module", config)
        self.assertIn("registered_name", config)

        def walk(entry):
            cfg = entry["config"]
            for layer in cfg["layers"]:
                self.assertIn("module", layer)
                self.assertIn("registered_name", layer)
                if layer["class_name"] == "InputLayer":
                    self.assertIn("batch_shape", layer["config"])
                    self.assertNotIn("batch_input_shape", layer["config"])
                elif layer["class_name"] not in ("Sequential", "Functional"):
                    dtype = layer["config"]["dtype"]
                    self.assertEqual(dtype["class_name"] if isinstance(dtype, dict) else dtype,
                                     "DTypePolicy" if keras_files._version_at_least(version, (3, 4)) else "float32")
                else:
                    walk(layer)
                if entry["class_name"] == "Functional":
                    for node in layer["inbound_nodes"]:
                        self.assertEqual(set(node), {"args", "kwargs"})
                        args = node["args"][0]
                        for t in args if isinstance(args, list) else [args]:
                            self.assertEqual(t["class_name"], "__keras_tensor__")
                            self.assertEqual(len(t["config"]["keras_history"]), 3)
                            self.assertIsInstance(t["config"]["shape"], list)
        walk(config)

    def test_oracle_runs_every_model(self):
        modules = oracle_script().parent / "node_modules" / "@tensorflow" / "tfjs-layers"
        self.assertTrue(modules.is_dir(), f"{modules} is missing: run `npm ci --ignore-scripts` in {modules.parents[2]}")
        for model in self.models:
            with self.subTest(model=model.name):
                model_dir = write_oracle_dir(model, self.root / "oracle_in" / model.name)
                out_dir = self.root / "oracle_out" / model.name
                status, stderr, index = run_oracle(model_dir, out_dir)
                if not model.tfjs:
                    self.assertEqual(status, EXIT_UNSUPPORTED, stderr)
                    self.assertIn("unsupported by the TensorFlow.js oracle", stderr)
                    continue
                self.assertEqual(status, 0, stderr)
                expected = _expected_shapes(model)
                names = [e["layer"] for e in index]
                self.assertEqual(len(names), len(set(names)), "layer names are unique")
                for entry in index:
                    value = np.load(out_dir / entry["file"])
                    self.assertEqual(value.dtype, np.float32)
                    self.assertEqual(list(value.shape), entry["shape"])
                    self.assertTrue(np.isfinite(value).all(), entry["layer"])
                    self.assertEqual(entry["shape"], expected.get(entry["layer"]),
                                     f"{entry['layer']}: oracle shape vs keras_files.infer_shapes")
                self.assertEqual(sorted(names), sorted(expected))


if __name__ == "__main__":
    unittest.main()
