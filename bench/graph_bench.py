#!/usr/bin/python3
"""Graph drawing benchmark: `layerscope graph` against Graphviz's own `dot` on the same graph.

    /usr/bin/python3 bench/graph_bench.py [--sizes 10000,50000] [--layerscope PATH]
        [--model-dir DIR] [--dot-timeout SECONDS] [--flat] [--json]

Models: resnet50 and a 12-layer transformer encoder (d_model 256, sequence 128) exported by
tests/real_models/export_models.py into --model-dir (once, then reused), and synthetic DAGs of the given node counts written as ONNX with python3-onnx. The synthetic ones
are named as torch.onnx names scopes, /stage{s}/block{b}/layer{l}/{Op}: 10 ops a layer, 10 layers a
block, 10 blocks a stage; each op reads its predecessor, and every third one also a value up to 30
ops back (skip connections crossing layers and blocks). With --flat they have no scopes at all, so
only the splitting of wide groups gives them structure.

For each model, each in its own process under `/usr/bin/time -f "%e %M"` (wall time, peak RSS):
    graph-svg       layerscope graph MODEL -o x.svg             (the default depth)
    graph-svg-all   layerscope graph MODEL -o x.svg --depth 99  (every node drawn)
    dot-svg         dot -Tsvg on `layerscope graph MODEL -o flat.dot --depth 99`: Graphviz's own
                    layout of the same graph, every node, in one call; stopped after --dot-timeout
    graph-html      layerscope graph MODEL -o x.html           (the default depth; page size too)
    page-ready      that page in headless Chromium: navigation start to the end of its first
                    layout and drawing (web/browser_tests/page_timing.mjs, median of 3; skipped with
                    --no-browser or without /usr/bin/chromium and web/node_modules)
Prints a table, the ratios dot-svg / graph-svg-all and graph-html / graph-svg, and the targets
(10k nodes <= 5 s, 50k <= 30 s at the default depth, on 2 cores, for SVG and HTML). Nothing is
written to the repository.
"""
import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile

from bench_common import DEFAULT_MODEL_DIR, ROOT, export_model

TARGETS = {10000: 5.0, 50000: 30.0}  # seconds at the default depth
OPS = ["Relu", "Sigmoid", "Tanh", "Neg", "Abs"]


def synthetic_model(path, nodes, flat=False, seed=0):
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = random.Random(seed)
    width = 8
    made, values = [], ["x"]
    inits = [numpy_helper.from_array(np.ones([width], np.float32), "bias")]
    for i in range(nodes):
        stage, block, layer, k = i // 1000, i // 100 % 10, i // 10 % 10, i % 10
        scope = "" if flat else "/stage%d/block%d/layer%d" % (stage, block, layer)
        out = "v%d" % i
        if i % 3 == 2 and len(values) > 2:
            skip = values[-rng.randint(2, min(30, len(values)))]
            made.append(helper.make_node("Add", [values[-1], skip], [out],
                                         name="%s/Add_%d" % (scope, k)))
        elif i % 7 == 3:
            made.append(helper.make_node("Add", [values[-1], "bias"], [out],
                                         name="%s/bias/Add_%d" % (scope, k)))
        else:
            op = OPS[i % len(OPS)]
            made.append(helper.make_node(op, [values[-1]], [out], name="%s/%s_%d" % (scope, op, k)))
        values.append(out)
    graph = helper.make_graph(made, "synthetic%d" % nodes,
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, width])],
                              [helper.make_tensor_value_info(values[-1], TensorProto.FLOAT,
                                                             [1, width])], initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, path)


def timed(command, timeout=None, may_fail=False):
    """(wall seconds, peak RSS MiB, stdout, failure) of a command under /usr/bin/time; None on
    timeout. A failing command ends the benchmark unless `may_fail` (then `failure` says why)."""
    # Its own process group, so that a timeout stops the command itself, not only /usr/bin/time
    # (a `dot` left running would load every later measurement).
    with subprocess.Popen(["/usr/bin/time", "-f", "%e %M"] + command, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, start_new_session=True) as p:
        try:
            stdout, stderr = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.communicate()
            return None
    r = subprocess.CompletedProcess(p.args, p.returncode, stdout, stderr)
    lines = r.stderr.strip().splitlines()
    seconds, kib = lines[-1].split()
    failure = None
    if r.returncode != 0:
        if not may_fail:
            sys.exit("failed: %s\n%s" % (" ".join(command), r.stderr))
        failure = "; ".join(l for l in lines[:-1] if l.strip())[-120:] or "exit %d" % r.returncode
    return float(seconds), int(kib) / 1024, r.stdout, failure


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,50000")
    parser.add_argument("--layerscope", default=os.path.join(ROOT, "build", "layerscope"))
    parser.add_argument("--model-dir", default=DEFAULT_MODEL_DIR)
    parser.add_argument("--dot-timeout", type=float, default=300)
    parser.add_argument("--flat", action="store_true", help="synthetic models without scopes")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--no-browser", action="store_true", help="skip the page-ready timing")
    parser.add_argument("--default-depth-only", action="store_true",
                        help="skip graph-svg-all and dot-svg (the slow full-depth comparison)")
    args = parser.parse_args()
    browser = (not args.no_browser and os.path.exists("/usr/bin/chromium") and shutil.which("node")
               and os.path.isdir(os.path.join(ROOT, "web", "node_modules", "playwright-core")))
    if not shutil.which("dot"):
        sys.exit("Graphviz's dot is needed for the comparison (Debian package graphviz)")
    os.makedirs(args.model_dir, exist_ok=True)

    models = []
    for name in ("resnet50", "transformer12"):  # python3-torch: exported once, then cached
        models.append((name, export_model(name, args.model_dir)["model"], None))
    for size in (int(s) for s in args.sizes.split(",") if s):
        path = os.path.join(args.model_dir, "graph_dag_%d%s.onnx" % (size, "_flat" if args.flat else ""))
        if not os.path.exists(path):
            synthetic_model(path, size, flat=args.flat)
        models.append(("dag-%dk%s" % (size // 1000, "-flat" if args.flat else ""), path, size))

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, path, size in models:
            row = {"model": name}
            svg = os.path.join(tmp, "x.svg")
            t = timed([args.layerscope, "graph", path, "-o", svg])
            row["graph-svg"] = t[:2]
            row["summary"] = t[2].splitlines()[0]
            row["graph-svg-all"] = row["summary-all"] = row["dot-svg"] = row["dot-failure"] = None
            if not args.default_depth_only:
                t = timed([args.layerscope, "graph", path, "-o", svg, "--depth", "99"])
                row["graph-svg-all"] = t[:2]
                row["summary-all"] = t[2].splitlines()[0]
                dot = os.path.join(tmp, "flat.dot")
                timed([args.layerscope, "graph", path, "-o", dot, "--depth", "99"])
                t = timed(["dot", "-Tsvg", dot, "-o", os.path.join(tmp, "dot.svg")],
                          args.dot_timeout, may_fail=True)
                row["dot-svg"] = t[:2] if t else None
                row["dot-failure"] = t[3] if t else None
            html = os.path.join(tmp, "x.html")
            t = timed([args.layerscope, "graph", path, "-o", html])
            row["graph-html"] = t[:2]
            row["html-mib"] = os.path.getsize(html) / 2**20
            row["page-ready"] = None
            if browser:
                timing = os.path.join(ROOT, "web", "browser_tests", "page_timing.mjs")
                r = subprocess.run(["node", timing, html, "3"], capture_output=True, text=True)
                if r.returncode != 0:
                    sys.exit("page timing failed:\n" + r.stderr)
                row["page-ready"] = json.loads(r.stdout)
            row["target"] = TARGETS.get(size)
            results.append(row)
            print_row(row, args.dot_timeout)
    if args.json:
        print(json.dumps(results, indent=2))


def print_row(row, dot_timeout):
    def cell(t):
        return "> %.0f s (stopped)" % dot_timeout if t is None else "%.2f s, %.0f MiB" % t

    print("%s\n  %s" % (row["model"], row["summary"]))
    full = row["summary-all"] is not None
    if full:
        print("  %s" % row["summary-all"])
    for key in ("graph-svg", "graph-svg-all", "dot-svg") if full else ("graph-svg",):
        print("  %-14s %s" % (key, cell(row[key])))
    ours = row["graph-svg-all"][0] if full else None
    if not full:
        pass
    elif row["dot-failure"]:
        print("  dot failed after %.1f s: %s" % (row["dot-svg"][0], row["dot-failure"]))
    elif row["dot-svg"]:
        print("  ratio dot-svg / graph-svg-all: %.1fx" % (row["dot-svg"][0] / ours))
    else:
        print("  ratio dot-svg / graph-svg-all: > %.1fx" % (dot_timeout / ours))
    print("  %-14s %s, page %.1f MiB; ratio graph-html / graph-svg: %.2fx"
          % ("graph-html", cell(row["graph-html"]), row["html-mib"],
             row["graph-html"][0] / max(row["graph-svg"][0], 1e-9)))
    ready = row["page-ready"]
    if ready:
        print("  %-14s %.2f s (first layout %.2f s; %d boxes, %d open groups; runs %s)"
              % ("page-ready", ready["ready_ms"] / 1000, ready["layout_ms"] / 1000, ready["nodes"],
                 ready["open_groups"], ", ".join("%.2f" % (ms / 1000) for ms in ready["rounds"])))
    if row["target"]:
        for key in ("graph-svg", "graph-html"):
            met = row[key][0] <= row["target"]
            print("  target: %s at the default depth <= %.0f s: %s"
                  % (key, row["target"], "met" if met else "MISSED"))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
