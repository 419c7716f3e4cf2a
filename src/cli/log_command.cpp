// layerscope log MODEL --logdir DIR: runs the model and writes every layer's activations as
// TensorBoard event files (graph, histograms, statistics as scalars, feature-map images).
#include "cli/commands.h"
#include "cli/inputs.h"
#include "cli/progress.h"
#include "render/colormap.h"

#include <layerscope/error.h>
#include <layerscope/onnx.h>
#include <layerscope/session.h>
#include <layerscope/stats.h>
#include <layerscope/summary_writer.h>
#include <layerscope/tensorboard_observer.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <memory>

namespace layerscope::cli {
namespace {

struct LogOptions {
  std::string model;
  std::string logdir;
  InputOptions inputs;
  std::string inputs_dir;
  std::string filter;
  int images = 8;
  std::string colormap = "gray";
  int64_t step = 0;
  int threads = 0;
};

// The input files (.npy, .pb, .png, .jpg) of `dir`, sorted by name; other files (labels, notes)
// are passed over.
std::vector<std::string> input_files(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) throw Error("cannot read inputs folder " + dir + ": " + ec.message());
  std::vector<std::string> files;
  for (const fs::directory_entry& entry : it)
    if (entry.is_regular_file(ec) && has_input_extension(entry.path().string()))
      files.push_back(entry.path().string());
  std::sort(files.begin(), files.end());
  if (files.empty())
    throw Error("inputs folder " + dir + " holds no .npy, .pb, .png or .jpg files");
  return files;
}

int log_model(const LogOptions& options) {
  if (options.logdir.empty())
    throw Error("--logdir DIR is required: the folder the TensorBoard event files go to");
  render::Colormap::by_name(options.colormap);  // a bad name fails before anything is written
  const Model model = load_onnx(options.model);
  const Graph& graph = model.graph;

  // Every step's inputs are bound and checked before anything is written.
  std::vector<std::map<std::string, Tensor>> steps;
  if (!options.inputs_dir.empty()) {
    if (graph.inputs.empty()) throw Error("the model has no inputs for --inputs-dir");
    const std::string& first = graph.values[graph.inputs[0]].name;
    for (const std::string& path : input_files(options.inputs_dir)) {
      // Each file goes to the first input; --input/--random fill the others, the same each step.
      InputOptions step_options = options.inputs;
      step_options.inputs.insert(step_options.inputs.begin(), first + "=" + path);
      steps.push_back(bind_inputs(graph, step_options));
    }
  } else {
    steps.push_back(bind_inputs(graph, options.inputs));
  }
  for (const auto& inputs : steps) check_inputs(graph, inputs);

  SessionOptions session_options;
  session_options.threads = options.threads;
  auto session = create_session(model, session_options);

  SummaryWriter writer(options.logdir);
  writer.add_graph(graph);
  TensorBoardObserverOptions observer_options;
  observer_options.filter = NodeFilter(options.filter);
  observer_options.images = options.images;
  observer_options.colormap = options.colormap;
  TensorBoardObserver observer(writer, options.step, observer_options);
  {
    Progress progress("logging", steps.size());
    for (std::size_t i = 0; i < steps.size(); ++i) {
      observer.set_step(options.step + static_cast<int64_t>(i));
      session->run(steps[i], &observer);
      progress.update(i + 1);
    }
  }
  writer.close();

  const int64_t last = options.step + static_cast<int64_t>(steps.size()) - 1;
  std::cout << "logged " << steps.size() << (steps.size() == 1 ? " step" : " steps") << " (step "
            << options.step << (last > options.step ? " to " + std::to_string(last) : "") << ") of "
            << observer.tensors().size() << " layer outputs: " << observer.histograms()
            << " histograms, " << observer.scalars() << " scalars, " << observer.images()
            << " images, and the graph\n"
            << "event file: " << writer.file_path() << "\n"
            << "tensorboard --logdir " << options.logdir << "\n";
  return 0;
}

}  // namespace

Command add_log_command(CLI::App& app) {
  auto options = std::make_shared<LogOptions>();
  CLI::App* sub = app.add_subcommand(
      "log", "Run the model and write every layer's activations as TensorBoard event files");
  sub->add_option("model", options->model, "ONNX model file")->required();
  sub->add_option("--logdir", options->logdir, "Folder for the event files (created if needed)");
  add_input_options(*sub, options->inputs);
  sub->add_option(
      "--inputs-dir", options->inputs_dir,
      "One step per input file (.npy, .pb, .png, .jpg) of DIR, sorted by name, each bound to "
      "the model's first input");
  sub->add_option("--filter", options->filter,
                  "Regex on node names, op types and tensor names: log only those layers");
  sub->add_option("--images", options->images,
                  "Channels in each rank-4 layer's feature-map grid (0: no images)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--colormap", options->colormap,
                  "Feature-map colors: gray, viridis, magma, inferno, plasma, turbo or jet "
                  "(NaN shows magenta)")
      ->capture_default_str();
  sub->add_option("--step", options->step, "Step of the first input")->capture_default_str();
  sub->add_option("--threads", options->threads, "Intra-op threads (default: all cores)")
      ->check(CLI::NonNegativeNumber);
  sub->footer(
      "Examples:\n"
      "  layerscope log models/digits_cnn.onnx --inputs-dir digits/ --logdir runs/digits\n"
      "  layerscope log model.onnx --input image=cat.npy --filter Conv --images 16 --logdir "
      "runs/x\n"
      "  layerscope log models/digits_cnn.onnx --inputs-dir digits/ --colormap viridis --logdir "
      "runs/viridis\n"
      "  tensorboard --logdir runs");
  return {sub, [options] { return log_model(*options); }};
}

}  // namespace layerscope::cli
