// layerscope log MODEL --logdir DIR: runs the model and writes every layer's activations as
// TensorBoard event files (graph, histograms, statistics as scalars, feature-map images), and one
// layer's output over all inputs as a Projector embedding (file names, labels, sprites).
#include "cli/commands.h"
#include "cli/embedding_inputs.h"
#include "cli/inputs.h"
#include "cli/progress.h"
#include "cli/table.h"
#include "render/colormap.h"

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
  std::string model;
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
};

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

int log_model(const LogOptions& options) {
  if (options.logdir.empty())
    throw Error("--logdir DIR is required: the folder the TensorBoard event files go to");
  render::Colormap::by_name(options.colormap);  // a bad name fails before anything is written
  if (options.inputs_dir.empty() && !options.labels.empty())
    throw Error("--labels needs --inputs-dir: labels are looked up by input file name");
  if (options.batch < 1)
    throw Error("--batch " + std::to_string(options.batch) +
                ": expected a positive number of files per step");
  if (options.inputs_dir.empty() && options.batch != 1)
    throw Error("--batch needs --inputs-dir: it stacks that folder's files into batches");
  const Model model = load_model(options.model);
  const Graph& graph = model.graph;
  EmbeddingCollector collector(options.embed_layer);
  try {
    collector.check(graph, std::filesystem::path(options.model).filename().string());
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
  TensorBoardObserver observer(writer, options.step, observer_options);
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

  const int64_t last = options.step + static_cast<int64_t>(steps.size()) - 1;
  std::cout << "logged " << steps.size() << (steps.size() == 1 ? " step" : " steps") << " (step "
            << options.step << (last > options.step ? " to " + std::to_string(last) : "") << ") of "
            << observer.tensors().size() << " layer outputs: " << observer.histograms()
            << " histograms, " << observer.scalars() << " scalars, " << observer.images()
            << " images, and the graph\n"
            << "time: " << format_number(total_seconds) << " s, "
            << format_number(total_seconds * 1e3 / static_cast<double>(steps.size()))
            << " ms per step\n";
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
  sub->add_option("model", options->model, "Model file: ONNX (.onnx), Keras (.h5, .keras)")->required();
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
      "  tensorboard --logdir runs");
  return {sub, [options] { return log_model(*options); }};
}

}  // namespace layerscope::cli
