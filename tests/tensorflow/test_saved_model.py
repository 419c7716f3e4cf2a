# SavedModel directories written from scratch (saved_model_files.py) opened by the CLI: a TF 1
# graph (variables restored by the saver's RestoreV2, or by name), TF 2 graphs whose signature
# wrapper calls the model function with captured variables (bound through the object graph or the
# restore function), snappy-compressed checkpoint indexes; every output compared with numpy.
# Bad directories get one "error:" line naming them and exit status 1.
#
#   cd tests/tensorflow && LAYERSCOPE=build/layerscope /usr/bin/python3 -m unittest -v \
#       test_saved_model
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
import saved_model_files as smf  # noqa: E402

BINARY = os.environ.get("LAYERSCOPE", "layerscope")


def layerscope(*args):
    return subprocess.run([BINARY, *map(str, args)], capture_output=True, text=True, timeout=120)


class SavedModelFilesTest(unittest.TestCase):
    """The writer's own pieces against known values."""

    def test_crc32c_known_vectors(self):
        self.assertEqual(smf.crc32c(b"123456789"), 0xE3069283)
        self.assertEqual(smf.crc32c(bytes(32)), 0x8A9136AA)  # RFC 3720, B.4
        self.assertEqual(smf.crc32c(b"6789", smf.crc32c(b"12345")), 0xE3069283)
        self.assertEqual(smf.mask(0), 0xA282EAD8)

    def test_table_shares_key_prefixes_and_compresses(self):
        entries = [(f"model/block_{i:03d}/kernel".encode(), bytes(40)) for i in range(50)]
        plain = smf.table_bytes(entries, restart_interval=16)
        self.assertLess(len(plain), sum(len(k) + len(v) for k, v in entries))
        self.assertLess(len(smf.table_bytes(entries, snappy=True)), len(plain))
        self.assertEqual(plain[-8:], bytes.fromhex("57fb808b247547db"))


class SavedModelTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="layerscope-saved-model-")
        self.dir = Path(self.tmp.name)
        self.model = smf.dense_model(np.random.default_rng(7), inputs=5, units=4)
        self.x = np.random.default_rng(8).standard_normal((3, 5)).astype(np.float32)
        np.save(self.dir / "x.npy", self.x)

    def tearDown(self):
        self.tmp.cleanup()

    def run_dump(self, model, input_name, *extra):
        """Runs the model on self.x; returns {tensor name: array} of every dumped tensor."""
        dump = self.dir / "dump"
        proc = layerscope("run", model, "--input", f"{input_name}={self.dir / 'x.npy'}",
                          "--dump", dump, *extra)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        index = json.loads((dump / "index.json").read_text())
        return {e["name"]: np.load(dump / e["file"]) for e in index}

    def assert_close(self, actual, expected):
        self.assertEqual(actual.shape, expected.shape)
        scale = max(float(np.abs(expected).max()), 1.0)
        self.assertLessEqual(float(np.abs(actual - expected).max()) / scale, 1e-5)

    def summary(self, model, *extra):
        proc = layerscope("summary", model, "--json", *extra)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return json.loads(proc.stdout)

    def test_tf1_saved_model_runs_as_numpy_computes_it(self):
        for restore in (True, False):  # through save/RestoreV2, then by the variables' names
            folder = smf.write_tf1_saved_model(self.dir / f"tf1_{restore}", self.model,
                                               restore=restore)
            tensors = self.run_dump(folder, "x")
            self.assert_close(tensors["dense/Relu"], self.model.reference(self.x))
            self.assert_close(tensors["dense/MatMul"], self.x @ self.model.kernel)

    def test_tf2_saved_model_runs_through_its_function_calls(self):
        expected = self.model.reference(self.x)
        for binding in ("object_graph", "restore", "both"):
            folder = smf.write_tf2_saved_model(self.dir / binding, self.model, binding=binding)
            tensors = self.run_dump(folder, "serving_default_x")
            # The signature's output, and the model function's nodes under their Keras names.
            self.assert_close(tensors["StatefulPartitionedCall"], expected)
            self.assert_close(tensors["model/dense/Relu"], expected)
            self.assert_close(tensors["model/dense/BiasAdd"],
                              self.x @ self.model.kernel + self.model.bias)

    def test_snappy_compressed_index_in_many_blocks(self):
        folder = smf.write_tf1_saved_model(self.dir / "snappy", self.model, snappy=True,
                                           block_size=32)
        self.assert_close(self.run_dump(folder, "x")["dense/Relu"], self.model.reference(self.x))
        folder = smf.write_tf2_saved_model(self.dir / "snappy2", self.model, snappy=True)
        self.assert_close(self.run_dump(folder, "serving_default_x")["StatefulPartitionedCall"],
                          self.model.reference(self.x))

    def test_summary_of_a_tf2_saved_model(self):
        folder = smf.write_tf2_saved_model(self.dir / "m", self.model)
        for path in (folder, folder / "saved_model.pb"):
            s = self.summary(path)
            self.assertEqual(s["format"], "tensorflow")
            self.assertEqual([i["name"] for i in s["inputs"]], ["serving_default_x"])
            self.assertEqual([o["name"] for o in s["outputs"]], ["StatefulPartitionedCall"])
            self.assertEqual(s["total_parameters"], 5 * 4 + 4)
            names = {n["name"]: n for n in s["nodes"]}
            self.assertEqual(names["model/dense/MatMul"]["scope"], "model/dense")
            self.assertEqual(names["model/dense/MatMul"]["op"], "MatMul")

    def test_signature_option(self):
        folder = smf.write_tf2_saved_model(self.dir / "m", self.model)
        self.assertEqual(self.summary(folder, "--signature", "serving_default")["outputs"][0]["name"],
                         "StatefulPartitionedCall")
        proc = layerscope("summary", folder, "--signature", "classify")
        self.assertEqual(proc.returncode, 1)
        self.assertEqual(proc.stderr.strip().splitlines(),
                         [f"error: '{folder / 'saved_model.pb'}' has no signature 'classify'; its "
                          "signatures are: serving_default (choose one with --signature)"])

    def assert_refused(self, model, *expected, input_name="x"):
        """summary and run both refuse `model` with one error line holding every `expected`."""
        for args in (["summary", model],
                     ["run", model, "--input", f"{input_name}={self.dir / 'x.npy'}"]):
            proc = layerscope(*args)
            self.assertEqual(proc.returncode, 1, f"{args}: {proc.stderr}")
            lines = proc.stderr.strip().splitlines()
            self.assertEqual(len(lines), 1, proc.stderr)
            self.assertTrue(lines[0].startswith("error: "), lines[0])
            for text in expected:
                self.assertIn(str(text), lines[0])

    def test_bad_directories_are_refused_in_one_line(self):
        empty = self.dir / "empty"
        empty.mkdir()
        self.assert_refused(empty, empty, "no saved_model.pb")

        folder = smf.write_tf2_saved_model(self.dir / "truncated", self.model)
        pb = folder / "saved_model.pb"
        pb.write_bytes(pb.read_bytes()[:-7])
        self.assert_refused(folder, pb, "truncated or corrupt")

        folder = smf.write_tf2_saved_model(self.dir / "cycle", self.model, cycle=True)
        self.assert_refused(folder, "function calls form a cycle", smf.WRAPPER,
                            input_name="serving_default_x")

        folder = smf.write_tf1_saved_model(self.dir / "crc", self.model)
        shard = folder / "variables" / "variables.data-00000-of-00001"
        data = bytearray(shard.read_bytes())
        data[-1] ^= 0x10
        shard.write_bytes(bytes(data))
        self.assert_refused(folder, "CRC mismatch", shard)

        folder = smf.write_tf1_saved_model(self.dir / "short", self.model)
        shard = folder / "variables" / "variables.data-00000-of-00001"
        shard.write_bytes(shard.read_bytes()[:16])
        self.assert_refused(folder, "points at bytes", shard, "truncated or corrupt")
        shard.unlink()
        self.assert_refused(folder, shard, "missing")

        folder = smf.write_tf1_saved_model(self.dir / "index", self.model)
        index = folder / "variables" / "variables.index"
        table = bytearray(index.read_bytes())
        table[3] ^= 0x01
        index.write_bytes(bytes(table))
        self.assert_refused(folder, index, "CRC mismatch")
        index.write_bytes(bytes(table[:-1]))
        self.assert_refused(folder, index, "magic number")


if __name__ == "__main__":
    unittest.main()
