#!/usr/bin/env bash
# Installs everything layerscope needs to build and test on Debian 12: Debian packages, and
# ONNX Runtime from npm (the tests' reference oracle), and the HTML viewer's npm packages. Safe to run again; skips what is there.
set -euo pipefail
cd "$(dirname "$0")/.."

# libopenblas0-serial replaces the reference BLAS libtorch links (libblas.so.3 alternative): Gemm,
# MatMul and ATen's im2col convolutions run 2-20x faster. Serial, because ATen already spreads work
# over --threads OpenMP threads and calls BLAS from inside them: the pthread build adds its own
# threads regardless of --threads, the OpenMP build stalls in ATen's batched products.
packages=(
  build-essential cmake ninja-build git pkg-config
  libtorch-dev libopenblas0-serial
  libonnx-dev libprotobuf-dev protobuf-compiler libpng-dev libjpeg62-turbo-dev
  libcli11-dev nlohmann-json3-dev libgraphviz-dev graphviz libonnx-testdata
  libfftw3-dev  # FFTW (fftw3f) for the FFT-accelerated t-SNE repulsion
  libdeflate-dev  # the feature-map PNGs `log` writes for every layer: ~2x zlib's speed at level 1
  libhdf5-dev libzip-dev  # Keras .h5 files and .keras archives
  libsnappy-dev  # snappy-compressed blocks of TensorFlow checkpoint indexes
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-numpy python3-torch python3-torchvision python3-onnx python3-sklearn python3-pil python3-h5py
  python3-snappy  # the SavedModel tests compress checkpoint index blocks as TensorFlow may
  hyperfine time chromium
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js may come from elsewhere than Debian (with its own npm): only ask apt when it is absent.
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The tests' oracles: ONNX Runtime for Node.js (its Linux x64 CPU library ships inside the package;
# the install script only fetches GPU extras, so it is skipped), TensorFlow.js's Keras layers and
# its GraphDef runner (tfjs-converter).
if [ ! -d tests/oracle/node_modules/onnxruntime-node ] ||
   [ ! -d tests/oracle/node_modules/@tensorflow/tfjs-layers ] ||
   [ ! -d tests/oracle/node_modules/@tensorflow/tfjs-converter ]; then
  (cd tests/oracle && npm ci --ignore-scripts --no-audit --no-fund)
fi

# The HTML viewer (web/): esbuild bundles it at build time, dagre lays out graphs in the page,
# playwright-core drives Chromium in its tests. No install script is needed (esbuild's binary comes
# as its platform package).
if [ ! -d web/node_modules/esbuild ] || [ ! -d web/node_modules/@dagrejs/dagre ] ||
   [ ! -d web/node_modules/playwright-core ]; then
  (cd web && npm ci --ignore-scripts --no-audit --no-fund)
fi
