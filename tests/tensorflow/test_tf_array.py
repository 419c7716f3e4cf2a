# TensorFlow's shape and array ops (src/runtime/ops/tensorflow/{shape,fill,concat_split,slicing,
# gather}.cpp): every node's output against the TensorFlow.js oracle; StridedSlice's masks, one
# table of cases, also against numpy slicing written by hand; the dtypes TF gives that tfjs cannot
# show (int64 shapes, Where's int64 coordinates) read from layerscope's dump; and bad integer
# inputs refused through the CLI with one line naming the node.
#
#   cd tests/tensorflow && LAYERSCOPE=build/layerscope /usr/bin/python3 -m unittest -v test_tf_array
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.dont_write_bytecode = True
from tf_graphs import GraphBuilder, check_against_oracle, run_layerscope  # noqa: E402

BINARY = os.environ.get("LAYERSCOPE", "layerscope")
F32 = np.float32
I32 = np.int32


def ramp(*shape, dtype=F32):
    """Distinct values, so that any misplaced element shows."""
    return (np.arange(int(np.prod(shape))).reshape(shape) * 0.5 - 3).astype(dtype)


def const(g, name, values, dtype=I32):
    return g.const(name, np.array(values, dtype))


class ShapeOpsTest(unittest.TestCase):
    def test_reshaping_ops_match_the_oracle(self):
        g = GraphBuilder()
        x = g.placeholder("x", F32, [2, 3, 4])
        empty = g.placeholder("empty", F32, [0, 3])
        r = lambda name, src, shape, t=I32: g.op(  # noqa: E731
            "Reshape", name, [src, const(g, name + "/shape", shape, t)], T=F32, Tshape=t)
        r("reshape/infer", x, [4, -1])
        r("reshape/int64", x, [-1, 2, 3], np.int64)
        r("reshape/flat", x, [-1])
        r("reshape/empty", empty, [3, 0, 5])
        r("reshape/empty_infer", empty, [-1, 3])
        one = r("reshape/ones", x, [1, 2, 1, 12, 1])
        g.op("Squeeze", "squeeze/all", [one], T=F32)
        g.op("Squeeze", "squeeze/some", [one], T=F32, squeeze_dims=[0, -1])
        for name, dim in (("first", 0), ("last", -1), ("middle", 2), ("neg", -4)):
            g.op("ExpandDims", "expand/" + name, [x, const(g, f"expand/{name}/dim", dim)], T=F32,
                 Tdim=I32)
        for name, perm in (("rev", [2, 1, 0]), ("nhwc", [0, 2, 1]), ("same", [0, 1, 2])):
            t = g.op("Transpose", "transpose/" + name, [x, const(g, f"transpose/{name}/p", perm)],
                     T=F32, Tperm=I32)
        g.op("Reshape", "reshape/of_transpose", [t, const(g, "rt/shape", [6, 4])], T=F32,
             Tshape=I32)
        self.assertGreaterEqual(check_against_oracle(g, {"x": ramp(2, 3, 4),
                                                         "empty": ramp(0, 3)}, atol=0), 16)

    def test_shape_queries_and_broadcasting_match_the_oracle(self):
        g = GraphBuilder()
        x = g.placeholder("x", F32, [2, 1, 3])
        s = g.op("Shape", "shape", [x], T=F32, out_type=I32)
        g.op("Shape", "shape64", [x], T=F32, out_type=np.int64)
        g.op("Size", "size", [x], T=F32, out_type=I32)
        g.op("Rank", "rank", [x], T=F32)
        g.op("Tile", "tile", [x, const(g, "tile/m", [2, 3, 1])], T=F32, Tmultiples=I32)
        g.op("Tile", "tile/zero", [x, const(g, "tile/z", [1, 0, 2])], T=F32, Tmultiples=I32)
        g.op("BroadcastTo", "broadcast", [x, const(g, "broadcast/shape", [4, 2, 5, 3])], T=F32,
             Tidx=I32)
        # A shape computed in the graph: BroadcastTo(x, Shape(y)) reads it at run time.
        y = g.placeholder("y", F32, [2, 4, 3])
        g.op("BroadcastTo", "broadcast/dynamic", [x, g.op("Shape", "y/shape", [y], T=F32)],
             T=F32, Tidx=I32)
        g.op("ZerosLike", "zeros", [x], T=F32)
        g.op("OnesLike", "ones", [x], T=F32)
        g.op("OnesLike", "ones/int", [s], T=I32)
        check_against_oracle(g, {"x": ramp(2, 1, 3), "y": ramp(2, 4, 3)}, atol=0)

    def test_shape_n_gives_each_inputs_shape(self):
        # tfjs 4.22 returns ShapeN's shapes as float32 (TF: out_type): checked here instead.
        g = GraphBuilder()
        x = g.placeholder("x", F32, [2, 1, 3])
        n = g.placeholder("n", I32, [])
        g.op("ShapeN", "shape_n", [x, n, x], T=F32, N=3, out_type=I32, outputs=3)
        g.op("ShapeN", "shape_n64", [x], T=F32, N=1, out_type=np.int64)
        out = run_layerscope(g, {"x": ramp(2, 1, 3), "n": np.int32(4)})
        for name, shape in (("shape_n", [2, 1, 3]), ("shape_n:1", []), ("shape_n:2", [2, 1, 3])):
            np.testing.assert_array_equal(out[name], np.array(shape, np.int32).reshape(-1))
            self.assertEqual(out[name].dtype, np.int32, name)
        self.assertEqual(out["shape_n64"].dtype, np.int64)

    def test_fill_and_range_match_the_oracle(self):
        g = GraphBuilder()
        g.op("Fill", "fill", [const(g, "fill/dims", [2, 3]), g.const("fill/v", np.float32(1.5))],
             T=F32, index_type=I32)
        g.op("Fill", "fill/int", [const(g, "fill/d2", [4]), g.const("fill/v2", np.int32(-7))],
             T=I32, index_type=I32)
        g.op("Fill", "fill/scalar", [const(g, "fill/d3", []), g.const("fill/v3", F32(2))], T=F32)
        cases = {"int": (2, 11, 3, I32), "int_down": (5, -4, -2, I32),
                 "float": (0.5, 2.0, 0.25, F32), "float_down": (1.0, -1.0, -0.3, F32),
                 "empty": (3, 3, 1, I32), "fraction": (0.0, 1.0, 0.1, F32)}
        for name, (start, limit, delta, t) in cases.items():
            g.op("Range", "range/" + name, [g.const(f"range/{name}/s", t(start)),
                                            g.const(f"range/{name}/l", t(limit)),
                                            g.const(f"range/{name}/d", t(delta))], Tidx=t)
        # Range from a placeholder: the count is read at run time.
        n = g.placeholder("n", I32, [])
        g.op("Range", "range/fed", [g.const("range/fed/s", I32(0)), n,
                                    g.const("range/fed/d", I32(1))], Tidx=I32)
        check_against_oracle(g, {"n": np.int32(5)}, atol=0)

    def test_int64_outputs_keep_tensorflows_dtype(self):
        # tfjs holds int64 as int32; TF's dtypes are checked on layerscope's own dump.
        g = GraphBuilder()
        x = g.placeholder("x", F32, [2, 3])
        g.op("Shape", "shape32", [x], T=F32)  # out_type defaults to int32
        g.op("Shape", "shape64", [x], T=F32, out_type=np.int64)
        g.op("Size", "size64", [x], T=F32, out_type=np.int64)
        g.op("Rank", "rank", [x], T=F32)
        g.op("Range", "range64", [g.const("s", np.int64(1)), g.const("l", np.int64(7)),
                                  g.const("d", np.int64(2))], Tidx=np.int64)
        g.op("Range", "range_f64", [g.const("s2", 0.0), g.const("l2", 1.0), g.const("d2", 0.1)],
             Tidx=np.float64)
        g.op("Where", "where", [g.placeholder("mask", bool, [2, 3])], T=bool)
        out = run_layerscope(g, {"x": ramp(2, 3), "mask": ramp(2, 3) > 0})
        self.assertEqual(out["shape32"].dtype, np.int32)
        np.testing.assert_array_equal(out["shape64"], np.array([2, 3], np.int64))
        self.assertEqual(out["shape64"].dtype, np.int64)
        self.assertEqual((out["size64"].dtype, out["size64"].shape, int(out["size64"])),
                         (np.dtype(np.int64), (), 6))
        self.assertEqual((out["rank"].dtype, int(out["rank"])), (np.dtype(np.int32), 2))
        np.testing.assert_array_equal(out["range64"], np.array([1, 3, 5], np.int64))
        self.assertEqual(out["range64"].dtype, np.int64)
        # TF accumulates (start + delta + delta ...) in the dtype: 10 steps, as TF counts them.
        expected = np.cumsum([0.0] + [0.1] * 9)
        np.testing.assert_array_equal(out["range_f64"], expected)
        np.testing.assert_array_equal(out["where"], np.argwhere(ramp(2, 3) > 0))
        self.assertEqual(out["where"].dtype, np.int64)


class ConcatSplitTest(unittest.TestCase):
    def test_joining_and_cutting_match_the_oracle(self):
        g = GraphBuilder()
        a = g.placeholder("a", F32, [2, 3, 4])
        b = g.placeholder("b", F32, [2, 5, 4])
        c = g.placeholder("c", F32, [2, 3, 4])
        g.op("ConcatV2", "concat/axis1", [a, b, a, const(g, "concat/axis1/a", 1)], T=F32, N=3,
             Tidx=I32)
        g.op("ConcatV2", "concat/neg", [a, c, const(g, "concat/neg/a", -1)], T=F32, N=2, Tidx=I32)
        g.op("ConcatV2", "concat/axis0_64", [a, c, const(g, "concat/a0", 0, np.int64)], T=F32, N=2,
             Tidx=np.int64)
        g.op("Concat", "concat_v1", [const(g, "concat_v1/dim", 2), a, c], T=F32, N=2)
        for axis in (0, 1, 3, -1, -4):
            g.op("Pack", f"pack/{axis}", [a, c, a], T=F32, N=3, axis=axis)
        g.op("Unpack", "unpack/axis1", [a], T=F32, num=3, axis=1, outputs=3)
        g.op("Unpack", "unpack/neg", [a], T=F32, num=4, axis=-1, outputs=4)
        g.op("Unpack", "unpack/default", [a], T=F32, num=2, outputs=2)
        g.op("Split", "split/last", [const(g, "split/last/d", -1), a], T=F32, num_split=2,
             outputs=2)
        g.op("Split", "split/first", [const(g, "split/first/d", 0), b], T=F32, num_split=2,
             outputs=2)
        g.op("Split", "split/one", [const(g, "split/one/d", 1), b], T=F32, num_split=1)
        g.op("SplitV", "splitv/infer", [b, const(g, "splitv/s", [1, -1, 2]),
                                        const(g, "splitv/d", 1)], T=F32, num_split=3, Tlen=I32,
             outputs=3)
        g.op("SplitV", "splitv/zero", [a, const(g, "splitv/s2", [0, 4, 0], np.int64),
                                       const(g, "splitv/d2", -1)], T=F32, num_split=3,
             Tlen=np.int64, outputs=3)
        compared = check_against_oracle(
            g, {"a": ramp(2, 3, 4), "b": ramp(2, 5, 4) + 100, "c": ramp(2, 3, 4) - 50}, atol=0)
        self.assertGreaterEqual(compared, 28)


# StridedSlice cases on x of shape (4, 5, 6): (begin, end, strides, masks, numpy slicing of x[,
# "tfjs fails"]). The cases tfjs 4.22 cannot compute are checked against numpy only.
STRIDED_SLICES = [
    ([1], [3], [1], {}, lambda x: x[1:3]),
    ([0, 1], [4, 5], [1, 2], {}, lambda x: x[0:4, 1:5:2]),
    ([-3, -4], [-1, -1], [1, 1], {}, lambda x: x[-3:-1, -4:-1]),
    ([-10, 2], [10, 100], [1, 1], {}, lambda x: x[-10:10, 2:100]),  # clamped into range
    ([3], [0], [-1], {}, lambda x: x[3:0:-1]),
    ([0], [0], [-1], dict(begin_mask=1, end_mask=1), lambda x: x[::-1]),
    ([10], [-10], [-2], {}, lambda x: x[10:-10:-2]),
    ([0, 0, 5], [0, 0, -7], [1, 1, -3], dict(begin_mask=3, end_mask=3),
     lambda x: x[:, :, 5:-7:-3]),
    ([0], [1], [-1], dict(begin_mask=1), lambda x: x[:1:-1]),
    ([2], [0], [-1], dict(end_mask=1), lambda x: x[2::-1]),
    ([0], [0], [7], dict(begin_mask=1, end_mask=1), lambda x: x[::7]),
    ([0, 0, 1], [0, 0, 0], [1, -1, 2], dict(begin_mask=3, end_mask=7), lambda x: x[:, ::-1, 1::2]),
    ([1], [2], [1], dict(shrink_axis_mask=1), lambda x: x[1]),
    ([-1], [0], [1], dict(shrink_axis_mask=1), lambda x: x[-1]),
    ([0, 2], [0, 3], [1, 1], dict(begin_mask=1, end_mask=1, shrink_axis_mask=2),
     lambda x: x[:, 2]),
    ([1, -2, 3], [2, -1, 4], [1, 1, 1], dict(shrink_axis_mask=7), lambda x: x[1, -2, 3]),
    # A stride > 1 still takes one element; tfjs reads past the end (TF does not).
    ([2], [3], [2], dict(shrink_axis_mask=1), lambda x: x[2], "tfjs fails"),
    ([0, 1], [0, 3], [1, 1], dict(ellipsis_mask=1), lambda x: x[..., 1:3]),
    ([1, 0, 2], [2, 0, 4], [1, 1, 1], dict(ellipsis_mask=2), lambda x: x[1:2, ..., 2:4]),
    ([1, 0, 0, 0], [2, 5, 6, 0], [1, 1, 1, 1], dict(ellipsis_mask=8),
     lambda x: x[1:2, 0:5, 0:6, ...]),  # the ellipsis covers no dimension
    ([0, 1], [0, 3], [1, 1], dict(new_axis_mask=1), lambda x: x[np.newaxis, 1:3]),
    ([0, 0], [0, 0], [1, 1], dict(ellipsis_mask=1, new_axis_mask=2), lambda x: x[..., np.newaxis]),
    ([0, 0, 2], [0, 0, 3], [1, 1, 1], dict(ellipsis_mask=1, new_axis_mask=2, shrink_axis_mask=4),
     lambda x: x[..., np.newaxis, 2]),
    ([0, 0, 1], [0, 0, 4], [1, 1, 1], dict(ellipsis_mask=1, new_axis_mask=2),
     lambda x: x[..., np.newaxis, 1:4]),
    ([0, 0, 0, 0], [0, 0, 0, 1], [1, 1, 1, 1],
     dict(new_axis_mask=5, begin_mask=2, end_mask=2, shrink_axis_mask=8),
     lambda x: x[np.newaxis, :, np.newaxis, 0]),
    ([0, 0], [0, 0], [1, 1], dict(new_axis_mask=3), lambda x: x[np.newaxis, np.newaxis]),
    ([3], [1], [1], {}, lambda x: x[3:1], "tfjs fails"),  # empty: tfjs asks slice() for size -2
    ([1], [3], [-1], {}, lambda x: x[1:3:-1]),  # empty walking backwards
    ([0, 4], [0, 4], [1, 1], dict(begin_mask=1, end_mask=1), lambda x: x[:, 4:4]),
    ([0], [0], [1], dict(begin_mask=1, end_mask=1), lambda x: x[:]),
    ([], [], [], {}, lambda x: x),  # no entries: all of x
]


class SlicingTest(unittest.TestCase):
    def test_numpy_references_are_the_slices_tf_documents(self):
        # The table's numpy slicing is hand-written; pin a few cases to literal values too.
        x = ramp(4, 5, 6)
        self.assertEqual(STRIDED_SLICES[6][4](x).shape, (2, 5, 6))  # rows 3 and 1
        np.testing.assert_array_equal(STRIDED_SLICES[6][4](x), x[[3, 1]])
        self.assertEqual(STRIDED_SLICES[22][4](x).shape, (4, 5, 1))

    def test_strided_slice_masks_match_the_oracle_and_numpy(self):
        g = GraphBuilder()
        x = g.placeholder("x", F32, [4, 5, 6])
        names, tfjs_fails = [], []
        for i, (begin, end, strides, masks, *rest) in enumerate(STRIDED_SLICES):
            index = np.int64 if i % 3 == 2 else I32  # both index dtypes
            name = f"ss/{i}"
            names.append(g.op("StridedSlice", name, [
                x, const(g, name + "/begin", begin, index), const(g, name + "/end", end, index),
                const(g, name + "/strides", strides, index)], T=F32, Index=index, **masks))
            if len(rest) > 1:
                tfjs_fails.append(name)
        value = ramp(4, 5, 6)
        self.assertEqual(check_against_oracle(g, {"x": value}, atol=0, skip=tfjs_fails),
                         len(STRIDED_SLICES) - len(tfjs_fails))
        out = run_layerscope(g, {"x": value})
        for name, case in zip(names, STRIDED_SLICES):
            expected = case[4](value)
            self.assertEqual(out[name].shape, expected.shape, f"{name}: {case[:4]}")
            np.testing.assert_array_equal(out[name], expected, err_msg=f"{name}: {case[:4]}")

    def test_slices_from_tensors_computed_in_the_graph_match_the_oracle(self):
        g = GraphBuilder()
        x = g.placeholder("x", F32, [4, 5, 6])
        begin = g.placeholder("begin", I32, [3])
        size = g.placeholder("size", I32, [3])
        g.op("Slice", "slice/fed", [x, begin, size], T=F32, Index=I32)
        g.op("Slice", "slice/const", [x, const(g, "b", [1, 0, 2]), const(g, "s", [-1, 3, -1])],
             T=F32, Index=I32)
        g.op("Slice", "slice/empty", [x, const(g, "b2", [4, 0, 0]), const(g, "s2", [0, -1, 2])],
             T=F32, Index=I32)
        # x[y.shape[0] : -1 : 2] and x[y.shape[0]:, y.shape[1]:]: begins computed at run time.
        y = g.placeholder("y", F32, [2, 3])
        shape = g.op("Shape", "y/shape", [y], T=F32)
        first = g.op("StridedSlice", "first_dim", [shape, const(g, "fb", [0]), const(g, "fe", [1]),
                                                    const(g, "fs", [1])],
                     T=I32, Index=I32, shrink_axis_mask=1)
        begins = g.op("Pack", "begins", [first], T=I32, N=1)
        g.op("StridedSlice", "ss/fed", [x, begins, const(g, "e", [-1]), const(g, "st", [2])],
             T=F32, Index=I32)
        g.op("StridedSlice", "ss/fed2", [x, shape, const(g, "e2", [0, 0]), const(g, "st2", [1, 1])],
             T=F32, Index=I32, end_mask=3)
        check_against_oracle(g, {"x": ramp(4, 5, 6), "y": ramp(2, 3),
                                 "begin": np.array([1, 2, 0], I32),
                                 "size": np.array([2, -1, 4], I32)}, atol=0)


class GatherTest(unittest.TestCase):
    def test_gathers_match_the_oracle(self):
        g = GraphBuilder()
        params = g.placeholder("params", F32, [3, 4, 5])
        idx = g.placeholder("idx", I32, [2, 3])
        batch_idx = g.placeholder("batch_idx", I32, [3, 2])
        gv2 = lambda name, p, i, axis, **kw: g.op(  # noqa: E731
            "GatherV2", name, [p, i, const(g, name + "/axis", axis)], Tparams=F32, Tindices=I32,
            Taxis=I32, **kw)
        gv2("gather/axis0", params, idx, 0)
        gv2("gather/axis1", params, idx, 1)
        gv2("gather/neg", params, idx, -1)
        gv2("gather/scalar", params, const(g, "two", 2), 1)
        gv2("gather/batch", params, batch_idx, 1, batch_dims=1)
        gv2("gather/batch_axis2", params, batch_idx, 2, batch_dims=1)
        gv2("gather/batch_neg", params, batch_idx, -1, batch_dims=-1)
        g.op("Gather", "gather_v1", [params, idx], Tparams=F32, Tindices=I32)
        nd = g.placeholder("nd", I32, [2, 2])
        g.op("GatherNd", "gather_nd/pairs", [params, nd], Tparams=F32, Tindices=I32)
        g.op("GatherNd", "gather_nd/rows", [params, const(g, "rows", [[[2]], [[0]]])],
             Tparams=F32, Tindices=I32)
        g.op("GatherNd", "gather_nd/scalars", [params, const(g, "points", [[0, 1, 2], [2, 3, 4]])],
             Tparams=F32, Tindices=I32)
        check_against_oracle(g, {
            "params": ramp(3, 4, 5),
            "idx": np.array([[0, 2, 1], [2, 1, 0]], I32),
            "batch_idx": np.array([[3, 0], [1, 1], [2, 0]], I32),
            "nd": np.array([[2, 3], [0, 1]], I32)}, atol=0)

    def test_one_hot_and_where_match_the_oracle(self):
        g = GraphBuilder()
        labels = g.placeholder("labels", I32, [2, 3])
        mask = g.placeholder("mask", bool, [3, 4])
        x = g.placeholder("x", F32, [2, 3])
        depth = const(g, "depth", 4)
        on, off = g.const("on", F32(5)), g.const("off", F32(-1))
        for axis in (-1, 0, 1):
            g.op("OneHot", f"one_hot/{axis}", [labels, depth, on, off], T=F32, TI=I32, axis=axis)
        g.op("OneHot", "one_hot/default", [labels, depth, on, off], T=F32, TI=I32)
        g.op("OneHot", "one_hot/int", [labels, depth, g.const("on_i", I32(1)),
                                       g.const("off_i", I32(0))], T=I32, TI=I32)
        g.op("Where", "where/bool", [mask], T=bool)
        g.op("Where", "where/float", [x], T=F32)
        feeds = {
            "labels": np.array([[0, 3, -1], [4, 2, 1]], I32),  # -1 and 4: rows of off_value
            "mask": np.array([[1, 0, 0, 1], [0, 0, 0, 0], [1, 1, 0, 1]], bool),
            "x": np.array([[0, 1.5, 0], [-2, 0, np.nan]], F32)}
        # tfjs's oneHot has no axis (always the last): axis 0 and 1 are checked against numpy.
        check_against_oracle(g, feeds, atol=0, skip=["one_hot/0", "one_hot/1"])
        out = run_layerscope(g, feeds)
        last = np.where(feeds["labels"][..., None] == np.arange(4), 5, -1).astype(F32)
        np.testing.assert_array_equal(out["one_hot/-1"], last)
        np.testing.assert_array_equal(out["one_hot/0"], np.moveaxis(last, -1, 0))
        np.testing.assert_array_equal(out["one_hot/1"], np.moveaxis(last, -1, 1))


class BadIntegerInputTest(unittest.TestCase):
    """A bad shape, index or split is one line naming the node, exit status 1."""

    def run_graph(self, g, feeds):
        with tempfile.TemporaryDirectory(prefix="layerscope-tf-array-") as tmp:
            args = [BINARY, "run", str(g.save_pb(Path(tmp) / "graph.pb"))]
            for name, value in feeds.items():
                np.save(Path(tmp) / f"{name}.npy", value)
                args += ["--input", f"{name}={Path(tmp) / name}.npy"]
            return subprocess.run(args, capture_output=True, text=True, timeout=120)

    def assert_one_error(self, proc, *fragments):
        self.assertEqual(proc.returncode, 1, proc.stderr)
        lines = proc.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, proc.stderr)
        self.assertTrue(lines[0].startswith("error:"), lines[0])
        for fragment in fragments:
            self.assertIn(fragment, lines[0])

    def test_a_reshape_that_cannot_hold_the_elements(self):
        g = GraphBuilder()
        x = g.placeholder("x", F32, [2, 3, 4])
        g.op("Reshape", "model/flatten/Reshape", [x, const(g, "shape", [5, -1])], T=F32,
             Tshape=I32)
        self.assert_one_error(self.run_graph(g, {"x": ramp(2, 3, 4)}),
                              "node 'model/flatten/Reshape' (Reshape)", "24 elements", "[5,-1]")

    def test_a_gather_index_out_of_range(self):
        g = GraphBuilder()
        params = g.placeholder("params", F32, [5, 2])
        ids = g.placeholder("ids", I32, [3])
        g.op("GatherV2", "embedding/lookup", [params, ids, const(g, "axis", 0)], Tparams=F32,
             Tindices=I32, Taxis=I32)
        proc = self.run_graph(g, {"params": ramp(5, 2), "ids": np.array([1, 7, 0], I32)})
        self.assert_one_error(proc, "node 'embedding/lookup' (GatherV2)", "indices[1] = 7",
                              "0..4")

    def test_a_split_that_does_not_divide(self):
        g = GraphBuilder()
        x = g.placeholder("x", F32, [2, 5])
        g.op("Split", "heads/split", [const(g, "dim", 1), x], T=F32, num_split=2, outputs=2)
        self.assert_one_error(self.run_graph(g, {"x": ramp(2, 5)}),
                              "node 'heads/split' (Split)", "5 is not a multiple of 2")

    def test_a_fill_larger_than_memory_is_refused_before_allocating(self):
        g = GraphBuilder()
        dims = g.placeholder("dims", I32, [3])
        g.op("Fill", "huge", [dims, g.const("v", F32(0))], T=F32, index_type=I32)
        proc = self.run_graph(g, {"dims": np.array([100000, 100000, 100000], I32)})
        self.assert_one_error(proc, "node 'huge' (Fill)", "[100000,100000,100000]", "memory")

    def test_a_strided_slice_index_outside_its_dimension(self):
        g = GraphBuilder()
        x = g.placeholder("x", F32, [3, 4])
        g.op("StridedSlice", "pick", [x, const(g, "b", [0, 4]), const(g, "e", [0, 5]),
                                      const(g, "s", [1, 1])],
             T=F32, Index=I32, begin_mask=1, end_mask=1, shrink_axis_mask=2)
        self.assert_one_error(self.run_graph(g, {"x": ramp(3, 4)}), "node 'pick' (StridedSlice)",
                              "index 4", "size 4")


if __name__ == "__main__":
    unittest.main()
