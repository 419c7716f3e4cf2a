# Keras layers at their edges: what the merge, embedding, preprocessing and attention layers refuse
# (one "error:" line naming the layer, exit status 1), and the file layouts Keras versions differ
# on (MultiHeadAttention's sublayers saved as _query_dense by Keras 3.0, query_dense later).
#
#   cd tests/keras && LAYERSCOPE=build/layerscope /usr/bin/python3 -m unittest -v test_keras_layer_errors
import copy
import json
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.dont_write_bytecode = True
import keras_files  # noqa: E402
import model_zoo  # noqa: E402
import numpy_reference  # noqa: E402

BINARY = os.environ.get("LAYERSCOPE", "layerscope")


def run(*args):
    return subprocess.run([BINARY, *map(str, args)], capture_output=True, text=True, timeout=300)


class KerasLayerEdgesTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="layerscope-keras-layers-")
        self.dir = Path(self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, model, suffix=".h5", **kwargs):
        path = self.dir / f"{model.name}{suffix}"
        if suffix == ".h5":
            keras_files.write_keras2_h5(path, model.config, model.weights)
        else:
            keras_files.write_keras3(path, model.config, model.weights, **kwargs)
        inputs = []
        for i, x in enumerate(model.inputs):
            np.save(self.dir / f"in{i}.npy", x)
            inputs += ["--input", self.dir / f"in{i}.npy"]
        return path, inputs

    def assert_one_error(self, proc, *fragments):
        self.assertEqual(proc.returncode, 1, proc.stderr)
        lines = proc.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, proc.stderr)
        self.assertTrue(lines[0].startswith("error:"), lines[0])
        for fragment in fragments:
            self.assertIn(fragment, lines[0])

    def test_an_embedding_index_outside_the_table_is_a_run_time_error(self):
        model = model_zoo.embedding_merges()
        model.inputs[0] = model.inputs[0].copy()
        model.inputs[0][1, 3] = 12  # input_dim is 12: indices 0..11
        for suffix in (".h5", ".keras"):
            path, inputs = self.write(model, suffix)
            self.assert_one_error(run("run", path, *inputs), "'embedding'", "index 12",
                                  "input_dim 12")

    def test_a_negative_embedding_index_is_a_run_time_error(self):
        model = model_zoo.embedding_merges()
        model.inputs[0] = model.inputs[0].copy()
        model.inputs[0][0, 0] = -1
        path, inputs = self.write(model)
        self.assert_one_error(run("run", path, *inputs), "'embedding'", "index -1")

    def test_padding_masked_into_a_layer_without_mask_support_is_refused(self):
        # Keras's GlobalAveragePooling1D averages over the unmasked steps only; layerscope does
        # not mask it yet, so padded inputs are refused and unpadded ones run.
        g = model_zoo.Graph("masked_pooling")
        tokens = g.input("tokens", [None, 5])
        e = g(model_zoo.layer("Embedding", "embedding", input_dim=12, output_dim=4,
                              mask_zero=True), tokens)
        pooled = g(model_zoo.global_pool("GlobalAveragePooling1D", "pool"), e)
        w = model_zoo.Weights(5)
        w.add("embedding", ("embeddings", w.normal(12, 4)))
        ids = np.array([[3, 4, 5, 6, 7], [1, 2, 3, 4, 5]], np.float32)
        model = model_zoo.ZooModel("masked_pooling", g.config([pooled]), w.w, [ids])
        path, inputs = self.write(model)
        self.assertEqual(run("run", path, *inputs).returncode, 0)
        model.inputs[0] = ids.copy()
        model.inputs[0][1, 3:] = 0  # padding
        path, inputs = self.write(model)
        self.assert_one_error(run("run", path, *inputs), "'embedding'", "mask_zero", "index 0")

    def test_an_attention_mask_is_refused_naming_the_layer(self):
        model = model_zoo.attention()
        config = copy.deepcopy(model.config)
        cross = next(l for l in config["config"]["layers"] if l["name"] == "cross")
        cross["inbound_nodes"][0][0][3]["attention_mask"] = ["key", 0, 0]
        model.config = config
        path, _ = self.write(model)
        self.assert_one_error(run("summary", path), "'cross'", "attention_mask")

    def test_a_causal_mask_or_returned_scores_are_refused_naming_the_layer(self):
        for option in ("use_causal_mask", "return_attention_scores"):
            model = model_zoo.attention()
            config = copy.deepcopy(model.config)
            cross = next(l for l in config["config"]["layers"] if l["name"] == "self")
            cross["inbound_nodes"][0][0][3][option] = True
            model.config = config
            for suffix in (".h5", ".keras"):
                path, _ = self.write(model, suffix)
                self.assert_one_error(run("summary", path), "'self'", option)

    def test_merging_shapes_that_do_not_broadcast_is_refused(self):
        g = model_zoo.Graph("bad_merge")
        a = g.input("a", [None, 3])
        b = g.input("b", [None, 4])
        out = g(model_zoo.layer("Add", "add"), [a, b])
        model = model_zoo.ZooModel("bad_merge", g.config(out), {}, [])
        path, _ = self.write(model)
        self.assert_one_error(run("summary", path), "'add'", "(None, 3)", "(None, 4)")

    def test_keras_3_0_attention_weights_under_private_names_load(self):
        model = model_zoo.attention()
        reference = numpy_reference.reference(model)
        for version in ("3.0.1", "3.5.0"):
            path, inputs = self.write(model, ".keras", keras_version=version)
            dump = self.dir / f"dump{version}"
            proc = run("run", path, *inputs, "--dump", dump)
            self.assertEqual(proc.returncode, 0, proc.stderr)
            index = json.loads((dump / "index.json").read_text())
            got = np.load(dump / next(e["file"] for e in index if e["layer"] == "self"))
            np.testing.assert_allclose(got, reference["self"], atol=1e-4, err_msg=version)


if __name__ == "__main__":
    unittest.main()
