#!/usr/bin/python3
"""`layerscope log` overhead: TensorBoard logging of every layer against `run` with statistics.

    /usr/bin/python3 bench/run_log_bench.py [--model resnet50] [--inputs 100] [--threads 2]
        [--rounds 3] [--images 8] [--model-dir DIR] [--layerscope PATH] [--json]

The same input, N times, through two processes per round (interleaved, --rounds R):

    run   layerscope run MODEL --input input=X.npy --repeat N-1 --threads T --json
          statistics on every layer; `median_seconds` is the median time of one run
    log   layerscope log MODEL --inputs-dir D --logdir L --threads T --images K
          D holds N copies of X; for every layer a histogram, the statistics as scalars and, for
          rank-4 outputs, a feature-map grid image; it prints its time per step: from the first
          run until the last record is handed to the writer, over N (its logging thread overlaps
          the runs, so no single step's time would count all of it)

Both exclude process start-up and model loading, and both runs compute the same statistics
(`log` on top writes them, the histograms and the images). The ratio log/run (log's mean per step
over run's median, in the same round) is the cost of logging (target: at most 1.10); with
--rounds R the median of the R rounds' ratios is taken, every round shown alongside. Each process
also gets its total wall time, for the fixed costs (`log` reads N inputs, writes the graph and
closes the file).

Models come from tests/real_models/export_models.py (random weights, fixed seeds), cached in
--model-dir ($TMPDIR/layerscope-bench-models). Only Debian's /usr/bin/python3 runs this.
"""
import argparse
import json
import os
import re
import shutil
import statistics
import sys
import tempfile

from bench_common import DEFAULT_MODEL_DIR, export_model, find_layerscope, run_process

TARGET = 1.10
STEP_LINE = re.compile(r"^time: ([0-9.e+-]+) s, ([0-9.e+-]+) ms per step$", re.M)


def measure_run(layerscope, model, args):
    out, wall = run_process([layerscope, "run", model["model"], "--input",
                             "input=" + model["input"], "--threads", str(args.threads),
                             "--repeat", str(args.inputs - 1), "--json"])
    data = json.loads(out[out.index("{"):])
    return {"median_ms": data["median_seconds"] * 1e3, "process_s": wall,
            "layers": len(data["layers"])}


def measure_log(layerscope, model, inputs_dir, args):
    logdir = tempfile.mkdtemp(prefix="layerscope-log-bench-")
    try:
        out, wall = run_process([layerscope, "log", model["model"], "--inputs-dir", inputs_dir,
                                 "--logdir", logdir, "--threads", str(args.threads),
                                 "--images", str(args.images)])
        m = STEP_LINE.search(out)
        if not m:
            sys.exit("error: `layerscope log` printed no 'time: ... ms per step' line:\n" + out)
        size = sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(logdir)
                   for f in files)
    finally:
        shutil.rmtree(logdir, ignore_errors=True)
    return {"median_ms": float(m.group(2)), "steps_s": float(m.group(1)), "process_s": wall,
            "event_mb": size / 1e6, "summary": out.splitlines()[0]}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="resnet50")
    parser.add_argument("--inputs", type=int, default=100)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--images", type=int, default=8)
    parser.add_argument("--model-dir", default=DEFAULT_MODEL_DIR)
    parser.add_argument("--layerscope")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.inputs < 2:
        sys.exit("error: --inputs must be at least 2")

    layerscope = find_layerscope(args.layerscope)
    model = export_model(args.model, args.model_dir)
    inputs_dir = tempfile.mkdtemp(prefix="layerscope-log-bench-inputs-")
    try:
        for i in range(args.inputs):  # N names for one file: the same input every step
            target = os.path.join(inputs_dir, f"input_{i:04d}.npy")
            try:
                os.link(model["input"], target)
            except OSError:
                shutil.copyfile(model["input"], target)
        load_before = os.getloadavg()[0]
        rounds = []
        for _ in range(args.rounds):
            rounds.append({"run": measure_run(layerscope, model, args),
                           "log": measure_log(layerscope, model, inputs_dir, args)})
        load_after = os.getloadavg()[0]
    finally:
        shutil.rmtree(inputs_dir, ignore_errors=True)

    run_ms = min(r["run"]["median_ms"] for r in rounds)
    log_ms = min(r["log"]["median_ms"] for r in rounds)
    # Each round's log over the same round's run, then the median: the two processes of a round
    # run minutes apart at most, so a machine that speeds up or slows down between rounds moves
    # both alike (the ratio of the two minimums could pair a lucky run with an unlucky log).
    round_ratios = sorted(r["log"]["median_ms"] / r["run"]["median_ms"] for r in rounds)
    ratio = statistics.median(round_ratios)
    result = {"model": args.model, "inputs": args.inputs, "threads": args.threads,
              "run_median_ms": run_ms, "log_median_ms": log_ms, "ratio": ratio,
              "round_ratios": round_ratios,
              "target": TARGET, "pass": ratio <= TARGET, "rounds": rounds,
              "load_before": load_before, "load_after": load_after}
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"{args.model}, {args.inputs} inputs, {args.threads} threads, {args.rounds} rounds "
          f"(load average {load_before:.1f} before, {load_after:.1f} after)")
    print(f"  {rounds[0]['log']['summary']}")
    print(f"  {'':34} {'median ms':>10}  {'each round':<30} {'process s':>10}")
    for name, key in (("run, statistics", "run"), ("log: + histograms, scalars, images", "log")):
        per_round = " ".join(f"{r[key]['median_ms']:.1f}" for r in rounds)
        process = " ".join(f"{r[key]['process_s']:.1f}" for r in rounds)
        best = min(r[key]["median_ms"] for r in rounds)
        print(f"  {name:34} {best:10.1f}  {per_round:<30} {process:>10}")
    print(f"  event files: {rounds[0]['log']['event_mb']:.1f} MB")
    each = " ".join(f"{r['log']['median_ms'] / r['run']['median_ms']:.3f}" for r in rounds)
    print(f"  log/run, per round: {each}")
    print(f"  log/run = {ratio:.3f}, median of the rounds' ratios "
          f"(target <= {TARGET:.2f}: {'PASS' if ratio <= TARGET else 'MISS'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
