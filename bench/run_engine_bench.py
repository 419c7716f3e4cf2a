#!/usr/bin/python3
"""Engine benchmark: layerscope against ONNX Runtime and PyTorch eager, per inference and peak RSS.

    /usr/bin/python3 bench/run_engine_bench.py [--models resnet50,mobilenet_v2] [--repeat N]
        [--threads 2] [--rounds R] [--configs a,b,c,d,e] [--model-dir DIR] [--layerscope PATH]
        [--json]

For each model (batch 1, the same input for every engine) it runs five configurations, each in its
own process under `/usr/bin/time -f %M` (peak RSS):

    (a) layerscope, statistics on every layer     layerscope run --repeat N --json
    (b) layerscope, no observers                  layerscope run --repeat N --no-stats --json
    (c) ONNX Runtime, optimizations "all"         tests/oracle/run_ort.js --repeat N
    (d) ONNX Runtime, every intermediate value a graph output (optimizations "all")
    (e) PyTorch eager, torch.no_grad, a forward hook on every leaf module computing the same
        statistics as (a): min/max/mean/std over finite values, zero count, NaN and Inf counts

Each process runs the model once (warm-up, not timed), then N more times; its time is the median
of those N runs (sorted[N // 2], as run_ort.js does), so start-up and model loading are excluded.
With --rounds R every configuration runs in R processes, interleaved, and the smallest of the R
medians is reported (other processes only ever add time; --across-rounds median to change that),
with every round's median alongside; peak RSS is the largest of the R. Models come from tests/real_models/export_models.py (random
weights, fixed seeds), cached in --model-dir. Prints a table and the ratios with their targets
(a <= d, a <= 1.5 c, a <= 1.1 b); nothing is written to the repository.

Only Debian's interpreter (/usr/bin/python3, with torch, torchvision, onnx, numpy) runs this.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUN_ORT = os.path.join(ROOT, "tests", "oracle", "run_ort.js")
EXPORTER_DIR = os.path.join(ROOT, "tests", "real_models")
DEFAULT_MODEL_DIR = os.path.join(tempfile.gettempdir(), "layerscope-bench-models")
OPSET = 13

CONFIGS = {
    "a": "layerscope, stats on every layer",
    "b": "layerscope, no observers",
    "c": "ONNX Runtime, optimize all",
    "d": "ONNX Runtime, all intermediates out",
    "e": "PyTorch eager + stats hooks",
}

# (numerator, denominator, largest allowed ratio or None for information only)
RATIOS = [("a", "c", 1.5), ("a", "d", 1.0), ("a", "e", None), ("b", "c", None), ("a", "b", 1.1)]


def median(values):
    """The median as run_ort.js and `layerscope run --repeat` report it: sorted[n // 2]."""
    return sorted(values)[len(values) // 2]


# ---------------------------------------------------------------------------------------------
# PyTorch worker: `run_engine_bench.py --torch-worker MODEL INPUT REPEAT THREADS`, in its own
# process so that its peak RSS is its own.

def torch_worker(model_name, input_path, repeat, threads):
    import numpy as np
    import torch

    torch.set_num_threads(threads)
    sys.path.insert(0, EXPORTER_DIR)
    from export_models import build_model

    model, _ = build_model(model_name)  # the weights the ONNX file was exported from
    x = torch.from_numpy(np.load(input_path))
    records = []

    def stats_hook(module, inputs, output):
        if not isinstance(output, torch.Tensor):
            return
        t = output
        # Like layerscope's StatsObserver: a quick all-finite check, counts only when needed.
        if bool(torch.isfinite(t).all()):
            nan = inf = 0
            finite = t
        else:
            nan, inf = int(torch.isnan(t).sum()), int(torch.isinf(t).sum())
            finite = t[torch.isfinite(t)]
        lo, hi = torch.aminmax(finite)
        std, mean = torch.std_mean(finite, unbiased=False)
        zeros = t.numel() - int(torch.count_nonzero(t))
        records.append((float(lo), float(hi), float(mean), float(std), zeros, nan, inf))

    hooked = 0
    for module in model.modules():
        if not any(True for _ in module.children()):  # leaf modules: the layers
            module.register_forward_hook(stats_hook)
            hooked += 1

    times = []
    with torch.no_grad():
        model(x)  # warm-up
        hook_calls = len(records)
        for _ in range(repeat):
            records.clear()
            start = time.perf_counter()
            model(x)
            times.append((time.perf_counter() - start) * 1e3)
    print(json.dumps({"median_ms": median(times), "runs": len(times), "hooked_modules": hooked,
                      "hook_calls": hook_calls}))
    return 0


# ---------------------------------------------------------------------------------------------
# Models

def prepare_models(names, model_dir):
    """Exports each model (cached) and builds its all-intermediates-as-outputs variant for (d)."""
    sys.path.insert(0, EXPORTER_DIR)
    from export_models import export

    prepared = {}
    for name in names:
        p = export(name, OPSET, model_dir)
        all_outputs = os.path.join(model_dir, f"{name}_op{OPSET}_all_outputs.onnx")
        if not os.path.exists(all_outputs):
            expose_all_values(p["model"], all_outputs)
        prepared[name] = {"model": p["model"], "input": p["input"], "all_outputs": all_outputs}
    return prepared


def expose_all_values(src, dst):
    """Writes a copy of the model whose every node output is also a graph output."""
    import onnx

    model = onnx.shape_inference.infer_shapes(onnx.load(src))
    graph = model.graph
    known = {v.name: v for v in list(graph.value_info) + list(graph.output)}
    present = {o.name for o in graph.output}
    for node in graph.node:
        for name in node.output:
            if not name or name in present:
                continue
            if name in known:
                graph.output.append(known[name])
            else:  # no inferred type: every value of these vision models is float32
                graph.output.append(onnx.helper.make_tensor_value_info(
                    name, onnx.TensorProto.FLOAT, None))
            present.add(name)
    tmp = dst + ".tmp"
    onnx.save(model, tmp)
    os.replace(tmp, dst)


# ---------------------------------------------------------------------------------------------
# Running one configuration

def supports_repeat(binary):
    try:
        r = subprocess.run([binary, "run", "--help"], capture_output=True, text=True, timeout=60)
    except OSError:
        return False
    return "--repeat" in r.stdout and "--no-stats" in r.stdout


def find_layerscope(explicit):
    if explicit:
        if not supports_repeat(explicit):
            sys.exit(f"error: {explicit} has no 'run --repeat/--no-stats'; rebuild it")
        return explicit
    for candidate in (os.path.join(ROOT, "build", "layerscope"),
                      os.path.join(ROOT, "build-bench", "layerscope")):
        if os.path.exists(candidate) and supports_repeat(candidate):
            return candidate
    sys.exit("error: no layerscope binary with 'run --repeat/--no-stats' in build/ or "
             "build-bench/; build one or pass --layerscope PATH")


def command_for(config, model, args, layerscope):
    threads = str(args.threads)
    repeat = str(args.repeat)
    if config in ("a", "b"):
        cmd = [layerscope, "run", model["model"], "--input", "input=" + model["input"],
               "--threads", threads, "--repeat", repeat, "--json"]
        return cmd + (["--no-stats"] if config == "b" else [])
    if config in ("c", "d"):
        onnx_file = model["model"] if config == "c" else model["all_outputs"]
        return ["node", RUN_ORT, onnx_file, "", "input=" + model["input"], "--optimize", "all",
                "--threads", threads, "--repeat", repeat]
    return [sys.executable, os.path.abspath(__file__), "--torch-worker", model["name"],
            model["input"], repeat, threads]


def run_config(config, model, args, layerscope):
    """Returns {"median_ms", "peak_rss_mib", ...} or {"error": message}."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as rss_file:
        cmd = ["/usr/bin/time", "-f", "%M", "-o", rss_file.name] + command_for(
            config, model, args, layerscope)
        r = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
        rss_text = rss_file.read().strip().splitlines()
    if r.returncode != 0:
        lines = (r.stderr or r.stdout).strip().splitlines()
        return {"error": lines[-1] if lines else f"exit code {r.returncode}"}
    out = json.loads(r.stdout[r.stdout.index("{"):])
    result = {"peak_rss_mib": int(rss_text[-1]) / 1024.0}
    if config in ("a", "b"):
        result["median_ms"] = out["median_seconds"] * 1e3
        result["observed_tensors"] = len(out["layers"])
    else:
        result["median_ms"] = out["median_ms"]
        if config == "e":
            result["observed_tensors"] = out["hook_calls"]
    return result


# ---------------------------------------------------------------------------------------------
# Report

def fmt(v, digits=2):
    return "n/a" if v is None else f"{v:.{digits}f}"


def print_report(results, models, configs, args, load_before, load_after, layerscope):
    print(f"engine benchmark: batch 1, {args.threads} threads, median of {args.repeat} runs after "
          f"1 warm-up per process, {args.across_rounds} over {args.rounds} round(s); "
          f"layerscope: {layerscope}")
    print(f"machine: {os.cpu_count()} cores; load average (1/5/15 min) before "
          f"{' '.join(f'{x:.2f}' for x in load_before)}, after "
          f"{' '.join(f'{x:.2f}' for x in load_after)}")
    print()
    header = f"{'model':<14}{'config':<44}{'median ms':>11}{'peak RSS MiB':>14}{'tensors':>9}"
    if args.rounds > 1:
        header += "  median ms of each round"
    print(header)
    print("-" * len(header))
    for name in models:
        for c in configs:
            r = results[name][c]
            label = f"({c}) {CONFIGS[c]}"
            if "error" in r:
                print(f"{name:<14}{label:<44}  error: {r['error']}")
                continue
            tensors = r.get("observed_tensors")
            line = (f"{name:<14}{label:<44}{r['median_ms']:>11.2f}{r['peak_rss_mib']:>14.1f}"
                    f"{'' if tensors is None else tensors:>9}")
            if args.rounds > 1:
                line += "  " + " ".join(f"{v:.1f}" for v in r["round_medians_ms"])
            print(line)
    print()
    header = f"{'model':<14}{'ratio':<7}{'value':>8}  {'target':<12}{'result':<6}"
    print(header)
    print("-" * len(header))
    for name in models:
        for num, den, limit in RATIOS:
            if num not in configs or den not in configs:
                continue
            a, b = results[name][num], results[name][den]
            value = a["median_ms"] / b["median_ms"] if "median_ms" in a and "median_ms" in b \
                else None
            target = "" if limit is None else f"{num} <= {'' if limit == 1 else f'{limit:g}'}{den}"
            verdict = "" if limit is None else (
                "n/a" if value is None else ("PASS" if value <= limit else "MISS"))
            print(f"{name:<14}{num + '/' + den:<7}{fmt(value):>8}  {target:<12}{verdict:<6}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default="resnet50,mobilenet_v2")
    parser.add_argument("--repeat", type=int, default=15, help="timed runs per process")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1,
                        help="processes per configuration, interleaved (default: %(default)s)")
    parser.add_argument("--across-rounds", choices=("min", "median"), default="min",
                        help="how the rounds' medians combine (default: %(default)s)")
    parser.add_argument("--configs", default="a,b,c,d,e", help="subset of a,b,c,d,e")
    parser.add_argument("--model-dir", default=DEFAULT_MODEL_DIR,
                        help="where exported models are cached (default: %(default)s)")
    parser.add_argument("--layerscope", help="binary (default: build/ or build-bench/layerscope)")
    parser.add_argument("--json", action="store_true", help="also print the results as JSON")
    parser.add_argument("--torch-worker", nargs=4, metavar=("MODEL", "INPUT", "REPEAT", "THREADS"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.torch_worker:
        name, input_path, repeat, threads = args.torch_worker
        return torch_worker(name, input_path, int(repeat), int(threads))

    if args.repeat < 1 or args.rounds < 1 or args.threads < 1:
        parser.error("--repeat, --rounds and --threads must be at least 1")
    configs = [c for c in args.configs.split(",") if c]
    for c in configs:
        if c not in CONFIGS:
            parser.error(f"unknown config {c!r}; known: {', '.join(CONFIGS)}")
    models = [m for m in args.models.split(",") if m]
    if not shutil.which("node") and {"c", "d"} & set(configs):
        sys.exit("error: node is needed for the ONNX Runtime configurations (c, d)")
    layerscope = find_layerscope(args.layerscope) if {"a", "b"} & set(configs) else None

    sys.path.insert(0, EXPORTER_DIR)
    from export_models import MODELS as KNOWN_MODELS
    for m in models:
        if m not in KNOWN_MODELS:
            parser.error(f"unknown model {m!r}; known: {', '.join(KNOWN_MODELS)}")
    prepared = prepare_models(models, args.model_dir)
    load_before = os.getloadavg()
    rounds = {name: {c: [] for c in configs} for name in models}
    for round_index in range(args.rounds):
        for name in models:
            model = dict(prepared[name], name=name)
            for c in configs:
                print(f"[round {round_index + 1}/{args.rounds}] {name} ({c}) {CONFIGS[c]} ...",
                      file=sys.stderr, flush=True)
                rounds[name][c].append(run_config(c, model, args, layerscope))
    load_after = os.getloadavg()

    results = {}
    for name in models:
        results[name] = {}
        for c in configs:
            runs = rounds[name][c]
            errors = [r for r in runs if "error" in r]
            if errors:
                results[name][c] = errors[0]
                continue
            merged = dict(runs[0])
            pick = min if args.across_rounds == "min" else statistics.median
            merged["median_ms"] = pick(r["median_ms"] for r in runs)
            merged["peak_rss_mib"] = max(r["peak_rss_mib"] for r in runs)
            merged["round_medians_ms"] = [r["median_ms"] for r in runs]
            results[name][c] = merged

    print_report(results, models, configs, args, load_before, load_after, layerscope)
    if args.json:
        print(json.dumps({"threads": args.threads, "repeat": args.repeat, "rounds": args.rounds,
                          "load_before": load_before, "load_after": load_after,
                          "results": results}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
