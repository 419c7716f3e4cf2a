# TensorFlow's neural-network ops (convolutions, poolings, FusedBatchNorm, padding, resizing,
# space/batch/depth moves) run by layerscope, every node checked against the TensorFlow.js oracle;
# what tfjs cannot compute or computes unlike TensorFlow (NCHW layouts, grouped and explicitly
# padded windows, FusedBatchNorm's statistics and training mode) against the oracle's NHWC result
# transposed or the numpy transcriptions in nn_reference.py. Bad attributes are refused through the
# CLI with one line naming the node.
import os
import subprocess
import tempfile
import unittest
from pathlib import Path

import numpy as np

import nn_reference as ref
from tf_graphs import GraphBuilder, check_against_oracle, run_layerscope, run_oracle

RNG = np.random.default_rng(7)
F32 = np.float32
TOL = dict(atol=1e-4, rtol=1e-4)


def normal(*shape):
    return RNG.standard_normal(shape).astype(F32)


def to_nchw(a):
    return np.moveaxis(a, -1, 1)


def to_nhwc(a):
    return np.moveaxis(a, 1, -1)


def assert_close(got, expected, what):
    np.testing.assert_allclose(np.asarray(got, np.float64), np.asarray(expected, np.float64),
                               err_msg=what, **TOL)


def check_nchw_against_nhwc(build, feeds):
    """build(g, fmt) writes a graph in data format fmt ("NHWC" or "NCHW") whose placeholders
    take the feeds (given NHWC); layerscope's NCHW graph must give the oracle's NHWC tensors,
    transposed."""
    nhwc, nchw = GraphBuilder(), GraphBuilder()
    build(nhwc, "NHWC")
    build(nchw, "NCHW")
    expected = run_oracle(nhwc, feeds)
    got = run_layerscope(nchw, {name: to_nchw(value) for name, value in feeds.items()})
    for name, value in expected.items():
        assert_close(to_nhwc(got[name]), value, f"{name} (NCHW)")
    return len(expected)


def spatial_list(fmt, h, w, rest=1):
    return [1, rest, h, w] if fmt == "NCHW" else [1, h, w, rest]


class ConvTest(unittest.TestCase):
    def test_conv2d_strides_padding_dilations(self):
        g = GraphBuilder()
        x = g.placeholder("x", F32, [2, 9, 11, 3])
        w3, w23 = g.const("k3", normal(3, 3, 3, 4)), g.const("k23", normal(2, 3, 3, 5))
        conv = dict(T=F32)
        g.op("Conv2D", "same_s2", [x, w3], strides=[1, 2, 2, 1], padding="SAME", **conv)
        g.op("Conv2D", "valid_s12", [x, w23], strides=[1, 1, 2, 1], padding="VALID", **conv)
        g.op("Conv2D", "same_dilated", [x, w3], strides=[1, 1, 1, 1], dilations=[1, 2, 3, 1],
             padding="SAME", **conv)
        g.op("Conv2D", "explicit_s2", [x, w3], strides=[1, 2, 2, 1], padding="EXPLICIT",
             explicit_paddings=[0, 0, 1, 2, 0, 3, 0, 0], **conv)
        g.op("Conv2D", "pointwise", [x, g.const("k1", normal(1, 1, 3, 6))],
             strides=[1, 1, 1, 1], padding="VALID", **conv)
        # A TF 1 frozen graph reads its filters through Identity nodes ("kernel/read").
        read = g.op("Identity", "k3/read", [w3], T=F32)
        g.op("Conv2D", "read_filter", [x, read], strides=[1, 2, 1, 1], padding="SAME", **conv)
        self.assertEqual(check_against_oracle(g, {"x": normal(2, 9, 11, 3)}, **TOL), 7)

    def test_depthwise(self):
        g = GraphBuilder()
        x = g.placeholder("x", F32, [1, 10, 7, 3])
        dw = dict(T=F32, padding="SAME")
        g.op("DepthwiseConv2dNative", "dw_s2", [x, g.const("k2", normal(3, 3, 3, 2))],
             strides=[1, 2, 2, 1], **dw)
        g.op("DepthwiseConv2dNative", "dw_dilated", [x, g.const("k1", normal(3, 2, 3, 1))],
             strides=[1, 1, 1, 1], dilations=[1, 2, 2, 1], **dw)
        g.op("DepthwiseConv2dNative", "dw_valid", [x, g.const("k5", normal(2, 2, 3, 1))],
             strides=[1, 2, 1, 1], T=F32, padding="VALID")
        self.assertEqual(check_against_oracle(g, {"x": normal(1, 10, 7, 3)}, **TOL), 3)

    def test_backprop_input(self):
        # Keras's Conv2DTranspose: input_sizes constant or computed (here fed); SAME with an odd
        # input (the crop), VALID with a size the stride leaves room in (output padding).
        g = GraphBuilder()
        dy = g.placeholder("dy", F32, [2, 5, 6, 4])
        sizes = g.placeholder("sizes", np.int32, [4])
        k = g.const("k", normal(3, 3, 2, 4))
        bp = dict(T=F32, strides=[1, 2, 2, 1])
        for name, shape, padding in [("same_odd", [2, 9, 11, 2], "SAME"),
                                     ("same_even", [2, 10, 12, 2], "SAME"),
                                     ("valid", [2, 11, 13, 2], "VALID"),
                                     ("valid_room", [2, 12, 14, 2], "VALID")]:
            shape_const = g.const(name + "/input_sizes", np.array(shape, np.int32))
            g.op("Conv2DBackpropInput", name, [shape_const, k, dy], padding=padding, **bp)
        g.op("Conv2DBackpropInput", "fed_sizes", [sizes, k, dy], padding="SAME", **bp)
        feeds = {"dy": normal(2, 5, 6, 4), "sizes": np.array([2, 9, 11, 2], np.int32)}
        self.assertEqual(check_against_oracle(g, feeds, **TOL), 5)

    def test_backprop_input_explicit_spatial_sizes(self):
        # EXPLICIT pads and input_sizes with the spatial sizes only (TF 2): the gradient of a
        # forward convolution, which is the transposed convolution's definition, checked by
        # <conv(x), dy> == <x, backprop(dy)> for random x and dy.
        x, dy, k = normal(1, 8, 9, 2), normal(1, 5, 4, 3), normal(3, 2, 2, 3)
        pads = ((2, 1), (0, 2))
        g = GraphBuilder()
        g.op("Conv2DBackpropInput", "bp", [g.const("sizes", np.array([8, 9], np.int32)),
                                           g.const("k", k), g.placeholder("dy", F32, [1, 5, 4, 3])],
             T=F32, strides=[1, 2, 3, 1], padding="EXPLICIT",
             explicit_paddings=[0, 0, 2, 1, 0, 2, 0, 0])
        got = run_layerscope(g, {"dy": dy})["bp"]
        forward = ref.conv2d(x, k, strides=(2, 3), pads=pads)
        self.assertEqual(forward.shape, dy.shape)
        self.assertEqual(got.shape, x.shape)
        np.testing.assert_allclose((x * got).sum(), (forward * dy).sum(), rtol=1e-4)

    def test_grouped(self):
        g = GraphBuilder()
        k = normal(3, 3, 2, 6)
        g.op("Conv2D", "grouped", [g.placeholder("x", F32, [1, 7, 8, 6]), g.const("k", k)],
             T=F32, strides=[1, 2, 2, 1], padding="SAME")
        x = normal(1, 7, 8, 6)
        assert_close(run_layerscope(g, {"x": x})["grouped"],
                     ref.conv2d(x, k, strides=(2, 2), pads=ref.same_pads((7, 8), (3, 3), (2, 2))),
                     "grouped")

    def test_conv3d(self):
        # TF writes every default attribute into a graph; tfjs reads Conv3D's dilations and format.
        g = GraphBuilder()
        x = g.placeholder("x", F32, [1, 5, 6, 7, 2])
        g.op("Conv3D", "c3_same", [x, g.const("k", normal(2, 3, 3, 2, 3))],
             T=F32, strides=[1, 2, 1, 2, 1], dilations=[1] * 5, data_format="NDHWC", padding="SAME")
        g.op("Conv3D", "c3_valid", [x, g.const("k1", normal(1, 2, 2, 2, 4))],
             T=F32, strides=[1, 1, 1, 1, 1], dilations=[1] * 5, data_format="NDHWC", padding="VALID")
        self.assertEqual(check_against_oracle(g, {"x": normal(1, 5, 6, 7, 2)}, **TOL), 2)

    def test_nchw(self):
        k, kd, kb = normal(3, 3, 3, 4), normal(3, 3, 3, 2), normal(3, 3, 4, 4)

        def build(g, fmt):
            s2 = spatial_list(fmt, 2, 2)
            x = g.placeholder("x", F32, [1, 9, 11, 3] if fmt == "NHWC" else [1, 3, 9, 11])
            g.op("Conv2D", "conv", [x, g.const("k", k)], T=F32, strides=s2, padding="SAME",
                 data_format=fmt)
            g.op("Conv2D", "conv_dilated", [x, g.const("k2", k)], T=F32,
                 strides=spatial_list(fmt, 1, 1), dilations=spatial_list(fmt, 2, 1),
                 padding="VALID", data_format=fmt)
            g.op("DepthwiseConv2dNative", "dw", [x, g.const("kd", kd)], T=F32, strides=s2,
                 padding="SAME", data_format=fmt)
            sizes = [1, 9, 11, 4] if fmt == "NHWC" else [1, 4, 9, 11]
            g.op("Conv2DBackpropInput", "bp",
                 [g.const("sizes", np.array(sizes, np.int32)), g.const("kb", kb), "conv"],
                 T=F32, strides=s2, padding="SAME", data_format=fmt)

        self.assertEqual(check_nchw_against_nhwc(build, {"x": normal(1, 9, 11, 3)}), 4)


class PoolTest(unittest.TestCase):
    def test_pools(self):
        g = GraphBuilder()
        x = g.placeholder("x", F32, [2, 9, 11, 3])
        for op in ("MaxPool", "AvgPool"):
            kind = op[:3].lower()
            g.op(op, kind + "_same_s2", [x], T=F32, ksize=[1, 3, 3, 1], strides=[1, 2, 2, 1],
                 padding="SAME")
            g.op(op, kind + "_same_s1", [x], T=F32, ksize=[1, 4, 2, 1], strides=[1, 1, 1, 1],
                 padding="SAME")
            g.op(op, kind + "_valid", [x], T=F32, ksize=[1, 2, 3, 1], strides=[1, 2, 1, 1],
                 padding="VALID")
        x5 = g.placeholder("x5", F32, [1, 5, 6, 7, 2])
        for op in ("MaxPool3D", "AvgPool3D"):
            g.op(op, op.lower(), [x5], T=F32, ksize=[1, 2, 3, 2, 1], strides=[1, 2, 2, 2, 1],
                 padding="SAME")
        feeds = {"x": normal(2, 9, 11, 3), "x5": normal(1, 5, 6, 7, 2)}
        self.assertEqual(check_against_oracle(g, feeds, **TOL), 8)

    def test_int_max_pool(self):
        g = GraphBuilder()
        g.op("MaxPool", "pool", [g.placeholder("x", np.int32, [1, 5, 5, 2])], T=np.int32,
             ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="SAME")
        x = RNG.integers(-1000, 1000, (1, 5, 5, 2)).astype(np.int32)
        got = run_layerscope(g, {"x": x})["pool"]
        self.assertEqual(got.dtype, np.int32)
        pads = ref.same_pads((5, 5), (2, 2), (2, 2))
        np.testing.assert_array_equal(got, ref.pool2d(x, (2, 2), (2, 2), pads, "max"))

    def test_explicit_and_v2(self):
        g = GraphBuilder()
        x = g.placeholder("x", F32, [1, 7, 8, 2])
        g.op("MaxPool", "explicit", [x], T=F32, ksize=[1, 2, 3, 1], strides=[1, 2, 2, 1],
             padding="EXPLICIT", explicit_paddings=[0, 0, 1, 0, 2, 3, 0, 0])
        g.op("MaxPoolV2", "v2", [x, g.const("ksize", np.array([1, 3, 2, 1], np.int32)),
                                 g.const("strides", np.array([1, 2, 1, 1], np.int32))],
             T=F32, padding="SAME")
        feed = normal(1, 7, 8, 2)
        got = run_layerscope(g, {"x": feed})
        assert_close(got["explicit"], ref.pool2d(feed, (2, 3), (2, 2), ((1, 0), (2, 3)), "max"),
                     "explicit")
        pads = ref.same_pads((7, 8), (3, 2), (2, 1))
        assert_close(got["v2"], ref.pool2d(feed, (3, 2), (2, 1), pads, "max"), "v2")

    def test_nchw(self):
        def build(g, fmt):
            x = g.placeholder("x", F32, [1, 9, 11, 3] if fmt == "NHWC" else [1, 3, 9, 11])
            for op in ("MaxPool", "AvgPool"):
                g.op(op, op, [x], T=F32, ksize=spatial_list(fmt, 3, 2),
                     strides=spatial_list(fmt, 2, 2), padding="SAME", data_format=fmt)

        self.assertEqual(check_nchw_against_nhwc(build, {"x": normal(1, 9, 11, 3)}), 2)


class BatchNormTest(unittest.TestCase):
    C = 5

    def params(self):
        return (normal(self.C), normal(self.C), normal(self.C), RNG.uniform(0.5, 2, self.C).astype(F32))

    def add_bn(self, g, op, name, x, params, outputs, **attrs):
        names = ("scale", "offset", "mean", "variance")
        inputs = [x] + [g.const(f"{name}/{n}", v) for n, v in zip(names, params)]
        return g.op(op, name, inputs, outputs=outputs, T=F32, **attrs)

    def test_inference(self):
        # y against the oracle; the statistics outputs give mean and variance through, and
        # reserve_space_3 is TF's scalar placeholder.
        g = GraphBuilder()
        x = g.placeholder("x", F32, [2, 4, 3, self.C])
        params = {op: self.params() for op in ("FusedBatchNorm", "FusedBatchNormV2",
                                                "FusedBatchNormV3")}
        for op, p in params.items():
            extra = {} if op == "FusedBatchNorm" else {"U": F32}
            self.add_bn(g, op, op, x, p, 6 if op.endswith("V3") else 5, epsilon=0.01,
                        is_training=False, **extra)
        skip = [f"{op}:{k}" for op in params for k in range(1, 6 if op.endswith("V3") else 5)]
        feed = normal(2, 4, 3, self.C)
        self.assertEqual(check_against_oracle(g, {"x": feed}, skip=skip, **TOL), 3)
        got = run_layerscope(g, {"x": feed})
        for op, (_, _, mean, variance) in params.items():
            for k, expected in enumerate([mean, variance, mean, variance], start=1):
                np.testing.assert_array_equal(got[f"{op}:{k}"], expected, err_msg=f"{op}:{k}")
        self.assertEqual(got["FusedBatchNormV3:5"].shape, ())

    def test_training(self):
        # is_training defaults to true: the batch's own statistics, NHWC and NCHW.
        g = GraphBuilder()
        scale, offset, _, _ = self.params()
        empty = np.zeros(0, F32)
        x = g.placeholder("x", F32, [3, 4, 2, self.C])
        xc = g.placeholder("xc", F32, [3, self.C, 4, 2])
        self.add_bn(g, "FusedBatchNormV3", "nhwc", x, (scale, offset, empty, empty), 6,
                    U=F32, epsilon=0.001)
        self.add_bn(g, "FusedBatchNormV3", "nchw", xc, (scale, offset, empty, empty), 6,
                    U=F32, epsilon=0.001, data_format="NCHW")
        feed = normal(3, 4, 2, self.C) * 3 + 1
        got = run_layerscope(g, {"x": feed, "xc": to_nchw(feed)})
        expected = ref.batch_norm_training(feed, scale, offset, 0.001)
        for k, value in enumerate(expected):
            assert_close(got["nhwc" if k == 0 else f"nhwc:{k}"], value, f"nhwc:{k}")
            nchw = got["nchw" if k == 0 else f"nchw:{k}"]
            assert_close(to_nhwc(nchw) if k == 0 else nchw, value, f"nchw:{k}")

    def test_nchw_inference(self):
        g = GraphBuilder()
        p = self.params()
        self.add_bn(g, "FusedBatchNormV3", "bn", g.placeholder("x", F32, [2, self.C, 3, 4]), p, 6,
                    U=F32, epsilon=0.001, is_training=False, data_format="NCHW")
        x = normal(2, self.C, 3, 4)
        shape = (1, self.C, 1, 1)
        scale, offset, mean, variance = (v.reshape(shape) for v in p)
        expected = (x - mean) / np.sqrt(variance + 0.001) * scale + offset
        assert_close(run_layerscope(g, {"x": x})["bn"], expected, "bn")


class PadTest(unittest.TestCase):
    def test_pads(self):
        g = GraphBuilder()
        x = g.placeholder("x", F32, [2, 4, 5, 3])
        v = g.placeholder("v", F32, [3, 4])
        i = g.placeholder("i", np.int32, [3, 4])
        p4 = [[0, 1], [3, 2], [1, 4], [0, 0]]
        for index_type in (np.int32, np.int64):
            tag = np.dtype(index_type).name
            g.op("Pad", "pad_" + tag, [x, g.const("p4_" + tag, np.array(p4, index_type))],
                 T=F32, Tpaddings=index_type)
            g.op("PadV2", "padv2_" + tag,
                 [v, g.const("p2_" + tag, np.array([[2, 1], [0, 3]], index_type)),
                  g.const("value_" + tag, np.array(2.5, F32))], T=F32, Tpaddings=index_type)
            for mode, most in (("REFLECT", 3), ("SYMMETRIC", 4)):
                pads = np.array([[0, 1], [most, 1], [1, most], [2, 0]], index_type)
                g.op("MirrorPad", f"{mode.lower()}_{tag}", [x, g.const(f"m_{mode}_{tag}", pads)],
                     T=F32, Tpaddings=index_type, mode=mode)
        g.op("Pad", "pad_int", [i, g.const("pi", np.array([[1, 0], [2, 2]], np.int32))],
             T=np.int32)
        g.op("MirrorPad", "mirror_int", [i, g.const("mi", np.array([[2, 2], [1, 3]], np.int32))],
             T=np.int32, mode="REFLECT")
        feeds = {"x": normal(2, 4, 5, 3), "v": normal(3, 4),
                 "i": RNG.integers(-50, 50, (3, 4)).astype(np.int32)}
        self.assertEqual(check_against_oracle(g, feeds, **TOL), 10)


class ResizeTest(unittest.TestCase):
    MODES = {"legacy": {}, "align": {"align_corners": True}, "half": {"half_pixel_centers": True}}

    def test_resize(self):
        # Up, down and unchanged sizes (odd ratios) in each coordinate mode, size constant or fed;
        # integer images: bilinear gives float32, nearest keeps int32.
        g = GraphBuilder()
        x = g.placeholder("x", F32, [2, 5, 7, 3])
        xi = g.placeholder("xi", np.int32, [1, 4, 6, 2])
        size = g.placeholder("size", np.int32, [2])
        for hw in ((8, 11), (3, 4), (5, 7), (1, 1)):
            tag = f"{hw[0]}x{hw[1]}"
            s = g.const("size_" + tag, np.array(hw, np.int32))
            for mode, attrs in self.MODES.items():
                g.op("ResizeBilinear", f"bilinear_{mode}_{tag}", [x, s], T=F32, **attrs)
                g.op("ResizeNearestNeighbor", f"nearest_{mode}_{tag}", [x, s], T=F32, **attrs)
        for mode, attrs in self.MODES.items():
            g.op("ResizeBilinear", f"bilinear_{mode}_fed", [x, size], T=F32, **attrs)
            g.op("ResizeBilinear", f"bilinear_{mode}_int", [xi, "size"], T=np.int32, **attrs)
            g.op("ResizeNearestNeighbor", f"nearest_{mode}_int", [xi, "size"], T=np.int32,
                 **attrs)
        feeds = {"x": normal(2, 5, 7, 3), "size": np.array([9, 4], np.int32),
                 "xi": RNG.integers(0, 255, (1, 4, 6, 2)).astype(np.int32)}
        self.assertEqual(check_against_oracle(g, feeds, **TOL), 33)


class SpaceBatchTest(unittest.TestCase):
    def test_dilated_convolution(self):
        # How TF 1 graphs dilate a convolution: SpaceToBatchND -> Conv2D -> BatchToSpaceND.
        g = GraphBuilder()
        x = g.placeholder("x", F32, [2, 9, 10, 3])
        block = g.const("block", np.array([2, 2], np.int32))
        s2b = g.op("SpaceToBatchND", "s2b", [x, block, g.const("pads", np.array([[2, 3], [2, 2]],
                                                                                 np.int32))],
                   T=F32)
        conv = g.op("Conv2D", "conv", [s2b, g.const("k", normal(3, 3, 3, 4))], T=F32,
                    strides=[1, 1, 1, 1], padding="VALID")
        g.op("BatchToSpaceND", "b2s", [conv, block, g.const("crops", np.array([[0, 1], [0, 0]],
                                                                              np.int32))], T=F32)
        # One block axis, with a trailing axis it does not touch; int32 data.
        xi = g.placeholder("xi", np.int32, [2, 4, 6, 3])
        s2b1 = g.op("SpaceToBatchND", "s2b_1d", [xi, g.const("block1", np.array([3], np.int32)),
                                                 g.const("pads1", np.array([[1, 1]], np.int32))],
                    T=np.int32)
        g.op("BatchToSpaceND", "b2s_1d", [s2b1, "block1",
                                          g.const("crops1", np.array([[1, 0]], np.int64))],
             T=np.int32, Tcrops=np.int64)
        feeds = {"x": normal(2, 9, 10, 3),
                 "xi": RNG.integers(-9, 9, (2, 4, 6, 3)).astype(np.int32)}
        self.assertEqual(check_against_oracle(g, feeds, **TOL), 5)

    def test_v1_ops(self):
        # SpaceToBatch / BatchToSpace (block_size 2): the ND ops with block_shape [2, 2].
        g = GraphBuilder()
        x = g.placeholder("x", F32, [2, 5, 6, 3])
        pads = g.const("pads", np.array([[1, 0], [1, 1]], np.int32))
        crops = g.const("crops", np.array([[0, 1], [1, 1]], np.int32))
        block = g.const("block", np.array([2, 2], np.int32))
        nd = g.op("SpaceToBatchND", "nd", [x, block, pads], T=F32)
        v1 = g.op("SpaceToBatch", "v1", [x, pads], T=F32, block_size=2)
        g.op("BatchToSpaceND", "nd_back", [nd, block, crops], T=F32)
        g.op("BatchToSpace", "v1_back", [v1, crops], T=F32, block_size=2)
        got = run_layerscope(g, {"x": normal(2, 5, 6, 3)})
        self.assertEqual(got["v1"].shape, (8, 3, 4, 3))
        np.testing.assert_array_equal(got["v1"], got["nd"])
        np.testing.assert_array_equal(got["v1_back"], got["nd_back"])

    def test_depth_space(self):
        # DepthToSpace against the oracle (NCHW: its NHWC result transposed); SpaceToDepth, which
        # tfjs lacks, as its inverse.
        def build(g, fmt):
            x = g.placeholder("x", F32, [1, 4, 6, 8] if fmt == "NHWC" else [1, 8, 4, 6])
            d2s = g.op("DepthToSpace", "d2s", [x], T=F32, block_size=2, data_format=fmt)
            g.op("SpaceToDepth", "s2d", [d2s], T=F32, block_size=2, data_format=fmt)
            return g

        x = normal(1, 4, 6, 8)
        self.assertEqual(check_against_oracle(build(GraphBuilder(), "NHWC"), {"x": x},
                                              skip=["s2d"], **TOL), 1)
        self.assertEqual(check_nchw_against_nhwc(build, {"x": x}), 1)
        for fmt, feed in (("NHWC", x), ("NCHW", to_nchw(x))):
            got = run_layerscope(build(GraphBuilder(), fmt), {"x": feed})
            np.testing.assert_array_equal(got["s2d"], feed, err_msg=fmt)


class ErrorTest(unittest.TestCase):
    """What a kernel cannot honour: `layerscope run` exits 1 with one line naming the node."""

    def run_bad(self, g, feeds, node):
        with tempfile.TemporaryDirectory() as tmp:
            args = [os.environ.get("LAYERSCOPE", "layerscope"), "run",
                    str(g.save_pb(Path(tmp) / "bad.pb"))]
            for name, value in feeds.items():
                np.save(Path(tmp) / f"{name}.npy", value)
                args += ["--input", f"{name}={Path(tmp) / name}.npy"]
            proc = subprocess.run(args, capture_output=True, text=True, timeout=60)
        self.assertEqual(proc.returncode, 1, proc.stderr)
        lines = proc.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, proc.stderr)
        self.assertIn(f"'{node}'", lines[0])
        return lines[0]

    def bad_conv(self, channels=2, **attrs):
        g = GraphBuilder()
        g.op("Conv2D", "block/conv", [g.placeholder("x", F32, [1, 6, 6, channels]),
                                      g.const("k", normal(3, 3, 2, 2))],
             T=F32, strides=[1, 1, 1, 1], **attrs)
        return self.run_bad(g, {"x": normal(1, 6, 6, channels)}, "block/conv")

    def test_vect_c_data_format(self):
        line = self.bad_conv(padding="SAME", data_format="NCHW_VECT_C")
        self.assertIn("data_format 'NCHW_VECT_C' is not supported; expected NHWC or NCHW", line)

    def test_explicit_padding_count(self):
        line = self.bad_conv(padding="EXPLICIT", explicit_paddings=[0, 0, 1, 1, 1, 1])
        self.assertIn("6 explicit_paddings; expected 8", line)

    def test_channels_the_filter_cannot_take(self):
        line = self.bad_conv(channels=3, padding="SAME")
        self.assertIn("input has 3 channels; the filter takes 2", line)

    def test_resize_with_both_coordinate_modes(self):
        g = GraphBuilder()
        g.op("ResizeBilinear", "resize", [g.placeholder("x", F32, [1, 4, 4, 1]),
                                          g.const("size", np.array([8, 8], np.int32))],
             T=F32, align_corners=True, half_pixel_centers=True)
        line = self.run_bad(g, {"x": normal(1, 4, 4, 1)}, "resize")
        self.assertIn("align_corners and half_pixel_centers are both true", line)

    def test_padding_beyond_memory(self):
        g = GraphBuilder()
        g.op("Pad", "pad", [g.placeholder("x", F32, [2, 3]),
                            g.const("p", np.array([[0, 2 ** 40], [0, 2 ** 40]], np.int64))],
             T=F32, Tpaddings=np.int64)
        line = self.run_bad(g, {"x": normal(2, 3)}, "pad")
        self.assertIn("bytes of this machine's memory", line)

if __name__ == "__main__":
    unittest.main()
