"""Every command on Keras models, as a Keras user expects: layer names and classes, NHWC images,
weights-only files with --config, checkpoints over training. Run by CTest (label keras) with
Debian's python3:

  cd tests/cli && LAYERSCOPE=build/layerscope LAYERSCOPE_SOURCE_DIR=. /usr/bin/python3 -m unittest -v test_cli_keras

The models are tests/keras/model_zoo.py's (only layer classes of the core family) and small ones
written here with its helpers, as .h5 files by tests/keras/keras_files.py.
"""
import copy
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

import numpy as np
from PIL import Image

BINARY = os.environ.get("LAYERSCOPE", "layerscope")
SOURCE = os.environ.get("LAYERSCOPE_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(SOURCE, "tests", "keras"))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import keras_files  # noqa: E402
import model_zoo  # noqa: E402
from model_zoo import dense, input_layer, layer, sequential  # noqa: E402

LINEAR_FILL = "#b5dfa0"      # graph_render.cpp's colours by op category
ACTIVATION_FILL = "#f7b6b2"
SHAPE_FILL = "#e4e4e4"
ELEMENTWISE_FILL = "#fff3b0"


def layerscope(*args):
    return subprocess.run([BINARY, *map(str, args)], capture_output=True, text=True, timeout=300)


def image_model():
    """(None, 8, 8, 3) -> ReLU activation (an NHWC map) -> Flatten -> Dense 4."""
    w = model_zoo.Weights(21)
    config = sequential("nhwc", [None, 8, 8, 3], [
        layer("Activation", "act", activation="relu"),
        layer("Flatten", "flatten", data_format="channels_last"),
        dense("dense", 4),
    ], input_name="image")
    w.dense("dense", 8 * 8 * 3, 4)
    return config, w.w


def gray_model():
    """(None, 28, 28, 1) -> Flatten -> Dense 10, as an MNIST classifier takes its digits."""
    w = model_zoo.Weights(22)
    config = sequential("mnist", [None, 28, 28, 1], [
        layer("Flatten", "flatten", data_format="channels_last"),
        dense("dense", 10, "softmax"),
    ], input_name="digit")
    w.dense("dense", 28 * 28, 10)
    return config, w.w


def nested_model():
    """A Sequential holding a nested Sequential 'head': its layers are head/head_dense..."""
    w = model_zoo.Weights(23)
    head = {"class_name": "Sequential",
            "config": {"name": "head", "layers": [input_layer("head_input", [None, 16]),
                                                  dense("head_dense", 6, "relu"),
                                                  dense("head_out", 3)]}}
    config = sequential("outer", [None, 4, 4], [
        layer("Flatten", "flatten", data_format="channels_last"), head], input_name="x")
    w.dense("head/head_dense", 16, 6)
    w.dense("head/head_out", 6, 3)
    return config, w.w


class KerasCommandsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="layerscope-cli-keras-")
        cls.dir = cls.tmp.name
        cls.zoo = model_zoo.dense_classifier()
        cls.dense_h5 = cls.path("dense_classifier.h5")
        keras_files.write_keras2_h5(cls.dense_h5, cls.zoo.config, cls.zoo.weights)
        cls.dense_keras = cls.path("dense_classifier.keras")
        keras_files.write_keras3(cls.dense_keras, cls.zoo.config, cls.zoo.weights)
        cls.dense_x = cls.path("dense_x.npy")
        np.save(cls.dense_x, cls.zoo.inputs[0])
        cls.image_config, cls.image_weights = image_model()
        cls.image_h5 = cls.path("nhwc.h5")
        keras_files.write_keras2_h5(cls.image_h5, cls.image_config, cls.image_weights)
        config, weights = gray_model()
        cls.gray_h5 = cls.path("mnist.h5")
        keras_files.write_keras2_h5(cls.gray_h5, config, weights)
        config, weights = nested_model()
        cls.nested_h5 = cls.path("nested.h5")
        keras_files.write_keras2_h5(cls.nested_h5, config, weights)
        # Images whose three channels differ: a horizontal ramp, a vertical one, a checkerboard.
        rng = np.random.default_rng(5)
        cls.images = cls.path("images")
        os.mkdir(cls.images)
        cls.pixels = []
        for i in range(4):
            yy, xx = np.mgrid[0:8, 0:8]
            rgb = np.stack([xx * 30 + i, yy * 30, ((xx + yy) % 2) * 200 + rng.integers(0, 50)],
                           axis=-1).astype(np.uint8)
            Image.fromarray(rgb, "RGB").save(os.path.join(cls.images, f"img_{i}.png"))
            cls.pixels.append(rgb)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    @classmethod
    def path(cls, name):
        return os.path.join(cls.dir, name)

    def ok(self, *args):
        proc = layerscope(*args)
        self.assertEqual(proc.returncode, 0, f"layerscope {' '.join(map(str, args))}:\n{proc.stderr}")
        return proc.stdout

    @staticmethod
    def read_json(path):
        with open(path) as f:
            return json.load(f)

    @staticmethod
    def read_text(path):
        with open(path) as f:
            return f.read()

    def events(self, logdir):
        out = json.loads(self.ok("events", logdir, "--json", "--values"))
        tags = {}
        for run in out["runs"]:
            for t in run["tags"]:
                tags[t["tag"]] = t
        return out, tags

    # --- graph ---------------------------------------------------------------------------------

    def dot_nodes(self, model):
        out = self.path(os.path.basename(model) + ".dot")
        self.ok("graph", model, "-o", out, "--depth", "9")
        text = self.read_text(out)
        return text, re.findall(r'\n\s*(\w+) \[(.*?)\];', text, re.S)

    def test_graph_colours_keras_layers_by_category_and_folds_kernel_and_bias(self):
        text, nodes = self.dot_nodes(self.dense_h5)
        by_title = {}
        for _, attrs in nodes:
            label = re.search(r'label=<(.*?)>,', attrs, re.S) or re.search(r'label="(.*?)"', attrs, re.S)
            fill = re.search(r'fillcolor="([^"]+)"', attrs)
            if label and fill:
                by_title[label.group(1)] = fill.group(1)
        dense_labels = [k for k in by_title if "Dense" in k]
        self.assertTrue(dense_labels, text[:2000])
        for k in dense_labels:
            self.assertEqual(by_title[k], LINEAR_FILL, k)
        self.assertTrue(any("Flatten" in k and v == SHAPE_FILL for k, v in by_title.items()))
        self.assertTrue(any("Dropout" in k and v == ELEMENTWISE_FILL for k, v in by_title.items()))
        # Weights fold into their layer under their Keras names, not as in1/in2 nor as boxes.
        self.assertIn("kernel 16", text)
        self.assertIn("bias 12", text)
        self.assertNotRegex(text, r"\bin1\b")
        self.assertNotIn("dense/kernel", text.replace("dense/kernel:0", ""))
        self.assertNotRegex(text, r">keras<|\\nkeras\\n")  # the domain line says nothing here

    def test_graph_activation_classes_and_html(self):
        out = self.path("activations.html")
        zoo = model_zoo.activations()
        model = self.path("activations.h5")
        keras_files.write_keras2_h5(model, zoo.config, zoo.weights)
        self.ok("graph", model, "-o", out)
        html = self.read_text(out)
        page = html.split('<script id="layerscope-graph" type="application/json">')[1]
        items = {(i["kind"], i["name"]): i for i in json.loads(page.split("</script>")[0])["items"]}
        for name, category in (("re_lu", "activation"), ("leaky_re_lu", "activation"),
                               ("p_re_lu", "activation"), ("softmax", "activation"),
                               ("dense_relu", "linear"), ("elu", "activation")):
            self.assertEqual(items[("op", name)]["category"], category, name)
        self.assertIn("kernel 6\u00d76", items[("op", "dense_relu")]["lines"])
        _, nodes = self.dot_nodes(model)
        fills = {re.search(r'fillcolor="([^"]+)"', a).group(1) for _, a in nodes if "PReLU" in a}
        self.assertEqual(fills, {ACTIVATION_FILL})

    def test_graph_draws_a_nested_model_as_a_group(self):
        text, _ = self.dot_nodes(self.nested_h5)
        self.assertRegex(text, r'subgraph cluster\w*\s*\{[^{}]*label=<?"?[^;]*head', )
        self.assertIn("head_dense", text)

    # --- run -----------------------------------------------------------------------------------

    def test_run_table_names_layers_and_classes(self):
        out = self.ok("run", self.dense_h5, "--input", self.dense_x)
        header = out.splitlines()[0].split()
        self.assertEqual(header[:5], ["#", "node", "op", "output", "shape"])
        rows = [line.split() for line in out.splitlines()[1:5]]
        self.assertEqual([r[1:4] for r in rows],
                         [["flatten", "Flatten", "flatten"], ["dense", "Dense", "dense"],
                          ["dropout", "Dropout", "dropout"], ["dense_1", "Dense", "dense_1"]])
        self.assertEqual(rows[0][4], "2x16")

    def test_run_binds_png_images_in_nhwc(self):
        # (None, 8, 8, 3): the PNG is already 8x8 RGB, so Flatten gives its pixels in HWC order.
        dump = self.path("nhwc_dump")
        png = os.path.join(self.images, "img_1.png")
        self.ok("run", self.image_h5, "--input", png, "--dump", dump)
        index = {e["name"]: e for e in self.read_json(os.path.join(dump, "index.json"))}
        flat = np.load(os.path.join(dump, index["flatten"]["file"]))
        np.testing.assert_allclose(flat, self.pixels[1].reshape(1, -1) / 255.0, atol=1e-6)
        # (None, 28, 28, 1): a 56x56 gray digit is resized to 28x28 with one channel.
        digit = self.path("digit56.png")
        Image.fromarray((np.arange(56 * 56) % 251).astype(np.uint8).reshape(56, 56), "L").save(digit)
        out = self.ok("run", self.gray_h5, "--input", digit)
        self.assertRegex(out, r"\bflatten\s+Flatten\s+flatten\s+1x784\b")
        small = self.path("digit28.png")
        gray = (np.arange(28 * 28) % 256).astype(np.uint8).reshape(28, 28)
        Image.fromarray(gray, "L").save(small)
        dump = self.path("gray_dump")
        self.ok("run", self.gray_h5, "--input", small, "--dump", dump)
        index = {e["name"]: e for e in self.read_json(os.path.join(dump, "index.json"))}
        np.testing.assert_allclose(np.load(os.path.join(dump, index["flatten"]["file"])),
                                   gray.reshape(1, -1) / 255.0, atol=1e-6)

    def test_run_plots_draw_nhwc_channels(self):
        plots = self.path("nhwc_plots")
        self.ok("run", self.image_h5, "--input", os.path.join(self.images, "img_0.png"),
                "--plots", plots)
        index = {e["name"]: e for e in self.read_json(os.path.join(plots, "index.json"))}
        self.assertIsNotNone(index["act"]["feature_maps"])
        self.assertEqual(index["act"]["shape"], [1, 8, 8, 3])

    # --- log -----------------------------------------------------------------------------------

    def test_log_tags_are_layer_names_and_nhwc_maps_are_channels(self):
        logdir = self.path("log_nhwc")
        self.ok("log", self.image_h5, "--input", os.path.join(self.images, "img_0.png"),
                "--logdir", logdir)
        out, tags = self.events(logdir)
        for layer_name in ("act", "flatten", "dense"):
            self.assertIn(layer_name + "/mean", tags)
        # 3 channels of 8x8 in a 2x2 grid with 2-pixel padding: 22x22. Read as NCHW it would be 8
        # "channels" of 8x3.
        image = tags["act/feature_maps"]["values"][0]["image"]
        self.assertEqual((image["height"], image["width"]), (22, 22))
        self.assertTrue(out["runs"][0]["graph"])

    def test_log_nested_model_tags_group_by_outer_model(self):
        logdir = self.path("log_nested")
        x = self.path("nested_x.npy")
        np.save(x, np.random.default_rng(1).standard_normal((2, 4, 4)).astype(np.float32))
        self.ok("log", self.nested_h5, "--input", x, "--logdir", logdir)
        _, tags = self.events(logdir)
        self.assertIn("head/head_dense/mean", tags)
        self.assertIn("head/head_out/std", tags)

    def test_log_nested_model_output_keeps_its_nhwc_layout(self):
        # The nested model's own node hands on its last layer's NHWC map: 3 channels of 8x8 again.
        inner = {"class_name": "Sequential",
                 "config": {"name": "inner", "layers": [
                     input_layer("inner_input", [None, 8, 8, 3]),
                     layer("Activation", "act", activation="relu")]}}
        config = sequential("outer", [None, 8, 8, 3], [inner], input_name="image")
        path = self.path("nested_nhwc.h5")
        keras_files.write_keras2_h5(path, config, {})
        logdir = self.path("log_nested_nhwc")
        self.ok("log", path, "--input", os.path.join(self.images, "img_0.png"), "--logdir", logdir)
        _, tags = self.events(logdir)
        for tag in ("inner/act/feature_maps", "inner/feature_maps"):
            image = tags[tag]["values"][0]["image"]
            self.assertEqual((image["height"], image["width"]), (22, 22), tag)

    # --- report and embed ----------------------------------------------------------------------

    def test_report_on_png_inputs(self):
        out = self.path("nhwc_report.html")
        self.ok("report", self.image_h5, "--inputs-dir", self.images, "-o", out)
        html = self.read_text(out)
        self.assertIn("act", html)
        self.assertGreater(len(html), 10000)

    def test_embed_pools_nhwc_maps_per_channel(self):
        out = self.path("embed_act")
        printed = self.ok("embed", self.image_h5, "--layer", "act", "--inputs-dir", self.images,
                          "--method", "pca", "-o", out)
        self.assertIn("8x8x3 per input, avg over 8x8", printed)
        features = np.load(out + "_features.npy")
        expected = np.stack([p.reshape(-1, 3).mean(axis=0) / 255.0 for p in self.pixels])
        np.testing.assert_allclose(features, expected, atol=1e-5)
        out = self.path("embed_dense")
        self.ok("embed", self.image_h5, "--layer", "dense", "--inputs-dir", self.images,
                "--method", "pca", "-o", out)
        self.assertEqual(np.load(out + "_features.npy").shape, (4, 4))

    # --- --config for weights-only files ---------------------------------------------------------

    def test_config_opens_a_weights_only_file_in_every_command(self):
        weights = self.path("weights_only.h5")
        keras_files.write_weights_only_h5(weights, self.image_config, self.image_weights)
        config = self.path("nhwc.json")
        with open(config, "w") as f:
            json.dump(self.image_config, f)
        refused = layerscope("summary", weights)
        self.assertEqual(refused.returncode, 1)
        self.assertIn("--config", refused.stderr)
        png = os.path.join(self.images, "img_2.png")
        summary = json.loads(self.ok("summary", weights, "--config", config, "--json"))
        self.assertEqual(summary["total_parameters"], 8 * 8 * 3 * 4 + 4)
        def layers(model, *extra):
            out = json.loads(self.ok("run", model, *extra, "--input", png, "--json"))
            return [{k: v for k, v in r.items() if k != "seconds"} for r in out["layers"]]
        self.assertEqual(layers(weights, "--config", config), layers(self.image_h5))
        self.ok("graph", weights, "--config", config, "-o", self.path("wo.svg"))
        self.ok("log", weights, "--config", config, "--input", png, "--logdir", self.path("wo_log"))
        self.ok("report", weights, "--config", config, "--input", png, "-o", self.path("wo.html"))
        self.ok("embed", weights, "--config", config, "--layer", "act", "--inputs-dir",
                self.images, "--method", "pca", "-o", self.path("wo_embed"))
        self.assertEqual(layerscope("summary", weights, "--config", self.path("nope.json")).returncode, 2)

    # --- checkpoints over training ---------------------------------------------------------------

    def write_checkpoints(self, folder, epochs, scale_of=lambda e: e):
        os.mkdir(folder)
        for epoch in epochs:
            weights = {k: [(n, v * scale_of(epoch)) for n, v in pairs]
                       for k, pairs in self.zoo.weights.items()}
            keras_files.write_keras2_h5(os.path.join(folder, f"model.{epoch:02d}-0.{90 - epoch}.h5"),
                                        self.zoo.config, weights)

    def test_log_checkpoints_one_step_per_epoch(self):
        ckpt = self.path("ckpt")
        self.write_checkpoints(ckpt, [3, 1, 10])
        logdir = self.path("log_ckpt")
        printed = self.ok("log", "--checkpoints", os.path.join(ckpt, "model.*.h5"), "--input",
                          self.dense_x, "--logdir", logdir)
        self.assertIn("logged 3 checkpoints (step 1 to 10)", printed)
        _, tags = self.events(logdir)
        for tag in ("dense/mean", "dense_1/std", "flatten/mean"):
            self.assertEqual([v["step"] for v in tags[tag]["values"]], [1, 3, 10], tag)
        means = [v["value"] for v in tags["dense/mean"]["values"]]
        self.assertEqual(len(set(means)), 3, means)  # the weights differ, so do the activations
        self.assertEqual(len({v["value"] for v in tags["flatten/mean"]["values"]}), 1)

    def test_checkpoints_of_another_architecture_are_refused_by_name(self):
        ckpt = self.path("ckpt_mixed")
        self.write_checkpoints(ckpt, [1, 2])
        other = copy.deepcopy(self.zoo.config)
        other["config"]["layers"][2]["config"]["units"] = 7
        weights = dict(self.zoo.weights)
        weights["dense"] = [("kernel", np.ones((16, 7), np.float32)), ("bias", np.ones(7, np.float32))]
        weights["dense_1"] = [("kernel", np.ones((7, 5), np.float32)), ("bias", np.ones(5, np.float32))]
        bad = os.path.join(ckpt, "model.03-0.50.h5")
        keras_files.write_keras2_h5(bad, other, weights)
        logdir = self.path("log_mixed")
        proc = layerscope("log", "--checkpoints", os.path.join(ckpt, "*.h5"), "--input",
                          self.dense_x, "--logdir", logdir)
        self.assertEqual(proc.returncode, 1)
        self.assertIn(bad, proc.stderr)
        self.assertIn("layer 'dense'", proc.stderr)
        self.assertFalse(os.path.exists(logdir), "nothing is written before the check")
        proc = layerscope("log", self.dense_h5, "--checkpoints", bad, "--logdir", logdir)
        self.assertNotEqual(proc.returncode, 0)


if __name__ == "__main__":
    unittest.main()
