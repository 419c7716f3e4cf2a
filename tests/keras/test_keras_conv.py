# The Keras convolution-family layers TensorFlow.js cannot check (model_zoo.py's
# conv1d_beyond_tfjs and conv_beyond_tfjs: causal Conv1D, SeparableConv1D, DepthwiseConv1D,
# Conv1DTranspose, output_padding, which TensorFlow.js ignores, Conv2D groups, UpSampling2D
# bilinear, which TensorFlow.js resizes without half-pixel centers, and the 1-D/3-D padding,
# cropping and upsampling layers), checked layer by layer against numpy written from TensorFlow's
# definitions: a convolution is a sum over kernel taps of strided slices of the padded input;
# a transposed convolution is that sum's adjoint for an input of Keras's output length.
#
#   cd tests/keras && LAYERSCOPE=build/layerscope /usr/bin/python3 -m unittest -v test_keras_conv
import itertools
import json
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.dont_write_bytecode = True
import keras_files  # noqa: E402
import model_zoo  # noqa: E402
from test_keras_models import BINARY, TOLERANCE, expected_parameters, layerscope  # noqa: E402


def tf_pads(n, k, s, d, padding):
    """TensorFlow's (before, after) padding of a forward window over length n."""
    span = (k - 1) * d + 1
    if padding == "causal":
        return span - 1, 0
    if padding == "valid":
        return 0, 0
    total = max((-(-n // s) - 1) * s + span - n, 0)
    return total // 2, total - total // 2


def taps(kernel_size):
    return itertools.product(*(range(k) for k in kernel_size))


def conv(x, kernel, bias, strides, padding, dilation, groups=1):
    """x (N, spatial..., C), kernel (k..., C / groups, F)."""
    r = x.ndim - 2
    ks = kernel.shape[:r]
    pads = [tf_pads(x.shape[i + 1], ks[i], strides[i], dilation[i], padding) for i in range(r)]
    xp = np.pad(x.astype(np.float64), [(0, 0)] + pads + [(0, 0)])
    out = [(xp.shape[i + 1] - (ks[i] - 1) * dilation[i] - 1) // strides[i] + 1 for i in range(r)]
    cg, fg = kernel.shape[-2], kernel.shape[-1] // groups
    y = np.zeros((x.shape[0], *out, kernel.shape[-1]))
    for t in taps(ks):
        index = tuple(slice(t[i] * dilation[i], t[i] * dilation[i] + (out[i] - 1) * strides[i] + 1,
                            strides[i]) for i in range(r))
        patch = xp[(slice(None),) + index]
        for g in range(groups):
            y[..., g * fg:(g + 1) * fg] += patch[..., g * cg:(g + 1) * cg] @ kernel[t][:, g * fg:(g + 1) * fg]
    return y + (bias if bias is not None else 0)


def depthwise(x, kernel, bias, strides, padding, dilation):
    """kernel (k..., C, multiplier): output channel c * multiplier + m."""
    c = kernel.shape[-2]
    return conv(x, kernel.reshape(kernel.shape[:-2] + (1, -1)), bias, strides, padding, dilation, c)


def deconv_length(n, k, s, padding, output_padding):
    """keras.utils.conv_utils.deconv_output_length (dilation 1)."""
    if output_padding is None:
        return n * s if padding == "same" else n * s + max(k - s, 0)
    pad = k // 2 if padding == "same" else 0
    return (n - 1) * s + k - 2 * pad + output_padding


def conv_transpose(x, kernel, bias, strides, padding, output_padding):
    """kernel (k..., F, C): the adjoint of a forward convolution (kernel (k..., F, C) taken as
    (k..., in=F, out=C)) over an input of Keras's output length, padded as TensorFlow pads it."""
    r = x.ndim - 2
    ks = kernel.shape[:r]
    ops = output_padding or [None] * r
    out = [deconv_length(x.shape[i + 1], ks[i], strides[i], padding, ops[i]) for i in range(r)]
    before = [tf_pads(out[i], ks[i], strides[i], 1, padding)[0] for i in range(r)]
    size = [max(before[i] + out[i], (x.shape[i + 1] - 1) * strides[i] + ks[i]) for i in range(r)]
    full = np.zeros((x.shape[0], *size, kernel.shape[-2]))
    for t in taps(ks):
        index = tuple(slice(t[i], t[i] + (x.shape[i + 1] - 1) * strides[i] + 1, strides[i])
                      for i in range(r))
        full[(slice(None),) + index] += x.astype(np.float64) @ kernel[t].T
    crop = tuple(slice(before[i], before[i] + out[i]) for i in range(r))
    return full[(slice(None),) + crop] + bias


def resize_bilinear_half_pixel(x, size):
    """tf.image.resize(method="bilinear", antialias=False): half-pixel centers, edges clamped."""
    y = x.astype(np.float64)
    for axis, factor in ((1, size[0]), (2, size[1])):
        n = y.shape[axis]
        src = (np.arange(n * factor) + 0.5) / factor - 0.5
        lower = np.floor(src)
        lerp = src - lower
        lo = np.clip(lower, 0, n - 1).astype(int)
        hi = np.clip(np.ceil(src), 0, n - 1).astype(int)
        shape = [1] * y.ndim
        shape[axis] = -1
        y = np.take(y, lo, axis) * (1 - lerp.reshape(shape)) + np.take(y, hi, axis) * lerp.reshape(shape)
    return y


def pairs(amount, rank):
    """Keras's padding/cropping forms as [(begin, end)] per spatial axis."""
    if isinstance(amount, int):
        return [(amount, amount)] * rank
    if rank == 1 and len(amount) == 2 and isinstance(amount[0], int):
        return [tuple(amount)]
    return [tuple(a) if isinstance(a, list) else (a, a) for a in amount]


def activation(name, y):
    return {"linear": y, "relu": np.maximum(y, 0), "tanh": np.tanh(y)}[name]


def reference_layer(entry, x, weights):
    """One layer's output from its Keras 2 config and weights (in Keras order)."""
    cls, cfg = entry["class_name"], entry["config"]
    w = [v for _, v in weights]
    bias = w[-1] if cfg.get("use_bias", False) else None
    if cls in ("Conv1D", "Conv2D", "Conv3D"):
        y = conv(x, w[0], bias, cfg["strides"], cfg["padding"], cfg["dilation_rate"], cfg.get("groups", 1))
    elif cls.startswith("DepthwiseConv"):
        y = depthwise(x, w[0], bias, cfg["strides"], cfg["padding"], cfg["dilation_rate"])
    elif cls.startswith("SeparableConv"):
        r = x.ndim - 2
        mid = depthwise(x, w[0], None, cfg["strides"], cfg["padding"], cfg["dilation_rate"])
        y = conv(mid, w[1], bias, [1] * r, "valid", [1] * r)
    elif cls.endswith("Transpose"):
        y = conv_transpose(x, w[0], bias, cfg["strides"], cfg["padding"], cfg.get("output_padding"))
    elif cls.startswith("ZeroPadding"):
        y = np.pad(x, [(0, 0)] + pairs(cfg["padding"], x.ndim - 2) + [(0, 0)])
    elif cls.startswith("Cropping"):
        crop = pairs(cfg["cropping"], x.ndim - 2)
        y = x[(slice(None),) + tuple(slice(b, x.shape[i + 1] - e) for i, (b, e) in enumerate(crop))]
    elif cls.startswith("UpSampling"):
        size = cfg["size"] if isinstance(cfg["size"], list) else [cfg["size"]]
        if cfg.get("interpolation", "nearest") == "bilinear":
            y = resize_bilinear_half_pixel(x, size)
        else:
            y = x
            for i, s in enumerate(size):
                y = np.repeat(y, s, axis=i + 1)
    elif cls.startswith("GlobalMaxPooling"):
        y = x.max(axis=tuple(range(1, x.ndim - 1)), keepdims=cfg.get("keepdims", False))
    else:
        raise AssertionError(f"no reference for {cls}")
    return activation(cfg.get("activation", "linear"), y)


def reference(model):
    """{layer name: output} of a model whose layers each take one input."""
    values = {}
    cfg = model.config["config"]
    if model.config["class_name"] == "Sequential":
        x = model.inputs[0]
        for entry in keras_files.model_layers(model.config):
            x = values[entry["config"]["name"]] = reference_layer(
                entry, x, model.weights.get(entry["config"]["name"], []))
        return values
    for (name, _, _), x in zip(cfg["input_layers"], model.inputs):
        values[name] = x
    for entry in cfg["layers"]:
        if entry["class_name"] == "InputLayer":
            continue
        (source, _, _, _), = entry["inbound_nodes"][0]
        values[entry["name"]] = reference_layer(entry, values[source], model.weights.get(entry["name"], []))
    return {k: v for k, v in values.items() if k not in [n for n, _, _ in cfg["input_layers"]]}


class KerasConvBeyondTfjsTest(unittest.TestCase):
    def check(self, name):
        model = model_zoo.ZOO[name]()
        self.assertFalse(model.tfjs)
        want = reference(model)
        total, trainable, frozen = expected_parameters(model)
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            args = []
            for i, x in enumerate(model.inputs):
                np.save(tmp / f"x{i}.npy", x)
                args += ["--input", tmp / f"x{i}.npy"]
            keras_files.write_keras2_h5(tmp / "m.h5", model.config, model.weights)
            keras_files.write_keras3(tmp / "m.keras", model.config, model.weights)
            for path in (tmp / "m.h5", tmp / "m.keras"):
                with self.subTest(file=path.name):
                    summary = json.loads(layerscope("summary", path, "--json"))
                    self.assertEqual((summary["total_parameters"], summary["trainable_parameters"],
                                      summary["non_trainable_parameters"]), (total, trainable, frozen))
                    dump = tmp / (path.name + "_dump")
                    layerscope("run", path, "--dump", dump, *args)
                    index = json.loads((dump / "index.json").read_text())
                    got = {e["layer"]: np.load(dump / e["file"]) for e in index}
                    for layer, ref in want.items():
                        self.assertEqual(got[layer].shape, ref.shape, layer)
                        scale = max(1.0, float(np.abs(ref).max()))
                        error = float(np.abs(got[layer] - ref).max()) / scale
                        self.assertLessEqual(error, TOLERANCE, f"layer {layer}: relative error {error:.3g}")

    def test_conv1d_beyond_tfjs(self):
        self.check("conv1d_beyond_tfjs")

    def test_conv_beyond_tfjs(self):
        self.check("conv_beyond_tfjs")


class RefusalTest(unittest.TestCase):
    """What the kernels do not compute is refused at load, naming the layer and the setting."""

    def refused(self, entry, batch_shape, weights):
        config = model_zoo.sequential("refused", batch_shape, [entry])
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "m.h5"
            keras_files.write_keras2_h5(path, config, weights)
            proc = subprocess.run([BINARY, "summary", str(path)], capture_output=True, text=True,
                                  timeout=60)
        self.assertEqual(proc.returncode, 1, proc.stdout)
        return proc.stderr

    def test_channels_first(self):
        w = model_zoo.Weights(0)
        w.conv("conv2d", (3, 3), 3, 2)
        stderr = self.refused(model_zoo.conv("Conv2D", "conv2d", 2, (3, 3), data_format="channels_first"),
                              [None, 3, 8, 8], w.w)
        self.assertIn("layer 'conv2d' (Conv2D): data_format 'channels_first' is not supported", stderr)

    def test_bicubic_upsampling(self):
        stderr = self.refused(model_zoo.layer("UpSampling2D", "up", size=[2, 2], interpolation="bicubic",
                                              data_format="channels_last"), [None, 4, 4, 1], {})
        self.assertIn("layer 'up' (UpSampling2D): interpolation 'bicubic' is not supported", stderr)


class ReferenceSelfTest(unittest.TestCase):
    """The numpy references agree with the TensorFlow.js oracle where both apply, so the
    tests above do not rest on a reference that is wrong the way layerscope might be."""

    def test_references_match_the_oracle_on_conv_geometry(self):
        import test_fixtures
        model = model_zoo.ZOO["conv_geometry"]()
        with tempfile.TemporaryDirectory() as tmp:
            model_dir = test_fixtures.write_oracle_dir(model, Path(tmp) / "in")
            status, stderr, index = test_fixtures.run_oracle(model_dir, Path(tmp) / "out")
            self.assertEqual(status, 0, stderr)
            oracle = {e["layer"]: np.load(Path(tmp) / "out" / e["file"]) for e in index}
        x = model.inputs[0]
        for entry in keras_files.model_layers(model.config):
            name, cls = entry["config"]["name"], entry["class_name"]
            if "Pooling" in cls and not cls.startswith("GlobalMax"):
                x = oracle[name]  # pooling has no reference here; continue from the oracle's
                continue
            x = reference_layer(entry, x, model.weights.get(name, []))
            np.testing.assert_allclose(x, oracle[name], atol=1e-4, err_msg=name)


if __name__ == "__main__":
    unittest.main()
