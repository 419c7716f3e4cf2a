# TensorFlow's element-wise, logic, cast, activation, identity, matrix, reduction and random ops,
# run by layerscope from GraphDefs and compared with the TensorFlow.js oracle node by node; where
# tfjs lacks an op or computes it unlike TensorFlow (said at each skip), with an exact numpy
# transcription of TensorFlow's kernel. Each class builds one graph of many nodes and runs it once
# in each program (a run costs seconds on a loaded machine). Bad attributes and inputs: one
# "error:" line naming the node, exit status 1.
#
#   cd tests/tensorflow && LAYERSCOPE=build/layerscope /usr/bin/python3 -m unittest -v test_tf_math
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from tf_graphs import GraphBuilder, check_against_oracle, run_layerscope  # noqa: E402

RNG = np.random.default_rng(14)
F32, F16, I32, I64, BOOL = np.float32, np.float16, np.int32, np.int64, np.bool_


def uniform(shape, low=-3.0, high=3.0, dtype=F32):
    return RNG.uniform(low, high, shape).astype(dtype)


def integers(shape, low=-9, high=10, dtype=I32):
    return RNG.integers(low, high, shape).astype(dtype)


def trunc_div(a, b):
    """C's integer division: TensorFlow's Div and TruncateDiv on integers."""
    return (np.sign(a) * np.sign(b) * (np.abs(a) // np.abs(b))).astype(a.dtype)


def binary_graph(ops, dtype, x_shape, y_shape):
    """Placeholders x and y, and one node per op reading (x, y), named as the op in lower case."""
    g = GraphBuilder()
    x, y = g.placeholder("x", dtype, x_shape), g.placeholder("y", dtype, y_shape)
    for op in ops:
        g.op(op, op.lower(), [x, y], T=dtype)
    return g


def unary_graph(dtype, shape):
    g = GraphBuilder()
    g.placeholder("x", dtype, shape)
    return g


class GraphCase(unittest.TestCase):
    """A graph built once by build(g) -> feeds, run once by layerscope (cls.got) and once by the
    oracle, which must agree on every tensor but those in SKIP (cls.compared counts them)."""

    SKIP = ()

    @classmethod
    def setUpClass(cls):
        g = GraphBuilder()
        cls.feeds = cls.build(g)
        cls.got = run_layerscope(g, cls.feeds)
        cls.compared = check_against_oracle(g, cls.feeds, skip=cls.SKIP, actual=cls.got)

    def assert_exact(self, name, expected):
        """layerscope's tensor `name` has numpy's shape, dtype and values (NaN where it has)."""
        got = self.got[name]
        expected = np.asarray(expected)
        self.assertEqual((got.shape, got.dtype), (expected.shape, expected.dtype), name)
        np.testing.assert_array_equal(got, expected, err_msg=name)

    def assert_close(self, name, expected, rtol=1e-6):
        got = self.got[name]
        self.assertEqual((got.shape, got.dtype), (expected.shape, expected.dtype), name)
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=1e-6, err_msg=name)


class FloatElementwiseTest(GraphCase):
    BINARY = ["Add", "AddV2", "Sub", "Mul", "Maximum", "Minimum", "SquaredDifference", "FloorMod",
              "RealDiv", "Div", "Pow", "FloorDiv"]
    UNARY = ["Square", "Neg", "Abs", "Sign", "Floor", "Ceil", "Round", "Exp", "Expm1", "Erf",
             "Sin", "Cos", "Atan", "Sinh", "Cosh"]
    POSITIVE = ["Sqrt", "Rsqrt", "Log", "Log1p", "Reciprocal", "Tan", "Inv"]
    HALF = ["AddV2", "Mul", "RealDiv", "Maximum"]
    # tfjs's FloorDiv answers int32 whatever its operands (TF keeps float32); tfjs lacks Inv; its
    # ClipByValue takes scalar bounds only; it computes float16 in float32 (exact numpy instead).
    SKIP = ["floordiv", "edge_floordiv", "p_inv", "clip_tensor", "half_sqrt"] + [
        f"half_{op.lower()}" for op in HALF]

    @classmethod
    def build(cls, g):
        x, y = g.placeholder("x", F32, [2, 3, 4]), g.placeholder("y", F32, [3, 1])
        for op in cls.BINARY:  # broadcast [2, 3, 4] against [3, 1]
            g.op(op, op.lower(), [x, y], T=F32)
        ex, ey = g.placeholder("ex", F32, [6]), g.placeholder("ey", F32, [6])
        for op in ["FloorDiv", "FloorMod", "RealDiv"]:
            g.op(op, f"edge_{op.lower()}", [ex, ey], T=F32)
        nx, ny = g.placeholder("nx", F32, [4]), g.placeholder("ny", F32, [4])
        for op in ["Maximum", "Minimum"]:
            g.op(op, f"nan_{op.lower()}", [nx, ny], T=F32)
        u = g.placeholder("u", F32, [3, 7])
        for op in cls.UNARY:
            g.op(op, f"u_{op.lower()}", [u], T=F32)
        p = g.placeholder("p", F32, [10])
        for op in cls.POSITIVE:
            g.op(op, f"p_{op.lower()}", [p], T=F32)
        a = g.placeholder("a", F32, [10])
        for op in ["Asin", "Acos"]:
            g.op(op, f"a_{op.lower()}", [a], T=F32)
        s = [g.placeholder(f"s{i}", F32, [2, 3]) for i in range(3)]
        g.op("AddN", "add_n", s, N=3, T=F32)
        g.op("ClipByValue", "clip_scalar", [s[0], g.const("lo", F32(-0.5)), g.const("hi", F32(1))],
             T=F32)
        g.op("ClipByValue", "clip_tensor", [s[0], s[1], g.const("top", np.full([2, 3], 2, F32))],
             T=F32)
        hx, hy = g.placeholder("hx", F16, [3, 4]), g.placeholder("hy", F16, [4])
        for op in cls.HALF:
            g.op(op, f"half_{op.lower()}", [hx, hy], T=F16)
        g.op("Sqrt", "half_sqrt", [hy], T=F16)

        u_value = uniform([3, 7])
        u_value[0, :6] = [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5]  # Round: half to even
        return {"x": uniform([2, 3, 4], 0.1, 3.0),  # positive bases for Pow
                "y": uniform([3, 1], 0.5, 2.0) * np.array([[1], [-1], [1]], F32),
                # 1 // 0.1 is 10 in TF (floor(x / y)), 9 in Python
                "ex": np.array([1.0, -7.5, 7.5, -7.5, 0.0, 5.0], F32),
                "ey": np.array([0.1, 2.0, -2.0, -2.0, 3.0, 0.0], F32),
                "nx": np.array([np.nan, 1.0, np.nan, -2.0], F32),
                "ny": np.array([1.0, np.nan, np.nan, 3.0], F32),
                "u": u_value, "p": uniform([10], 0.1, 1.5), "a": uniform([10], -0.99, 0.99),
                "s0": uniform([2, 3]), "s1": uniform([2, 3], -3, 1.5), "s2": uniform([2, 3]),
                "hx": uniform([3, 4], dtype=F16), "hy": uniform([4], 0.5, 2.0, dtype=F16)}

    def test_the_oracle_agrees(self):
        self.assertEqual(self.compared, 11 + 2 + 2 + 15 + 6 + 2 + 2)

    def test_floor_div_floors_the_float_quotient(self):
        f = self.feeds
        self.assert_exact("floordiv", np.floor(f["x"] / f["y"]))
        self.assert_exact("edge_floordiv", np.array([10, -4, -4, 3, 0, np.inf], F32))
        # FloorMod: C's fmod, plus y where the signs differ; x mod 0 is NaN.
        self.assert_exact("edge_floormod",
                          np.array([np.fmod(F32(1), F32(0.1)), 0.5, -0.5, -1.5, 0, np.nan], F32))

    def test_nan_propagates_through_maximum_and_minimum(self):
        self.assert_exact("nan_maximum", np.array([np.nan, np.nan, np.nan, 3], F32))
        self.assert_exact("nan_minimum", np.array([np.nan, np.nan, np.nan, -2], F32))

    def test_round_is_half_to_even(self):
        np.testing.assert_array_equal(self.got["u_round"][0, :6], [-2, -2, -0.0, 0, 2, 2])

    def test_inv_and_clip_by_tensors(self):
        f = self.feeds
        self.assert_close("p_inv", (1 / f["p"]).astype(F32))
        # ClipByValue: min(t, max), then max(that, min): TF's order.
        self.assert_exact("clip_tensor", np.maximum(np.minimum(f["s0"], F32(2)), f["s1"]))

    def test_float16_is_computed_in_float32_and_rounded_once(self):
        hx, hy = self.feeds["hx"], self.feeds["hy"]
        for name, value in {"half_addv2": hx + hy, "half_mul": hx * hy, "half_realdiv": hx / hy,
                            "half_maximum": np.maximum(hx, hy), "half_sqrt": np.sqrt(hy)}.items():
            self.assert_exact(name, value)


class IntegerElementwiseTest(GraphCase):
    BINARY = ["Add", "AddV2", "Sub", "Mul", "Maximum", "Minimum", "SquaredDifference", "FloorDiv",
              "FloorMod", "Div", "TruncateDiv"]
    # tfjs's Div of two int32 tensors floors (TF's truncates toward zero); tfjs lacks TruncateDiv.
    SKIP = ["int_div", "int_truncatediv"]

    @classmethod
    def build(cls, g):
        x, y = g.placeholder("x", I32, [2, 5]), g.placeholder("y", I32, [5])
        for op in cls.BINARY:
            g.op(op, f"int_{op.lower()}", [x, y], T=I32)
        g.op("Pow", "int_pow", [x, g.const("exponent", np.array([0, 1, 2, 3, 5], I32))], T=I32)
        u = g.placeholder("u", I32, [8])
        for op in ["Square", "Neg", "Abs", "Sign", "Round"]:
            g.op(op, f"int_{op.lower()}", [u], T=I32)
        g.op("AddN", "int_add_n", [u, u, u], N=3, T=I32)
        return {"x": np.array([[-7, 7, -7, 7, 0], [9, -9, 1, -1, 6]], I32),
                "y": np.array([2, -2, -2, 3, 4], I32), "u": integers([8])}

    def test_the_oracle_agrees(self):
        self.assertEqual(self.compared, 9 + 1 + 5 + 1)

    def test_division_by_negative_numbers(self):
        self.assert_exact("int_div", trunc_div(self.feeds["x"], self.feeds["y"]))
        self.assert_exact("int_truncatediv", trunc_div(self.feeds["x"], self.feeds["y"]))
        np.testing.assert_array_equal(self.got["int_div"][0], [-3, -3, 3, 2, 0])
        np.testing.assert_array_equal(self.got["int_floordiv"][0], [-4, -4, 3, 2, 0])
        np.testing.assert_array_equal(self.got["int_floormod"][0], [1, -1, -1, 1, 0])

    def test_int32_stays_int32(self):
        for name in ["int_add", "int_mul", "int_floordiv", "int_pow", "int_round", "int_add_n"]:
            self.assertEqual(self.got[name].dtype, I32, name)


class NumpyOnlyTest(unittest.TestCase):
    """What the oracle cannot even produce, against numpy: int64 beyond int32's range (tfjs holds
    int32 only), a batch matmul broadcasting [2, 1, 3, 4] against [3, 4, 5] (tfjs returns 45
    values for 90) and a reduction over a repeated axis (tfjs writes a shape with a hole)."""

    INT64 = {"AddV2": np.add, "Mul": np.multiply, "FloorDiv": np.floor_divide, "FloorMod": np.mod,
             "Div": trunc_div, "Maximum": np.maximum}

    @classmethod
    def setUpClass(cls):
        g = GraphBuilder()
        x, y = g.placeholder("x", I64, [4]), g.placeholder("y", I64, [4])
        for op in cls.INT64:
            g.op(op, op.lower(), [x, y], T=I64)
        g.op("Sum", "sum", [x, g.const("axis", I32(0))], T=I64, Tidx=I32)
        g.op("BatchMatMulV2", "bmm", [g.placeholder("x4", F32, [2, 1, 3, 4]),
                                      g.placeholder("y3", F32, [3, 4, 5])], T=F32)
        f = g.placeholder("f", F32, [2, 3, 4])
        repeated = g.const("repeated", np.array([2, -1], I32))
        g.op("Sum", "sum_repeated", [f, repeated], T=F32, Tidx=I32)
        g.op("Max", "max_repeated", [f, repeated], T=F32, Tidx=I32, keep_dims=True)
        cls.feeds = {"x": np.array([2**40, -5, 7, -(2**35)], I64),
                     "y": np.array([3, 2, -2, 7], I64), "x4": uniform([2, 1, 3, 4]),
                     "y3": uniform([3, 4, 5]), "f": uniform([2, 3, 4])}
        cls.got = run_layerscope(g, cls.feeds)

    def test_int64_keeps_its_values(self):
        for op, fn in self.INT64.items():
            got = self.got[op.lower()]
            self.assertEqual(got.dtype, I64, op)
            np.testing.assert_array_equal(got, fn(self.feeds["x"], self.feeds["y"]), err_msg=op)
        self.assertEqual(self.got["sum"], self.feeds["x"].sum())

    def test_batch_dimensions_broadcast(self):
        expected = np.matmul(self.feeds["x4"], self.feeds["y3"])
        self.assertEqual(self.got["bmm"].shape, (2, 3, 3, 5))
        np.testing.assert_allclose(self.got["bmm"], expected, rtol=1e-5, atol=1e-5)

    def test_a_repeated_axis_is_reduced_once(self):
        f = self.feeds["f"]
        np.testing.assert_allclose(self.got["sum_repeated"], f.sum(2), rtol=1e-5)
        np.testing.assert_array_equal(self.got["max_repeated"], f.max(2, keepdims=True))


class LogicAndCastTest(GraphCase):
    COMPARISONS = ["Greater", "GreaterEqual", "Less", "LessEqual", "Equal", "NotEqual"]
    # tfjs cannot pick rows with a vector condition, ignores incompatible_shape_error, and has no
    # float16 (Cast to float16 is exact in numpy).
    SKIP = ["select_rows", "select_scalar", "loose_ne", "loose_eq", "to_half"]

    @classmethod
    def build(cls, g):
        for dtype, tag in [(F32, "f"), (I32, "i")]:
            x, y = g.placeholder(f"{tag}x", dtype, [2, 3]), g.placeholder(f"{tag}y", dtype, [3])
            for op in cls.COMPARISONS:
                g.op(op, f"{tag}_{op.lower()}", [x, y], T=dtype)
        bx, by = g.placeholder("bx", BOOL, [2, 4]), g.placeholder("by", BOOL, [4])
        for op in ["LogicalAnd", "LogicalOr", "Equal", "NotEqual"]:
            g.op(op, f"b_{op.lower()}", [bx, by])
        g.op("LogicalNot", "b_logicalnot", [bx])
        v = g.placeholder("v", F32, [5])
        for op in ["IsNan", "IsInf", "IsFinite"]:
            g.op(op, op.lower(), [v], T=F32)

        sx, sy = g.placeholder("sx", F32, [3, 2]), g.placeholder("sy", F32, [3, 2])
        rows, mask = g.placeholder("rows", BOOL, [3]), g.placeholder("mask", BOOL, [3, 2])
        g.op("Select", "select_rows", [rows, sx, sy], T=F32)
        g.op("Select", "select_elements", [mask, sx, sy], T=F32)
        g.op("Select", "select_scalar", [g.const("no", np.array(False)), sx, sy], T=F32)
        cond = g.placeholder("cond", BOOL, [2, 1, 3])
        g.op("SelectV2", "select_v2", [cond, g.placeholder("wx", F32, [4, 1]),
                                       g.placeholder("wy", F32, [3])], T=F32)
        g.op("NotEqual", "loose_ne", ["fx", v], T=F32, incompatible_shape_error=False)
        g.op("Equal", "loose_eq", ["fx", v], T=F32, incompatible_shape_error=False)

        c = g.placeholder("c", F32, [8])
        g.op("Cast", "to_int", [c], SrcT=F32, DstT=I32, Truncate=False)
        g.op("Cast", "to_bool", [c], SrcT=F32, DstT=BOOL)
        g.op("Cast", "bool_to_float", [bx], SrcT=BOOL, DstT=F32)
        g.op("Cast", "to_half", [c], SrcT=F32, DstT=F16)
        g.op("Cast", "to_int64", [c], SrcT=F32, DstT=I64)
        g.op("Cast", "int64_to_int32", ["to_int64"], SrcT=I64, DstT=I32)
        return {"fx": np.array([[1, 2, 3], [3, 2, 1]], F32), "fy": np.array([2, 2, 2], F32),
                "ix": integers([2, 3], -2, 3), "iy": integers([3], -2, 3),
                "bx": np.array([[True, False, True, False], [False, False, True, True]]),
                "by": np.array([True, True, False, False]),
                "v": np.array([1, np.nan, np.inf, -np.inf, 0], F32),
                "sx": uniform([3, 2]), "sy": uniform([3, 2]),
                "rows": np.array([True, False, True]),
                "mask": np.array([[True, False], [False, True], [True, True]]),
                "cond": RNG.random([2, 1, 3]) > 0.5, "wx": uniform([4, 1]), "wy": uniform([3]),
                "c": np.array([-2.7, -0.5, 0.0, 0.4, 1.5, 2.9, -0.0, 7.0], F32)}

    def test_the_oracle_agrees(self):
        self.assertEqual(self.compared, 12 + 5 + 3 + 2 + 5)

    def test_comparisons_answer_bool(self):
        self.assertEqual(self.got["f_greater"].dtype, BOOL)
        self.assertEqual(self.got["i_notequal"].dtype, BOOL)

    def test_select_picks_rows_or_everything(self):
        f = self.feeds
        self.assert_exact("select_rows", np.where(f["rows"][:, None], f["sx"], f["sy"]))
        self.assert_exact("select_scalar", f["sy"])
        self.assertEqual(self.got["select_v2"].shape, (2, 4, 3))

    def test_equality_without_a_shape_error_is_a_scalar(self):
        # [2, 3] against [5] do not broadcast: unequal as a whole.
        self.assert_exact("loose_ne", np.array(True))
        self.assert_exact("loose_eq", np.array(False))

    def test_casts_truncate_toward_zero(self):
        c = self.feeds["c"]
        self.assert_exact("to_int", np.array([-2, 0, 0, 0, 1, 2, 0, 7], I32))
        self.assert_exact("to_half", c.astype(F16))
        self.assert_exact("to_int64", c.astype(I64))
        self.assert_exact("to_bool", c != 0)


class ActivationAndIdentityTest(GraphCase):
    OPS = ["Relu", "Relu6", "Elu", "Selu", "Sigmoid", "Tanh", "Softplus", "Softmax", "LogSoftmax",
           "LeakyRelu"]
    # tfjs lacks Softsign, PreventGradient and ReadVariableOp, has no float16 (numpy's, rounded
    # from float32, instead); a NoOp has no output.
    SKIP = ["softsign", "prevent", "read", "noop", "half_relu", "half_sigmoid", "half_softmax"]

    @classmethod
    def build(cls, g):
        x = g.placeholder("x", F32, [2, 3, 5])
        for op in cls.OPS:
            g.op(op, op.lower(), [x], T=F32)
        g.op("LeakyRelu", "leaky_01", [x], T=F32, alpha=0.1)
        g.op("Softsign", "softsign", [x], T=F32)
        n = g.placeholder("n", F32, [4])
        for op in ["Relu", "Relu6", "LeakyRelu", "Elu"]:
            g.op(op, f"nan_{op.lower()}", [n], T=F32)
        i = g.placeholder("i", I32, [6])
        for op in ["Relu", "Relu6"]:
            g.op(op, f"int_{op.lower()}", [i], T=I32)

        y = g.placeholder("y", I32, [4])
        g.op("Identity", "identity", [x], T=F32)
        g.op("StopGradient", "stop", [x], T=F32)
        g.op("Snapshot", "snapshot", [x], T=F32)
        g.op("IdentityN", "both", [x, y], T=[F32, I32], outputs=2)
        g.op("PlaceholderWithDefault", "default", [g.const("fallback", uniform([2]))], dtype=F32)
        g.op("NoOp", "noop", ["^identity"])
        g.op("PreventGradient", "prevent", [x], T=F32, message="no gradient here")
        g.op("ReadVariableOp", "read", [g.const("variable", np.arange(3, dtype=F32))], dtype=F32)
        h = g.placeholder("h", F16, [2, 6])
        for op in ["Relu", "Sigmoid", "Softmax"]:
            g.op(op, f"half_{op.lower()}", [h], T=F16)
        value = uniform([2, 3, 5], -8, 8)
        value[0, 0, :] = [-30, 30, 15, -15, 0]  # Softplus's cut-overs
        return {"x": value, "n": np.array([np.nan, -1.0, 7.0, 3.0], F32),
                "i": np.array([-3, 0, 2, 6, 9, -1], I32), "y": integers([4]),
                "h": uniform([2, 6], dtype=F16)}

    def test_the_oracle_agrees(self):
        self.assertEqual(self.compared, 11 + 4 + 2 + 6)

    def test_defaults_and_numpy_references(self):
        x = self.feeds["x"]
        self.assert_close("leakyrelu", np.where(x > 0, x, F32(0.2) * x))  # alpha 0.2
        self.assert_close("softsign", x / (1 + np.abs(x)))
        self.assert_exact("prevent", x)
        self.assert_exact("read", np.arange(3, dtype=F32))
        self.assertNotIn("noop", self.got)

    def test_float16_in_float16_out(self):
        h = self.feeds["h"].astype(F32)
        self.assert_exact("half_relu", np.maximum(h, 0).astype(F16))
        softmax = np.exp(h - h.max(1, keepdims=True))
        softmax /= softmax.sum(1, keepdims=True)
        for name, value in {"half_sigmoid": 1 / (1 + np.exp(-h)), "half_softmax": softmax}.items():
            got = self.got[name]
            self.assertEqual(got.dtype, F16, name)
            np.testing.assert_allclose(got, value, rtol=1e-3, atol=1e-3, err_msg=name)

    def test_nan_stays_nan(self):
        for op in ["relu", "relu6", "leakyrelu", "elu"]:
            self.assertTrue(np.isnan(self.got[f"nan_{op}"][0]), op)
        np.testing.assert_array_equal(self.got["nan_relu6"][1:], [0, 6, 3])
        self.assert_exact("int_relu6", np.array([0, 0, 2, 6, 6, 0], I32))


class MatMulTest(GraphCase):
    # tfjs adds the bias along the last axis whatever data_format says, lacks BiasAddV1 and
    # BatchMatMulV3, and has no float16.
    SKIP = ["bmm_v3", "bias_nchw", "bias_v1", "mm_half"]

    @classmethod
    def build(cls, g):
        a, b = g.placeholder("a", F32, [3, 4]), g.placeholder("b", F32, [4, 5])
        at, bt = g.placeholder("at", F32, [4, 3]), g.placeholder("bt", F32, [5, 4])
        g.op("MatMul", "mm", [a, b], T=F32)
        g.op("MatMul", "mm_tb", [a, bt], T=F32, transpose_b=True)
        g.op("MatMul", "mm_ta", [at, b], T=F32, transpose_a=True, transpose_b=False)
        g.op("MatMul", "mm_tab", [at, bt], T=F32, transpose_a=True, transpose_b=True)
        g.op("MatMul", "mm_int", [g.placeholder("ia", I32, [2, 3]),
                                  g.const("ib", integers([3, 2]))], T=I32)
        g.op("MatMul", "mm_half", [g.placeholder("ha", F16, [3, 4]),
                                   g.placeholder("hb", F16, [4, 2])], T=F16)

        x = g.placeholder("x", F32, [2, 3, 4])
        g.op("BatchMatMulV2", "bmm", [x, b], T=F32)  # [2, 3, 4] @ [4, 5]
        g.op("BatchMatMulV2", "bmm_adj_y", [x, g.placeholder("y", F32, [2, 5, 4])], T=F32,
             adj_y=True)
        g.op("BatchMatMulV2", "bmm_adj_x", [g.placeholder("xt", F32, [2, 4, 3]), x], T=F32,
             adj_x=True, adj_y=True)  # [2, 3, 4] @ [2, 4, 3]
        g.op("BatchMatMul", "bmm_v1", [x, g.placeholder("q", F32, [2, 4, 2])], T=F32)
        g.op("BatchMatMulV3", "bmm_v3", [g.placeholder("i8", np.int8, [2, 3, 4]),
                                         g.placeholder("j8", np.int8, [4, 2])],
             Ta=np.int8, Tb=np.int8, Tout=I32)

        image = g.placeholder("image", F32, [2, 3, 4, 5])
        g.op("BiasAdd", "bias_nhwc", [image, g.placeholder("b5", F32, [5])], T=F32)
        g.op("BiasAdd", "bias_2d", [g.placeholder("m", F32, [3, 5]), "b5"], T=F32,
             data_format="NHWC")
        g.op("BiasAdd", "bias_nchw", [image, g.placeholder("b3", F32, [3])], T=F32,
             data_format="NCHW")
        g.op("BiasAddV1", "bias_v1", [image, "b5"], T=F32)
        return {"a": uniform([3, 4]), "b": uniform([4, 5]), "at": uniform([4, 3]),
                "bt": uniform([5, 4]), "ia": integers([2, 3]), "x": uniform([2, 3, 4]),
                "ha": uniform([3, 4], dtype=F16), "hb": uniform([4, 2], dtype=F16),
                "y": uniform([2, 5, 4]), "xt": uniform([2, 4, 3]), "q": uniform([2, 4, 2]),
                "i8": integers([2, 3, 4], -100, 100, np.int8),
                "j8": integers([4, 2], -100, 100, np.int8),
                "image": uniform([2, 3, 4, 5]), "b5": uniform([5]), "m": uniform([3, 5]),
                "b3": uniform([3])}

    def test_the_oracle_agrees(self):
        self.assertEqual(self.compared, 5 + 4 + 2)

    def test_int8_products_in_int32_and_float16_products(self):
        f = self.feeds
        product = f["ha"].astype(F32) @ f["hb"].astype(F32)
        self.assertEqual(self.got["mm_half"].dtype, F16)
        np.testing.assert_allclose(self.got["mm_half"], product, rtol=2e-3, atol=2e-3)
        self.assert_exact("bmm_v3", f["i8"].astype(I32) @ f["j8"].astype(I32))

    def test_bias_along_the_channel_axis(self):
        f = self.feeds
        self.assert_exact("bias_nchw", f["image"] + f["b3"][None, :, None, None])
        self.assert_exact("bias_v1", f["image"] + f["b5"])


class ReductionTest(GraphCase):
    OPS = ["Mean", "Sum", "Max", "Min", "Prod"]
    AXES = {"scalar": np.array(1, I32), "vector": np.array([0, 2], I32),
            "negative": np.array([-1], I64), "none": np.array([], I32)}
    # tfjs divides an int32 Mean in float (TF truncates the integer quotient) and reduces empty
    # tensors unlike TF.
    SKIP = ["int_mean", "empty_max", "empty_min", "empty_sum"]

    @classmethod
    def build(cls, g):
        x = g.placeholder("x", F32, [2, 3, 4])
        for kind, axes in cls.AXES.items():
            axes_name = g.const(f"axes_{kind}", axes)
            for op in cls.OPS:
                for keep in (0, 1):
                    g.op(op, f"{op.lower()}_{kind}_{keep}", [x, axes_name], T=F32,
                         Tidx=axes.dtype.type, keep_dims=bool(keep))
        i = g.placeholder("i", I32, [3, 4])
        axis = g.placeholder("axis", I32, [1])  # axes fed at run time
        for op in ["Sum", "Max", "Prod", "Mean"]:
            g.op(op, f"int_{op.lower()}", [i, axis], T=I32, Tidx=I32)
        b = g.placeholder("b", BOOL, [3, 4])
        for op in ["All", "Any"]:
            g.op(op, op.lower(), [b, g.const(f"{op}_axis", I32(0))], Tidx=I32)
            g.op(op, f"{op.lower()}_keep", [b, g.const(f"{op}_axes", np.array([0, 1], I32))],
                 Tidx=I32, keep_dims=True)
        t = g.placeholder("t", F32, [3, 4])
        g.op("ArgMax", "argmax", [t, g.const("d1", I32(1))], T=F32, Tidx=I32)
        g.op("ArgMin", "argmin", [t, g.const("d0", I64(0))], T=F32, Tidx=I64, output_type=I32)
        e = g.placeholder("e", F32, [0, 3])
        for op in ["Max", "Min", "Sum"]:
            g.op(op, f"empty_{op.lower()}", [e, g.const(f"e_{op}", I32(0))], T=F32, Tidx=I32)
        return {"x": uniform([2, 3, 4], 0.5, 1.5), "i": integers([3, 4]),
                "axis": np.array([-1], I32),
                "b": np.array([[True, True, False, True], [True, False, False, True],
                               [True, True, False, False]]),
                "t": np.array([[1, 5, 5, 0], [2, 2, 1, 9], [0, 0, 0, 0]], F32),  # ties
                "e": np.zeros([0, 3], F32)}

    def test_the_oracle_agrees(self):
        self.assertEqual(self.compared, 5 * 4 * 2 + 3 + 4 + 2)

    def test_integer_mean_truncates(self):
        i = self.feeds["i"]
        self.assert_exact("int_mean", trunc_div(i.sum(1).astype(I32), np.full(3, 4, I32)))

    def test_arg_max_is_int64_by_default_and_takes_the_first_tie(self):
        self.assert_exact("argmax", np.array([1, 3, 0], I64))
        self.assert_exact("argmin", np.array([2, 2, 2, 0], I32))

    def test_reducing_no_elements(self):
        self.assert_exact("empty_max", np.full(3, -np.inf, F32))
        self.assert_exact("empty_min", np.full(3, np.inf, F32))
        self.assert_exact("empty_sum", np.zeros(3, F32))


class RandomTest(unittest.TestCase):
    """TF's Philox bits are TF's alone: distributions, dtypes, shapes and determinism."""

    @staticmethod
    def graph():
        g = GraphBuilder()
        shape = g.const("shape", np.array([200, 50], I32))
        for seed2 in (3, 4):
            seeds = {"seed": 7, "seed2": seed2}
            g.op("RandomUniform", f"uniform{seed2}", [shape], T=I32, dtype=F32, **seeds)
            g.op("RandomUniform", f"uniform16_{seed2}", [shape], T=I32, dtype=F16, **seeds)
            g.op("RandomStandardNormal", f"normal{seed2}", [shape], T=I32, dtype=np.float64,
                 **seeds)
            g.op("TruncatedNormal", f"truncated{seed2}", [shape], T=I32, dtype=F32, **seeds)
            g.op("RandomUniformInt", f"ints{seed2}",
                 [shape, g.const(f"lo{seed2}", I64(-3)), g.const(f"hi{seed2}", I64(5))], T=I32,
                 Tout=I64, **seeds)
        x = g.placeholder("x", F32, [1])
        g.op("AddV2", "use_x", [x, x], T=F32)  # a graph input to feed
        return g

    @classmethod
    def setUpClass(cls):
        cls.first = run_layerscope(cls.graph(), {"x": np.zeros(1, F32)})
        cls.again = run_layerscope(cls.graph(), {"x": np.zeros(1, F32)})

    def test_distributions(self):
        got = self.first
        u, u16, n, t, i = (got[k] for k in ["uniform3", "uniform16_3", "normal3", "truncated3",
                                            "ints3"])
        for value, dtype in [(u, F32), (u16, F16), (n, np.float64), (t, F32), (i, I64)]:
            self.assertEqual((value.shape, value.dtype), ((200, 50), dtype))
        for value in (u, u16):
            self.assertTrue(0 <= value.min() and value.max() < 1)
            self.assertAlmostEqual(float(value.mean()), 0.5, delta=0.02)
            self.assertAlmostEqual(float(value.astype(F32).std()), np.sqrt(1 / 12), delta=0.01)
        self.assertAlmostEqual(float(n.mean()), 0.0, delta=0.05)
        self.assertAlmostEqual(float(n.std()), 1.0, delta=0.03)
        self.assertLessEqual(float(np.abs(t).max()), 2.0)
        self.assertAlmostEqual(float(t.std()), 0.8796, delta=0.03)  # the truncated normal's
        self.assertEqual(set(np.unique(i)), set(range(-3, 5)))

    def test_same_seeds_same_values_other_seeds_other_values(self):
        for name in ["uniform", "uniform16_", "normal", "truncated", "ints"]:
            np.testing.assert_array_equal(self.first[f"{name}3"], self.again[f"{name}3"],
                                          err_msg=name)
            self.assertFalse(np.array_equal(self.first[f"{name}3"], self.first[f"{name}4"]), name)


class BadInputTest(unittest.TestCase):
    """What the kernels refuse: one "error:" line naming the node, exit status 1."""

    def run_graph(self, g, feeds):
        with tempfile.TemporaryDirectory(prefix="layerscope-tf-math-") as tmp:
            args = [os.environ.get("LAYERSCOPE", "layerscope"), "run",
                    str(g.save_pb(Path(tmp) / "graph.pb"))]
            for name, value in feeds.items():
                np.save(Path(tmp) / f"{name}.npy", value)
                args += ["--input", f"{name}={Path(tmp) / f'{name}.npy'}"]
            return subprocess.run(args, capture_output=True, text=True, timeout=120)

    def assert_one_error(self, proc, *fragments):
        self.assertEqual(proc.returncode, 1, proc.stderr)
        lines = proc.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, proc.stderr)
        self.assertTrue(lines[0].startswith("error:"), lines[0])
        for fragment in fragments:
            self.assertIn(fragment, lines[0])

    def test_truncating_cast_is_refused(self):
        g = unary_graph(F32, [3])
        g.op("Cast", "half", ["x"], SrcT=F32, DstT=F16, Truncate=True)
        self.assert_one_error(self.run_graph(g, {"x": uniform([3])}), "'half'", "Cast",
                              "Truncate=true", "float32 to float16")

    def test_unknown_bias_data_format_is_refused(self):
        g = unary_graph(F32, [1, 2, 3, 4])
        g.op("BiasAdd", "bias", ["x", g.const("b", uniform([4]))], T=F32, data_format="NDHWC")
        self.assert_one_error(self.run_graph(g, {"x": uniform([1, 2, 3, 4])}), "'bias'",
                              "BiasAdd", "data_format is 'NDHWC'", "NHWC or NCHW")

    def test_float_arg_max_output_is_refused(self):
        g = unary_graph(F32, [3])
        g.op("ArgMax", "argmax", ["x", g.const("axis", I32(0))], T=F32, output_type=F32)
        self.assert_one_error(self.run_graph(g, {"x": uniform([3])}), "'argmax'",
                              "output_type is float32")

    def test_integer_division_by_zero(self):
        g = binary_graph(["FloorDiv"], I32, [3], [3])
        self.assert_one_error(
            self.run_graph(g, {"x": integers([3]), "y": np.array([1, 0, 2], I32)}),
            "'floordiv'", "integer division by zero")

    def test_add_n_of_different_shapes(self):
        g = binary_graph([], F32, [2, 3], [3])
        g.op("AddN", "sum", ["x", "y"], N=2, T=F32)
        self.assert_one_error(self.run_graph(g, {"x": uniform([2, 3]), "y": uniform([3])}),
                              "'sum'", "AddN adds tensors of one shape")

    def test_reduction_axis_out_of_range(self):
        g = unary_graph(F32, [2, 3])
        g.op("Sum", "sum", ["x", g.const("axis", np.array([2], I32))], T=F32, Tidx=I32)
        self.assert_one_error(self.run_graph(g, {"x": uniform([2, 3])}), "'sum'",
                              "axis 2 is out of range for rank 2")

    def test_random_shape_beyond_memory(self):
        g = unary_graph(F32, [1])
        g.op("RandomUniform", "noise", [g.const("shape", np.array([2**31, 2**31], I64))],
             T=I64, dtype=F32, seed=1)
        self.assert_one_error(self.run_graph(g, {"x": uniform([1])}), "'noise'",
                              "more than the", "memory")

    def test_matmul_inner_dimensions_differ(self):
        g = binary_graph(["MatMul"], F32, [2, 3], [4, 5])
        self.assert_one_error(self.run_graph(g, {"x": uniform([2, 3]), "y": uniform([4, 5])}),
                              "'matmul'", "inner dimensions differ")


if __name__ == "__main__":
    unittest.main()
