"""End-to-end tests of the layerscope command line, run by CTest with Debian's python3.

LAYERSCOPE is the binary under test, LAYERSCOPE_SOURCE_DIR the repository (for models/).
Small models are built here with onnx.helper; outputs are read back with numpy.
"""
import base64
import io
import json
import os
import re
import resource
import shutil
import signal
import struct
import subprocess
import tempfile
import unicodedata
import unittest
import xml.etree.ElementTree as ET

import numpy as np
import onnx
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory, text_format
from onnx import TensorProto, helper, numpy_helper
from PIL import Image

BINARY = os.environ.get("LAYERSCOPE", "layerscope")
SOURCE = os.environ.get("LAYERSCOPE_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
MODELS = os.path.join(SOURCE, "models")
DIGITS = os.path.join(MODELS, "digits_cnn.onnx")
DIGIT_NPY = os.path.join(MODELS, "digits", "digit_00_label_0.npy")
DIGIT_PNG = os.path.join(MODELS, "digits", "digit_00_label_0.png")
DIGITS_DIR = os.path.join(MODELS, "digits")
DIGIT_LABELS = os.path.join(DIGITS_DIR, "labels.csv")


def layerscope(*args, env=None):
    merged = dict(os.environ, **(env or {}))
    return subprocess.run([BINARY, *args], capture_output=True, text=True, env=merged, timeout=300)


def save_model(folder, name, nodes, inputs, outputs, initializers=(), opset=13, extra_opsets=()):
    graph = helper.make_graph(nodes, name, inputs, outputs, initializer=list(initializers))
    opsets = [helper.make_opsetid("", opset)] + [helper.make_opsetid(d, v) for d, v in extra_opsets]
    model = helper.make_model(graph, opset_imports=opsets)
    model.ir_version = 8
    path = os.path.join(folder, name + ".onnx")
    onnx.save(model, path)
    return path


# --- TensorBoard event files, written here from the public TFRecord and protobuf layouts ---

def crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 & -(crc & 1))
    return crc ^ 0xFFFFFFFF


def masked_crc(data):
    crc = crc32c(data)
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


def tfrecord(data):
    length = struct.pack("<Q", len(data))
    return length + struct.pack("<I", masked_crc(length)) + data + struct.pack("<I", masked_crc(data))


def varint(v):
    out = b""
    while v >= 0x80:
        out += bytes([(v & 0x7F) | 0x80])
        v >>= 7
    return out + bytes([v])


def field(number, wire_type, payload):
    return varint(number << 3 | wire_type) + payload


def length_delimited(number, data):
    data = data.encode() if isinstance(data, str) else data
    return field(number, 2, varint(len(data)) + data)


def event(step, *values, file_version=None):
    """Event {wall_time 1, step 2, file_version 3, summary 5}; Summary {value 1}."""
    out = field(1, 1, struct.pack("<d", 1.7e9 + step)) + field(2, 0, varint(step))
    if file_version:
        return out + length_delimited(3, file_version)
    return out + length_delimited(5, b"".join(length_delimited(1, v) for v in values))


def scalar(tag, value):  # Summary.Value {tag 1, simple_value 2}
    return length_delimited(1, tag) + field(2, 5, struct.pack("<f", value))


def histogram(tag, limits, counts):  # Summary.Value.histo 5: HistogramProto {num 3, limits 6, buckets 7}
    histo = (field(3, 1, struct.pack("<d", sum(counts))) +
             length_delimited(6, struct.pack("<%dd" % len(limits), *limits)) +
             length_delimited(7, struct.pack("<%dd" % len(counts), *counts)))
    return length_delimited(1, tag) + length_delimited(5, histo)


def image(tag):  # Summary.Value.image 4: Image {height 1, width 2, colorspace 3, encoded 4}
    return length_delimited(1, tag) + length_delimited(
        4, field(1, 0, varint(2)) + field(2, 0, varint(3)) + field(3, 0, varint(1)) +
        length_delimited(4, b"\x89PNG"))


def text(tag):  # Summary.Value {metadata 9: {plugin_data 1: {plugin_name 1}}, tensor 8}
    metadata = length_delimited(1, length_delimited(1, "text"))
    return length_delimited(1, tag) + length_delimited(9, metadata) + length_delimited(
        8, field(1, 0, varint(7)) + length_delimited(8, "hello"))


def write_events(folder, records, name="events.out.tfevents.1700000000.host"):
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, name)
    with open(path, "wb") as f:
        f.write(b"".join(tfrecord(r) for r in [event(0, file_version="brain.Event:2"), *records]))
    return path


def projector_config_class():
    """TensorBoard's ProjectorConfig, built here from its public field numbers
    (plugins/projector/projector_config.proto), so the config is read by protobuf's own text parser
    with a schema the library did not supply."""
    F = descriptor_pb2.FieldDescriptorProto
    proto = descriptor_pb2.FileDescriptorProto(name="projector_check.proto", package="check",
                                               syntax="proto3")

    def message(name, *fields):
        m = proto.message_type.add(name=name)
        for field_name, number, kind, repeated, *type_name in fields:
            m.field.add(name=field_name, number=number, type=kind,
                        label=F.LABEL_REPEATED if repeated else F.LABEL_OPTIONAL,
                        type_name=type_name[0] if type_name else None)

    message("SpriteMetadata", ("image_path", 1, F.TYPE_STRING, False),
            ("single_image_dim", 2, F.TYPE_UINT32, True))
    message("EmbeddingInfo", ("tensor_name", 1, F.TYPE_STRING, False),
            ("metadata_path", 2, F.TYPE_STRING, False), ("bookmarks_path", 3, F.TYPE_STRING, False),
            ("tensor_shape", 4, F.TYPE_UINT32, True),
            ("sprite", 5, F.TYPE_MESSAGE, False, ".check.SpriteMetadata"),
            ("tensor_path", 6, F.TYPE_STRING, False))
    message("ProjectorConfig", ("model_checkpoint_path", 1, F.TYPE_STRING, False),
            ("embeddings", 2, F.TYPE_MESSAGE, True, ".check.EmbeddingInfo"),
            ("model_checkpoint_dir", 3, F.TYPE_STRING, False))
    pool = descriptor_pool.DescriptorPool()
    pool.Add(proto)
    return message_factory.MessageFactory(pool).GetPrototype(
        pool.FindMessageTypeByName("check.ProjectorConfig"))


ProjectorConfig = projector_config_class()


def read_projector_config(logdir):
    with open(os.path.join(logdir, "projector_config.pbtxt")) as f:
        return text_format.Parse(f.read(), ProjectorConfig())


def read_tsv_floats(path):
    with open(path) as f:
        return np.array([[float(v) for v in line.rstrip("\n").split("\t")] for line in f],
                        dtype=np.float32)


def dumped_digits_layer(tmp, name):
    """The digits CNN's layer output for the 20 digits in one batch of 20, from `run --dump`."""
    digits = sorted(f for f in os.listdir(DIGITS_DIR) if f.endswith(".npy"))
    batch = os.path.join(tmp, "batch.npy")
    np.save(batch, np.concatenate([np.load(os.path.join(DIGITS_DIR, f)) for f in digits]))
    dump = os.path.join(tmp, "dump")
    r = layerscope("run", DIGITS, "--input", batch, "--dump", dump, "--threads", "1")
    if r.returncode != 0:
        raise AssertionError(r.stderr)
    with open(os.path.join(dump, "index.json")) as f:
        files = {entry["name"]: entry["file"] for entry in json.load(f)}
    return np.load(os.path.join(dump, files[name]))


class CliTestCase(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.tmp = self._tmp.name

    def tearDown(self):
        self._tmp.cleanup()

    def assertFailsClearly(self, result, *fragments):
        """A clear one-line error, a non-zero exit, and no crash."""
        self.assertGreater(result.returncode, 0, result.stdout + result.stderr)
        self.assertTrue(result.stderr.startswith("error: "), result.stderr)
        self.assertEqual(result.stderr.strip().count("\n"), 0, result.stderr)
        for fragment in fragments:
            self.assertIn(fragment, result.stderr)


class SummaryTest(CliTestCase):
    def test_table_lists_layers_parameters_and_macs(self):
        r = layerscope("summary", DIGITS)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("/conv1/Conv", r.stdout)
        self.assertIn("[batch,32,26,26]", r.stdout)
        self.assertIn("Parameters: 54,410", r.stdout)
        self.assertIn("MACs: 248,768", r.stdout)  # 32*26*26*9 + 5408*10, per item

    def test_json(self):
        r = layerscope("summary", DIGITS, "--json")
        data = json.loads(r.stdout)
        self.assertEqual(data["total_parameters"], 54410)
        self.assertEqual([n["op"] for n in data["nodes"]],
                         ["Conv", "Relu", "MaxPool", "Flatten", "Gemm", "Softmax"])
        self.assertEqual(data["nodes"][0]["macs"], 32 * 26 * 26 * 9)
        self.assertEqual(data["inputs"][0]["shape"], ["batch", 1, 28, 28])

    def test_does_not_load_the_runtime(self):
        env = {"LAYERSCOPE_RUNTIME": "/nonexistent/liblayerscope_runtime.so"}
        self.assertEqual(layerscope("summary", DIGITS, env=env).returncode, 0)
        self.assertFailsClearly(layerscope("run", DIGITS, "--input", DIGIT_NPY, env=env),
                                "cannot load the layerscope runtime")


class RunTest(CliTestCase):
    def run_json(self, *args):
        r = layerscope("run", *args, "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    def test_every_layer_in_order_with_statistics(self):
        r = layerscope("run", DIGITS, "--input", DIGIT_NPY)
        self.assertEqual(r.returncode, 0, r.stderr)
        for op in ["Conv", "Relu", "MaxPool", "Flatten", "Gemm", "Softmax"]:
            self.assertIn(op, r.stdout)
        self.assertIn("no NaN or Inf in the 6 tensors observed", r.stdout)

    def test_names_that_are_not_utf8_or_hold_control_characters(self):
        """ONNX names are bytes: a table shows them escaped, JSON with U+FFFD, neither fails."""
        nodes = [helper.make_node("Relu", ["x"], ["a"], name="bad_XXXX"),
                 helper.make_node("Neg", ["a"], ["y"], name="esc\x1b[2J")]
        path = save_model(self.tmp, "odd_names", nodes,
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])])
        with open(path, "rb") as f:
            data = f.read()
        with open(path, "wb") as f:  # same length, so the protobuf stays valid
            f.write(data.replace(b"bad_XXXX", b"bad_\xff\xfe\xc3("))
        x = os.path.join(self.tmp, "x.npy")
        np.save(x, np.array([1, -2], dtype=np.float32))
        for command in (["run", path, "--input", x], ["summary", path]):
            r = subprocess.run([BINARY, *command], capture_output=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            out = r.stdout.decode("utf-8")  # valid UTF-8
            self.assertIn("bad_\\xff\\xfe\\xc3(", out)
            self.assertIn("esc\\x1b[2J", out)
            self.assertNotIn("\x1b", out)
            r = layerscope(*command, "--json")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("bad_\ufffd\ufffd\ufffd(", r.stdout)
            json.loads(r.stdout)

    def test_png_npy_and_pb_inputs_agree(self):
        pb = os.path.join(self.tmp, "digit.pb")
        with open(pb, "wb") as f:
            f.write(numpy_helper.from_array(np.load(DIGIT_NPY), "image").SerializeToString())
        from_npy = self.run_json(DIGITS, "--input", "image=" + DIGIT_NPY)
        from_png = self.run_json(DIGITS, "--input", DIGIT_PNG)
        from_pb = self.run_json(DIGITS, "--input", pb)
        for a, b, c in zip(from_npy["layers"], from_png["layers"], from_pb["layers"]):
            for key in ["min", "max", "mean", "std"]:
                self.assertAlmostEqual(a[key], b[key], places=6)
                self.assertAlmostEqual(a[key], c[key], places=6)

    def test_jpeg_input_is_resized_and_laid_out_for_the_model(self):
        from PIL import Image
        jpeg = os.path.join(self.tmp, "digit.jpg")
        # A larger RGB picture of the digit: converted to one channel and resized to 28x28.
        Image.open(DIGIT_PNG).convert("RGB").resize((56, 56)).save(jpeg, quality=95)
        data = self.run_json(DIGITS, "--input", jpeg)
        reference = self.run_json(DIGITS, "--input", DIGIT_NPY)
        self.assertEqual(data["layers"][0]["shape"], [1, 32, 26, 26])
        self.assertAlmostEqual(data["layers"][-1]["max"], reference["layers"][-1]["max"], delta=0.05)

    def test_bare_inputs_bind_in_declared_order_and_pb_names_bind_by_name(self):
        a = helper.make_tensor_value_info("a", TensorProto.FLOAT, [2])
        b = helper.make_tensor_value_info("b", TensorProto.FLOAT, [2])
        y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])
        model = save_model(self.tmp, "sub", [helper.make_node("Sub", ["a", "b"], ["y"], name="sub")],
                           [a, b], [y])
        first, second = os.path.join(self.tmp, "1.npy"), os.path.join(self.tmp, "2.npy")
        np.save(first, np.array([10, 10], np.float32))
        np.save(second, np.array([1, 2], np.float32))
        self.assertEqual(self.run_json(model, "--input", first, "--input", second)["layers"][0]["min"], 8)
        # A .pb naming "b" binds to b even when given first.
        pb = os.path.join(self.tmp, "b.pb")
        with open(pb, "wb") as f:
            f.write(numpy_helper.from_array(np.array([1, 2], np.float32), "b").SerializeToString())
        self.assertEqual(self.run_json(model, "--input", pb, "--input", "a=" + first)["layers"][0]["max"], 9)

    def test_dump_writes_npy_and_index_matching_the_statistics(self):
        out = os.path.join(self.tmp, "dump")
        data = self.run_json(DIGITS, "--input", DIGIT_NPY, "--dump", out)
        with open(os.path.join(out, "index.json")) as f:
            index = json.load(f)
        self.assertEqual(len(index), 6)
        self.assertEqual(index[0]["file"], "conv1_Conv_output_0.npy")
        for entry, layer in zip(index, data["layers"]):
            self.assertEqual(set(entry), {"name", "file", "node", "op", "layer", "dtype", "shape"})
            self.assertEqual(entry["layer"], entry["node"])  # one output per node here
            array = np.load(os.path.join(out, entry["file"]))
            self.assertEqual(list(array.shape), entry["shape"])
            self.assertEqual(str(array.dtype), entry["dtype"])
            self.assertAlmostEqual(float(array.mean()), layer["mean"], places=5)
            self.assertAlmostEqual(float(array.std()), layer["std"], places=5)
            self.assertEqual(float(array.max()), layer["max"])
        probabilities = np.load(os.path.join(out, index[-1]["file"]))
        self.assertAlmostEqual(float(probabilities.sum()), 1.0, places=5)

    def test_plots_draw_a_histogram_per_layer_and_feature_maps_for_conv_outputs(self):
        out = os.path.join(self.tmp, "plots")
        r = layerscope("run", DIGITS, "--input", DIGIT_PNG, "--plots", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("plots: 6 histograms and 3 feature-map grids in " + out, r.stdout)
        with open(os.path.join(out, "index.json")) as f:
            index = json.load(f)
        self.assertEqual([e["name"] for e in index],
                         ["/conv1/Conv_output_0", "/relu1/Relu_output_0", "/pool1/MaxPool_output_0",
                          "/flatten/Flatten_output_0", "/fc/Gemm_output_0", "probabilities"])
        self.assertEqual(index[0]["histogram"], "conv1_Conv_output_0_hist.png")
        self.assertEqual(index[2]["feature_maps"], "pool1_MaxPool_output_0_maps.png")
        self.assertIsNone(index[3]["feature_maps"])
        self.assertEqual(index[0]["shape"], [1, 32, 26, 26])
        for entry in index:
            with Image.open(os.path.join(out, entry["histogram"])) as image:
                self.assertEqual((image.size, image.mode), ((800, 480), "RGB"))
                # Bars in Okabe-Ito blue.
                self.assertIn((0x00, 0x72, 0xB2), set(image.getdata()))
        with Image.open(os.path.join(out, index[0]["feature_maps"])) as image:
            # 16 of 32 channels, 4 x 4 tiles of 78 px (26 px maps enlarged 3 times).
            self.assertGreater(image.size[0], 4 * 78)
            self.assertGreater(image.size[1], 4 * 78)
            pixels = np.asarray(image.convert("RGB"))
        # viridis' two ends (each channel reaches its own min and max).
        for colour in [(68, 1, 84), (253, 231, 37)]:
            self.assertTrue((pixels == colour).all(axis=2).any(), colour)
        # The filter decides which layers are drawn; a file in the way is a clear error.
        filtered = os.path.join(self.tmp, "filtered")
        r = layerscope("run", DIGITS, "--input", DIGIT_NPY, "--plots", filtered, "--filter", "Relu")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sorted(os.listdir(filtered)),
                         ["index.json", "relu1_Relu_output_0_hist.png",
                          "relu1_Relu_output_0_maps.png"])
        blocker = os.path.join(self.tmp, "file")
        open(blocker, "w").close()
        self.assertFailsClearly(layerscope("run", DIGITS, "--input", DIGIT_NPY, "--plots", blocker),
                                "cannot create plots folder")

    def test_filter_keeps_matching_layers_and_dump_keeps_graph_outputs(self):
        out = os.path.join(self.tmp, "dump")
        data = self.run_json(DIGITS, "--input", DIGIT_NPY, "--filter", "Conv", "--dump", out)
        self.assertEqual([l["op"] for l in data["layers"]], ["Conv"])
        with open(os.path.join(out, "index.json")) as f:
            names = [e["name"] for e in json.load(f)]
        self.assertEqual(names, ["/conv1/Conv_output_0", "probabilities"])

    def test_reports_the_first_nan_and_its_node(self):
        x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [3])
        z = helper.make_tensor_value_info("z", TensorProto.FLOAT, [3])
        model = save_model(self.tmp, "nan", [
            helper.make_node("Neg", ["x"], ["n"], name="negate"),
            helper.make_node("Log", ["n"], ["l"], name="log"),
            helper.make_node("Relu", ["l"], ["z"], name="relu"),
        ], [x], [z])
        np.save(os.path.join(self.tmp, "x.npy"), np.array([1, 2, -3], np.float32))
        r = layerscope("run", model, "--input", os.path.join(self.tmp, "x.npy"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("first NaN/Inf: tensor 'l' of node 'log' (Log) holds 2 NaN", r.stdout)
        data = self.run_json(model, "--input", os.path.join(self.tmp, "x.npy"))
        self.assertEqual(data["first_nonfinite"]["node"], "log")

    def test_random_inputs_with_named_dimensions(self):
        data = self.run_json(DIGITS, "--random")  # batch defaults to one
        self.assertEqual(data["layers"][0]["shape"], [1, 32, 26, 26])
        data = self.run_json(DIGITS, "--random", "--dim", "batch=3")
        self.assertEqual(data["layers"][0]["shape"], [3, 32, 26, 26])
        x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", "sequence"])
        y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", "sequence"])
        model = save_model(self.tmp, "seq", [helper.make_node("Relu", ["x"], ["y"], name="relu")],
                           [x], [y])
        self.assertFailsClearly(layerscope("run", model, "--random"), "--dim sequence=N")
        data = self.run_json(model, "--random", "--dim", "sequence=4")
        self.assertEqual(data["layers"][0]["shape"], [1, 4])

    def test_repeat_reports_a_median_and_no_stats_runs_bare(self):
        data = self.run_json(DIGITS, "--input", DIGIT_NPY, "--repeat", "3")
        self.assertGreater(data["median_seconds"], 0)
        self.assertEqual(len(data["layers"]), 6)
        bare = self.run_json(DIGITS, "--input", DIGIT_NPY, "--no-stats")
        self.assertEqual(bare["layers"], [])
        self.assertEqual(bare["outputs"][0]["shape"], [1, 10])

    def test_threads_option(self):
        data = self.run_json(DIGITS, "--input", DIGIT_NPY, "--threads", "1")
        self.assertEqual(len(data["layers"]), 6)

    def test_memory_stays_bounded_while_every_layer_is_observed(self):
        # 40 chained Adds on a 32 MiB tensor: holding every layer would take 1.3 GiB.
        x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [8, 1024, 1024])
        y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [8, 1024, 1024])
        nodes = [helper.make_node("Add", ["x" if i == 0 else f"t{i-1}", "x"],
                                  ["y" if i == 39 else f"t{i}"], name=f"add{i}") for i in range(40)]
        model = save_model(self.tmp, "chain", nodes, [x], [y])
        r = subprocess.run(["/usr/bin/time", "-f", "%M", BINARY, "run", model, "--random"],
                           capture_output=True, text=True, timeout=300)
        self.assertEqual(r.returncode, 0, r.stderr)
        peak_kib = int(r.stderr.strip().splitlines()[-1])
        self.assertIn("add39", r.stdout)
        self.assertLess(peak_kib, 700 * 1024, "peak RSS suggests layers are held after use")


class BadInputTest(CliTestCase):

    def test_option_mistakes_are_one_line_errors_pointing_at_the_help(self):
        cases = [
            (("run", DIGITS, "--no-such-option"), "--no-such-option", "layerscope run --help"),
            (("run",), "model is required", "layerscope run --help"),
            (("log", DIGITS, "--images", "-3"), "--images", "layerscope log --help"),
            (("no-such-command",), "no-such-command", "layerscope --help"),
            ((), "subcommand", "layerscope --help"),
        ]
        for args, *fragments in cases:
            with self.subTest(args=args):
                self.assertFailsClearly(layerscope(*args), *fragments)
        r = layerscope("run", "--help")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("--input", r.stdout)
    def test_no_inputs_says_what_the_model_expects(self):
        self.assertFailsClearly(layerscope("run", DIGITS), "image float32 [batch,1,28,28]",
                                "--input", "--random")

    def test_missing_model_file(self):
        self.assertFailsClearly(layerscope("summary", os.path.join(self.tmp, "none.onnx")),
                                "cannot read model")

    def test_truncated_model(self):
        with open(DIGITS, "rb") as f:
            data = f.read()
        cut = os.path.join(self.tmp, "cut.onnx")
        with open(cut, "wb") as f:
            f.write(data[: len(data) // 3])
        self.assertFailsClearly(layerscope("run", cut, "--random"), "cut.onnx")

    def test_corrupt_model(self):
        path = os.path.join(self.tmp, "junk.onnx")
        with open(path, "wb") as f:
            f.write(os.urandom(4096))
        self.assertFailsClearly(layerscope("summary", path), "junk.onnx")

    def test_model_failing_the_checker(self):
        x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])
        model = save_model(self.tmp, "bad", [helper.make_node("Relu", ["x"], ["y"])], [x],
                           [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])])
        m = onnx.load(model)
        m.graph.node[0].op_type = "Reluu"
        onnx.save(m, model)
        self.assertFailsClearly(layerscope("run", model, "--random"), "fails the ONNX checker")

    def test_unsupported_ops_are_all_listed_before_running(self):
        x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])
        z = helper.make_tensor_value_info("z", TensorProto.FLOAT, [2])
        model = save_model(self.tmp, "custom", [
            helper.make_node("Relu", ["x"], ["a"], name="relu"),
            helper.make_node("Frob", ["a"], ["b"], name="frob", domain="com.example"),
            helper.make_node("Twiddle", ["b"], ["z"], name="twiddle", domain="com.example"),
        ], [x], [z], extra_opsets=[("com.example", 1)])
        r = layerscope("run", model, "--random")
        self.assertFailsClearly(r, "2 unsupported ops", "com.example::Frob", "com.example::Twiddle")
        self.assertEqual(r.stdout, "", "nothing ran")

    def test_wrong_input_name_shape_and_dtype(self):
        self.assertFailsClearly(layerscope("run", DIGITS, "--input", "img=" + DIGIT_NPY),
                                "no input named 'img'", "image")
        wrong = os.path.join(self.tmp, "wrong.npy")
        np.save(wrong, np.zeros((1, 1, 27, 28), np.float32))
        self.assertFailsClearly(layerscope("run", DIGITS, "--input", wrong),
                                "shape 1x1x27x28", "expected [batch,1,28,28]")
        np.save(wrong, np.zeros((1, 1, 28, 28), np.float64))
        self.assertFailsClearly(layerscope("run", DIGITS, "--input", wrong),
                                "float64", "expected dtype float32")
        self.assertFailsClearly(layerscope("run", DIGITS, "--input", DIGIT_NPY, "--input", DIGIT_NPY),
                                "every model input is already given")

    def test_unreadable_input_file(self):
        self.assertFailsClearly(layerscope("run", DIGITS, "--input", os.path.join(self.tmp, "x.npy")),
                                "cannot read")
        text = os.path.join(self.tmp, "x.txt")
        with open(text, "w") as f:
            f.write("1 2 3")
        self.assertFailsClearly(layerscope("run", DIGITS, "--input", text), "expected .npy, .pb, .png or .jpg")

    def test_external_data_outside_the_model_folder(self):
        folder = os.path.join(self.tmp, "model")
        os.mkdir(folder)
        with open(os.path.join(self.tmp, "secret.bin"), "wb") as f:
            f.write(np.ones(2, np.float32).tobytes())
        w = numpy_helper.from_array(np.ones(2, np.float32), "w")
        w.ClearField("raw_data")
        w.data_location = TensorProto.EXTERNAL
        w.external_data.add(key="location", value="../secret.bin")
        x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])
        y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])
        model = save_model(folder, "ext", [helper.make_node("Add", ["x", "w"], ["y"])], [x], [y], [w])
        self.assertFailsClearly(layerscope("run", model, "--random"),
                                "'../secret.bin' resolves outside the model's folder")

    def test_tensor_over_the_byte_limit(self):
        self.assertFailsClearly(
            layerscope("run", DIGITS, "--input", DIGIT_NPY, "--max-tensor-bytes", "50000"),
            "/conv1/Conv", "over the limit of 50000 bytes")

    def test_bad_filter_regex(self):
        self.assertFailsClearly(layerscope("run", DIGITS, "--input", DIGIT_NPY, "--filter", "(["),
                                "not a valid regular expression")

    def test_unwritable_dump_folder(self):
        blocker = os.path.join(self.tmp, "file")
        open(blocker, "w").close()
        self.assertFailsClearly(
            layerscope("run", DIGITS, "--input", DIGIT_NPY, "--dump", os.path.join(blocker, "sub")),
            "cannot create dump folder")


class EventsTest(CliTestCase):
    def write_runs(self):
        """Run "." with scalars, a histogram, an image and a text; run "b/c" with one scalar."""
        records = [event(step, scalar("loss", 1.0 / (step + 1)), scalar("acc", 0.25 * step))
                   for step in range(3)]
        records.append(event(2, histogram("conv1/act", [-1.0, 0.0, 1.0], [2.0, 0.0, 5.0])))
        records.append(event(4, histogram("conv1/act", [1.0], [1.0]), image("input"), text("note")))
        top = write_events(self.tmp, records)
        write_events(os.path.join(self.tmp, "b", "c"), [event(7, scalar("lr", 0.5))])
        return top

    def test_runs_tags_kinds_steps_and_last_values(self):
        self.write_runs()
        r = layerscope("events", self.tmp)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("Run . (1 file)", r.stdout)
        self.assertIn("events.out.tfevents.1700000000.host: 6 records, CRCs OK", r.stdout)
        self.assertIn("Run b/c (1 file)", r.stdout)
        lines = {line.split()[0]: line.split() for line in r.stdout.splitlines()[1:] if line.startswith("  ")}
        self.assertEqual(lines["loss"], ["loss", "scalar", "3", "0", "2", "0.3333"])
        self.assertEqual(lines["acc"], ["acc", "scalar", "3", "0", "2", "0.5000"])
        self.assertEqual(lines["conv1/act"], ["conv1/act", "histogram", "2", "2", "4"])
        self.assertEqual(lines["input"], ["input", "image", "1", "4", "4"])
        self.assertEqual(lines["note"], ["note", "other", "1", "4", "4"])
        self.assertEqual(lines["lr"], ["lr", "scalar", "1", "7", "7", "0.5000"])

    def test_json(self):
        self.write_runs()
        r = layerscope("events", self.tmp, "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        data = json.loads(r.stdout)
        self.assertEqual([run["run"] for run in data["runs"]], [".", "b/c"])
        top = data["runs"][0]
        self.assertEqual(top["files"], [{"file": "events.out.tfevents.1700000000.host", "records": 6,
                                         "truncated": False, "tail_bytes": 0}])
        tags = {t["tag"]: t for t in top["tags"]}
        self.assertEqual(list(tags), ["loss", "acc", "conv1/act", "input", "note"])
        self.assertEqual(tags["loss"]["last_value"], np.float32(1.0 / 3))
        self.assertEqual((tags["loss"]["steps"], tags["loss"]["first_step"], tags["loss"]["last_step"]),
                         (3, 0, 2))
        self.assertEqual(tags["conv1/act"]["kind"], "histogram")
        self.assertNotIn("last_value", tags["conv1/act"])
        self.assertEqual(tags["note"]["plugin"], "text")
        self.assertEqual(data["runs"][1]["tags"],
                         [{"tag": "lr", "kind": "scalar", "plugin": "", "steps": 1, "first_step": 7,
                           "last_step": 7, "last_value": 0.5}])

    def test_json_values_has_every_step(self):
        self.write_runs()
        r = layerscope("events", self.tmp, "--json", "--values")
        self.assertEqual(r.returncode, 0, r.stderr)
        tags = {t["tag"]: t for t in json.loads(r.stdout)["runs"][0]["tags"]}
        self.assertEqual([(v["step"], v["wall_time"], v["value"]) for v in tags["loss"]["values"]],
                         [(step, 1.7e9 + step, np.float32(1.0 / (step + 1))) for step in range(3)])
        first, second = tags["conv1/act"]["values"]
        self.assertEqual((first["step"], second["step"]), (2, 4))
        self.assertEqual(first["histogram"]["bucket_limit"], [-1.0, 0.0, 1.0])
        self.assertEqual(first["histogram"]["bucket"], [2.0, 0.0, 5.0])
        self.assertEqual(first["histogram"]["num"], 7.0)
        self.assertEqual(second["histogram"]["bucket"], [1.0])
        self.assertEqual(tags["input"]["values"],
                         [{"step": 4, "wall_time": 1.7e9 + 4,
                           "image": {"height": 2, "width": 3, "colorspace": 1, "png_bytes": 4}}])
        self.assertEqual(tags["note"]["values"], [{"step": 4, "wall_time": 1.7e9 + 4}])
        # Without --values the JSON stays as it was.
        plain = json.loads(layerscope("events", self.tmp, "--json").stdout)["runs"][0]["tags"]
        self.assertTrue(all("values" not in t for t in plain))

    def test_values_needs_json(self):
        self.write_runs()
        r = layerscope("events", self.tmp, "--values")
        self.assertGreater(r.returncode, 0)
        self.assertIn("--values requires --json", r.stderr)

    def test_truncated_tail_is_reported_not_an_error(self):
        path = self.write_runs()
        extra = tfrecord(event(9, scalar("loss", 9.0)))
        with open(path, "ab") as f:
            f.write(extra[:17])
        r = layerscope("events", self.tmp)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("6 whole records, truncated tail of 17 bytes", r.stdout)
        data = json.loads(layerscope("events", self.tmp, "--json").stdout)
        self.assertEqual(data["runs"][0]["files"][0]["tail_bytes"], 17)
        self.assertTrue(data["runs"][0]["files"][0]["truncated"])

    def test_corrupt_crc_names_the_file_and_offset(self):
        self.write_runs()
        path = os.path.join(self.tmp, "b", "c", "events.out.tfevents.1700000000.host")
        with open(path, "rb") as f:
            data = bytearray(f.read())
        second = len(tfrecord(event(0, file_version="brain.Event:2")))
        data[second + 14] ^= 0x01  # inside the second record's data
        with open(path, "wb") as f:
            f.write(data)
        for extra in [(), ("--json",)]:
            r = layerscope("events", self.tmp, *extra)
            self.assertFailsClearly(r, path, "CRC", "byte %d" % second)
            self.assertEqual(r.stdout, "")

    def test_odd_tags_line_up_and_cannot_reach_the_terminal(self):
        """Wide and combining characters take their columns; a control sequence in someone's event
        file is shown escaped."""
        tags = ["\uce35/\uac12", "cafe\u0301/x", "esc\x1b[31m/red", "plain/ascii_tag"]
        write_events(self.tmp, [event(1, *(scalar(t, 0.5) for t in tags))])
        r = layerscope("events", self.tmp)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("\x1b", r.stdout)
        self.assertIn("esc\\x1b[31m/red", r.stdout)

        def columns(text):
            return sum(0 if unicodedata.combining(ch) else
                       2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)

        rows = [line for line in r.stdout.splitlines() if " scalar " in line]
        self.assertEqual(len(rows), len(tags), r.stdout)
        starts = {columns(line[:line.index(" scalar ")]) for line in rows}
        self.assertEqual(len(starts), 1, r.stdout)

        data = json.loads(layerscope("events", self.tmp, "--json").stdout)
        self.assertIn("esc\x1b[31m/red", {t["tag"] for t in data["runs"][0]["tags"]})

    def test_missing_dir(self):
        missing = os.path.join(self.tmp, "nope")
        self.assertFailsClearly(layerscope("events", missing), "cannot read log folder", missing)

    def test_folder_without_event_files(self):
        r = layerscope("events", self.tmp)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("No event files", r.stdout)
        self.assertEqual(json.loads(layerscope("events", self.tmp, "--json").stdout)["runs"], [])


class LogTest(CliTestCase):
    def setUp(self):
        super().setUp()
        self.inputs = os.path.join(self.tmp, "inputs")
        os.mkdir(self.inputs)
        digits = os.path.join(MODELS, "digits")
        for name in sorted(f for f in os.listdir(digits) if f.endswith(".npy"))[:3]:
            with open(os.path.join(digits, name), "rb") as src, \
                    open(os.path.join(self.inputs, name), "wb") as dst:
                dst.write(src.read())
        self.logdir = os.path.join(self.tmp, "runs", "digits")

    def layers(self):
        r = layerscope("run", DIGITS, "--input", DIGIT_NPY, "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)["layers"]

    def events(self):
        r = layerscope("events", self.logdir, "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        runs = json.loads(r.stdout)["runs"]
        self.assertEqual([run["run"] for run in runs], ["."])
        return runs[0]

    def test_graph_histograms_scalars_and_feature_maps_per_step(self):
        r = layerscope("log", DIGITS, "--inputs-dir", self.inputs, "--logdir", self.logdir,
                       "--threads", "1")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("logged 3 steps (step 0 to 2) of 6 layer outputs", r.stdout)
        self.assertIn("event file: " + self.logdir + "/events.out.tfevents.", r.stdout)
        self.assertEqual(r.stdout.splitlines()[-1], "tensorboard --logdir " + self.logdir)

        run = self.events()
        self.assertTrue(run["graph"])
        tags = {t["tag"]: t for t in run["tags"]}
        layers = self.layers()
        self.assertEqual(len(layers), 6)
        for layer in layers:
            # Tags drop the tensor name's leading '/', so TensorBoard groups them by layer.
            name = layer["name"].lstrip("/")
            self.assertEqual(tags[name]["kind"], "histogram", name)
            self.assertEqual((tags[name]["steps"], tags[name]["first_step"], tags[name]["last_step"]),
                             (3, 0, 2))
            for stat in ["mean", "std", "zero_fraction", "nan_count", "inf_count"]:
                tag = tags[name + "/" + stat]
                self.assertEqual((tag["kind"], tag["steps"]), ("scalar", 3), tag)
            self.assertEqual(tags[name + "/nan_count"]["last_value"], 0)
            image = tags.get(name + "/feature_maps")
            if len(layer["shape"]) == 4:
                self.assertEqual((image["kind"], image["steps"]), ("image", 3), name)
            else:
                self.assertIsNone(image, name)
        self.assertTrue(any(len(layer["shape"]) == 4 for layer in layers))
        self.assertTrue(any(len(layer["shape"]) != 4 for layer in layers))
        self.assertEqual(len(tags), 6 * 6 + sum(len(layer["shape"]) == 4 for layer in layers))

    def test_filter_step_images_and_single_input(self):
        r = layerscope("log", DIGITS, "--input", DIGIT_NPY, "--logdir", self.logdir, "--filter",
                       "conv1", "--step", "5", "--images", "0")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("logged 1 step (step 5)", r.stdout)
        tags = {t["tag"]: t for t in self.events()["tags"]}
        self.assertEqual({tag.split("/")[0] for tag in tags}, {"conv1"})
        self.assertTrue(all(t["kind"] != "image" and t["first_step"] == 5 for t in tags.values()))

    def test_colormap_makes_rgb_feature_maps(self):
        r = layerscope("log", DIGITS, "--input", DIGIT_NPY, "--logdir", self.logdir, "--filter",
                       "conv1", "--colormap", "magma")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = layerscope("events", self.logdir, "--json", "--values")
        tags = {t["tag"]: t for t in json.loads(r.stdout)["runs"][0]["tags"]}
        image = tags["conv1/Conv_output_0/feature_maps"]["values"][0]["image"]
        # 8 of 32 channels of 26x26, 3 columns, 2 pixels of padding.
        self.assertEqual(image, dict(image, height=86, width=86, colorspace=3))
        default = os.path.join(self.tmp, "gray")
        layerscope("log", DIGITS, "--input", DIGIT_NPY, "--logdir", default, "--filter", "conv1")
        r = layerscope("events", default, "--json", "--values")
        tags = {t["tag"]: t for t in json.loads(r.stdout)["runs"][0]["tags"]}
        self.assertEqual(tags["conv1/Conv_output_0/feature_maps"]["values"][0]["image"]["colorspace"],
                         1)

    def test_bad_colormap(self):
        self.assertFailsClearly(
            layerscope("log", DIGITS, "--input", DIGIT_NPY, "--logdir", self.logdir, "--colormap",
                       "rainbow"),
            "unknown colormap 'rainbow'", "gray, viridis, magma, inferno, plasma, turbo, jet")
        self.assertFalse(os.path.exists(self.logdir), "nothing is written for a bad colormap")

    def test_bad_input(self):
        self.assertFailsClearly(layerscope("log", DIGITS, "--inputs-dir", self.inputs), "--logdir")
        self.assertFailsClearly(layerscope("log", DIGITS, "--logdir", self.logdir),
                                "image float32 [batch,1,28,28]", "--input")
        empty = os.path.join(self.tmp, "empty")
        os.mkdir(empty)
        with open(os.path.join(empty, "labels.csv"), "w") as f:
            f.write("file,label\n")  # not an input: passed over
        self.assertFailsClearly(layerscope("log", DIGITS, "--inputs-dir", empty, "--logdir",
                                           self.logdir), "holds no .npy, .pb, .png or .jpg files",
                                empty)
        self.assertFailsClearly(layerscope("log", DIGITS, "--inputs-dir",
                                           os.path.join(self.tmp, "nope"), "--logdir", self.logdir),
                                "cannot read inputs folder")
        self.assertFalse(os.path.exists(self.logdir), "nothing is written before inputs are bound")

    def test_a_full_disk_is_a_clear_error_and_what_was_written_loads(self):
        # The file size limit stands in for a full disk (with SIGXFSZ ignored, write() fails with
        # EFBIG as it would with ENOSPC), with the logging thread (1 thread) and the batches (2).
        def limited():
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (60000, 60000))

        for threads in ("1", "2"):
            with self.subTest(threads=threads):
                logdir = os.path.join(self.tmp, "full" + threads)
                r = subprocess.run([BINARY, "log", DIGITS, "--inputs-dir", self.inputs, "--logdir",
                                    logdir, "--threads", threads, "--no-embedding"],
                                   capture_output=True, text=True, timeout=300,
                                   preexec_fn=limited)
                self.assertFailsClearly(r, "cannot write to event file '" + logdir +
                                        "/events.out.tfevents.", "File too large",
                                        "the file keeps its first ")
                kept = int(re.search(r"keeps its first (\d+) records", r.stderr).group(1))
                self.assertGreater(kept, 1)
                events = layerscope("events", logdir, "--json")
                self.assertEqual(events.returncode, 0, events.stderr)
                files = json.loads(events.stdout)["runs"][0]["files"]
                self.assertEqual([(f["records"], f["tail_bytes"], f["truncated"]) for f in files],
                                 [(kept, 0, False)])


class LogEmbeddingTest(CliTestCase):
    """The Projector embedding `log` writes over all inputs of --inputs-dir."""

    def setUp(self):
        super().setUp()
        self.logdir = os.path.join(self.tmp, "runs")

    def log(self, *args):
        r = layerscope("log", DIGITS, "--inputs-dir", DIGITS_DIR, "--logdir", self.logdir,
                       "--images", "0", "--threads", "1", *args)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r

    def embedding(self, index=0):
        """(EmbeddingInfo, tensor rows) of the config's `index`-th embedding."""
        info = read_projector_config(self.logdir).embeddings[index]
        return info, read_tsv_floats(os.path.join(self.logdir, info.tensor_path))

    def reference_layer(self, name):
        return dumped_digits_layer(self.tmp, name).reshape(20, -1)

    def test_digits_with_labels_give_a_20_row_embedding_of_the_dense_layer(self):
        r = self.log("--labels", DIGIT_LABELS)
        self.assertIn("logged 20 steps (step 0 to 19)", r.stdout)
        self.assertIn("embedding: 20 rows x 10 of fc/Gemm_output_0, file names and labels, "
                      "sprite of 28x28 thumbnails in " + self.logdir + "/00000/", r.stdout)
        self.assertEqual(r.stdout.splitlines()[-1], "tensorboard --logdir " + self.logdir)

        config = read_projector_config(self.logdir)
        self.assertEqual(len(config.embeddings), 1)
        info, rows = self.embedding()
        folder = "00000/fc%2fGemm_output_0/"
        self.assertEqual(info.tensor_name, "fc/Gemm_output_0:00000")
        self.assertEqual(info.tensor_path, folder + "tensors.tsv")
        self.assertEqual(list(info.tensor_shape), [20, 10])
        # One row per digit, in file order: the Dense layer's output (the Softmax after it is
        # passed over), as `run` computes it.
        np.testing.assert_allclose(rows, self.reference_layer("/fc/Gemm_output_0"), rtol=1e-5,
                                   atol=1e-5)

        self.assertEqual(info.metadata_path, folder + "metadata.tsv")
        with open(os.path.join(self.logdir, info.metadata_path)) as f:
            lines = f.read().splitlines()
        self.assertEqual(lines[0], "file\tlabel")
        self.assertEqual(len(lines), 21)
        with open(os.path.join(DIGITS_DIR, "expected_predictions.csv")) as f:
            predicted = [int(line.split(",")[1]) for line in f.read().splitlines()[1:]]
        for i, line in enumerate(lines[1:]):
            name, label = line.split("\t")
            self.assertEqual(name, "digit_%02d_label_%d.npy" % (i, i // 2))
            self.assertEqual(label, str(i // 2))
            # Each row is that digit's logits.
            self.assertEqual(int(np.argmax(rows[i])), predicted[i], name)

        self.assertEqual(info.sprite.image_path, folder + "sprite.png")
        self.assertEqual(list(info.sprite.single_image_dim), [28, 28])
        sprite = Image.open(os.path.join(self.logdir, info.sprite.image_path))
        self.assertEqual((sprite.size, sprite.mode), ((140, 140), "L"))  # 5 x 5 cells of 28 px
        pixels = np.asarray(sprite)
        for i in range(20):
            cell = pixels[(i // 5) * 28:(i // 5 + 1) * 28, (i % 5) * 28:(i % 5 + 1) * 28]
            digit = np.asarray(Image.open(os.path.join(DIGITS_DIR, "digit_%02d_label_%d.png"
                                                       % (i, i // 2))))
            np.testing.assert_array_equal(cell, digit, "digit %d" % i)
        self.assertFalse(pixels[112:].any(), "the last row of cells is empty")

    def test_without_labels_the_file_name_is_the_only_column(self):
        self.log()
        info, rows = self.embedding()
        self.assertEqual(rows.shape, (20, 10))
        with open(os.path.join(self.logdir, info.metadata_path)) as f:
            lines = f.read().splitlines()
        self.assertEqual(lines, ["digit_%02d_label_%d.npy" % (i, i // 2) for i in range(20)])

    def test_batches_of_4_are_5_steps_with_the_same_rows(self):
        r = self.log("--batch", "4", "--labels", DIGIT_LABELS)
        self.assertIn("logged 5 steps (step 0 to 4)", r.stdout)
        self.assertIn("embedding: 20 rows x 10 of fc/Gemm_output_0", r.stdout)
        events = json.loads(layerscope("events", self.logdir, "--json").stdout)["runs"][0]
        tags = {t["tag"]: t for t in events["tags"]}
        self.assertEqual(tags["fc/Gemm_output_0"]["steps"], 5)
        _, rows = self.embedding()
        np.testing.assert_allclose(rows, self.reference_layer("/fc/Gemm_output_0"), rtol=1e-5,
                                   atol=1e-5)

    def test_last_partial_batch_is_a_smaller_step(self):
        r = self.log("--batch", "6")  # 6 + 6 + 6 + 2
        self.assertIn("logged 4 steps (step 0 to 3)", r.stdout)
        info, rows = self.embedding()
        self.assertEqual(rows.shape, (20, 10))

    def test_embed_layer_by_node_name_and_two_embeddings_in_one_config(self):
        self.log("--embed-layer", "/flatten/Flatten")
        self.log("--step", "7", "--batch", "5")
        config = read_projector_config(self.logdir)
        self.assertEqual([e.tensor_name for e in config.embeddings],
                         ["flatten/Flatten_output_0:00000", "fc/Gemm_output_0:00007"])
        self.assertEqual(list(config.embeddings[0].tensor_shape), [20, 5408])
        _, rows = self.embedding(0)
        np.testing.assert_allclose(rows, self.reference_layer("/flatten/Flatten_output_0"),
                                   rtol=1e-5, atol=1e-5)
        _, rows = self.embedding(1)
        self.assertEqual(rows.shape, (20, 10))

    def test_no_embedding_and_a_single_input(self):
        r = self.log("--no-embedding")
        self.assertNotIn("embedding", r.stdout)
        self.assertFalse(os.path.exists(os.path.join(self.logdir, "projector_config.pbtxt")))
        r = layerscope("log", DIGITS, "--input", DIGIT_NPY, "--logdir", self.logdir)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("no embedding: one row is too few for the projector", r.stdout)

    def test_bad_embed_layer_and_labels_give_clear_errors_before_anything_is_written(self):
        def fails(*args_and_fragments):
            split = args_and_fragments.index("--")
            args, fragments = args_and_fragments[:split], args_and_fragments[split + 1:]
            self.assertFailsClearly(layerscope("log", DIGITS, "--logdir", self.logdir, *args),
                                    *fragments)
            self.assertFalse(os.path.exists(self.logdir), args)

        fails("--inputs-dir", DIGITS_DIR, "--embed-layer", "/nope", "--",
              "--embed-layer /nope: no node or tensor named '/nope' in digits_cnn.onnx; closest: ")
        fails("--inputs-dir", DIGITS_DIR, "--embed-layer", "image", "--",
              "'image' is a model input or weight")
        fails("--inputs-dir", DIGITS_DIR, "--labels", os.path.join(self.tmp, "missing.csv"), "--",
              "cannot read labels file", "missing.csv", "No such file")

        def labels(name, text):
            path = os.path.join(self.tmp, name)
            with open(path, "w") as f:
                f.write(text)
            return path

        with open(DIGIT_LABELS) as f:
            good = f.read().splitlines()
        fails("--inputs-dir", DIGITS_DIR, "--labels", labels("empty.csv", ""), "--",
              "empty.csv' is empty; expected CSV lines FILE,LABEL")
        fails("--inputs-dir", DIGITS_DIR, "--labels", labels("tabs.csv", "file\tlabel\n"), "--",
              "tabs.csv' line 1: 1 field; expected FILE,LABEL")
        fails("--inputs-dir", DIGITS_DIR, "--labels",
              labels("ragged.csv", "\n".join(good[:3] + ["digit_02_label_1,1,extra"] + good[4:])),
              "--", "ragged.csv' line 4: 3 fields; expected 2 as on line 1")
        fails("--inputs-dir", DIGITS_DIR, "--labels",
              labels("quote.csv", "\n".join(good + ['"digit_00_label_0,0'])), "--",
              "quote.csv' line 22: a quoted field is not closed")
        fails("--inputs-dir", DIGITS_DIR, "--labels",
              labels("twice.csv", "\n".join(good + ["digit_05_label_2.npy,2"])), "--",
              "twice.csv' line 22: 'digit_05_label_2.npy' is labelled again (first on line 7)")
        fails("--inputs-dir", DIGITS_DIR, "--labels", labels("short.csv", "\n".join(good[:-1])),
              "--", "short.csv' has no line for 1 input: digit_19_label_9.npy")
        fails("--input", DIGIT_NPY, "--labels", DIGIT_LABELS, "--", "--labels needs --inputs-dir")
        fails("--input", DIGIT_NPY, "--batch", "2", "--", "--batch needs --inputs-dir")
        fails("--inputs-dir", DIGITS_DIR, "--batch", "0", "--",
              "--batch 0: expected a positive number of files per step")

    def test_labels_with_extensions_quotes_and_extra_rows(self):
        path = os.path.join(self.tmp, "labels.csv")
        with open(path, "w") as f:
            f.write("name,class,note\r\n")
            for i in range(20):
                f.write('digit_%02d_label_%d.png,"%d","a, b"\r\n' % (i, i // 2, i // 2))
            f.write("not_an_input.png,3,x\r\n")
        self.log("--labels", path)
        info, _ = self.embedding()
        with open(os.path.join(self.logdir, info.metadata_path)) as f:
            lines = f.read().splitlines()
        self.assertEqual(lines[0], "file\tclass\tnote")
        self.assertEqual(lines[3], "digit_02_label_1.npy\t1\ta, b")
        self.assertEqual(len(lines), 21)

    def test_png_inputs_and_stacking_files_without_a_batch_axis(self):
        # PNGs only (no .npy beside them), and .npy files of shape [1, 28, 28] stacked by --batch.
        pngs = os.path.join(self.tmp, "pngs")
        arrays = os.path.join(self.tmp, "arrays")
        os.mkdir(pngs)
        os.mkdir(arrays)
        for i in range(6):
            name = "digit_%02d_label_%d" % (i, i // 2)
            with open(os.path.join(DIGITS_DIR, name + ".png"), "rb") as src, \
                    open(os.path.join(pngs, name + ".png"), "wb") as dst:
                dst.write(src.read())
            np.save(os.path.join(arrays, name + ".npy"),
                    np.load(os.path.join(DIGITS_DIR, name + ".npy"))[0])
        for folder in [pngs, arrays]:
            logdir = os.path.join(self.tmp, "runs_" + os.path.basename(folder))
            r = layerscope("log", DIGITS, "--inputs-dir", folder, "--logdir", logdir, "--batch",
                           "4", "--images", "0")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("logged 2 steps", r.stdout)
            self.assertIn("embedding: 6 rows x 10 of fc/Gemm_output_0, file names, sprite of "
                          "28x28 thumbnails", r.stdout)
            info = read_projector_config(logdir).embeddings[0]
            sprite = np.asarray(Image.open(os.path.join(logdir, info.sprite.image_path)))
            self.assertEqual(sprite.shape, (84, 84))  # 3 x 3 cells
            digit = np.asarray(Image.open(os.path.join(pngs, "digit_04_label_2.png")))
            np.testing.assert_array_equal(sprite[28:56, 28:56], digit)
class EmbedTest(CliTestCase):
    """layerscope embed --from-npy: PCA and t-SNE of a matrix made here, checked with numpy/Pillow."""

    def setUp(self):
        super().setUp()
        rng = np.random.default_rng(0)
        centres = np.eye(5) * 8
        self.x = np.concatenate([rng.normal(size=(40, 5)) + centres[k] for k in range(3)])
        self.names = ["cat"] * 40 + ["dog"] * 40 + ["bird"] * 40
        self.npy = os.path.join(self.tmp, "features.npy")
        np.save(self.npy, self.x)  # float64: converted on reading
        self.labels = os.path.join(self.tmp, "labels.txt")
        with open(self.labels, "w") as f:
            f.write("\n".join(self.names) + "\n")
        self.out = os.path.join(self.tmp, "out", "emb")

    def read_csv(self, path):
        with open(path) as f:
            header = f.readline().strip().split(",")
            rows = [line.rstrip("\n").split(",") for line in f]
        return header, rows

    def test_fft_repulsion_separates_the_clusters_and_says_so(self):
        r = layerscope("embed", "--from-npy", self.npy, "--labels", self.labels, "-o", self.out,
                       "--repulsion", "fft")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("(FFT-interpolated repulsion)", r.stdout)
        _, rows = self.read_csv(self.out + ".csv")
        y = np.array([[float(v) for v in row[2:]] for row in rows])
        d = ((y[:, None, :] - y[None, :, :]) ** 2).sum(-1)
        np.fill_diagonal(d, np.inf)
        labels = np.array(self.names)
        nearest = np.argsort(d, axis=1)[:, :5]
        self.assertGreater((labels[nearest] == labels[:, None]).mean(), 0.95)
        r = layerscope("embed", "--from-npy", self.npy, "-o", self.out, "--repulsion", "fft",
                       "--dims", "3")
        self.assertFailsClearly(r, "3")
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
        r = layerscope("embed", "--from-npy", self.npy, "-o", self.out, "--repulsion", "octree")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("--repulsion", r.stderr)
        self.assertIn("Barnes-Hut repulsion", layerscope(
            "embed", "--from-npy", self.npy, "-o", self.out).stdout)

    def test_tsne_writes_a_labelled_scatter_png_and_csv(self):
        r = layerscope("embed", "--from-npy", self.npy, "--labels", self.labels, "-o", self.out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("t-SNE: 120 points of 5 dimensions -> 2", r.stdout)
        kl = float(r.stdout.split("KL divergence: ")[1].split()[0])
        self.assertGreater(kl, 0)
        self.assertLess(kl, 3)
        # Perplexity 30 needs 91 rows: 120 is enough, so no warning.
        self.assertEqual(r.stderr, "")

        header, rows = self.read_csv(self.out + ".csv")
        self.assertEqual(header, ["index", "label", "x", "y"])
        self.assertEqual([int(row[0]) for row in rows], list(range(120)))
        self.assertEqual([row[1] for row in rows], self.names)
        y = np.array([[float(v) for v in row[2:]] for row in rows])
        # Each point's 5 nearest neighbours in the embedding share its label.
        d = ((y[:, None, :] - y[None, :, :]) ** 2).sum(-1)
        np.fill_diagonal(d, np.inf)
        nearest = np.argsort(d, axis=1)[:, :5]
        labels = np.array(self.names)
        self.assertGreater((labels[nearest] == labels[:, None]).mean(), 0.98)

        from PIL import Image
        with Image.open(self.out + ".png") as image:
            self.assertEqual(image.size, (960, 720))
            colours = set(image.convert("RGB").getdata())
        # Categories sorted by name: bird, cat, dog take the first three Okabe-Ito colours.
        for colour in [(0xE6, 0x9F, 0x00), (0x56, 0xB4, 0xE9), (0x00, 0x9E, 0x73)]:
            self.assertIn(colour, colours)

        # The matrix and its labels for TensorBoard's Projector.
        info = read_projector_config(self.out + "_projector").embeddings[0]
        self.assertEqual((info.tensor_name, list(info.tensor_shape)), ("features:00000", [120, 5]))
        np.testing.assert_allclose(
            read_tsv_floats(os.path.join(self.out + "_projector", info.tensor_path)), self.x,
            rtol=1e-6)
        with open(os.path.join(self.out + "_projector", info.metadata_path)) as f:
            self.assertEqual(f.read().splitlines(), self.names)

    def test_same_seed_same_result_for_any_thread_count(self):
        outputs = []
        for threads in ["1", "2"]:
            out = os.path.join(self.tmp, "t" + threads)
            r = layerscope("embed", "--from-npy", self.npy, "--seed", "7", "--threads", threads,
                           "--iterations", "300", "-o", out)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(out + ".csv") as f:
                outputs.append(f.read())
        self.assertEqual(outputs[0], outputs[1])

    def test_pca_matches_numpy_and_writes_three_coordinates(self):
        r = layerscope("embed", "--from-npy", self.npy, "--method", "pca", "--dims", "3",
                       "-o", self.out + ".png")  # a trailing .png is dropped from the stem
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(os.path.exists(self.out + ".png"))
        centred = self.x - self.x.mean(axis=0)
        _, s, vt = np.linalg.svd(centred, full_matrices=False)
        ratios = s ** 2 / (s ** 2).sum()
        printed = r.stdout.split("explained variance ratio:")[1].split("(")[0].split()
        np.testing.assert_allclose([float(v) for v in printed], ratios[:3], atol=1e-4)
        header, rows = self.read_csv(self.out + ".csv")
        self.assertEqual(header, ["index", "label", "x", "y", "z"])
        self.assertEqual({row[1] for row in rows}, {""})  # no labels given
        coords = np.array([[float(v) for v in row[2:]] for row in rows])
        expected = centred @ vt[:3].T
        signs = np.sign((coords * expected).sum(axis=0))  # each axis' sign is a convention
        np.testing.assert_allclose(coords, expected * signs, atol=1e-4)

    def test_numeric_labels_from_npy(self):
        labels = os.path.join(self.tmp, "labels.npy")
        np.save(labels, np.repeat(np.array([10, 9, 100]), 40))
        r = layerscope("embed", "--from-npy", self.npy, "--labels", labels, "--method", "pca",
                       "-o", self.out)
        self.assertEqual(r.returncode, 0, r.stderr)
        _, rows = self.read_csv(self.out + ".csv")
        self.assertEqual([rows[0][1], rows[40][1], rows[80][1]], ["10", "9", "100"])

    def test_too_few_rows_lower_the_perplexity_with_a_warning(self):
        small = os.path.join(self.tmp, "small.npy")
        np.save(small, self.x[::6].astype(np.float32))  # 20 rows
        r = layerscope("embed", "--from-npy", small, "-o", self.out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("warning: perplexity 30 needs at least 91 rows", r.stderr)
        self.assertIn("lowered to 6.33", r.stderr)
        self.assertIn("perplexity 6.33", r.stdout)

    def test_bad_input(self):
        bad = self.x.copy()
        bad[7, 1] = np.nan
        nan_npy = os.path.join(self.tmp, "nan.npy")
        np.save(nan_npy, bad)
        self.assertFailsClearly(layerscope("embed", "--from-npy", nan_npy, "-o", self.out),
                                "row 7, column 1 is NaN")
        self.assertFailsClearly(layerscope("embed", "--from-npy", nan_npy, "--method", "pca",
                                           "-o", self.out), "row 7, column 1 is NaN")
        same = os.path.join(self.tmp, "same.npy")
        np.save(same, np.ones((30, 4), np.float32))
        self.assertFailsClearly(layerscope("embed", "--from-npy", same, "-o", self.out),
                                "all 30 rows are identical")
        vector = os.path.join(self.tmp, "vector.npy")
        np.save(vector, np.arange(5, dtype=np.float32))
        self.assertFailsClearly(layerscope("embed", "--from-npy", vector, "-o", self.out),
                                "has shape 5", "expected a matrix")
        few_labels = os.path.join(self.tmp, "few.txt")
        with open(few_labels, "w") as f:
            f.write("a\nb\n")
        self.assertFailsClearly(layerscope("embed", "--from-npy", self.npy, "--labels", few_labels,
                                           "-o", self.out), "has 2 labels", "120 rows")
        self.assertFailsClearly(layerscope("embed", "--from-npy",
                                           os.path.join(self.tmp, "missing.npy"), "-o", self.out),
                                "missing.npy")
        r = layerscope("embed", "--from-npy", self.npy, "--method", "umap", "-o", self.out)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("umap", r.stderr)
        self.assertFalse(os.path.exists(self.out + ".png"), "nothing is written on errors")
class EmbedModelTest(CliTestCase):
    """layerscope embed MODEL --layer: the digits CNN over models/digits, checked against `run`."""

    def setUp(self):
        super().setUp()
        self.out = os.path.join(self.tmp, "out", "emb")

    def embed(self, *args):
        r = layerscope("embed", DIGITS, "--inputs-dir", DIGITS_DIR, "--threads", "1", "-o",
                       self.out, *args)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r

    def features(self):
        return np.load(self.out + "_features.npy")

    def read_csv(self):
        with open(self.out + ".csv") as f:
            lines = f.read().splitlines()
        return lines[0].split(","), [line.split(",") for line in lines[1:]]

    def test_conv_map_averaged_with_labels_csv_png_and_projector(self):
        r = self.embed("--layer", "/relu1/Relu", "--labels", DIGIT_LABELS, "--method", "pca")
        self.assertIn("features: 20 rows x 32 from /relu1/Relu_output_0 (32x26x26 per input, "
                      "avg over 26x26), 20 input files in 20 runs", r.stdout)
        self.assertIn("explained variance ratio:", r.stdout)
        # One row per digit: the dumped map [20, 32, 26, 26] averaged over H and W.
        maps = dumped_digits_layer(self.tmp, "/relu1/Relu_output_0")
        features = self.features()
        self.assertEqual(features.dtype, np.float32)
        np.testing.assert_allclose(features, maps.mean(axis=(2, 3)), rtol=1e-5, atol=1e-6)

        header, rows = self.read_csv()
        self.assertEqual(header, ["index", "file", "label", "x", "y"])
        self.assertEqual(len(rows), 20)
        for i, row in enumerate(rows):
            self.assertEqual(row[:3], [str(i), "digit_%02d_label_%d.npy" % (i, i // 2),
                                       str(i // 2)])
        # The CSV holds the PCA of the features (each axis' sign is a convention).
        centred = features.astype(np.float64) - features.mean(axis=0)
        _, _, vt = np.linalg.svd(centred, full_matrices=False)
        coords = np.array([[float(v) for v in row[3:]] for row in rows])
        expected = centred @ vt[:2].T
        np.testing.assert_allclose(coords, expected * np.sign((coords * expected).sum(axis=0)),
                                   atol=1e-3)

        with Image.open(self.out + ".png") as image:
            self.assertEqual(image.size, (960, 720))
            colours = set(image.convert("RGB").getdata())
        # Ten labels: the first Tableau 10 colours mark the points and the legend.
        for colour in [(0x4E, 0x79, 0xA7), (0xF2, 0x8E, 0x2B), (0xBA, 0xB0, 0xAC)]:
            self.assertIn(colour, colours)

        # The Projector folder: the layout `log` writes, paths relative to the config.
        folder = self.out + "_projector"
        self.assertIn("tensorboard --logdir " + folder, r.stdout)
        config = read_projector_config(folder)
        self.assertEqual(len(config.embeddings), 1)
        info = config.embeddings[0]
        self.assertEqual(info.tensor_name, "relu1/Relu_output_0:00000")
        self.assertEqual(info.tensor_path, "00000/relu1%2fRelu_output_0/tensors.tsv")
        self.assertEqual(list(info.tensor_shape), [20, 32])
        np.testing.assert_array_equal(read_tsv_floats(os.path.join(folder, info.tensor_path)),
                                      features)
        with open(os.path.join(folder, info.metadata_path)) as f:
            lines = f.read().splitlines()
        self.assertEqual(lines[0], "file\tlabel")
        self.assertEqual(lines[5], "digit_04_label_2.npy\t2")
        self.assertEqual(list(info.sprite.single_image_dim), [28, 28])
        with Image.open(os.path.join(folder, info.sprite.image_path)) as sprite:
            self.assertEqual(sprite.size, (140, 140))

    def test_pool_variants_against_the_dumped_maps(self):
        maps = dumped_digits_layer(self.tmp, "/pool1/MaxPool_output_0")  # [20, 32, 13, 13]
        self.embed("--layer", "/pool1/MaxPool_output_0", "--pool", "max", "--method", "pca",
                   "--no-projector")
        np.testing.assert_allclose(self.features(), maps.max(axis=(2, 3)), rtol=1e-6)
        self.assertFalse(os.path.exists(self.out + "_projector"))
        r = self.embed("--layer", "/pool1/MaxPool", "--pool", "flatten", "--method", "pca")
        self.assertIn("20 rows x 5408 from /pool1/MaxPool_output_0 (32x13x13 per input, "
                      "flattened)", r.stdout)
        np.testing.assert_allclose(self.features(), maps.reshape(20, -1), rtol=1e-6)
        # A [N, D] layer is flattened (nothing to pool) by default.
        r = self.embed("--layer", "/fc/Gemm", "--method", "pca")
        self.assertIn("20 rows x 10 from /fc/Gemm_output_0 (10 per input)", r.stdout)
        np.testing.assert_allclose(self.features(),
                                   dumped_digits_layer(self.tmp, "/fc/Gemm_output_0"),
                                   rtol=1e-5, atol=1e-6)
        self.assertFailsClearly(
            layerscope("embed", DIGITS, "--layer", "/fc/Gemm", "--pool", "avg", "--inputs-dir",
                       DIGITS_DIR, "-o", self.out),
            "layer output '/fc/Gemm_output_0' is [batch,10]: nothing to pool with avg")

    def test_batches_give_the_same_features_as_single_inputs(self):
        self.embed("--layer", "/conv1/Conv", "--method", "pca", "--no-projector")
        single = self.features()
        r = self.embed("--layer", "/conv1/Conv", "--method", "pca", "--batch", "7")
        self.assertIn("20 input files in 3 runs", r.stdout)  # 7 + 7 + 6
        np.testing.assert_allclose(self.features(), single, rtol=1e-5, atol=1e-6)

    def test_tsne_in_three_dimensions_without_labels(self):
        r = self.embed("--layer", "/flatten/Flatten", "--dims", "3", "--perplexity", "5")
        self.assertIn("t-SNE: 20 points of 5408 dimensions -> 3", r.stdout)
        self.assertIn("(dimensions 1 and 2 of 3)", r.stdout)
        header, rows = self.read_csv()
        self.assertEqual(header, ["index", "file", "x", "y", "z"])
        coords = np.array([[float(v) for v in row[2:]] for row in rows])
        self.assertEqual(coords.shape, (20, 3))
        self.assertTrue(np.isfinite(coords).all())
        info = read_projector_config(self.out + "_projector").embeddings[0]
        self.assertEqual(list(info.tensor_shape), [20, 5408])
        with open(os.path.join(self.out + "_projector", info.metadata_path)) as f:
            self.assertEqual(f.readline(), "digit_00_label_0.npy\n")  # one column, no header

    def test_bad_input(self):
        def fails(*args_and_fragments):
            split = args_and_fragments.index("--")
            args, fragments = args_and_fragments[:split], args_and_fragments[split + 1:]
            self.assertFailsClearly(layerscope("embed", *args, "-o", self.out), *fragments)
            self.assertFalse(os.path.exists(self.out + ".png"), args)

        fails(DIGITS, "--layer", "fc2", "--inputs-dir", DIGITS_DIR, "--",
              "no node or tensor named 'fc2' in digits_cnn.onnx; closest: /fc/Gemm")
        fails(DIGITS, "--layer", "image", "--inputs-dir", DIGITS_DIR, "--",
              "'image' is a model input or weight, not a layer output")
        fails(DIGITS, "--layer", "/fc/Gemm", "--pool", "mean", "--inputs-dir", DIGITS_DIR, "--",
              "pooling 'mean' is not known: expected avg, max, flatten or auto")
        fails(DIGITS, "--inputs-dir", DIGITS_DIR, "--", "--layer L is required with a model")
        fails(DIGITS, "--layer", "/fc/Gemm", "--", "--inputs-dir DIR is required with a model")
        fails(DIGITS, "--layer", "/fc/Gemm", "--inputs-dir", DIGITS_DIR, "--batch", "0", "--",
              "--batch 0: expected a positive number")
        empty = os.path.join(self.tmp, "empty")
        os.mkdir(empty)
        with open(os.path.join(empty, "notes.txt"), "w") as f:
            f.write("not an input")
        fails(DIGITS, "--layer", "/fc/Gemm", "--inputs-dir", empty, "--",
              "inputs folder " + empty + " holds no .npy, .pb, .png or .jpg files")
        one = os.path.join(self.tmp, "one")
        os.mkdir(one)
        shutil.copy(DIGIT_NPY, one)
        fails(DIGITS, "--layer", "/fc/Gemm", "--inputs-dir", one, "--",
              "/fc/Gemm_output_0 gives 1 row: an embedding needs at least 2")
        fails(DIGITS, "--layer", "/fc/Gemm", "--inputs-dir", DIGITS_DIR, "--labels",
              os.path.join(self.tmp, "missing.csv"), "--", "cannot read labels file")
        fails("--", "nothing to embed: give a MODEL with --layer and --inputs-dir, or --from-npy")
        npy = os.path.join(self.tmp, "x.npy")
        np.save(npy, np.zeros((4, 3), np.float32))
        fails(DIGITS, "--from-npy", npy, "--", "give a MODEL or --from-npy, not both")
        fails("--from-npy", npy, "--layer", "/fc/Gemm", "--", "--layer needs a model")
        fails("--from-npy", npy, "--pool", "max", "--", "--pool needs a model")


# --- layerscope graph ---

SVG_NS = "{http://www.w3.org/2000/svg}"


def svg_groups(path, kind):
    """The <g class=KIND> elements of a Graphviz SVG (node, edge, cluster), parsed by ElementTree."""
    root = ET.parse(path).getroot()
    return [g for g in root.iter(SVG_NS + "g") if g.get("class") == kind]


def svg_text(group):
    return "\n".join(t.text or "" for t in group.iter(SVG_NS + "text"))


def expected_counts(model_path):
    """Boxes and edges of the whole graph drawn: ops (constants folded), inputs, outputs; one edge per
    (value, reader) where the value is no weight or constant."""
    model = onnx.load(model_path)
    g = model.graph
    folded = {i.name for i in g.initializer}
    ops = []
    for n in g.node:
        if n.op_type == "Constant":
            folded.update(n.output)
        else:
            ops.append(n)
    edges = set()
    for index, n in enumerate(ops):
        for name in n.input:
            if name and name not in folded:
                edges.add((name, index))
    edges.update((o.name, "output") for o in g.output)
    return len(ops) + len(g.input) + len(g.output), len(edges)


def residual_model(folder, blocks=6, channels=4):
    """Two stages of residual blocks and a head, named as torch.onnx names scopes."""
    rng = np.random.default_rng(0)
    nodes, inits = [], []

    def weight(name, *shape):
        inits.append(numpy_helper.from_array(rng.standard_normal(shape).astype(np.float32), name))
        return name

    x = "x"
    for b in range(blocks):
        scope = "/stage%d/block%d" % (b // 3, b)
        w = "stage%d.block%d." % (b // 3, b)
        nodes += [
            helper.make_node("Conv", [x, weight(w + "conv1.weight", channels, channels, 3, 3),
                                      weight(w + "conv1.bias", channels)], [scope + "/c1"],
                             name=scope + "/conv1/Conv", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
            helper.make_node("BatchNormalization",
                             [scope + "/c1"] + [weight(w + "bn1." + p, channels)
                                                for p in ("weight", "bias", "mean", "var")],
                             [scope + "/b1"], name=scope + "/bn1/BatchNormalization"),
            helper.make_node("Relu", [scope + "/b1"], [scope + "/r1"], name=scope + "/relu1/Relu"),
            helper.make_node("Conv", [scope + "/r1", weight(w + "conv2.weight", channels, channels, 3, 3)],
                             [scope + "/c2"], name=scope + "/conv2/Conv", kernel_shape=[3, 3],
                             pads=[1, 1, 1, 1]),
            helper.make_node("Add", [scope + "/c2", x], [scope + "/sum"], name=scope + "/Add"),
            helper.make_node("Relu", [scope + "/sum"], [scope + "/out"], name=scope + "/Relu"),
        ]
        x = scope + "/out"
    nodes += [
        helper.make_node("GlobalAveragePool", [x], ["pooled"], name="/head/pool/GlobalAveragePool"),
        helper.make_node("Constant", [], ["shape"], name="/head/Constant",
                         value=numpy_helper.from_array(np.array([1, -1], dtype=np.int64))),
        helper.make_node("Reshape", ["pooled", "shape"], ["flat"], name="/head/Reshape"),
        helper.make_node("Gemm", ["flat", weight("fc.weight", 3, channels), weight("fc.bias", 3)],
                         ["y"], name="/head/fc/Gemm", transB=1),
    ]
    return save_model(folder, "residual", nodes,
                      [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", channels, 8, 8])],
                      [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 3])], inits)


class GraphTest(CliTestCase):
    def draw(self, model, name, *args):
        out = os.path.join(self.tmp, name)
        r = layerscope("graph", model, "-o", out, *args)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith("Wrote " + out), r.stdout)
        return out

    def test_svg_of_the_digits_model_matches_the_model(self):
        svg = self.draw(DIGITS, "digits.svg")
        nodes, edges = svg_groups(svg, "node"), svg_groups(svg, "edge")
        self.assertEqual((len(nodes), len(edges)), expected_counts(DIGITS))
        self.assertEqual((len(nodes), len(edges)), (8, 7))
        labels = [svg_text(n) for n in nodes]
        conv = next(text for text in labels if text.startswith("Conv\n"))
        self.assertEqual(conv.splitlines(),
                         ["Conv", "/conv1/Conv", "kernel 3×3", "W 32×1×3×3", "B 32"])
        self.assertTrue(any(t.startswith("input\nimage\nbatch×1×28×28 float32") for t in labels))
        self.assertTrue(any(t.startswith("output\nprobabilities") for t in labels))
        self.assertTrue(any("transB 1" in t for t in labels))
        self.assertIn("batch×32×26×26 float32", [svg_text(e) for e in edges])
        self.assertFalse(any("conv1.weight" in t for t in labels), "weights are folded")

    def test_larger_model_groups_depth_and_counts(self):
        model = residual_model(self.tmp)
        svg = self.draw(model, "all.svg", "--depth", "9")
        self.assertEqual((len(svg_groups(svg, "node")), len(svg_groups(svg, "edge"))),
                         expected_counts(model))
        clusters = sorted(svg_text(c).splitlines()[0] for c in svg_groups(svg, "cluster"))
        self.assertEqual(clusters, ["block0", "block1", "block2", "block3", "block4", "block5",
                                    "head", "stage0", "stage1"])
        # Every edge is drawn as one continuous path that ends in an arrowhead.
        for edge in svg_groups(svg, "edge"):
            self.assertEqual(len(list(edge.iter(SVG_NS + "path"))), 1)
            self.assertEqual(len(list(edge.iter(SVG_NS + "polygon"))), 1)

        svg = self.draw(model, "stages.svg", "--depth", "1")
        nodes = [svg_text(n) for n in svg_groups(svg, "node")]
        boxes = [t for t in nodes if t.startswith("block")]
        self.assertEqual(len(boxes), 6)
        self.assertIn("6 ops\n2 Conv, 2 Relu, 1 Add, 1 BatchNormalization", boxes[0])
        self.assertIn("in batch×4×8×8 float32", boxes[0])
        # x, six boxes, pool, reshape, gemm, y; the blocks chain, x also feeds block0's Add.
        self.assertEqual(len(nodes), 11)
        self.assertEqual(len(svg_groups(svg, "edge")), 10)
        self.assertEqual(len(svg_groups(svg, "cluster")), 3)

        svg = self.draw(model, "expand.svg", "--depth", "0", "--expand", "block4",
                        "--highlight", "Gemm")
        clusters = sorted(svg_text(c).splitlines()[0] for c in svg_groups(svg, "cluster"))
        self.assertEqual(clusters, ["block4", "stage1"])
        highlighted = [n for n in svg_groups(svg, "node")
                       if any(p.get("stroke") == "#d62728" for p in n.iter(SVG_NS + "path"))]
        self.assertEqual(len(highlighted), 1)  # the head's box, which holds the Gemm
        self.assertTrue(svg_text(highlighted[0]).startswith("head\n"))

    def test_hundreds_of_groups_are_laid_out_in_batches(self):
        # 100 blocks, 34 stages (the last, of one block, merges with it: "stage33/block99") and the
        # head: 134 open groups, more than one layout process's batch.
        model = residual_model(self.tmp, blocks=100)
        svg = self.draw(model, "many.svg", "--depth", "9")
        self.assertEqual((len(svg_groups(svg, "node")), len(svg_groups(svg, "edge"))),
                         expected_counts(model))
        self.assertEqual(len(svg_groups(svg, "cluster")), 134)

    def test_png_dot_rankdir_and_no_shapes(self):
        model = residual_model(self.tmp, blocks=3)
        png = self.draw(model, "model.png", "--rankdir", "LR")
        with open(png, "rb") as f:
            header = f.read(24)
        self.assertEqual(header[:8], b"\x89PNG\r\n\x1a\n")
        width, height = struct.unpack(">II", header[16:24])
        self.assertGreater(width, height, "left to right is wider than tall")

        dot = self.draw(model, "model.dot", "--no-shapes", "--depth", "9")
        with open(dot, encoding="utf-8") as f:
            text = f.read()
        self.assertIn("rankdir=\"TB\"", text)
        nodes, edges = expected_counts(model)
        self.assertEqual(len(re.findall(r"^\s*n\d+ \[", text, re.M)), nodes)
        self.assertEqual(len(re.findall(r"^\s*n\d+ -> n\d+;$", text, re.M)), edges)  # no labels
        if shutil.which("dot"):
            canon = subprocess.run(["dot", "-Tcanon", dot], capture_output=True, text=True)
            self.assertEqual(canon.returncode, 0, canon.stderr)
            self.assertEqual(canon.stderr, "")

    def test_names_with_quotes_markup_and_bad_bytes_are_escaped(self):
        hostile = 'say "hi" <script>alert(1)</script> & \\N'
        nodes = [
            helper.make_node("Relu", ["x"], ["a"], name=hostile),
            helper.make_node("Neg", ["a"], ["y"], name="bad_XXXX"),
            helper.make_node("Identity", ["x"], ["z"], name="long", domain="custom.test",
                             blob="q" * 100000),
        ]
        path = save_model(self.tmp, "hostile", nodes,
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2]),
                           helper.make_tensor_value_info("z", TensorProto.FLOAT, [2])],
                          extra_opsets=[("custom.test", 1)])
        with open(path, "rb") as f:
            data = f.read()
        with open(path, "wb") as f:  # same length, so the protobuf stays valid
            f.write(data.replace(b"bad_XXXX", b"bad_\xff\xfe\xc3("))
        svg = self.draw(path, "hostile.svg")
        root = ET.parse(svg).getroot()  # well-formed XML, valid UTF-8
        self.assertEqual([e for e in root.iter() if e.tag.endswith("script")], [])
        labels = [svg_text(n) for n in svg_groups(svg, "node")]
        self.assertTrue(any(hostile in t for t in labels), labels)
        self.assertTrue(any("bad_\ufffd\ufffd\ufffd(" in t for t in labels), labels)
        long_line = next(line for t in labels for line in t.splitlines() if line.startswith("blob"))
        self.assertEqual(len(long_line), 64)
        self.assertTrue(long_line.endswith("…"))

        dot = self.draw(path, "hostile.dot")
        with open(dot, "rb") as f:
            text = f.read().decode("utf-8")  # valid UTF-8
        self.assertIn('say \\"hi\\" <script>alert(1)</script> &amp; \\\\N', text)
        if shutil.which("dot"):
            canon = subprocess.run(["dot", "-Tsvg", dot], capture_output=True)
            self.assertEqual(canon.returncode, 0, canon.stderr)
            self.assertIn(b"say &quot;hi&quot; &lt;script&gt;alert(1)&lt;/script&gt; &amp; \\N",
                          canon.stdout)

    def test_if_branches_are_nested_groups(self):
        def branch(name, op):
            return helper.make_graph([helper.make_node(op, ["x"], [name + "_out"], name=name + "_op")],
                                     name, [], [helper.make_tensor_value_info(name + "_out",
                                                                              TensorProto.FLOAT, [2])])
        nodes = [helper.make_node("If", ["cond"], ["y"], name="/gate/If",
                                  then_branch=branch("then", "Neg"), else_branch=branch("else", "Abs"))]
        path = save_model(self.tmp, "if", nodes,
                          [helper.make_tensor_value_info("cond", TensorProto.BOOL, []),
                           helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])])
        svg = self.draw(path, "if.svg")
        clusters = sorted(svg_text(c).splitlines()[0] for c in svg_groups(svg, "cluster"))
        self.assertEqual(clusters, ["If.else_branch", "If.then_branch", "gate"])
        # cond, x twice, two branch results into the If, the If's output.
        self.assertEqual(len(svg_groups(svg, "edge")), 6)
        self.assertEqual(len(svg_groups(svg, "node")), 6)

    def test_html_page_holds_the_whole_graph_and_opens_as_the_svg(self):
        model = residual_model(self.tmp)
        page = self.draw(model, "model.html", "--depth", "1", "--highlight", "Gemm")
        with open(page, encoding="utf-8") as f:
            text = f.read()
        self.assertNotIn("http://", text.split("<script>")[0])  # nothing fetched
        self.assertIn("default-src 'none'", text)
        data = json.loads(re.search(r'<script id="layerscope-graph" type="application/json">(.*?)</script>',
                                    text, re.S).group(1))
        # Every op, input and output is in the page, whatever the first depth.
        self.assertEqual((len(data["items"]), len(data["edges"])), expected_counts(model))
        closed = sorted(g["name"] for g in data["groups"] if not g["expanded"])
        self.assertEqual(closed, ["block%d" % b for b in range(6)])
        self.assertEqual([i["title"] for i in data["items"] if i["highlighted"]], ["Gemm"])
        self.assertEqual(data["categories"]["convolution"], "#aec7e8")

    def test_does_not_load_the_runtime(self):
        env = {"LAYERSCOPE_RUNTIME": "/nonexistent/liblayerscope_runtime.so"}
        out = os.path.join(self.tmp, "d.svg")
        self.assertEqual(layerscope("graph", DIGITS, "-o", out, env=env).returncode, 0)

    def test_bad_input(self):
        out = os.path.join(self.tmp, "x.svg")
        self.assertFailsClearly(layerscope("graph", DIGITS, "-o", os.path.join(self.tmp, "x.jpg")),
                                "unknown format 'jpg'", ".svg, .png, .dot or .html")
        self.assertFailsClearly(layerscope("graph", DIGITS, "-o", out, "--rankdir", "XY"),
                                "--rankdir: expected TB or LR")
        self.assertFailsClearly(layerscope("graph", DIGITS, "-o", out, "--highlight", "(("),
                                "--highlight: bad regular expression '(('")
        self.assertFailsClearly(layerscope("graph", os.path.join(self.tmp, "none.onnx"), "-o", out),
                                "none.onnx")
        self.assertFailsClearly(layerscope("graph", DIGITS, "-o",
                                           os.path.join(self.tmp, "no", "such", "x.svg")),
                                "cannot write", "no/such/x.svg")
        cycle = save_model(self.tmp, "cycle", [
            helper.make_node("Add", ["x", "b"], ["a"], name="first"),
            helper.make_node("Relu", ["a"], ["b"], name="second")],
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
            [helper.make_tensor_value_info("b", TensorProto.FLOAT, [2])])
        r = layerscope("graph", cycle, "-o", out)
        self.assertFailsClearly(r, "cycle.onnx")
        self.assertFalse(os.path.exists(out))


def report_data(path):
    """The report page's two JSON blocks (graph, report) and its text."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    blocks = {}
    for name in ("graph", "report"):
        found = re.search(r'<script id="layerscope-%s" type="application/json">(.*?)</script>' % name,
                          text, re.S)
        blocks[name] = json.loads(found.group(1))
    return blocks["graph"], blocks["report"], text


class ReportTest(CliTestCase):
    STATS = ["min", "max", "mean", "std", "zero_fraction", "nan_count", "inf_count"]

    def report(self, *args):
        out = os.path.join(self.tmp, "report.html")
        r = layerscope("report", *args, "-o", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        return report_data(out) + (r.stdout,)

    def test_statistics_are_those_run_json_prints(self):
        graph, data, text, stdout = self.report(DIGITS, "--input", DIGIT_NPY)
        self.assertIn("6 layer outputs over 1 input", stdout)
        run = json.loads(layerscope("run", DIGITS, "--input", DIGIT_NPY, "--json").stdout)
        self.assertEqual([l["value"] for l in data["layers"]], [l["name"] for l in run["layers"]])
        for layer, expected in zip(data["layers"], run["layers"]):
            sample = layer["samples"][0]
            self.assertEqual((layer["node"], layer["op"]), (expected["node"], expected["op"]))
            self.assertEqual((sample["shape"], sample["dtype"]), (expected["shape"], expected["dtype"]))
            for key in self.STATS:
                self.assertAlmostEqual(sample[key], expected[key], places=6, msg=key)
            counts = sample["histogram"]["counts"]
            self.assertEqual((len(counts), sum(counts)), (64, np.prod(sample["shape"])))
        self.assertEqual(data["model"]["parameters"], 54410)
        self.assertEqual(data["model"]["opsets"]["ai.onnx"],
                         onnx.load(DIGITS).opset_import[0].version)
        self.assertEqual(len(graph["items"]), 8)  # the graph page's data: 6 ops, input, output
        self.assertIn("default-src 'none'", text)
        self.assertIsNone(re.search(r"(src|href)=[\"']?https?:", text))  # nothing to fetch
        self.assertIn("no raw values are stored", " ".join(data["summarized"]))

    def test_inputs_folder_with_labels_gives_a_scatter_and_feature_maps_for_the_first_inputs(self):
        _, data, _, stdout = self.report(DIGITS, "--inputs-dir", DIGITS_DIR, "--labels", DIGIT_LABELS)
        files = sorted(f for f in os.listdir(DIGITS_DIR) if f.endswith(".npy"))
        self.assertEqual([i["name"] for i in data["inputs"]], files)
        self.assertEqual(data["inputs"][2]["label"], "1")
        conv = data["layers"][0]
        self.assertEqual(len(conv["scatter"]["pca"]["x"]), len(files))
        self.assertEqual(len(conv["samples"]), len(files))
        with_maps = [s["input"] for s in conv["samples"] if "maps" in s]
        self.assertEqual(with_maps, [0, 1, 2, 3])
        self.assertEqual(len(conv["samples"][0]["maps"]), 8)
        image = Image.open(io.BytesIO(base64.b64decode(conv["samples"][0]["maps"][0])))
        self.assertEqual((image.mode, image.size), ("L", (26, 26)))
        self.assertIsNone(data["first_nonfinite"])
        # Several --input files for a one-input model: one run each.
        _, two, _, _ = self.report(DIGITS, "--input", os.path.join(DIGITS_DIR, files[0]),
                                   "--input", os.path.join(DIGITS_DIR, files[1]), "--tsne")
        self.assertEqual(len(two["inputs"]), 2)
        self.assertIn("pca", two["layers"][4]["scatter"])
        self.assertNotIn("tsne", two["layers"][4]["scatter"])  # t-SNE needs 5 inputs

    def test_nan_everywhere_and_hostile_names(self):
        name = "</script><img src=x onerror=alert(1)>"
        model = save_model(self.tmp, "nan", [
            helper.make_node("Relu", ["x"], ["r"], name=name),
            helper.make_node("Neg", ["r"], ["y"], name="neg")],
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 3, 3])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2, 3, 3])])
        for k in range(3):
            np.save(os.path.join(self.tmp, "x%d.npy" % k), np.full((1, 2, 3, 3), np.nan, np.float32))
        inputs = [a for k in range(3) for a in ("--input", os.path.join(self.tmp, "x%d.npy" % k))]
        graph, data, text, stdout = self.report(model, *inputs)
        self.assertIn("first NaN/Inf: tensor 'r'", stdout)
        self.assertEqual(data["first_nonfinite"], {"layer": 0, "input": 0})
        self.assertEqual(data["layers"][0]["node"], name)
        self.assertEqual(text.count("</script>"), 3)
        self.assertNotIn("<img src=x", text)
        sample = data["layers"][1]["samples"][2]
        self.assertEqual((sample["mean"], sample["nan_count"]), ("nan", 18))
        self.assertIn("NaN", data["layers"][0]["scatter"]["skipped"])
        self.assertNotIn("histogram", sample)  # no finite values

    def test_bad_input(self):
        out = os.path.join(self.tmp, "r.html")
        self.assertFailsClearly(layerscope("report", DIGITS, "--input", DIGIT_NPY, "-o",
                                           os.path.join(self.tmp, "no", "such", "r.html")),
                                "cannot write", "no/such/r.html")
        self.assertFailsClearly(layerscope("report", DIGITS, "--random", "--dim", "batch=1",
                                           "--labels", DIGIT_LABELS, "-o", out),
                                "--labels needs input files")
        self.assertFailsClearly(layerscope("report", DIGITS, "--inputs-dir",
                                           os.path.join(self.tmp, "none"), "-o", out),
                                "cannot read inputs folder")
        self.assertFailsClearly(layerscope("report", DIGITS, "-o", out), "no value for input image")
        self.assertFailsClearly(layerscope("report", DIGITS, "--random"), "--output")
        self.assertFalse(os.path.exists(out))


if __name__ == "__main__":
    unittest.main()
