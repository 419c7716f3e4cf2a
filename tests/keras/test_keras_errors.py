# Bad Keras files: each gets one line on stderr starting "error:" that names the file and the
# problem, exit status 1, no crash, and nothing written (run --dump's folder is not created).
#
#   cd tests/keras && LAYERSCOPE=build/layerscope /usr/bin/python3 -m unittest -v test_keras_errors
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest
import zipfile
from pathlib import Path

import h5py
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.dont_write_bytecode = True
import keras_files  # noqa: E402
import model_zoo  # noqa: E402

BINARY = os.environ.get("LAYERSCOPE", "layerscope")


class KerasErrorsTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="layerscope-keras-errors-")
        self.dir = Path(self.tmp.name)
        self.model = model_zoo.dense_classifier()

    def tearDown(self):
        self.tmp.cleanup()

    def h5(self, name="m.h5", **kwargs):
        path = self.dir / name
        keras_files.write_keras2_h5(path, self.model.config, self.model.weights, **kwargs)
        return path

    def keras3(self, name="m.keras"):
        path = self.dir / name
        keras_files.write_keras3(path, self.model.config, self.model.weights)
        return path

    def assert_refused(self, path, *expected):
        """summary and run both refuse `path` with one error line holding every `expected`."""
        dump = self.dir / "dump"
        x = self.dir / "x.npy"
        np.save(x, self.model.inputs[0])
        for args in (["summary", path], ["run", path, "--input", x, "--dump", dump]):
            proc = subprocess.run([BINARY, *map(str, args)], capture_output=True, text=True,
                                  timeout=60)
            self.assertEqual(proc.returncode, 1, f"{args}: {proc.stderr}")
            lines = proc.stderr.strip().splitlines()
            self.assertEqual(len(lines), 1, proc.stderr)
            self.assertTrue(lines[0].startswith("error: "), lines[0])
            self.assertIn(str(path), lines[0])
            for text in expected:
                self.assertIn(text, lines[0])
            self.assertFalse(dump.exists(), "run wrote a dump folder for a model it refused")
        return lines[0]

    def test_a_valid_file_loads(self):  # the baseline every case below spoils
        proc = subprocess.run([BINARY, "summary", str(self.h5())], capture_output=True, text=True)
        self.assertEqual(proc.returncode, 0, proc.stderr)

    def test_truncated_h5(self):
        path = self.h5()
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
        self.assert_refused(path, "HDF5")

    def test_corrupt_h5(self):
        path = self.h5()
        data = bytearray(path.read_bytes())
        rng = np.random.default_rng(0)
        for i in rng.integers(8, len(data), 400):
            data[i] ^= 0xFF
        path.write_bytes(bytes(data))
        proc = subprocess.run([BINARY, "summary", str(path)], capture_output=True, text=True,
                              timeout=60)
        # Flipped bytes may land in weights only (then the file loads); never a crash.
        self.assertIn(proc.returncode, (0, 1), proc.stderr)
        if proc.returncode:
            self.assertTrue(proc.stderr.startswith("error: "), proc.stderr)

    def test_corrupt_string_heap(self):
        # Variable-length strings (model_config, keras_version) live in the file's global heap;
        # libhdf5 copies an object as long as its header says, so a huge size crashes a reader that
        # does not isolate the read.
        path = self.h5()
        data = bytearray(path.read_bytes())
        heap = data.find(b"GCOL")
        self.assertGreater(heap, 0)
        struct.pack_into("<Q", data, heap + 24, 0x7FFFFFFFFFFF)  # the first object's size
        path.write_bytes(bytes(data))
        self.assert_refused(path, "corrupt")

    def test_zip_that_is_not_a_keras_file(self):
        path = self.dir / "photos.keras"
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("readme.txt", "hello")
        self.assert_refused(path, "config.json")

    def test_missing_weight(self):
        path = self.h5()
        with h5py.File(path, "r+") as f:
            del f["model_weights/dense/dense/bias:0"]
        self.assert_refused(path, "dense", "bias")

    def test_missing_weight_keras3(self):
        path = self.keras3()
        with zipfile.ZipFile(path) as z:
            members = {n: z.read(n) for n in z.namelist()}
        weights = self.dir / "w.h5"
        weights.write_bytes(members["model.weights.h5"])
        with h5py.File(weights, "r+") as f:
            del f["layers/dense/vars/1"]
        members["model.weights.h5"] = weights.read_bytes()
        with zipfile.ZipFile(path, "w") as z:
            for n, data in members.items():
                z.writestr(n, data)
        self.assert_refused(path, "dense", "vars/1")

    def test_weights_disagreeing_with_the_config(self):
        config = json.loads(json.dumps(self.model.config))
        for layer in config["config"]["layers"]:
            if layer["config"]["name"] == "dense":
                layer["config"]["units"] = 13
        path = self.dir / "m.h5"
        keras_files.write_keras2_h5(path, config, self.model.weights)
        self.assert_refused(path, "dense", "(16, 12)", "(16, 13)")

    def test_unknown_layer_class_and_lambda_are_listed_together(self):
        config = json.loads(json.dumps(self.model.config))
        layers = config["config"]["layers"]
        layers.insert(2, {"class_name": "Lambda", "config": {
            "name": "lambda", "function": ["4wEAAAAAAAAAAAAAAAEAAAACAAAAQwAAAHMIAAAAfABkARQAUwCpAk7p"
                                           "AgAAAKkAqQHaAXhyAwAAAHIDAAAA+gc8c3RkaW4++gg8bGFtYmRhPgEA",
                                           None, None],
            "function_type": "lambda", "output_shape": None, "arguments": {}}})
        layers.insert(3, {"class_name": "MyCustomLayer", "config": {"name": "mine"}})
        path = self.dir / "m.h5"
        keras_files.write_keras2_h5(path, config, self.model.weights)
        line = self.assert_refused(path, "2 layers", "Lambda ('lambda')", "Python code",
                                   "MyCustomLayer ('mine')")
        self.assertNotIn("4wEAAAAA", line)

    def test_zip_entry_escaping_the_folder(self):
        path = self.keras3()
        with zipfile.ZipFile(path, "a") as z:
            z.writestr("../../evil.txt", "x")
        self.assert_refused(path, "escapes")

    def test_zip_bomb(self):
        path = self.keras3()
        with zipfile.ZipFile(path) as z:
            members = {n: z.read(n) for n in z.namelist() if n != "model.weights.h5"}
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
            for n, data in members.items():
                z.writestr(n, data)
            z.writestr("model.weights.h5", bytes(64 << 20))  # 64 MiB of zeros deflate to ~64 KiB
        self.assertLess(path.stat().st_size, 1 << 20)
        self.assert_refused(path, "zip bomb")

    def test_weights_only_file_says_what_to_give(self):
        path = self.dir / "w.h5"
        keras_files.write_weights_only_h5(path, self.model.config, self.model.weights)
        self.assert_refused(path, "weights-only", "--config")

    def test_keras_1_file(self):
        path = self.h5(keras_version="1.2.2")
        self.assert_refused(path, "Keras 1.2.2")

    def test_keras_1_config_without_a_version(self):
        path = self.h5()
        config = {"class_name": "Sequential", "config": [
            {"class_name": "Dense", "config": {"name": "dense_1", "output_dim": 10, "input_dim": 4,
                                               "batch_input_shape": [None, 4]}}]}
        with h5py.File(path, "r+") as f:
            del f.attrs["keras_version"]
            f.attrs["model_config"] = json.dumps(config)
        self.assert_refused(path, "Keras 1 model config")

    def test_keras_3_weights_file(self):
        path = self.keras3()
        weights = self.dir / "model.weights.h5"
        with zipfile.ZipFile(path) as z:
            weights.write_bytes(z.read("model.weights.h5"))
        self.assert_refused(weights, "Keras 3 weights file", ".keras")

    def test_hdf5_that_is_not_a_keras_model(self):
        path = self.dir / "data.h5"
        with h5py.File(path, "w") as f:
            f["x"] = np.zeros(3)
        self.assert_refused(path, "not a Keras model")

    def test_config_that_is_not_json(self):
        path = self.h5()
        with h5py.File(path, "r+") as f:
            f.attrs["model_config"] = "{\"class_name\": \"Sequential\", "
        self.assert_refused(path, "model_config", "not valid JSON")

    def test_subclassed_model(self):
        path = self.h5()
        with h5py.File(path, "r+") as f:
            f.attrs["model_config"] = json.dumps({"class_name": "MyModel", "config": {}})
        self.assert_refused(path, "subclassed", "MyModel")

    def test_dataset_declaring_more_than_the_file_holds(self):
        path = self.h5()
        with h5py.File(path, "r+") as f:
            del f["model_weights/dense/dense/kernel:0"]
            # Declared but never written: no storage is allocated for it.
            f["model_weights/dense/dense"].create_dataset("kernel:0", shape=(100000, 100000),
                                                          dtype="f4")
        self.assert_refused(path, "kernel:0", "more than")

    def test_not_a_model_at_all(self):
        path = self.dir / "notes.h5"
        path.write_text("just text\n")
        proc = subprocess.run([BINARY, "summary", str(path)], capture_output=True, text=True)
        self.assertEqual(proc.returncode, 1)
        self.assertTrue(proc.stderr.startswith("error: "), proc.stderr)


if __name__ == "__main__":
    unittest.main()
