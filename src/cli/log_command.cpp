// layerscope log MODEL --logdir DIR: runs the model and writes every layer's activations as
// TensorBoard event files (graph, histograms, statistics as scalars, feature-map images), and one
// layer's output over all inputs as a Projector embedding (file names, labels, sprites).
#include "cli/commands.h"
#include "cli/embedding_inputs.h"
#include "cli/inputs.h"
#include "cli/model_option.h"
#include "cli/progress.h"
#include "cli/table.h"
#include "render/colormap.h"

#include <layerscope/checkpoints.h>
#include <layerscope/embedding_collector.h>
#include <layerscope/error.h>
#include <layerscope/model.h>
#include <layerscope/session.h>
#include <layerscope/stats.h>
#include <layerscope/summary_writer.h>
#include <layerscope/tensorboard_observer.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <thread>

namespace layerscope::cli {
namespace {

struct LogOptions {
  ModelOption model;
  std::string logdir;
  InputOptions inputs;
  std::string inputs_dir;
  std::string filter;
  int images = 8;
  std::string colormap = "gray";
  int64_t step = 0;
  int threads = 0;
  std::string labels;
  int batch = 1;
  std::string embed_layer;
  bool no_embedding = false;
  std::vector<std::string> checkpoints;  // files or glob patterns, instead of MODEL
};

// How the TensorBoard observer logs, from the options.
TensorBoardObserverOptions observer_options_for(const LogOptions& options) {
  TensorBoardObserverOptions observer_options;
  observer_options.filter = NodeFilter(options.filter);
  observer_options.images = options.images;
  observer_options.colormap = options.colormap;
  // With a core the model's threads leave spare, histograms, images and writing run there beside
  // the next layers and inputs. Without one, a logging thread would preempt a runtime thread and
  // stall the others at their next barrier, so each run's tensors are logged in batches on the
  // model's threads instead (resnet50, 2 threads on 2 cores: 140-195 ms per input batched,
  // 201-221 ms with the logging thread, same machine and minutes).
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const unsigned model_threads =
      options.threads > 0 ? static_cast<unsigned>(options.threads) : cores;
  observer_options.background = model_threads < cores;
  return observer_options;
}

// "logged 3 steps (step 0 to 2) of 7 layer outputs: 7 histograms, 35 scalars, 0 images, and the
// graph" and the time they took.
void print_logged(const TensorBoardObserver& observer, std::size_t runs, const char* run_noun,
                  int64_t first_step, int64_t last_step, double seconds) {
  std::cout << "logged " << runs << " " << run_noun << (runs == 1 ? "" : "s") << " (step "
            << first_step << (last_step > first_step ? " to " + std::to_string(last_step) : "")
            << ") of " << observer.tensors().size() << " layer outputs: " << observer.histograms()
            << " histograms, " << observer.scalars() << " scalars, " << observer.images()
            << " images, and the graph\n"
            << "time: " << format_number(seconds) << " s, "
            << format_number(seconds * 1e3 / static_cast<double>(runs)) << " ms per " << run_noun
            << "\n";
}

// Writes the embedding the collector gathered: file names and labels as metadata (with
// --inputs-dir), thumbnails of the first input when every item looks like an image.
void log_embedding(SummaryWriter& writer, const EmbeddingCollector& collector,
                   const std::vector<Step>& steps, const Graph& graph, const InputLabels* labels,
                   int64_t step) {
  std::vector<uint8_t> thumbnails;
  const EmbeddingOptions options = projector_extras(steps, graph, labels, thumbnails);
  const bool named_rows = !options.metadata.empty();
  // The tag drops the tensor name's leading '/', as the other tags do.
  const std::string& name = collector.tensor_name();
  const std::size_t start = name.find_first_not_of('/');
  const std::string tag = start == std::string::npos ? name : name.substr(start);
  const EmbeddingFiles files = writer.add_embedding(
      tag, collector.values().data(), collector.rows(), collector.dims(), step, options);
  std::string extras;
  if (named_rows) extras += labels ? ", file names and labels" : ", file names";
  if (!files.sprite.empty())
    extras += ", sprite of " + std::to_string(files.thumbnail_width) + "x" +
              std::to_string(files.thumbnail_height) + " thumbnails";
  std::cout << "embedding: " << collector.rows() << " rows x " << collector.dims() << " of " << tag
            << extras << " in " << files.folder << "\n";
}

// --checkpoints: each checkpoint of a training run is one step (its epoch), all run on the same
// inputs, so that TensorBoard shows each layer's activations change over training.
int log_checkpoints(const LogOptions& options) {
  if (!options.inputs_dir.empty())
    throw Error(
        "--checkpoints runs every checkpoint on the same inputs: give them with --input "
        "(stack several into one .npy for a batch), not --inputs-dir");
  const std::vector<Checkpoint> checkpoints = list_checkpoints(options.checkpoints);
  auto open_checkpoint = [&](std::size_t i) {
    ModelOption option = options.model;
    option.path = checkpoints[i].path;
    return open_model(option);
  };
  // Every checkpoint is read and compared before anything is written, one at a time (their
  // weights are not kept).
  const Model first = open_checkpoint(0);
  for (std::size_t i = 1; i < checkpoints.size(); ++i) {
    const std::string difference = architecture_difference(first.graph, open_checkpoint(i).graph);
    if (!difference.empty())
      throw Error(checkpoints[i].path + " is not the model of " + checkpoints[0].path + ": " +
                  difference + "; every checkpoint must have the same architecture");
  }
  const Graph& graph = first.graph;
  const std::map<std::string, Tensor> inputs = bind_inputs(graph, options.inputs);
  check_inputs(graph, inputs);

  SessionOptions session_options;
  session_options.threads = options.threads;
  SummaryWriter writer(options.logdir);
  writer.add_graph(graph);
  TensorBoardObserver observer(writer, checkpoints[0].step, observer_options_for(options));
  const auto start = std::chrono::steady_clock::now();
  {
    Progress progress("logging checkpoints", checkpoints.size());
    for (std::size_t i = 0; i < checkpoints.size(); ++i) {
      const Model later = i == 0 ? Model() : open_checkpoint(i);
      auto session = create_session(i == 0 ? first : later, session_options);
      observer.set_step(checkpoints[i].step);
      session->run(inputs, &observer);
      observer.flush();  // before the session and its model go
      progress.update(i + 1);
    }
  }
  const double total_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  print_logged(observer, checkpoints.size(), "checkpoint", checkpoints.front().step,
               checkpoints.back().step, total_seconds);
  for (const Checkpoint& c : checkpoints)
    std::cout << "  step " << c.step << ": " << c.path << "\n";
  writer.close();
  std::cout << "event file: " << writer.file_path() << "\n"
            << "tensorboard --logdir " << options.logdir << "\n";
  return 0;
}

int log_model(const LogOptions& options) {
  if (options.logdir.empty())
    throw Error("--logdir DIR is required: the folder the TensorBoard event files go to");
  if (options.model.path.empty() == options.checkpoints.empty())
    throw Error(options.model.path.empty()
                    ? "nothing to log: give a MODEL, or --checkpoints FILE|PATTERN..."
                    : "give a MODEL or --checkpoints, not both");
  render::Colormap::by_name(options.colormap);  // a bad name fails before anything is written
  if (options.inputs_dir.empty() && !options.labels.empty())
    throw Error("--labels needs --inputs-dir: labels are looked up by input file name");
  if (options.batch < 1)
    throw Error("--batch " + std::to_string(options.batch) +
                ": expected a positive number of files per step");
  if (options.inputs_dir.empty() && options.batch != 1)
    throw Error("--batch needs --inputs-dir: it stacks that folder's files into batches");
  if (!options.checkpoints.empty()) return log_checkpoints(options);
  const Model model = open_model(options.model);
  const Graph& graph = model.graph;
  EmbeddingCollector collector(options.embed_layer);
  try {
    collector.check(graph, std::filesystem::path(options.model.path).filename().string());
  } catch (const Error& e) {
    throw Error("--embed-layer " + options.embed_layer + ": " + e.what());
  }

  // Every step's inputs are bound and checked before anything is written.
  std::vector<Step> steps;
  InputLabels labels;
  std::size_t passed_over = 0;
  if (!options.inputs_dir.empty()) {
    const InputFiles files = input_files(options.inputs_dir);
    passed_over = files.passed_over;
    if (!options.labels.empty()) labels = read_labels(options.labels, files.paths);
    steps = steps_from_files(graph, options.inputs, files.paths, options.batch,
                             options.labels.empty() ? nullptr : &labels);
  } else {
    Step step;
    step.inputs = bind_inputs(graph, options.inputs);
    if (!graph.inputs.empty()) {
      const Value& first = graph.values[graph.inputs[0]];
      const Tensor& t = step.inputs.at(first.name);
      step.batched = has_batch_axis(t, first);
      step.batch_size = step.batched ? t.shape()[0] : 1;
    }
    steps.push_back(std::move(step));
  }
  for (const Step& step : steps) check_inputs(graph, step.inputs);

  SessionOptions session_options;
  session_options.threads = options.threads;
  auto session = create_session(model, session_options);

  SummaryWriter writer(options.logdir);
  writer.add_graph(graph);
  TensorBoardObserver observer(writer, options.step, observer_options_for(options));
  const auto start = std::chrono::steady_clock::now();
  ObserverList observers;
  observers.add(&observer);
  bool embedding = !options.no_embedding && !graph.inputs.empty();
  if (embedding) observers.add(&collector);
  {
    Progress progress("logging", steps.size());
    for (std::size_t i = 0; i < steps.size(); ++i) {
      observer.set_step(options.step + static_cast<int64_t>(i));
      collector.begin_run(steps[i].batch_size);
      session->run(steps[i].inputs, embedding ? static_cast<Observer*>(&observers) : &observer);
      // Without --embed-layer, a model with no [batch, D] output gets no embedding.
      if (embedding) embedding = collector.end_run();
      progress.update(i + 1);
    }
    observer.flush();
  }
  // From the first run to the last record handed to the writer: logging that overlapped the runs
  // is in it, none left out (bench/run_log_bench.py compares it with `run`).
  const double total_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  print_logged(observer, steps.size(), "step", options.step,
               options.step + static_cast<int64_t>(steps.size()) - 1, total_seconds);
  if (passed_over > 0)
    std::cout << "passed over " << passed_over
              << " input files with the same name as another in a preferred format (.npy, .pb, "
                 ".png, .jpg)\n";
  if (embedding && collector.rows() >= 2)
    log_embedding(writer, collector, steps, graph, options.labels.empty() ? nullptr : &labels,
                  options.step);
  else if (!options.no_embedding)
    std::cout << "no embedding: "
              << (embedding ? "one row is too few for the projector"
                            : "no layer output of shape [batch, D]; name one with --embed-layer")
              << "\n";
  writer.close();
  std::cout << "event file: " << writer.file_path() << "\n"
            << "tensorboard --logdir " << options.logdir << "\n";
  return 0;
}

}  // namespace

Command add_log_command(CLI::App& app) {
  auto options = std::make_shared<LogOptions>();
  CLI::App* sub = app.add_subcommand(
      "log", "Run the model and write every layer's activations as TensorBoard event files");
  add_model_option(*sub, options->model);
  sub->add_option("--logdir", options->logdir, "Folder for the event files (created if needed)");
  add_input_options(*sub, options->inputs);
  sub->add_option(
      "--inputs-dir", options->inputs_dir,
      "One step per input file (.npy, .pb, .png, .jpg) of DIR, sorted by name, each bound to "
      "the model's first input; files differing only in extension are one (.npy preferred)");
  sub->add_option("--filter", options->filter,
                  "Regex on node names, op types and tensor names: log only those layers");
  sub->add_option("--images", options->images,
                  "Channels in each rank-4 layer's feature-map grid (0: no images)")
      ->capture_default_str()
      ->check(kNonNegative);
  sub->add_option("--colormap", options->colormap,
                  "Feature-map colors: gray, viridis, magma, inferno, plasma, turbo or jet "
                  "(NaN shows magenta)")
      ->capture_default_str();
  CLI::Option* step =
      sub->add_option("--step", options->step, "Step of the first input (and of the embedding)")
          ->capture_default_str();
  sub->add_option("--batch", options->batch,
                  "With --inputs-dir: N files stacked along axis 0 per step (a file without a "
                  "batch axis is one item); the last step takes what is left, so a model with a "
                  "fixed batch size needs N to divide the file count")
      ->capture_default_str();
  sub->add_option("--labels", options->labels,
                  "With --inputs-dir: CSV of FILE,LABEL lines (FILE with or without extension; a "
                  "first line naming no input is a header) for the embedding's metadata");
  CLI::Option* embed_layer = sub->add_option(
      "--embed-layer", options->embed_layer,
      "Node or tensor whose output, one row per input item, is the Projector embedding "
      "(default: the last [batch, D] output, Softmax outputs passed over)");
  sub->add_flag("--no-embedding", options->no_embedding, "Write no Projector embedding")
      ->excludes(embed_layer);
  sub->add_option("--threads", options->threads, "Intra-op threads (default: all cores)")
      ->check(kNonNegative);
  sub->add_option("--checkpoints", options->checkpoints,
                  "Instead of MODEL: checkpoint files of one model over training, or quoted glob "
                  "patterns ('ckpt/model_*.h5'), each run on the same --input and logged as "
                  "one step: the epoch, the first number telling the file names apart")
      ->excludes(step)
      ->excludes(embed_layer);
  sub->footer(
      "Examples:\n"
      "  layerscope log models/digits_cnn.onnx --inputs-dir models/digits --labels "
      "models/digits/labels.csv --logdir runs/digits\n"
      "  layerscope log model.onnx --inputs-dir images/ --batch 8 --embed-layer /fc/Gemm "
      "--logdir runs/x\n"
      "  layerscope log model.onnx --input image=cat.npy --filter Conv --images 16 --logdir "
      "runs/x\n"
      "  layerscope log models/digits_cnn.onnx --inputs-dir digits/ --colormap viridis --logdir "
      "runs/viridis\n"
      "  layerscope log --checkpoints 'ckpt/model_*.h5' --input x.npy --logdir runs/training\n"
      "  tensorboard --logdir runs");
  return {sub, [options] { return log_model(*options); }};
}

}  // namespace layerscope::cli
