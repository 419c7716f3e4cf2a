#pragma once
// A model saved over training, one file per epoch (Keras' ModelCheckpoint writes
// `model.{epoch:02d}-{val_loss:.2f}.h5`), as a sequence of steps:
//
//   for (const layerscope::Checkpoint& c : layerscope::list_checkpoints({"ckpt/model_*.h5"}))
//     std::cout << c.step << " " << c.path << "\n";  // 1 ckpt/model_01.h5, 2 ckpt/model_02.h5...
#include <layerscope/graph.h>

#include <cstdint>
#include <string>
#include <vector>

namespace layerscope {

struct Checkpoint {
  std::string path;
  int64_t step = 0;
};

// The files each argument names: a path, or a glob pattern (`*`, `?`, `[...]`), matched files in
// name order. Each file's step is the first number in its file name (extension aside) that
// differs between the files and is different for each (`model.03-0.52.h5` -> 3, the epoch before
// the loss); a single file takes the first number in its name; with no such number the step is
// the position in name order (0, 1, ...). Sorted by step. Throws Error when a pattern matches
// nothing, a path does not exist, or nothing is given.
std::vector<Checkpoint> list_checkpoints(const std::vector<std::string>& patterns);

// The step numbers list_checkpoints gives files with these names (paths or bare names), in the
// same order as `names`.
std::vector<int64_t> checkpoint_steps(const std::vector<std::string>& names);

// "" when `graph` has the layers of `reference`: the same node names and op types in the same
// order, with the same output and weight shapes; else the first difference, as "layer 'dense':
// weight 'dense/kernel' is [16,12], not [16,10]".
std::string architecture_difference(const Graph& reference, const Graph& graph);

}  // namespace layerscope
