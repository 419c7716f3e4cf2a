"""A TensorFlow GraphDef against the same network as a Keras .h5: layerscope's run time for each.

    /usr/bin/python3 bench/tf_bench.py [--size 224] [--repeat 21] [--rounds 3] [--threads 2]

The network is 3 blocks of Conv2D (3x3, SAME; strides 1, 2, 2; no bias) + BatchNormalization
(inference) + ReLU on an NHWC image, built twice with one set of weights: as a frozen GraphDef
(Conv2D -> FusedBatchNormV3 -> Relu nodes, written by tests/tensorflow/tf_graphs.py) and as a Keras
2 .h5 (tests/keras/keras_files.py). The script first checks that the final outputs agree
(max |a-b| <= 1e-4) on one input.

Then, in R interleaved rounds, each file runs in its own `layerscope run --repeat N --threads T`
process, with statistics on every layer and with --no-stats; the figure per configuration is the
median of its rounds' medians, and the ratio tf/keras is the median of the per-round ratios.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_common import ROOT, find_layerscope  # noqa: E402

sys.path.insert(0, os.path.join(ROOT, "tests", "keras"))
sys.path.insert(0, os.path.join(ROOT, "tests", "tensorflow"))
import keras_files  # noqa: E402
import model_zoo as zoo  # noqa: E402
from tf_graphs import GraphBuilder  # noqa: E402

BLOCKS = [(16, 1), (32, 2), (64, 2)]  # (filters, stride)
EPSILON = 0.001


def build(size, rng):
    """(GraphBuilder, Keras 2 config, Keras weights) computing the same function."""
    g = GraphBuilder()
    x = g.placeholder("image", np.float32, [1, size, size, 3])
    layers, weights = [], {}
    channels = 3
    for i, (filters, stride) in enumerate(BLOCKS):
        w = (rng.standard_normal((3, 3, channels, filters)) * (2 / (9 * channels)) ** 0.5)
        w = w.astype(np.float32)
        gamma = (1 + 0.1 * rng.standard_normal(filters)).astype(np.float32)
        beta = (0.1 * rng.standard_normal(filters)).astype(np.float32)
        mean = (0.1 * rng.standard_normal(filters)).astype(np.float32)
        var = rng.uniform(0.5, 1.5, filters).astype(np.float32)
        block = f"block{i + 1}"
        conv = g.op("Conv2D", f"{block}/conv/Conv2D", [x, g.const(f"{block}/conv/kernel", w)],
                    T=np.float32, strides=[1, stride, stride, 1], padding="SAME")
        bn_inputs = [conv] + [g.const(f"{block}/bn/{n}", v) for n, v in
                              (("gamma", gamma), ("beta", beta), ("moving_mean", mean),
                               ("moving_variance", var))]
        bn = g.op("FusedBatchNormV3", f"{block}/bn/FusedBatchNormV3", bn_inputs, outputs=6,
                  T=np.float32, U=np.float32, epsilon=EPSILON, is_training=False)[0]
        x = g.op("Relu", f"{block}/relu", [bn], T=np.float32)
        layers += [zoo.conv("Conv2D", f"conv{i}", filters, (3, 3), strides=(stride, stride),
                            padding="same", use_bias=False),
                   zoo.batch_norm(f"bn{i}"),
                   zoo.layer("Activation", f"relu{i}", activation="relu")]
        weights[f"conv{i}"] = [("kernel", w)]
        weights[f"bn{i}"] = [("gamma", gamma), ("beta", beta), ("moving_mean", mean),
                             ("moving_variance", var)]
        channels = filters
    config = zoo.sequential("tf_bench", [None, size, size, 3], layers, input_name="image")
    return g, config, weights


def layerscope_run(binary, model, x, threads, repeat, no_stats, dump=None):
    cmd = [binary, "run", model, "--input", f"image={x}", "--threads", str(threads), "--json"]
    if repeat:
        cmd += ["--repeat", str(repeat)]
    if no_stats:
        cmd.append("--no-stats")
    if dump:
        cmd += ["--dump", dump]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"error: {' '.join(cmd)}: {r.stderr.strip()}")
    return json.loads(r.stdout)


def final_output(dump, name):
    index = json.load(open(os.path.join(dump, "index.json")))
    entry = next(e for e in index if e["name"] == name)
    return np.load(os.path.join(dump, entry["file"]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=224, help="input height and width")
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--layerscope")
    args = parser.parse_args()
    binary = find_layerscope(args.layerscope)
    work = tempfile.mkdtemp(prefix="layerscope-tf-bench-")
    rng = np.random.default_rng(0)
    g, config, weights = build(args.size, rng)
    files = {"tf": str(g.save_pb(os.path.join(work, "net.pb"))),
             "keras": os.path.join(work, "net.h5")}
    keras_files.write_keras2_h5(files["keras"], config, weights)
    x = os.path.join(work, "image.npy")
    np.save(x, rng.standard_normal((1, args.size, args.size, 3)).astype(np.float32))
    outputs = {}
    for kind, name in (("tf", f"block{len(BLOCKS)}/relu"), ("keras", f"relu{len(BLOCKS) - 1}")):
        dump = os.path.join(work, f"{kind}_dump")
        layerscope_run(binary, files[kind], x, args.threads, 0, False, dump)
        outputs[kind] = final_output(dump, name)
    err = float(np.max(np.abs(outputs["tf"] - outputs["keras"])))
    if outputs["tf"].shape != outputs["keras"].shape or err > 1e-4:
        sys.exit(f"error: the TF and Keras outputs differ (max |a-b| {err:.3g})")
    print(f"size {args.size}, threads {args.threads}, {args.repeat} runs x {args.rounds} rounds; "
          f"outputs agree (max |a-b| {err:.2g})")
    print(f"{'file':6} {'stats':>6} {'median ms':>10}   rounds")
    medians = {}
    for _ in range(args.rounds):
        for no_stats in (False, True):
            for kind in files:
                out = layerscope_run(binary, files[kind], x, args.threads, args.repeat, no_stats)
                medians.setdefault((kind, no_stats), []).append(out["median_seconds"] * 1e3)
    for no_stats in (False, True):
        for kind in files:
            ms = medians[(kind, no_stats)]
            print(f"{kind:6} {'no' if no_stats else 'yes':>6} {statistics.median(ms):10.2f}   "
                  f"{' '.join(f'{m:.2f}' for m in ms)}")
        ratios = [t / k for t, k in zip(medians[("tf", no_stats)], medians[("keras", no_stats)])]
        print(f"tf/keras {'(no stats)' if no_stats else '(stats)   '} ratio "
              f"{statistics.median(ratios):.3f} (rounds {' '.join(f'{q:.3f}' for q in ratios)})")


if __name__ == "__main__":
    main()
