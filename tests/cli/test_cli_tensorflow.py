"""Every command on TensorFlow graphs, as a TensorFlow user expects: TF's node names and name
scopes, NHWC images, placeholders bound by name (scalars too), one clear line for a graph that
cannot be read or run. Run by CTest (label tensorflow) with Debian's python3:

  cd tests/cli && LAYERSCOPE=build/layerscope LAYERSCOPE_SOURCE_DIR=. /usr/bin/python3 -m unittest -v test_cli_tensorflow

The main model is the bundled models/digits_cnn.pb (tools/make_tensorflow_example.py: the Keras
digits CNN frozen as TensorFlow 2 freezes it); small graphs are written here with
tests/tensorflow/tf_graphs.py.
"""
import csv
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np

BINARY = os.environ.get("LAYERSCOPE", "layerscope")
SOURCE = Path(os.environ.get("LAYERSCOPE_SOURCE_DIR", Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(SOURCE / "tests" / "tensorflow"))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from tf_graphs import GraphBuilder  # noqa: E402

MODELS = SOURCE / "models"
DIGITS_PB = MODELS / "digits_cnn.pb"
DIGITS = MODELS / "digits"


def layerscope(*args):
    return subprocess.run([BINARY, *map(str, args)], capture_output=True, text=True, timeout=300)


def scalar_graph():
    """x [?, 4] * keep_prob (a scalar placeholder with no shape) -> Relu."""
    g = GraphBuilder()
    x = g.placeholder("x", np.float32, [None, 4])
    keep = g.placeholder("keep_prob", np.float32)
    y = g.op("Mul", "dropout/mul", [x, keep], T=np.float32)
    g.op("Relu", "out", [y], T=np.float32)
    return g


class TensorFlowCommandsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="layerscope-cli-tf-")
        cls.dir = Path(cls.tmp.name)
        cls.digit = DIGITS / "digit_04_label_2.png"
        # The PNGs only: the folder's .npy copies are the ONNX model's NCHW tensors.
        cls.pngs = cls.dir / "pngs"
        cls.pngs.mkdir()
        for png in DIGITS.glob("*.png"):
            (cls.pngs / png.name).write_bytes(png.read_bytes())

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def ok(self, *args):
        proc = layerscope(*args)
        self.assertEqual(proc.returncode, 0, f"layerscope {' '.join(map(str, args))}:\n{proc.stderr}")
        return proc.stdout

    def fails(self, *args):
        """The one-line error of a command that must fail cleanly."""
        proc = layerscope(*args)
        self.assertEqual(proc.returncode, 1, f"{args}: {proc.stdout}{proc.stderr}")
        lines = proc.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, proc.stderr)
        self.assertTrue(lines[0].startswith("error: "), lines[0])
        return lines[0]

    def dump(self, model, name, *inputs):
        folder = self.dir / name
        self.ok("run", model, *[a for i in inputs for a in ("--input", i)], "--dump", folder)
        index = json.loads((folder / "index.json").read_text())
        return {e["name"]: np.load(folder / e["file"]) for e in index}, index

    # --- summary -------------------------------------------------------------------------------

    def test_summary_names_tf_nodes_with_shapes_found_by_running(self):
        out = self.ok("summary", DIGITS_PB)
        self.assertIn("(TensorFlow", out.splitlines()[0])
        self.assertIn("Input:  image float32 [batch,28,28,1]", out)
        self.assertRegex(out, r"digits_cnn/conv2d/Conv2D\s+Conv2D\s+\[batch,26,26,32\]\s+288")
        self.assertRegex(out, r"digits_cnn/flatten/Reshape\s+Reshape\s+\[batch,5408\]")
        # The same network as the ONNX file: the same multiply-accumulates.
        tf = json.loads(self.ok("summary", DIGITS_PB, "--json"))
        onnx = json.loads(self.ok("summary", MODELS / "digits_cnn.onnx", "--json"))
        self.assertEqual(tf["format"], "tensorflow")
        self.assertEqual(tf["total_macs"], onnx["total_macs"])
        scopes = {n["name"]: n["scope"] for n in tf["nodes"]}
        self.assertEqual(scopes["digits_cnn/dense/MatMul"], "digits_cnn/dense")

    # --- run -----------------------------------------------------------------------------------

    def test_run_agrees_with_the_keras_and_onnx_files_on_every_sample_digit(self):
        with open(DIGITS / "expected_predictions.csv") as f:
            expected = {row["file"]: int(row["predicted"]) for row in csv.DictReader(f)}
        for stem, predicted in sorted(expected.items())[:6]:
            image = DIGITS / f"{stem}.png"
            tf, index = self.dump(DIGITS_PB, f"tf_{stem}", str(image))
            keras, _ = self.dump(MODELS / "digits_cnn.h5", f"keras_{stem}", str(image))
            self.assertEqual(index[-1]["name"], "Identity")
            np.testing.assert_allclose(tf["Identity"], keras["dense"], atol=1e-5, err_msg=stem)
            self.assertEqual(int(np.argmax(tf["Identity"])), predicted, stem)
            # NHWC as TF computes it: the conv's map is (1, 26, 26, 32), the Keras layer's too.
            np.testing.assert_allclose(tf["digits_cnn/conv2d/Relu"], keras["conv2d"], atol=1e-5)

    def test_run_table_shows_tf_names_and_ops(self):
        out = self.ok("run", DIGITS_PB, "--input", self.digit)
        self.assertRegex(out, r"digits_cnn/max_pooling2d/MaxPool\s+MaxPool\s+\S+\s+1x13x13x32")

    def test_scalar_placeholders_bind_by_name_from_a_number(self):
        g = scalar_graph()
        model = g.save_pb(self.dir / "scalar.pb")
        x = self.dir / "x.npy"
        np.save(x, np.array([[1, -2, 3, -4]], np.float32))
        values, _ = self.dump(model, "scalar_run", f"x={x}", "keep_prob=0.5")
        np.testing.assert_array_equal(values["out"], [[0.5, 0, 1.5, 0]])
        error = self.fails("run", model, "--input", f"x={x}", "--input", "keep=0.5")
        self.assertIn("no input named 'keep'", error)
        self.assertIn("keep_prob", error)

    # --- graph, log, report, embed ---------------------------------------------------------------

    def test_graph_groups_name_scopes(self):
        dot = self.dir / "digits.dot"
        self.ok("graph", DIGITS_PB, "-o", dot, "--depth", "9")
        text = dot.read_text()
        clusters = re.findall(r'subgraph cluster\w*\s*\{[^{}]*?label=<?"?([^;>"]*)', text)
        self.assertTrue({"digits_cnn", "conv2d", "dense"} <= {c.strip() for c in clusters}, clusters)
        html = self.dir / "digits.html"
        self.ok("graph", DIGITS_PB, "-o", html)
        self.assertIn("digits_cnn/conv2d/Conv2D", html.read_text())

    def test_log_tags_are_tf_node_names_and_the_graph_keeps_them(self):
        logdir = self.dir / "log"
        self.ok("log", DIGITS_PB, "--input", self.digit, "--logdir", logdir)
        out = json.loads(self.ok("events", logdir, "--json", "--values"))
        tags = {t["tag"]: t for run in out["runs"] for t in run["tags"]}
        self.assertIn("digits_cnn/conv2d/Relu/mean", tags)
        # 32 NHWC channels of 26x26, not 26 "channels" of 26x32.
        image = tags["digits_cnn/conv2d/Relu/feature_maps"]["values"][0]["image"]
        # Tiles of 26x26 with 2-pixel padding: 28n + 2 pixels each way.
        self.assertEqual((image["height"] - 2) % 28, 0, image)
        self.assertEqual((image["width"] - 2) % 28, 0, image)
        self.assertTrue(out["runs"][0]["graph"])

    def test_report_and_embed_on_the_sample_digits(self):
        report = self.dir / "report.html"
        self.ok("report", DIGITS_PB, "--inputs-dir", self.pngs, "-o", report)
        self.assertIn("digits_cnn/dense/Softmax", report.read_text())
        out = self.dir / "embed"
        self.ok("embed", DIGITS_PB, "--layer", "digits_cnn/dense/BiasAdd", "--inputs-dir",
                self.pngs, "--method", "pca", "-o", out)
        self.assertEqual(np.load(f"{out}_features.npy").shape, (20, 10))

    # --- bad input -----------------------------------------------------------------------------

    def test_truncated_and_corrupt_graphs_are_one_line(self):
        data = DIGITS_PB.read_bytes()
        truncated = self.dir / "truncated.pb"
        truncated.write_bytes(data[: len(data) // 3])
        self.assertIn("not a valid TensorFlow GraphDef", self.fails("summary", truncated))
        text = self.dir / "broken.pbtxt"
        text.write_text('node { name: "x" op: "Placeholder" }\nnode { name: ')
        self.assertIn("line 2", self.fails("graph", text, "-o", self.dir / "broken.svg"))

    def test_unknown_ops_are_refused_before_running_with_their_count(self):
        g = GraphBuilder()
        x = g.placeholder("x", np.float32, [1, 4])
        y = g.op("FancyOp", "first", [x], T=np.float32)
        g.op("FancyOp", "second", [y], T=np.float32)
        model = g.save_pb(self.dir / "fancy.pb")
        error = self.fails("run", model, "--random")
        self.assertRegex(error, r"FancyOp \(opset 1, 2 nodes, first 'first'\)")
        self.ok("graph", model, "-o", self.dir / "fancy.svg")  # drawing needs no kernel

    def test_malformed_graphs_name_the_node(self):
        g = GraphBuilder()
        x = g.placeholder("x", np.float32, [1, 4])
        g.op("Relu", "a", ["b"], T=np.float32)
        g.op("Relu", "b", ["a"], T=np.float32)
        g.op("Relu", "c", [x, "missing:0"], T=np.float32)
        model = g.save_pb(self.dir / "malformed.pb")
        self.assertIn("node 'c' (Relu) reads 'missing:0'", self.fails("summary", model))
        del g.graph_def.node[-1]
        model = g.save_pb(self.dir / "cycle.pb")
        self.assertRegex(self.fails("summary", model), r"node '[ab]' \(Relu\) is on a cycle")


if __name__ == "__main__":
    unittest.main()
