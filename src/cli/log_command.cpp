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
#include <layerscope/onnx.h>
#include <layerscope/session.h>
#include <layerscope/stats.h>
#include <layerscope/summary_writer.h>
#include <layerscope/tensorboard_observer.h>

#include <algorithm>
#include <chrono>
#include <cstring>
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
  std::string labels;
  int batch = 1;
  std::string embed_layer;
  bool no_embedding = false;
};

// Whether a tensor for `input` has a batch axis: not when it is one rank short of the input.
bool has_batch_axis(const Tensor& tensor, const Value& input) {
  if (tensor.rank() == 0) return false;
  return !(input.shape && tensor.rank() + 1 == static_cast<int64_t>(input.shape->size()));
}

// One run of the model.
struct Step {
  std::map<std::string, Tensor> inputs;
  bool batched = true;                 // the first input's axis 0 counts its items
  int64_t batch_size = 1;              // items in the first input
  std::vector<std::string> row_names;  // with --inputs-dir: the file of each item
  std::vector<const std::vector<std::string>*> row_labels;  // with --labels
};

// The files of one batch along axis 0 (a file without a batch axis is one item). They must agree
// in dtype and in every other dimension.
Tensor stack_batch(const std::vector<Tensor>& tensors, const std::vector<std::string>& paths,
                   const Value& input, int batch) {
  Shape item_shape;
  int64_t items = 0;
  for (std::size_t k = 0; k < tensors.size(); ++k) {
    const Tensor& t = tensors[k];
    const bool axis = has_batch_axis(t, input);
    const Shape rest(t.shape().begin() + (axis ? 1 : 0), t.shape().end());
    if (k == 0) {
      item_shape = rest;
    } else if (rest != item_shape || t.dtype() != tensors[0].dtype()) {
      throw Error("--batch " + std::to_string(batch) + ": '" + paths[k] + "' is " +
                  dtype_name(t.dtype()) + " [" + shape_string(t.shape()) + "] but '" + paths[0] +
                  "' in the same batch is " + dtype_name(tensors[0].dtype()) + " [" +
                  shape_string(tensors[0].shape()) +
                  "]; the files of a batch must agree past their first dimension");
    }
    items += axis ? t.shape()[0] : 1;
  }
  Shape shape{items};
  shape.insert(shape.end(), item_shape.begin(), item_shape.end());
  Tensor out = Tensor::zeros(tensors[0].dtype(), shape);
  char* dst = static_cast<char*>(out.raw());
  for (const Tensor& t : tensors) {
    std::memcpy(dst, t.raw(), t.nbytes());
    dst += t.nbytes();
  }
  return out;
}

// One step per file, or per `batch` files stacked (the last batch holds what is left).
std::vector<Step> steps_from_files(const Graph& graph, const LogOptions& options,
                                   const std::vector<std::string>& paths,
                                   const InputLabels* labels) {
  if (graph.inputs.empty()) throw Error("the model has no inputs for --inputs-dir");
  const Value& first = graph.values[graph.inputs[0]];
  // --input/--random fill the other inputs, the same each step.
  InputOptions base_options = options.inputs;
  base_options.inputs.insert(base_options.inputs.begin(), first.name + "=" + paths[0]);
  const std::map<std::string, Tensor> base = bind_inputs(graph, base_options);

  std::vector<Step> steps;
  for (std::size_t begin = 0; begin < paths.size(); begin += options.batch) {
    const std::size_t end = std::min(paths.size(), begin + static_cast<std::size_t>(options.batch));
    std::vector<Tensor> tensors;
    std::vector<std::string> group(paths.begin() + begin, paths.begin() + end);
    Step step;
    step.inputs = base;
    for (std::size_t i = begin; i < end; ++i) {
      tensors.push_back(load_input_file(paths[i], first, nullptr));
      const Tensor& t = tensors.back();
      const int64_t items = has_batch_axis(t, first) ? t.shape()[0] : 1;
      const std::string name = std::filesystem::path(paths[i]).filename().string();
      for (int64_t j = 0; j < items; ++j) {
        step.row_names.push_back(items == 1 ? name : name + "[" + std::to_string(j) + "]");
        if (labels) step.row_labels.push_back(&labels->labels[i]);
      }
    }
    if (tensors.size() == 1) {
      step.batched = has_batch_axis(tensors[0], first);
      step.inputs[first.name] = tensors[0];
    } else {
      step.inputs[first.name] = stack_batch(tensors, group, first, options.batch);
    }
    const Tensor& t = step.inputs[first.name];
    step.batch_size = step.batched ? t.shape()[0] : 1;
    steps.push_back(std::move(step));
  }
  return steps;
}

// Writes the embedding the collector gathered: file names and labels as metadata (with
// --inputs-dir), thumbnails of the first input when every item looks like an image.
void log_embedding(SummaryWriter& writer, const EmbeddingCollector& collector,
                   const std::vector<Step>& steps, const Graph& graph, const InputLabels* labels,
                   int64_t step) {
  EmbeddingOptions options;
  const bool named_rows = !steps.front().row_names.empty();
  if (named_rows) {
    if (labels) {
      options.metadata_header.push_back("file");
      options.metadata_header.insert(options.metadata_header.end(), labels->columns.begin(),
                                     labels->columns.end());
    }
    for (const Step& s : steps)
      for (std::size_t j = 0; j < s.row_names.size(); ++j) {
        std::vector<std::string> row{s.row_names[j]};
        if (labels) row.insert(row.end(), s.row_labels[j]->begin(), s.row_labels[j]->end());
        options.metadata.push_back(std::move(row));
      }
  }

  // Thumbnails: every item an image of the same size, or none.
  const std::string& first = graph.values[graph.inputs[0]].name;
  std::vector<uint8_t> pixels;
  Thumbnail thumbnail, reference;
  bool images = true;
  for (const Step& s : steps) {
    for (int64_t j = 0; j < s.batch_size && images; ++j) {
      images = make_thumbnail(s.inputs.at(first), s.batched, j, thumbnail);
      if (images && pixels.empty()) reference = thumbnail;
      images = images && thumbnail.height == reference.height &&
               thumbnail.width == reference.width && thumbnail.channels == reference.channels;
      if (images) pixels.insert(pixels.end(), thumbnail.pixels.begin(), thumbnail.pixels.end());
    }
  }
  if (images)
    options.images = {pixels.data(), reference.height, reference.width, reference.channels};

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
  const Model model = load_onnx(options.model);
  const Graph& graph = model.graph;
  EmbeddingCollector collector(options.embed_layer);
  try {
    collector.check(graph);
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
    steps =
        steps_from_files(graph, options, files.paths, options.labels.empty() ? nullptr : &labels);
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
  // Histograms, images and writing overlap the next layers' and inputs' inference.
  observer_options.background = true;
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
  sub->add_option("model", options->model, "ONNX model file")->required();
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
