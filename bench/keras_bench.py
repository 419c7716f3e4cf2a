"""A Keras model against the same network loaded from ONNX: layerscope's run time for each.

    /usr/bin/python3 bench/keras_bench.py [--nets vgg,mobile] [--size 96] [--repeat 21] [--rounds 3]

Each network is built twice from one list of layers with one set of weights: as a PyTorch module
exported to ONNX (opset 13, NCHW), and as a Keras 2 .h5 and a Keras 3 .keras file (NHWC) written by
tests/keras/keras_files.py. TF's 'same' padding at stride 2 is asymmetric, so the PyTorch side pads
(0, 1) explicitly: the two compute the same function, and the script first checks that their final
outputs agree (max |a-b| <= 1e-4) on one input.

Then, in R interleaved rounds, each file runs in its own `layerscope run --repeat N --threads T`
process, with statistics on every layer and with --no-stats; the figure per configuration is the
median of its rounds' medians, and the ratio keras/onnx is the median of the per-round ratios (the
machine's drift between rounds cancels within a round). Target (issue 13): keras/onnx <= 1.2.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_common import ROOT, find_layerscope  # noqa: E402

sys.path.insert(0, os.path.join(ROOT, "tests", "keras"))
import keras_files  # noqa: E402
import model_zoo as zoo  # noqa: E402

# (kind, args): conv (filters, kernel, stride), dw (kernel, stride), bn, relu, relu6, maxpool,
# gap, dense (units), softmax.
NETS = {
    "vgg": [("conv", 32, 3, 1), ("bn",), ("relu",), ("conv", 32, 3, 1), ("bn",), ("relu",),
            ("maxpool",), ("conv", 64, 3, 1), ("bn",), ("relu",), ("conv", 64, 3, 1), ("bn",),
            ("relu",), ("maxpool",), ("conv", 128, 3, 1), ("bn",), ("relu",), ("maxpool",),
            ("gap",), ("dense", 10), ("softmax",)],
    "mobile": [("conv", 32, 3, 2), ("bn",), ("relu6",)]
    + sum([[("dw", 3, s), ("bn",), ("relu6",), ("conv", c, 1, 1), ("bn",), ("relu6",)]
           for c, s in [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)]], [])
    + [("gap",), ("dense", 10), ("softmax",)],
}


def build(net, size, rng):
    """(torch module, Keras 2 config, Keras weights) computing the same function."""
    torch_layers, keras_layers, weights = [], [], {}
    channels = 3
    counts = {}

    def name(kind):
        counts[kind] = counts.get(kind, 0) + 1
        return kind if counts[kind] == 1 else f"{kind}_{counts[kind] - 1}"

    def normal(*shape, scale):
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    for layer in NETS[net]:
        kind = layer[0]
        if kind in ("conv", "dw"):
            if kind == "conv":
                filters, k, stride = layer[1], layer[2], layer[3]
                groups = 1
                w = normal(k, k, channels, filters, scale=(2.0 / (k * k * channels)) ** 0.5)
                torch_w = w.transpose(3, 2, 0, 1)
                n = name("conv2d")
                keras_layers.append(zoo.conv("Conv2D", n, filters, (k, k), strides=(stride, stride),
                                             padding="same"))
            else:
                k, stride = layer[1], layer[2]
                filters, groups = channels, channels
                w = normal(k, k, channels, 1, scale=(2.0 / (k * k)) ** 0.5)
                torch_w = w.transpose(2, 3, 0, 1)
                n = name("depthwise_conv2d")
                keras_layers.append(zoo.depthwise(n, (k, k), strides=(stride, stride),
                                                  padding="same"))
            b = normal(filters, scale=0.1)
            weights[n] = [("depthwise_kernel" if kind == "dw" else "kernel", w), ("bias", b)]
            conv = torch.nn.Conv2d(channels, filters, k, stride, groups=groups,
                                   padding=(k // 2 if stride == 1 else 0))
            conv.weight.data = torch.from_numpy(np.ascontiguousarray(torch_w))
            conv.bias.data = torch.from_numpy(b)
            if stride == 2:  # TF 'same' at stride 2 on an even size: all padding bottom/right
                torch_layers.append(torch.nn.ZeroPad2d((0, k - 2, 0, k - 2)) if k > 1 else
                                    torch.nn.Identity())
            torch_layers.append(conv)
            channels = filters
        elif kind == "bn":
            n = name("batch_normalization")
            gamma, beta = 1 + normal(channels, scale=0.1), normal(channels, scale=0.1)
            mean, var = normal(channels, scale=0.1), rng.uniform(0.5, 1.5, channels).astype(np.float32)
            weights[n] = [("gamma", gamma), ("beta", beta), ("moving_mean", mean),
                          ("moving_variance", var)]
            keras_layers.append(zoo.batch_norm(n))
            bn = torch.nn.BatchNorm2d(channels, eps=1e-3)
            for t, v in ((bn.weight, gamma), (bn.bias, beta), (bn.running_mean, mean),
                         (bn.running_var, var)):
                t.data = torch.from_numpy(v)
            torch_layers.append(bn)
        elif kind in ("relu", "relu6", "softmax"):
            keras_layers.append(zoo.layer("Activation", name("activation"), activation=kind))
            torch_layers.append({"relu": torch.nn.ReLU(), "relu6": torch.nn.ReLU6(),
                                 "softmax": torch.nn.Softmax(dim=-1)}[kind])
        elif kind == "maxpool":
            keras_layers.append(zoo.pool("MaxPooling2D", name("max_pooling2d"), (2, 2)))
            torch_layers.append(torch.nn.MaxPool2d(2))
        elif kind == "gap":
            keras_layers.append(zoo.global_pool("GlobalAveragePooling2D",
                                                name("global_average_pooling2d")))
            torch_layers += [torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten()]
        elif kind == "dense":
            units = layer[1]
            n = name("dense")
            w, b = normal(channels, units, scale=channels ** -0.5), normal(units, scale=0.1)
            weights[n] = [("kernel", w), ("bias", b)]
            keras_layers.append(zoo.dense(n, units))
            lin = torch.nn.Linear(channels, units)
            lin.weight.data = torch.from_numpy(np.ascontiguousarray(w.T))
            lin.bias.data = torch.from_numpy(b)
            torch_layers.append(lin)
            channels = units
    config = zoo.sequential(net, [None, size, size, 3], keras_layers, input_name="image")
    return torch.nn.Sequential(*torch_layers).eval(), config, weights


def layerscope_run(binary, model, x, threads, repeat, no_stats, dump=None):
    cmd = [binary, "run", model, "--input", x, "--threads", str(threads), "--json"]
    if repeat:
        cmd += ["--repeat", str(repeat)]
    if no_stats:
        cmd.append("--no-stats")
    if dump:
        cmd += ["--dump", dump, "--filter", "^$"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"error: {' '.join(cmd)}: {r.stderr.strip()}")
    return json.loads(r.stdout)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nets", default="vgg,mobile")
    parser.add_argument("--size", type=int, default=96, help="input height and width")
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--layerscope")
    args = parser.parse_args()
    binary = find_layerscope(args.layerscope)
    work = tempfile.mkdtemp(prefix="layerscope-keras-bench-")
    rng = np.random.default_rng(0)
    print(f"{'net':8} {'file':6} {'stats':>6} {'median ms':>10} {'rounds':>24}")
    for net in args.nets.split(","):
        module, config, weights = build(net, args.size, rng)
        x = rng.standard_normal((1, args.size, args.size, 3)).astype(np.float32)
        files = {"onnx": os.path.join(work, f"{net}.onnx"), "h5": os.path.join(work, f"{net}.h5"),
                 "keras": os.path.join(work, f"{net}.keras")}
        inputs = {"onnx": os.path.join(work, f"{net}_nchw.npy"),
                  "h5": os.path.join(work, f"{net}_nhwc.npy")}
        inputs["keras"] = inputs["h5"]
        np.save(inputs["h5"], x)
        np.save(inputs["onnx"], np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
        torch.onnx.export(module, torch.from_numpy(x.transpose(0, 3, 1, 2).copy()), files["onnx"],
                          opset_version=13, input_names=["image"], output_names=["probs"])
        keras_files.write_keras2_h5(files["h5"], config, weights)
        keras_files.write_keras3(files["keras"], config, weights)
        # The same function: final outputs agree.
        outs = {}
        for kind in files:
            dump = os.path.join(work, f"{net}_{kind}_dump")
            layerscope_run(binary, files[kind], inputs[kind], args.threads, 0, False, dump)
            index = json.load(open(os.path.join(dump, "index.json")))
            outs[kind] = np.load(os.path.join(dump, index[-1]["file"]))
        for kind in ("h5", "keras"):
            err = float(np.max(np.abs(outs[kind] - outs["onnx"])))
            if err > 1e-4:
                sys.exit(f"error: {net}: {kind} and onnx outputs differ by {err:.3g}")
        medians = {}
        for r in range(args.rounds):
            for no_stats in (False, True):
                for kind in files:
                    out = layerscope_run(binary, files[kind], inputs[kind], args.threads,
                                         args.repeat, no_stats)
                    medians.setdefault((kind, no_stats), []).append(out["median_seconds"] * 1e3)
        for no_stats in (False, True):
            for kind in files:
                ms = medians[(kind, no_stats)]
                print(f"{net:8} {kind:6} {'no' if no_stats else 'yes':>6} "
                      f"{statistics.median(ms):10.2f}   {' '.join(f'{m:.2f}' for m in ms)}")
            for kind in ("h5", "keras"):
                ratios = [k / o for k, o in zip(medians[(kind, no_stats)],
                                                medians[("onnx", no_stats)])]
                print(f"{net:8} {kind}/onnx {'(no stats)' if no_stats else '(stats)   '} ratio "
                      f"{statistics.median(ratios):.3f} (rounds {' '.join(f'{q:.3f}' for q in ratios)})")


if __name__ == "__main__":
    main()
