# The TensorFlow frontend's test harness proven before anything relies on it: GraphBuilder writes
# the attributes it is given as TensorFlow's AttrValues, tfjs_model.py turns a GraphDef into the
# JSON TensorFlow.js reads, the oracle (tests/oracle/run_tfjs_graph.js) computes small graphs as
# numpy does (float32, int32 and bool tensors, multi-output ops, attributes of every kind read),
# skips what it cannot compute and says why, and check_against_oracle fails on every kind of
# mismatch.
#
#   cd tests/tensorflow && /usr/bin/python3 -m unittest -v test_tf_oracle
#
# Needs numpy, protobuf and protoc, node, and tests/oracle/node_modules (`npm ci --ignore-scripts`).
import base64
import sys
import unittest
from pathlib import Path
from unittest import mock

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import tf_graphs  # noqa: E402
import tf_runs  # noqa: E402
import tfjs_model  # noqa: E402
from tf_graphs import GraphBuilder, Shape, Tensor  # noqa: E402

RNG = np.random.default_rng(14)


def conv2d_nhwc(x, w, stride, padding):
    """TensorFlow's Conv2D (NHWC input, HWIO kernel, no dilation); SAME pads the extra row and
    column at the bottom/right."""
    (n, h, wd, _), (kh, kw, _, co) = x.shape, w.shape
    if padding == "SAME":
        oh, ow = -(-h // stride), -(-wd // stride)
        ph = max((oh - 1) * stride + kh - h, 0)
        pw = max((ow - 1) * stride + kw - wd, 0)
        x = np.pad(x, ((0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)))
    else:
        oh, ow = (h - kh) // stride + 1, (wd - kw) // stride + 1
    out = np.zeros((n, oh, ow, co), np.float64)
    for i in range(kh):
        for j in range(kw):
            patch = x[:, i:i + stride * oh:stride, j:j + stride * ow:stride, :]
            out += patch.astype(np.float64) @ w[i, j].astype(np.float64)
    return out


class AttrValuesTest(unittest.TestCase):
    """Python values -> AttrValue fields, and the JSON form tfjs reads."""

    def setUp(self):
        g = GraphBuilder()
        g.op("Attrs", "a", [], flag=True, count=3, big=np.int64(2**40), rate=0.5, pad="SAME",
             raw=b"\x00\xff", dtype=np.int32, pytype=bool, ints=[1, 2], floats=(0.5, 2),
             strs=["a", "b"], types=[np.float32, np.dtype("int64")], bools=[True, False],
             empty=[], shape=Shape([1, None, 3]), no_rank=Shape(None), shapes=[Shape([2])],
             value=Tensor(np.array([[1, 2]], np.int8)))
        self.attr = g.graph_def.node[0].attr
        self.json = tfjs_model.graph_model_json(g.graph_def)[0]["modelTopology"]["node"][0]["attr"]

    def test_scalars(self):
        self.assertEqual(self.attr["flag"].WhichOneof("value"), "b")
        self.assertTrue(self.attr["flag"].b)
        self.assertEqual(self.attr["count"].i, 3)
        self.assertEqual(self.attr["big"].i, 2**40)
        self.assertEqual(self.attr["rate"].f, 0.5)
        self.assertEqual(self.attr["pad"].s, b"SAME")
        self.assertEqual(self.attr["raw"].s, b"\x00\xff")
        self.assertEqual(self.attr["dtype"].type, 3)  # DT_INT32
        self.assertEqual(self.attr["pytype"].type, 10)  # DT_BOOL

    def test_lists(self):
        self.assertEqual(list(self.attr["ints"].list.i), [1, 2])
        self.assertEqual(list(self.attr["floats"].list.f), [0.5, 2.0])  # ints among floats
        self.assertEqual(list(self.attr["strs"].list.s), [b"a", b"b"])
        self.assertEqual(list(self.attr["types"].list.type), [1, 9])  # DT_FLOAT, DT_INT64
        self.assertEqual(list(self.attr["bools"].list.b), [True, False])
        self.assertEqual(self.attr["empty"].WhichOneof("value"), "list")
        self.assertEqual([d.size for d in self.attr["shapes"].list.shape[0].dim], [2])

    def test_shapes_and_tensors(self):
        self.assertEqual([d.size for d in self.attr["shape"].shape.dim], [1, -1, 3])
        self.assertFalse(self.attr["shape"].shape.unknown_rank)
        self.assertTrue(self.attr["no_rank"].shape.unknown_rank)
        tensor = self.attr["value"].tensor
        self.assertEqual(tensor.dtype, 6)  # DT_INT8
        np.testing.assert_array_equal(tf_graphs.tf_protos.tensor_array(tensor), [[1, 2]])

    def test_json_as_tfjs_reads_it(self):
        self.assertEqual(self.json["flag"], {"b": True})
        self.assertEqual(self.json["count"], {"i": "3"})  # int64 as a decimal string
        self.assertEqual(self.json["rate"], {"f": 0.5})
        self.assertEqual(base64.b64decode(self.json["pad"]["s"]), b"SAME")
        self.assertEqual(self.json["dtype"], {"type": "DT_INT32"})
        self.assertEqual(self.json["ints"], {"list": {"i": ["1", "2"]}})
        self.assertEqual(self.json["types"], {"list": {"type": ["DT_FLOAT", "DT_INT64"]}})
        self.assertEqual(self.json["empty"], {"list": {}})
        self.assertEqual(self.json["shape"], {"shape": {"dim": [{"size": "1"}, {"size": "-1"},
                                                                {"size": "3"}]}})
        self.assertEqual(self.json["no_rank"], {"shape": {"unknownRank": True}})

    def test_bad_values_are_refused_naming_the_attribute(self):
        g = GraphBuilder()
        with self.assertRaisesRegex(TypeError, "node 'n' attribute 'mixed': .*mixes"):
            g.op("X", "n", [], mixed=[1, "a"])
        with self.assertRaisesRegex(TypeError, "node 'm' attribute 'obj': .*object"):
            g.op("X", "m", [], obj=object())
        g.op("X", "k", [])
        with self.assertRaisesRegex(ValueError, "already has a node named 'k'"):
            g.op("Y", "k", [])


class GraphModelJsonTest(unittest.TestCase):
    """Consts' values move from the topology to the weights manifest, in tfjs's dtypes."""

    def test_consts_become_weights(self):
        g = GraphBuilder()
        g.const("f64", np.array([1.5, -2], np.float64))
        g.const("i64", np.array([[7], [-8]], np.int64))
        g.const("flags", np.array([True, False, True]))
        g.const("empty", np.zeros((0, 2), np.float32))
        g.placeholder("x", np.float32, [0, 2])
        model, weights = tfjs_model.graph_model_json(g.graph_def)
        nodes = model["modelTopology"]["node"]
        self.assertTrue(all("value" not in n["attr"] for n in nodes if n["op"] == "Const"))
        self.assertEqual(nodes[1]["attr"]["dtype"], {"type": "DT_INT64"})
        self.assertEqual(nodes[4]["attr"]["shape"]["shape"]["dim"][0], {"size": "0"})
        self.assertEqual(model["weightsManifest"][0]["weights"], [
            {"name": "f64", "shape": [2], "dtype": "float32"},
            {"name": "i64", "shape": [2, 1], "dtype": "int32"},
            {"name": "flags", "shape": [3], "dtype": "bool"},
            {"name": "empty", "shape": [0, 2], "dtype": "float32"}])
        self.assertEqual(weights, np.array([1.5, -2], "<f4").tobytes()
                         + np.array([7, -8], "<i4").tobytes() + bytes([1, 0, 1]))

    def test_values_tfjs_cannot_hold_are_refused(self):
        g = GraphBuilder()
        g.const("huge", np.array([2**40], np.int64))
        with self.assertRaisesRegex(ValueError, "Const 'huge' .*int32"):
            tfjs_model.graph_model_json(g.graph_def)


class OracleTest(unittest.TestCase):
    """The oracle against numpy on graphs whose every tensor has a numpy reference."""

    def test_float_graph(self):
        g = GraphBuilder()
        x = g.placeholder("x", np.float32, [None, 6])
        w = RNG.standard_normal((4, 6)).astype(np.float32)
        b = RNG.standard_normal(4).astype(np.float32)
        kernel = g.const("dense/kernel", w)
        bias = g.const("dense/bias", b)
        mm = g.op("MatMul", "dense/MatMul", [x, kernel], T=np.float32, transpose_a=False,
                  transpose_b=True)
        add = g.op("AddV2", "dense/add", [mm, bias], T=np.float32)
        relu = g.op("Relu", "dense/Relu", [add], T=np.float32)
        leaky = g.op("LeakyRelu", "leaky", [add], T=np.float32, alpha=0.3)
        shape = g.const("shape", np.array([-1, 2, 2], np.int32))
        reshaped = g.op("Reshape", "reshape", [relu, shape], T=np.float32, Tshape=np.int32)
        axis = g.const("axis", np.array(2, np.int32))
        left, right = g.op("Split", "split", [axis, reshaped], T=np.float32, num_split=2,
                           outputs=2)
        concat = g.op("ConcatV2", "concat", [right, left, axis], T=np.float32, N=2,
                      Tidx=np.int32)
        xv = RNG.standard_normal((3, 6)).astype(np.float32)
        got = tf_graphs.run_oracle(g, {"x": xv})

        pre = xv.astype(np.float64) @ w.T + b
        r = np.maximum(pre, 0).reshape(3, 2, 2)
        expected = {mm: xv.astype(np.float64) @ w.T, add: pre, relu: np.maximum(pre, 0),
                    leaky: np.where(pre > 0, pre, 0.3 * pre), reshaped: r, left: r[:, :, :1],
                    right: r[:, :, 1:], concat: np.concatenate([r[:, :, 1:], r[:, :, :1]], 2)}
        self.assertEqual(list(got), g.tensor_names())
        self.assertEqual(got.skipped, {})
        for name, value in expected.items():
            self.assertEqual(got[name].dtype, np.float32, name)
            np.testing.assert_allclose(got[name], value, rtol=1e-5, atol=1e-5, err_msg=name)

    def test_conv_padding_strings(self):
        g = GraphBuilder()
        x = g.placeholder("x", np.float32, [1, 6, 7, 2])  # SAME pads 1 row and 1 column
        w = RNG.standard_normal((3, 2, 2, 4)).astype(np.float32)
        kernel = g.const("kernel", w)
        for padding in ("SAME", "VALID"):
            g.op("Conv2D", f"conv_{padding}", [x, kernel], T=np.float32, strides=[1, 2, 2, 1],
                 padding=padding)
        xv = RNG.standard_normal((1, 6, 7, 2)).astype(np.float32)
        got = tf_graphs.run_oracle(g, {"x": xv})
        self.assertEqual(got["conv_SAME"].shape, (1, 3, 4, 4))
        self.assertEqual(got["conv_VALID"].shape, (1, 2, 3, 4))
        for padding in ("SAME", "VALID"):
            np.testing.assert_allclose(got[f"conv_{padding}"], conv2d_nhwc(xv, w, 2, padding),
                                       rtol=1e-5, atol=1e-5, err_msg=padding)

    def test_int32_and_bool_graph(self):
        g = GraphBuilder()
        a = g.placeholder("a", np.int32, [2, 3])
        flags = g.placeholder("flags", np.bool_, None)
        c = g.const("c", np.array([[1, -2, 3]], np.int32))
        total = g.op("AddV2", "total", [a, c], T=np.int32)
        positive = g.op("Greater", "positive", [total, g.const("zero", np.int32(0))], T=np.int32)
        both = g.op("LogicalAnd", "both", [positive, flags])
        neither = g.op("LogicalNot", "not_both", [both])
        picked = g.op("SelectV2", "picked", [both, total, a], T=np.int32)
        as_int = g.op("Cast", "as_int", [neither], SrcT=np.bool_, DstT=np.int32, Truncate=False)
        shape = g.op("Shape", "shape", [picked], T=np.int32, out_type=np.int32)
        av = np.array([[5, 0, -7], [-1, 2, 2]], np.int32)
        fv = np.array([[True, True, False], [True, False, True]])
        got = tf_graphs.run_oracle(g, {"a": av, "flags": fv})

        t = av + np.array([[1, -2, 3]])
        expected = {total: t, positive: t > 0, both: (t > 0) & fv, neither: ~((t > 0) & fv),
                    picked: np.where((t > 0) & fv, t, av),
                    as_int: (~((t > 0) & fv)).astype(np.int32), shape: np.array([2, 3])}
        for name, value in expected.items():
            self.assertEqual(got[name].dtype, bool if value.dtype == bool else np.int32, name)
            np.testing.assert_array_equal(got[name], value, err_msg=name)

    def test_wide_feeds_and_consts_computed_in_tfjs_types(self):
        g = GraphBuilder()
        x = g.placeholder("x", np.float64, [2])
        h = g.placeholder("h", np.float16, [2])
        i = g.placeholder("i", np.int64, [2])
        s = g.op("AddV2", "sum", [x, g.const("one", np.float64(1))], T=np.float64)
        hs = g.op("Mul", "half", [h, g.const("two", np.float16(2))], T=np.float16)
        k = g.op("Mul", "ints", [i, g.const("three", np.array([3, -3], np.int64))], T=np.int64)
        got = tf_graphs.run_oracle(g, {"x": np.array([0.25, -1]), "h": np.float16([1.5, 3]),
                                       "i": np.array([2**20, -5], np.int64)})
        np.testing.assert_array_equal(got[s], np.float32([1.25, 0]))
        np.testing.assert_array_equal(got[hs], np.float32([3, 6]))
        np.testing.assert_array_equal(got[k], np.int32([3 * 2**20, 15]))
        self.assertEqual((got[s].dtype, got[hs].dtype, got[k].dtype),
                         (np.float32, np.float32, np.int32))

    def test_what_tfjs_cannot_compute_is_skipped_and_named(self):
        g = GraphBuilder()
        x = g.placeholder("x", np.float32, [2])
        r = g.op("Relu", "relu", [x], T=np.float32)
        odd = g.op("NoSuchOp", "odd", [r], T=np.float32)
        g.op("Neg", "after_odd", [odd], T=np.float32)
        g.op("NoOp", "group_deps", ["^relu"], outputs=0)
        got = tf_graphs.run_oracle(g, {"x": np.float32([-1, 2])},
                                   outputs=g.tensor_names() + ["group_deps", "x"])
        np.testing.assert_array_equal(got["relu"], [0, 2])
        np.testing.assert_array_equal(got["x"], [-1, 2])
        self.assertEqual(set(got.skipped), {"odd", "after_odd", "group_deps"})
        self.assertIn("Unknown op 'NoSuchOp'", got.skipped["after_odd"])
        self.assertIn("NoOp", got.skipped["group_deps"])

    def test_unknown_output_names_fail(self):
        g = GraphBuilder()
        g.op("Relu", "relu", [g.placeholder("x", np.float32, [1])], T=np.float32)
        with self.assertRaisesRegex(AssertionError, "no node 'nope'"):
            tf_graphs.run_oracle(g, {"x": np.float32([1])}, outputs=["nope:1"])


class CheckAgainstOracleTest(unittest.TestCase):
    """check_against_oracle's comparison, with layerscope's run replaced by given tensors."""

    @classmethod
    def setUpClass(cls):
        g = GraphBuilder()
        x = g.placeholder("x", np.float32, [2, 2])
        g.op("Square", "sq", [x], T=np.float32)
        g.op("Split", "split", [g.const("axis", np.int32(0)), x], T=np.float32, num_split=2,
             outputs=2)
        g.op("Greater", "gt", [x, g.const("zero", np.float32(0))], T=np.float32)
        cls.graph = g
        cls.x = np.float32([[1, -2], [3, 0.5]])
        cls.right = {"sq": cls.x ** 2, "split": cls.x[:1], "split:1": cls.x[1:], "gt": cls.x > 0}

    def check(self, actual, **kwargs):
        with mock.patch.object(tf_runs, "run_layerscope", return_value=actual):
            return tf_graphs.check_against_oracle(self.graph, {"x": self.x}, **kwargs)

    def test_matching_tensors_pass(self):
        self.assertEqual(self.check(self.right), 4)
        widened = dict(self.right, sq=(self.x ** 2).astype(np.float16))  # float16 ~ float32
        self.assertEqual(self.check(widened, atol=1e-3), 4)

    def test_each_kind_of_mismatch_fails_naming_the_tensor(self):
        cases = [
            ({"sq": self.x ** 2 + 1e-3}, "tensor 'sq' \\(Square\\)"),
            ({"split:1": self.x[:1] * 0}, "tensor 'split:1' \\(Split\\)"),
            ({"split": self.x}, "tensor 'split' \\(Split\\): shape"),
            ({"gt": (self.x > 0).astype(np.float32)}, "tensor 'gt' \\(Greater\\): dtype"),
            ({"gt": self.x < 0}, "tensor 'gt'"),
        ]
        for change, message in cases:
            with self.subTest(message):
                with self.assertRaisesRegex(AssertionError, message):
                    self.check(dict(self.right, **change))
        missing = dict(self.right)
        del missing["split:1"]
        with self.assertRaisesRegex(AssertionError, "'split:1' .*dump lacks it"):
            self.check(missing)

    def test_skip_leaves_tensors_and_nodes_out(self):
        wrong = dict(self.right, sq=self.x, split=self.x, **{"split:1": self.x})
        self.assertEqual(self.check(wrong, skip=("sq", "split")), 1)
        with self.assertRaisesRegex(AssertionError, "no tensor was compared"):
            self.check(self.right, skip=("sq", "split", "gt"))

    def test_tensors_the_oracle_cannot_compute_must_be_listed(self):
        g = GraphBuilder()
        x = g.placeholder("x", np.float32, [2])
        g.op("Relu", "relu", [x], T=np.float32)
        g.op("NoSuchOp", "odd", [x], T=np.float32)
        actual = {"relu": np.float32([0, 1]), "odd": np.float32([0, 0])}
        with mock.patch.object(tf_runs, "run_layerscope", return_value=actual):
            with self.assertRaisesRegex(AssertionError, "cannot compute 'odd'.*skip="):
                tf_graphs.check_against_oracle(g, {"x": np.float32([-1, 1])})
            self.assertEqual(
                tf_graphs.check_against_oracle(g, {"x": np.float32([-1, 1])}, skip=["odd"]), 1)


if __name__ == "__main__":
    unittest.main()
