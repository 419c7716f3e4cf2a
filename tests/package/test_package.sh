#!/usr/bin/env bash
# Installs layerscope into a scratch prefix, builds examples/print_layers against it with
# find_package(layerscope), and runs it on the bundled digits model, ONNX and Keras.
set -euo pipefail
build_dir=$1
source_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build_dir" --prefix "$work/prefix" > /dev/null
cmake -S "$source_dir/examples/print_layers" -B "$work/build" -G Ninja \
  -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build "$work/build" > /dev/null
output=$("$work/build/print_layers" "$source_dir/models/digits_cnn.onnx" \
  "$source_dir/models/digits/digit_00_label_0.npy")
echo "$output"
# Six layers, the last one the softmax.
[ "$(echo "$output" | wc -l)" -eq 6 ] || { echo "expected 6 layers"; exit 1; }
echo "$output" | tail -n 1 | grep -q "^/softmax/Softmax Softmax 1x10 mean=0.1$" || {
  echo "unexpected last line"; exit 1; }
# The same network as a Keras file, on the digit in NHWC: five layers, the last the softmax Dense.
/usr/bin/python3 -c "import numpy as np, sys; np.save(sys.argv[2], np.load(sys.argv[1]).transpose(0, 2, 3, 1))" \
  "$source_dir/models/digits/digit_00_label_0.npy" "$work/digit_nhwc.npy"
output=$("$work/build/print_layers" "$source_dir/models/digits_cnn.h5" "$work/digit_nhwc.npy")
echo "$output"
[ "$(echo "$output" | wc -l)" -eq 5 ] || { echo "expected 5 Keras layers"; exit 1; }
echo "$output" | tail -n 1 | grep -q "^dense Dense 1x10 mean=0.1$" || {
  echo "unexpected last Keras line"; exit 1; }
echo "package test passed"
