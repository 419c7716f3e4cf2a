# Keras models end to end: layerscope against TensorFlow.js, TensorFlow's own JavaScript port of the
# Keras layers. Every model_zoo.py model in SUPPORTED is written as a Keras 2 .h5 and a Keras 3
# .keras file (keras_files.py), and for each file:
#   (a) `summary --json` counts the parameters Keras counts: total, trainable, non-trainable;
#   (b) `run --dump` gives every layer's output as the oracle computes it (matched by index.json's
#       "layer": outer/inner for nested models, name@1 for a second call, name:k for outputs after
#       the first): same shape, max |a-b| / max(1, max |ref|) <= 1e-4, and every layer the oracle
#       computes is among the dumped ones.
#
#   cd tests/keras && LAYERSCOPE=build/layerscope LAYERSCOPE_SOURCE_DIR=. /usr/bin/python3 -m unittest -v test_keras_models
#
# Needs numpy and h5py, node, and tests/oracle/node_modules (`npm ci --ignore-scripts` there).
import json
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import keras_files  # noqa: E402
import model_zoo  # noqa: E402
import numpy_reference  # noqa: E402
import test_fixtures  # noqa: E402

BINARY = os.environ.get("LAYERSCOPE", "layerscope")
TOLERANCE = 1e-4  # max |a-b| / max(1, max |ref|)

# The zoo models whose every layer class layerscope runs; a family's models join as it lands.
SUPPORTED = ["dense_classifier", "activations", "rnn_stack", "rnn_states", "rnn_go_backwards",
             "bidirectional_merge", "time_distributed_dense", "lstm_hard_sigmoid", "simple_rnn_relu",
             "shape_and_merge", "two_inputs_two_outputs", "beyond_tfjs", "embedding_merges",
             "layer_norm_axes", "preprocessing", "attention", "recurrent"]
SUPPORTED += ["transfer_learning", "digits_cnn", "conv1d", "conv_variety", "conv_geometry",
              "conv1d_geometry", "conv3d"]  # convolution, pooling, spatial, BatchNormalization


def layerscope(*args):
    proc = subprocess.run([BINARY, *map(str, args)], capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        raise AssertionError(f"layerscope {' '.join(map(str, args))} failed "
                             f"({proc.returncode}):\n{proc.stderr}")
    return proc.stdout


def leaf_layers_frozen(entry, prefix="", frozen=False):
    """(path, layer entry, frozen) of every non-model layer; a frozen model freezes its layers."""
    for layer in keras_files.model_layers(entry):
        path = prefix + keras_files.layer_name(layer)
        is_frozen = frozen or not layer["config"].get("trainable", True)
        if keras_files.is_model(layer):
            yield from leaf_layers_frozen(layer, path + "/", is_frozen)
        else:
            yield path, layer, is_frozen


def expected_parameters(model):
    """Keras's count from the weights written: (total, trainable, non-trainable)."""
    total = trainable = 0
    for path, layer, frozen in leaf_layers_frozen(model.config):
        for var, value in model.weights.get(path, []):
            total += value.size
            if not frozen and keras_files._is_trainable(layer, var):
                trainable += value.size
    return total, trainable, total - trainable


class KerasModelsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="layerscope-keras-")
        cls.work = Path(cls.tmp.name)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def oracle(self, model):
        """Runs TensorFlow.js once per model: {layer: array}; numpy_reference.py for the models
        TensorFlow.js cannot run."""
        if not model.tfjs:
            return numpy_reference.reference(model)
        out = self.work / f"{model.name}_oracle"
        if not (out / "index.json").exists():
            model_dir = test_fixtures.write_oracle_dir(model, self.work / f"{model.name}_in")
            status, stderr, _ = test_fixtures.run_oracle(model_dir, out)
            self.assertEqual(status, 0, f"TensorFlow.js oracle failed on {model.name}:\n{stderr}")
        index = json.loads((out / "index.json").read_text())
        return {e["layer"]: np.load(out / e["file"]) for e in index if not e.get("input")}

    def files(self, model):
        h5 = self.work / f"{model.name}.h5"
        keras3 = self.work / f"{model.name}.keras"
        keras_files.write_keras2_h5(h5, model.config, model.weights)
        keras_files.write_keras3(keras3, model.config, model.weights)
        inputs = []
        for i, x in enumerate(model.inputs):
            path = self.work / f"{model.name}_input{i}.npy"
            np.save(path, x)
            inputs.append(path)
        return [h5, keras3], inputs

    def check_model(self, name):
        model = model_zoo.ZOO[name]()
        reference = self.oracle(model)
        files, inputs = self.files(model)
        files = [f for f in files if f.suffix in model.files]
        total, trainable, frozen = expected_parameters(model)
        for path in files:
            with self.subTest(file=path.name):
                summary = json.loads(layerscope("summary", path, "--json"))
                self.assertEqual(summary["format"], "keras")
                self.assertEqual((summary["total_parameters"], summary["trainable_parameters"],
                                  summary["non_trainable_parameters"]), (total, trainable, frozen))
                dump = self.work / f"{path.name}_dump"
                args = ["run", path, "--dump", dump]
                for x in inputs:
                    args += ["--input", x]
                layerscope(*args)
                index = json.loads((dump / "index.json").read_text())
                ours = {e["layer"]: np.load(dump / e["file"]) for e in index}
                missing = sorted(set(reference) - set(ours))
                self.assertEqual(missing, [], f"layers the oracle computes but layerscope did not dump")
                for layer, ref in reference.items():
                    got = ours[layer]
                    self.assertEqual(got.shape, ref.shape, f"layer {layer}")
                    scale = max(1.0, float(np.max(np.abs(ref))) if ref.size else 1.0)
                    error = float(np.max(np.abs(got.astype(np.float64) - ref))) / scale if ref.size else 0
                    self.assertLessEqual(error, TOLERANCE, f"layer {layer}: relative error {error:.3g}")


class ActivationVersionTest(unittest.TestCase):
    def test_hard_sigmoid_is_keras_2s_or_keras_3s_by_the_file(self):
        # Keras 2: clip(0.2 x + 0.5, 0, 1); Keras 3: relu6(x + 3) / 6.
        rng = np.random.default_rng(3)
        kernel = rng.standard_normal((4, 5)).astype(np.float32) * 2
        bias = rng.standard_normal(5).astype(np.float32)
        config = model_zoo.sequential("hs", [None, 4], [model_zoo.dense("dense", 5, "hard_sigmoid")])
        weights = {"dense": [("kernel", kernel), ("bias", bias)]}
        x = rng.standard_normal((8, 4)).astype(np.float32) * 2
        pre = x @ kernel + bias
        expected = {".h5": np.clip(0.2 * pre + 0.5, 0, 1),
                    ".keras": np.clip(pre + 3, 0, 6) / 6}
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            np.save(tmp / "x.npy", x)
            keras_files.write_keras2_h5(tmp / "m.h5", config, weights)
            keras_files.write_keras3(tmp / "m.keras", config, weights)
            for suffix, want in expected.items():
                dump = tmp / ("dump" + suffix)
                layerscope("run", tmp / ("m" + suffix), "--input", tmp / "x.npy", "--dump", dump)
                got = np.load(dump / "dense.npy")
                np.testing.assert_allclose(got, want, atol=1e-6, err_msg=suffix)
                self.assertGreater(np.abs(expected[".h5"] - expected[".keras"]).max(), 0.05)


def _add_model_tests():
    for name in SUPPORTED:
        setattr(KerasModelsTest, f"test_{name}", lambda self, n=name: self.check_model(n))


_add_model_tests()

if __name__ == "__main__":
    unittest.main()
