#pragma once
// Turns --input/--random/--dim options into the tensors a model's inputs need.
#include <layerscope/graph.h>
#include <layerscope/tensor.h>

#include <CLI/CLI.hpp>

#include <map>
#include <string>
#include <vector>

namespace layerscope::cli {

struct InputOptions {
  std::vector<std::string> inputs;  // "NAME=FILE" or "FILE"
  bool random = false;
  std::vector<std::string> dims;  // "SYMBOL=VALUE"
  uint64_t seed = 0;
};

// Adds --input, --random, --dim and --seed to a subcommand (run, log, ...).
void add_input_options(CLI::App& command, InputOptions& options);

// Named inputs bind by name; bare files bind to the remaining inputs in declared order (a .pb
// carrying an input's name binds by that name). --random fills whatever is left.
// Throws Error saying what the model expects when inputs are missing.
std::map<std::string, Tensor> bind_inputs(const Graph& graph, const InputOptions& options);

// Whether the file's extension is one load_input_file reads (.npy, .pb, .png, .jpg, .jpeg).
bool has_input_extension(const std::string& path);

// Reads .npy, .pb (ONNX TensorProto) or .png/.jpg (sized and laid out for `input`).
Tensor load_input_file(const std::string& path, const Value& input, std::string* pb_name);

// "image float32 [batch,1,28,28]; ..." for messages.
std::string describe_expected_inputs(const Graph& graph);

}  // namespace layerscope::cli
