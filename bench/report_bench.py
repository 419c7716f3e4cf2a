#!/usr/bin/python3
"""`layerscope report` cost and size: the page against `run` on the same inputs.

    /usr/bin/python3 bench/report_bench.py [--model resnet50] [--inputs 16] [--threads 2]
        [--rounds 3] [--model-dir DIR] [--layerscope PATH] [--json]

Time: N distinct random inputs (fixed seed) of the model's input shape, per round (interleaved):

    run     layerscope run MODEL --input X0 --repeat N-1 --json   (N runs, statistics per layer)
    report  layerscope report MODEL --inputs-dir D -o page.html   (N runs, statistics, histograms,
            feature maps of the first 4 inputs, pooled rows, PCA per layer, the page written)

Each is the process's wall time (start-up and model loading in both); the smallest of the rounds
is taken. report/run is the figure (target: at most 3).

Page: the resnet50 page opened in headless Chromium (web/browser_tests/page_timing.mjs, when
node and /usr/bin/chromium are there): the median time until it answers input, read from the
Performance API clock (target: under 2 s).

Size: a 100-layer model (50 Conv 16x3x3 + Relu on 16x32x32 maps) reported over 64 inputs; the
page's size (target: under 20 MB).

Models come from tests/real_models/export_models.py (random weights, fixed seeds), cached in
--model-dir ($TMPDIR/layerscope-bench-models). Only Debian's /usr/bin/python3 runs this.
"""
import argparse
import json
import os
import shutil
import sys
import tempfile

import numpy as np

from bench_common import OPSET, DEFAULT_MODEL_DIR, ROOT, export_model, find_layerscope, run_process

TIME_TARGET = 3.0
SIZE_TARGET_MB = 20.0
READY_TARGET_MS = 2000


def write_inputs(folder, like, count, seed=0):
    sample = np.load(like)
    rng = np.random.default_rng(seed)
    paths = []
    for i in range(count):
        path = os.path.join(folder, f"input_{i:04d}.npy")
        np.save(path, rng.standard_normal(sample.shape).astype(sample.dtype))
        paths.append(path)
    return paths


def page_timing(page):
    node = shutil.which("node")
    script = os.path.join(ROOT, "web", "browser_tests", "page_timing.mjs")
    if not node or not os.path.exists("/usr/bin/chromium"):
        return None
    out, _ = run_process([node, script, page, "5"])
    return json.loads(out)


def hundred_layer_model(folder):
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    rng = np.random.default_rng(1)
    nodes, inits, previous = [], [], "x"
    for k in range(50):
        w = numpy_helper.from_array((rng.standard_normal((16, 16, 3, 3)) * 0.1).astype(np.float32), f"w{k}")
        inits.append(w)
        nodes.append(helper.make_node("Conv", [previous, f"w{k}"], [f"c{k}"], name=f"/b{k}/conv",
                                      pads=[1, 1, 1, 1]))
        nodes.append(helper.make_node("Relu", [f"c{k}"], [f"r{k}"], name=f"/b{k}/relu"))
        previous = f"r{k}"
    graph = helper.make_graph(nodes, "hundred", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 16, 32, 32])],
                              [helper.make_tensor_value_info(previous, TensorProto.FLOAT, [1, 16, 32, 32])],
                              initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    path = os.path.join(folder, "hundred.onnx")
    onnx.save(model, path)
    np.save(os.path.join(folder, "like.npy"), np.zeros((1, 16, 32, 32), np.float32))
    return path, os.path.join(folder, "like.npy")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="resnet50")
    parser.add_argument("--inputs", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--model-dir", default=DEFAULT_MODEL_DIR)
    parser.add_argument("--layerscope")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.inputs < 2:
        sys.exit("error: --inputs must be at least 2")
    layerscope = find_layerscope(args.layerscope)
    model = export_model(args.model, args.model_dir)

    work = tempfile.mkdtemp(prefix="layerscope-report-bench-")
    try:
        inputs_dir = os.path.join(work, "inputs")
        os.mkdir(inputs_dir)
        paths = write_inputs(inputs_dir, model["input"], args.inputs)
        page = os.path.join(work, "report.html")
        load_before = os.getloadavg()[0]
        rounds = []
        for _ in range(args.rounds):
            _, run_s = run_process([layerscope, "run", model["model"], "--input",
                                    "input=" + paths[0], "--repeat", str(args.inputs - 1),
                                    "--threads", str(args.threads), "--json"])
            out, report_s = run_process([layerscope, "report", model["model"], "--inputs-dir",
                                         inputs_dir, "--threads", str(args.threads), "-o", page])
            rounds.append({"run_s": run_s, "report_s": report_s, "page_mb": os.path.getsize(page) / 1e6,
                           "summary": out.splitlines()[0]})
        load_after = os.getloadavg()[0]
        timing = page_timing(page)

        size_dir = os.path.join(work, "size")
        os.mkdir(size_dir)
        hundred, like = hundred_layer_model(size_dir)
        many = os.path.join(size_dir, "inputs")
        os.mkdir(many)
        write_inputs(many, like, 64, seed=2)
        size_page = os.path.join(size_dir, "hundred.html")
        size_out, size_s = run_process([layerscope, "report", hundred, "--inputs-dir", many,
                                        "--threads", str(args.threads), "-o", size_page])
        size_mb = os.path.getsize(size_page) / 1e6
    finally:
        shutil.rmtree(work, ignore_errors=True)

    run_s = min(r["run_s"] for r in rounds)
    report_s = min(r["report_s"] for r in rounds)
    ratio = report_s / run_s
    result = {"model": args.model, "inputs": args.inputs, "threads": args.threads,
              "run_s": run_s, "report_s": report_s, "ratio": ratio, "time_target": TIME_TARGET,
              "page_mb": rounds[0]["page_mb"], "hundred_layers_64_inputs_mb": size_mb,
              "hundred_layers_64_inputs_s": size_s, "size_target_mb": SIZE_TARGET_MB,
              "page_ready_ms": timing and timing["ready_ms"], "ready_target_ms": READY_TARGET_MS,
              "pass": (ratio <= TIME_TARGET and size_mb <= SIZE_TARGET_MB and
                       (timing is None or timing["ready_ms"] <= READY_TARGET_MS)), "rounds": rounds,
              "load_before": load_before, "load_after": load_after}
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"{args.model}, {args.inputs} inputs, {args.threads} threads, {args.rounds} rounds "
          f"(load average {load_before:.1f} before, {load_after:.1f} after)")
    print(f"  {rounds[0]['summary']}")
    for name, best in (("run", run_s), ("report", report_s)):
        each = " ".join("%.2f" % r[name + "_s"] for r in rounds)
        print(f"  {name:7}{best:7.2f} s   rounds: {each}")
    print(f"  report/run = {ratio:.2f}  (target <= {TIME_TARGET:.0f}: {'PASS' if ratio <= TIME_TARGET else 'MISS'})"
          f"; page {rounds[0]['page_mb']:.1f} MB")
    if timing:
        print(f"  page interactive in Chromium: {timing['ready_ms']:.0f} ms median of 5, load event "
              f"{timing['load_ms']:.0f} ms (target < {READY_TARGET_MS} ms: "
              f"{'PASS' if timing['ready_ms'] <= READY_TARGET_MS else 'MISS'})")
    else:
        print("  page timing skipped: no node or /usr/bin/chromium")
    print(f"  100 layers x 64 inputs: {size_mb:.1f} MB in {size_s:.1f} s (target < {SIZE_TARGET_MB:.0f} MB: "
          f"{'PASS' if size_mb <= SIZE_TARGET_MB else 'MISS'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
