#pragma once
// Output shapes a frontend could not tell statically (a TensorFlow graph rarely records them),
// found by running the model on random inputs: once with batch 1 and once with batch 2, so that a
// dimension that follows the batch stays free ("batch") instead of showing the probe's size.
#include <layerscope/graph.h>

#include <string>

namespace layerscope::cli {

// Fills in the unknown shapes and dtypes of `model`'s node outputs. Returns "" when nothing was
// unknown or the probe filled it in, else one line saying why shapes stay unknown (an input of
// unknown rank, an op that cannot run); never throws for the model's sake.
std::string probe_shapes(Model& model);

}  // namespace layerscope::cli
