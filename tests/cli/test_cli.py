"""End-to-end tests of the layerscope command line, run by CTest with Debian's python3.

LAYERSCOPE is the binary under test, LAYERSCOPE_SOURCE_DIR the repository (for models/).
Small models are built here with onnx.helper; outputs are read back with numpy.
"""
import json
import os
import re
import shutil
import struct
import subprocess
import tempfile
import unittest
import xml.etree.ElementTree as ET

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

BINARY = os.environ.get("LAYERSCOPE", "layerscope")
SOURCE = os.environ.get("LAYERSCOPE_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
MODELS = os.path.join(SOURCE, "models")
DIGITS = os.path.join(MODELS, "digits_cnn.onnx")
DIGIT_NPY = os.path.join(MODELS, "digits", "digit_00_label_0.npy")
DIGIT_PNG = os.path.join(MODELS, "digits", "digit_00_label_0.png")


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
    return field(number, 2, varint(len(data)) + (data.encode() if isinstance(data, str) else data))


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
            self.assertEqual(set(entry), {"name", "file", "node", "op", "dtype", "shape"})
            array = np.load(os.path.join(out, entry["file"]))
            self.assertEqual(list(array.shape), entry["shape"])
            self.assertEqual(str(array.dtype), entry["dtype"])
            self.assertAlmostEqual(float(array.mean()), layer["mean"], places=5)
            self.assertAlmostEqual(float(array.std()), layer["std"], places=5)
            self.assertEqual(float(array.max()), layer["max"])
        probabilities = np.load(os.path.join(out, index[-1]["file"]))
        self.assertAlmostEqual(float(probabilities.sum()), 1.0, places=5)

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
        r = layerscope("run", DIGITS, "--random")
        self.assertFailsClearly(r, "--dim batch=N")
        data = self.run_json(DIGITS, "--random", "--dim", "batch=3")
        self.assertEqual(data["layers"][0]["shape"], [3, 32, 26, 26])

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
            name = layer["name"]
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
        self.assertEqual({tag.split("/")[1] for tag in tags}, {"conv1"})
        self.assertTrue(all(t["kind"] != "image" and t["first_step"] == 5 for t in tags.values()))

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

    def test_does_not_load_the_runtime(self):
        env = {"LAYERSCOPE_RUNTIME": "/nonexistent/liblayerscope_runtime.so"}
        out = os.path.join(self.tmp, "d.svg")
        self.assertEqual(layerscope("graph", DIGITS, "-o", out, env=env).returncode, 0)

    def test_bad_input(self):
        out = os.path.join(self.tmp, "x.svg")
        self.assertFailsClearly(layerscope("graph", DIGITS, "-o", os.path.join(self.tmp, "x.jpg")),
                                "unknown format 'jpg'", ".svg, .png or .dot")
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


if __name__ == "__main__":
    unittest.main()
