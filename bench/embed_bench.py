#!/usr/bin/python3
"""Embedding benchmark: `layerscope embed` against scikit-learn's t-SNE and PCA, in one run.

    /usr/bin/python3 bench/embed_bench.py [--datasets digits,mix10k] [--threads 2] [--rounds 1]
        [--iterations 750] [--layerscope PATH] [--out-dir DIR] [--json]

Datasets: `digits` (sklearn's bundled 8x8 digits, 1797 x 64, 10 classes) and Gaussian mixtures
`mixN` (N points, 50 dimensions, 10 components of unit spread with centres drawn at spread 4,
seed 0). For each one and each tool:

    t-SNE  layerscope embed --from-npy X.npy --threads T --seed 0 --iterations I
           sklearn.manifold.TSNE(perplexity=30, early_exaggeration=12, learning_rate="auto",
               n_iter=I, init="pca", method="barnes_hut", angle=0.5, n_jobs=T, random_state=0)
    PCA    layerscope embed --method pca (2 components)
           sklearn.decomposition.PCA(2, svd_solver="randomized", random_state=0)

Both t-SNEs use the same defaults: sklearn's "auto" learning rate max(n / 12 / 4, 50) with its
gradient's factor 4 is layerscope's max(200, n / 12) without it. Times are each tool's own
measure of the computation (layerscope prints it; sklearn's is taken around fit_transform in a
worker process), so process start-up and file reading are excluded; CPU seconds are the whole
process's user + system time. Quality is sklearn.manifold.trustworthiness (k = 10) of each
embedding and each tool's final KL divergence. With --rounds R each measurement runs R times and
the smallest time is kept (load only ever adds time).

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


def run_layerscope(binary, x_path, labels_path, out, method, threads, iterations):
    args = [binary, "embed", "--from-npy", x_path, "--labels", labels_path, "--method", method,
            "--threads", str(threads), "--seed", "0", "--iterations", str(iterations), "-o", out]
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


def best_of(rounds, run):
    """The run with the smallest time of `rounds` runs (its embedding too)."""
    best = None
    for _ in range(rounds):
        result, y = run()
        if best is None or result["seconds"] < best[0]["seconds"]:
            best = (result, y)
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", default="digits")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--iterations", type=int, default=750)
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
    from sklearn.manifold import trustworthiness

    os.makedirs(args.out_dir, exist_ok=True)
    print(f"layerscope {args.layerscope} vs scikit-learn {sklearn_version}; "
          f"{args.threads} threads, {args.iterations} t-SNE iterations, best of {args.rounds}; "
          f"load average {os.getloadavg()[0]:.2f}")
    report = []
    for name in args.datasets.split(","):
        x, labels = dataset(name)
        folder = tempfile.mkdtemp(prefix=f"embed-bench-{name}-")
        x_path = os.path.join(folder, f"{name}.npy")
        labels_path = os.path.join(folder, "labels.txt")
        np.save(x_path, x)
        np.savetxt(labels_path, labels, fmt="%d")
        for method in ["tsne", "pca"]:
            out = os.path.join(args.out_dir, f"{name}_{method}")
            ours, y_ours = best_of(args.rounds, lambda: run_layerscope(
                args.layerscope, x_path, labels_path, out, method, args.threads, args.iterations))
            theirs, y_theirs = best_of(args.rounds, lambda: run_sklearn(
                x_path, method, args.threads, args.iterations, folder))
            for result, y in [(ours, y_ours), (theirs, y_theirs)]:
                result["trustworthiness"] = float(trustworthiness(x, y, n_neighbors=10))
            row = {"dataset": name, "rows": int(x.shape[0]), "columns": int(x.shape[1]),
                   "method": method, "layerscope": ours, "sklearn": theirs,
                   "speedup": theirs["seconds"] / ours["seconds"],
                   "cpu_ratio": theirs["cpu_seconds"] / ours["cpu_seconds"],
                   "trustworthiness_difference": ours["trustworthiness"] -
                   theirs["trustworthiness"], "plot": out + ".png"}
            if method == "tsne":
                row["kl_ratio"] = ours["kl"] / theirs["kl"]
            report.append(row)

    print(f"\n{'dataset':<14}{'method':<7}{'tool':<12}{'seconds':>9}{'CPU s':>9}"
          f"{'trust@10':>10}{'KL / explained var':>20}")
    for row in report:
        for tool in ["layerscope", "sklearn"]:
            r = row[tool]
            quality = (f"{r['kl']:.4f}" if row["method"] == "tsne"
                       else " ".join(f"{v:.4f}" for v in r["explained_variance_ratio"]))
            print(f"{row['dataset'] + ' ' + str(row['rows']):<14}{row['method']:<7}{tool:<12}"
                  f"{r['seconds']:>9.3f}{r['cpu_seconds']:>9.2f}{r['trustworthiness']:>10.4f}"
                  f"{quality:>20}")
    print("\nratios (sklearn / layerscope for time; layerscope - sklearn for trustworthiness):")
    for row in report:
        line = (f"  {row['dataset']:<8} {row['method']:<5} time {row['speedup']:6.1f}x  "
                f"CPU {row['cpu_ratio']:6.1f}x  trustworthiness {row['trustworthiness_difference']:+.4f}")
        if "kl_ratio" in row:
            line += f"  KL ratio {row['kl_ratio']:.3f}"
        print(line)
    print(f"\nplots: {args.out_dir}; load average after {os.getloadavg()[0]:.2f}")
    if args.json:
        print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
