#!/usr/bin/python3
"""Embedding benchmark: `layerscope embed` against scikit-learn's t-SNE and PCA, in one run.

    /usr/bin/python3 bench/embed_bench.py [--datasets digits,mix10k,mix70k] [--threads 2]
        [--rounds 1] [--iterations 750] [--repulsion barnes_hut,fft] [--sklearn-max-rows 20000]
        [--trust-sample 10000] [--layerscope PATH] [--out-dir DIR] [--json]

Datasets: `digits` (sklearn's bundled 8x8 digits, 1797 x 64, 10 classes) and Gaussian mixtures
`mixN` (N points, 50 dimensions, 10 components of unit spread with centres drawn at spread 4,
seed 0). For each one and each tool:

    t-SNE  layerscope embed --from-npy X.npy --threads T --seed 0 --iterations I --repulsion R
           (once per R in --repulsion: barnes_hut, fft and/or auto)
           sklearn.manifold.TSNE(perplexity=30, early_exaggeration=12, learning_rate="auto",
               n_iter=I, init="pca", method="barnes_hut", angle=0.5, n_jobs=T, random_state=0)
           (skipped above --sklearn-max-rows rows: at 70,000 it runs for the better part of an
           hour on 2 cores)
    PCA    layerscope embed --method pca (2 components)
           sklearn.decomposition.PCA(2, svd_solver="randomized", random_state=0)

Both t-SNEs use the same defaults: sklearn's "auto" learning rate max(n / 12 / 4, 50) with its
gradient's factor 4 is layerscope's max(200, n / 12) without it. Times are each tool's own
measure of the computation (layerscope prints it; sklearn's is taken around fit_transform in a
worker process), so process start-up and file reading are excluded; CPU seconds are the whole
process's user + system time. Quality is sklearn.manifold.trustworthiness (k = 10) of each
embedding and each tool's final KL divergence. Trustworthiness needs all pairwise distances, so
above --trust-sample rows it is measured on a random subsample of that many rows (the same rows
for every tool; neighbours are then looked up within the subsample), and the table says so.
With --rounds R each measurement runs R times and the median time is kept, with the embedding
of that run.

Only Debian's interpreter (/usr/bin/python3, with python3-sklearn 1.2 and numpy) runs this.
Nothing is written to the repository; the layerscope plots go to --out-dir.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def dataset(name):
    """(X float32, labels int) for a dataset name."""
    if name == "digits":
        from sklearn.datasets import load_digits
        digits = load_digits()
        return digits.data.astype(np.float32), digits.target.astype(np.int64)
    if name.startswith("mix"):
        n = int(name[3:].replace("k", "000"))
        rng = np.random.default_rng(0)
        centres = rng.normal(scale=4.0, size=(10, 50))
        labels = rng.integers(0, 10, size=n)
        x = centres[labels] + rng.normal(size=(n, 50))
        return x.astype(np.float32), labels
    raise SystemExit(f"unknown dataset {name}: expected digits or mixN (e.g. mix10k)")


def cpu_of_children():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_layerscope(binary, x_path, labels_path, out, method, threads, iterations, repulsion):
    args = [binary, "embed", "--from-npy", x_path, "--labels", labels_path, "--method", method,
            "--threads", str(threads), "--seed", "0", "--iterations", str(iterations), "-o", out]
    if method == "tsne":
        args += ["--repulsion", repulsion]
    before = cpu_of_children()
    r = subprocess.run(args, capture_output=True, text=True)
    cpu = cpu_of_children() - before
    if r.returncode != 0:
        raise SystemExit(f"layerscope failed: {r.stderr.strip()}")
    # "... in 2.34 s" on the first line
    seconds = float(r.stdout.split(" in ")[1].split(" s")[0])
    result = {"seconds": seconds, "cpu_seconds": cpu}
    if method == "tsne":
        result["kl"] = float(r.stdout.split("KL divergence: ")[1].split()[0])
    else:
        ratios = r.stdout.split("explained variance ratio:")[1].split("(")[0].split()
        result["explained_variance_ratio"] = [float(v) for v in ratios]
    y = np.loadtxt(out + ".csv", delimiter=",", skiprows=1, usecols=(2, 3))
    return result, y


def sklearn_worker(x_path, method, threads, iterations, y_path):
    """Runs in its own process so its CPU time is its own."""
    x = np.load(x_path)
    if method == "tsne":
        from sklearn.manifold import TSNE
        model = TSNE(n_components=2, perplexity=30.0, early_exaggeration=12.0,
                     learning_rate="auto", n_iter=iterations, init="pca", method="barnes_hut",
                     angle=0.5, n_jobs=threads, random_state=0)
        start = time.perf_counter()
        y = model.fit_transform(x)
        result = {"seconds": time.perf_counter() - start, "kl": float(model.kl_divergence_)}
    else:
        from sklearn.decomposition import PCA
        model = PCA(n_components=2, svd_solver="randomized", random_state=0)
        start = time.perf_counter()
        y = model.fit_transform(x)
        result = {"seconds": time.perf_counter() - start,
                  "explained_variance_ratio": [float(v) for v in model.explained_variance_ratio_]}
    np.save(y_path, y)
    print(json.dumps(result))


def run_sklearn(x_path, method, threads, iterations, folder):
    y_path = os.path.join(folder, f"sklearn_{method}.npy")
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS="1")
    before = cpu_of_children()
    r = subprocess.run([sys.executable, os.path.abspath(__file__), "--worker", method, x_path,
                        str(threads), str(iterations), y_path], capture_output=True, text=True,
                       env=env)
    cpu = cpu_of_children() - before
    if r.returncode != 0:
        raise SystemExit(f"sklearn worker failed: {r.stderr.strip()}")
    result = json.loads(r.stdout.strip().splitlines()[-1])
    result["cpu_seconds"] = cpu
    return result, np.load(y_path)


def median_of(rounds, run):
    """The run with the median time of `rounds` runs (its embedding too)."""
    runs = sorted((run() for _ in range(rounds)), key=lambda r: r[0]["seconds"])
    return runs[(len(runs) - 1) // 2]


def trust(x, y, sample):
    """Trustworthiness (k = 10), on the rows `sample` when given."""
    from sklearn.manifold import trustworthiness
    if sample is not None:
        x, y = x[sample], y[sample]
    return float(trustworthiness(x, y, n_neighbors=10))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", default="digits")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--iterations", type=int, default=750)
    parser.add_argument("--repulsion", default="auto",
                        help="layerscope t-SNE repulsions to run, comma-separated")
    parser.add_argument("--sklearn-max-rows", type=int, default=20000)
    parser.add_argument("--trust-sample", type=int, default=10000)
    parser.add_argument("--layerscope", default=os.path.join(ROOT, "build", "layerscope"))
    parser.add_argument("--out-dir", default=os.path.join(tempfile.gettempdir(),
                                                          "layerscope-embed-bench"))
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--worker", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        method, x_path, threads, iterations, y_path = args.worker
        sklearn_worker(x_path, method, int(threads), int(iterations), y_path)
        return

    from sklearn import __version__ as sklearn_version

    os.makedirs(args.out_dir, exist_ok=True)
    repulsions = args.repulsion.split(",")
    print(f"layerscope {args.layerscope} vs scikit-learn {sklearn_version}; "
          f"{args.threads} threads, {args.iterations} t-SNE iterations, median of {args.rounds}; "
          f"load average {os.getloadavg()[0]:.2f}")
    report = []
    for name in args.datasets.split(","):
        x, labels = dataset(name)
        folder = tempfile.mkdtemp(prefix=f"embed-bench-{name}-")
        x_path = os.path.join(folder, f"{name}.npy")
        labels_path = os.path.join(folder, "labels.txt")
        np.save(x_path, x)
        np.savetxt(labels_path, labels, fmt="%d")
        sample = None
        if x.shape[0] > args.trust_sample:
            sample = np.random.default_rng(1).choice(x.shape[0], args.trust_sample, replace=False)
        for method in ["tsne", "pca"]:
            tools = {}
            for repulsion in (repulsions if method == "tsne" else ["-"]):
                tool = "layerscope" + (f" {repulsion}" if method == "tsne" else "")
                out = os.path.join(args.out_dir, f"{name}_{method}" +
                                   (f"_{repulsion}" if method == "tsne" else ""))
                tools[tool] = median_of(args.rounds, lambda: run_layerscope(
                    args.layerscope, x_path, labels_path, out, method, args.threads,
                    args.iterations, repulsion))
            if method == "pca" or x.shape[0] <= args.sklearn_max_rows:
                tools["sklearn"] = median_of(args.rounds, lambda: run_sklearn(
                    x_path, method, args.threads, args.iterations, folder))
            for result, y in tools.values():
                result["trustworthiness"] = trust(x, y, sample)
            row = {"dataset": name, "rows": int(x.shape[0]), "columns": int(x.shape[1]),
                   "method": method, "trust_sample": None if sample is None else len(sample),
                   "tools": {tool: result for tool, (result, _) in tools.items()}}
            report.append(row)

    print(f"\n{'dataset':<14}{'method':<7}{'tool':<23}{'seconds':>9}{'CPU s':>9}"
          f"{'trust@10':>10}{'KL / explained var':>20}")
    for row in report:
        for tool, r in row["tools"].items():
            quality = (f"{r['kl']:.4f}" if row["method"] == "tsne"
                       else " ".join(f"{v:.4f}" for v in r["explained_variance_ratio"]))
            trust_note = "*" if row["trust_sample"] else " "
            print(f"{row['dataset'] + ' ' + str(row['rows']):<14}{row['method']:<7}{tool:<23}"
                  f"{r['seconds']:>9.3f}{r['cpu_seconds']:>9.2f}{r['trustworthiness']:>9.4f}"
                  f"{trust_note}{quality:>20}")
    if any(row["trust_sample"] for row in report):
        print(f"* trustworthiness on a random subsample of {args.trust_sample} rows")
    print("\nratios against sklearn (sklearn / layerscope for time; layerscope - sklearn for "
          "trustworthiness; layerscope / sklearn for KL):")
    for row in report:
        theirs = row["tools"].get("sklearn")
        if theirs is None:
            print(f"  {row['dataset']:<8} {row['method']:<5} sklearn skipped "
                  f"(over --sklearn-max-rows {args.sklearn_max_rows})")
            continue
        for tool, ours in row["tools"].items():
            if tool == "sklearn":
                continue
            line = (f"  {row['dataset']:<8} {row['method']:<5} {tool:<22} time "
                    f"{theirs['seconds'] / ours['seconds']:6.1f}x  CPU "
                    f"{theirs['cpu_seconds'] / ours['cpu_seconds']:6.1f}x  trustworthiness "
                    f"{ours['trustworthiness'] - theirs['trustworthiness']:+.4f}")
            if row["method"] == "tsne":
                line += f"  KL ratio {ours['kl'] / theirs['kl']:.3f}"
            print(line)
    print(f"\nplots: {args.out_dir}; load average after {os.getloadavg()[0]:.2f}")
    if args.json:
        print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
