// layerscope embed MODEL --layer L --inputs-dir DIR: runs the model over every input, keeps one
// layer's output per input item (conv maps pooled or flattened), and reduces those rows to 2 or 3
// dimensions with PCA or t-SNE. `embed --from-npy X.npy` reduces a matrix made elsewhere. Both
// write OUT.png (a scatter plot coloured by label), OUT.csv (index, file, labels, coordinates) and
// OUT_projector/ (the rows for TensorBoard's Projector, laid out as `log` writes them).
#include "analysis/lapack.h"
#include "cli/commands.h"
#include "cli/embedding_inputs.h"
#include "cli/model_option.h"
#include "cli/progress.h"
#include "render/plot_scatter.h"
#include "tensorboard/projector.h"

#include <layerscope/analysis.h>
#include <layerscope/embedding_collector.h>
#include <layerscope/error.h>
#include <layerscope/io.h>
#include <layerscope/model.h>
#include <layerscope/session.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

namespace layerscope::cli {
namespace {

namespace fs = std::filesystem;

struct EmbedOptions {
  ModelOption model;
  std::string layer;
  std::string inputs_dir;
  std::string pool;  // empty: avg for rank-4 outputs, flatten otherwise
  int batch = 1;
  std::string from_npy;
  std::string labels;
  std::string method = "tsne";
  int dims = 2;
  uint64_t seed = 0;
  double perplexity = 30;
  int iterations = 750;
  int threads = 0;
  std::string repulsion = "auto";
  bool whiten = false;
  std::string title;
  std::string out;
  bool no_projector = false;
};

// The rows to reduce, with what is known about each.
struct Matrix {
  int64_t rows = 0, columns = 0;
  std::vector<float> values;
  std::string name;                // the layer or file, for the title
  std::string tag;                 // the Projector's name for the rows
  std::vector<std::string> files;  // per row, with a model: its input file
  std::vector<std::string> label_columns;
  std::vector<std::vector<std::string>> labels;  // per row, one value per label column
  EmbeddingOptions projector;                    // metadata and sprite
  std::vector<uint8_t> thumbnails;               // the sprite's pixels
};

Matrix read_matrix(const std::string& path) {
  const Tensor t = read_npy(path);
  if (t.rank() < 2)
    throw Error(path + " has shape " + shape_string(t.shape()) +
                ": expected a matrix of rows x features (rank 2 or more)");
  if (!(dtype_is_floating(t.dtype()) || t.dtype() == DType::Int8 || t.dtype() == DType::UInt8 ||
        t.dtype() == DType::Int16 || t.dtype() == DType::UInt16 || t.dtype() == DType::Int32 ||
        t.dtype() == DType::UInt32 || t.dtype() == DType::Int64 || t.dtype() == DType::UInt64))
    throw Error(path + " holds " + dtype_name(t.dtype()) + ": expected a real number type");
  Matrix m;
  m.name = fs::path(path).filename().string();
  m.tag = fs::path(path).stem().string();
  m.rows = t.shape()[0];
  m.columns = m.rows > 0 ? t.numel() / m.rows : 0;
  if (t.dtype() == DType::Float32) {
    m.values.assign(t.data<float>(), t.data<float>() + t.numel());
  } else {
    const std::vector<double> all = to_doubles(t);
    m.values.assign(all.begin(), all.end());
  }
  return m;
}

bool parses_as_number(const std::string& s, double& value) {
  if (s.empty()) return false;
  char* end = nullptr;
  value = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size();
}

// Distinct labels in a readable order (numerically when all are numbers) and each row's index.
void categorize(const std::vector<std::string>& labels, std::vector<std::string>& names,
                std::vector<int32_t>& category) {
  names = labels;
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  bool numeric = true;
  std::map<std::string, double> value;
  for (const auto& n : names) numeric = numeric && parses_as_number(n, value[n]);
  if (numeric)
    std::sort(names.begin(), names.end(),
              [&](const std::string& a, const std::string& b) { return value[a] < value[b]; });
  std::map<std::string, int32_t> index;
  for (std::size_t i = 0; i < names.size(); ++i) index[names[i]] = static_cast<int32_t>(i);
  category.clear();
  for (const auto& l : labels) category.push_back(index[l]);
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string quoted = "\"";
  for (char c : s) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

// index, then (with a model) file, then the label columns, then the coordinates. Without a model
// the label column is always there, empty when no labels were given.
void write_csv(const std::string& path, const std::vector<float>& coords, int dims,
               const Matrix& m) {
  std::ofstream out(path);
  if (!out) throw Error("cannot write '" + path + "'");
  const bool with_files = !m.files.empty();
  out << "index" << (with_files ? ",file" : "");
  if (m.label_columns.empty() && !with_files) out << ",label";
  for (const auto& column : m.label_columns) out << "," << csv_field(column);
  out << ",x,y" << (dims == 3 ? ",z" : "") << "\n";
  char buffer[32];
  for (int64_t i = 0; i < m.rows; ++i) {
    out << i;
    if (with_files) out << "," << csv_field(m.files[i]);
    if (m.label_columns.empty() && !with_files) out << ",";
    if (!m.labels.empty())
      for (const auto& value : m.labels[i]) out << "," << csv_field(value);
    for (int a = 0; a < dims; ++a) {
      std::snprintf(buffer, sizeof buffer, ",%.9g", coords[i * dims + a]);
      out << buffer;
    }
    out << "\n";
  }
  if (!out.flush()) throw Error("cannot write '" + path + "'");
}

std::string fixed(double v, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, v);
  return buffer;
}

// OUT without a trailing .png or .csv, its folder created.
std::string output_stem(const std::string& out) {
  fs::path stem(out);
  if (stem.extension() == ".png" || stem.extension() == ".csv") stem.replace_extension();
  if (stem.filename().empty()) throw Error("-o " + out + " names a folder: expected a file stem");
  if (stem.has_parent_path()) {
    std::error_code ec;
    fs::create_directories(stem.parent_path(), ec);
    if (ec)
      throw Error("cannot create folder '" + stem.parent_path().string() + "': " + ec.message());
  }
  return stem.string();
}

// "32x26x26 per input, avg over 26x26" and the like, for the summary line.
std::string pooling_description(const EmbeddingCollector& collector) {
  const Shape& item = collector.item_shape();
  std::string text = shape_string(item) + " per input";
  if (collector.pool() == EmbeddingPool::Average || collector.pool() == EmbeddingPool::Max)
    return text + ", " + embedding_pool_name(collector.pool()) + " over " +
           shape_string(collector.pooled_shape());
  return item.size() > 1 ? text + ", flattened" : text;
}

// Runs the model over the inputs folder in batches and keeps the layer's output per input item.
Matrix collect_from_model(const EmbedOptions& options) {
  if (options.layer.empty())
    throw Error("--layer L is required with a model: the node or tensor whose output to embed");
  if (options.inputs_dir.empty())
    throw Error("--inputs-dir DIR is required with a model: the inputs to run it on");
  if (options.batch < 1)
    throw Error("--batch " + std::to_string(options.batch) +
                ": expected a positive number of files per run");
  const EmbeddingPool pool =
      options.pool.empty() ? EmbeddingPool::Auto : embedding_pool_by_name(options.pool);
  const Model model = open_model(options.model);
  const Graph& graph = model.graph;
  EmbeddingCollector collector(options.layer, pool);
  collector.check(graph, fs::path(options.model.path).filename().string());

  // Every batch is read and checked before the model runs.
  const InputFiles files = input_files(options.inputs_dir);
  InputLabels labels;
  if (!options.labels.empty()) labels = read_labels(options.labels, files.paths);
  const InputLabels* labels_or_null = options.labels.empty() ? nullptr : &labels;
  const std::vector<Step> steps =
      steps_from_files(graph, InputOptions{}, files.paths, options.batch, labels_or_null);
  for (const Step& step : steps) check_inputs(graph, step.inputs);

  SessionOptions session_options;
  session_options.threads = options.threads;
  auto session = create_session(model, session_options);
  {
    Progress progress("running " + fs::path(options.model.path).filename().string(), steps.size());
    for (std::size_t i = 0; i < steps.size(); ++i) {
      collector.begin_run(steps[i].batch_size);
      session->run(steps[i].inputs, &collector);
      collector.end_run();
      progress.update(i + 1);
    }
  }

  Matrix m;
  m.rows = collector.rows();
  m.columns = collector.dims();
  m.values = collector.values();
  m.name = collector.tensor_name();
  const std::size_t start = m.name.find_first_not_of('/');
  m.tag = start == std::string::npos ? m.name : m.name.substr(start);
  m.projector = projector_extras(steps, graph, labels_or_null, m.thumbnails);
  for (const Step& step : steps) {
    m.files.insert(m.files.end(), step.row_names.begin(), step.row_names.end());
    for (const auto* row : step.row_labels) m.labels.push_back(*row);
  }
  m.label_columns = labels.columns;
  std::cout << "features: " << m.rows << " rows x " << m.columns << " from " << m.name << " ("
            << pooling_description(collector) << "), " << files.paths.size() << " input files in "
            << steps.size() << (steps.size() == 1 ? " run" : " runs") << "\n";
  return m;
}

Matrix read_from_npy(const EmbedOptions& options) {
  for (const auto& [given, name] : {std::pair{!options.layer.empty(), "--layer"},
                                    {!options.inputs_dir.empty(), "--inputs-dir"},
                                    {!options.pool.empty(), "--pool"},
                                    {options.batch != 1, "--batch"}})
    if (given)
      throw Error(std::string(name) +
                  " needs a model (layerscope embed MODEL --layer L --inputs-dir DIR); "
                  "--from-npy reduces the matrix as it is");
  Matrix m = read_matrix(options.from_npy);
  if (!options.labels.empty()) {
    m.label_columns = {"label"};
    for (std::string& label : read_row_labels(options.labels, m.rows, options.from_npy))
      m.labels.push_back({std::move(label)});
    // TensorBoard skips blank metadata lines (shifting every later label): no metadata then.
    const bool blank = std::any_of(m.labels.begin(), m.labels.end(), [](const auto& row) {
      return row[0].find_first_not_of(" \t\r\n\f\v") == std::string::npos;
    });
    if (!blank) m.projector.metadata = m.labels;
  }
  return m;
}

int run_embed(const EmbedOptions& options) {
  if (options.model.path.empty() == options.from_npy.empty())
    throw Error(options.model.path.empty()
                    ? "nothing to embed: give a MODEL with --layer and --inputs-dir, or "
                      "--from-npy X.npy"
                    : "give a MODEL or --from-npy, not both");
  if (options.model.path.empty() && !options.model.load.keras_config.empty())
    throw Error("--config describes a MODEL's architecture; --from-npy has no model");
  if (options.out.empty()) throw Error("-o OUT is required: writes OUT.png and OUT.csv");
  const std::string stem = output_stem(options.out);
  const Matrix m =
      options.model.path.empty() ? read_from_npy(options) : collect_from_model(options);
  if (m.rows < 2)
    throw Error(m.name + " gives " + std::to_string(m.rows) +
                " row: an embedding needs at least 2 (more inputs in --inputs-dir)");
  std::vector<std::string> labels;  // the first label column colours the plot
  for (const auto& row : m.labels) labels.push_back(row.empty() ? "" : row[0]);
  const std::string& name = m.name;

  std::vector<float> coords;
  std::string method_name, axis_x, axis_y;
  // Loading BLAS/LAPACK (~20 ms, once per process) is start-up, not part of the reported time.
  analysis::lapack::functions();
  const auto start = std::chrono::steady_clock::now();
  auto seconds = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  if (options.method == "pca") {
    PcaOptions pca_options;
    pca_options.components = options.dims;
    pca_options.whiten = options.whiten;
    pca_options.seed = options.seed;
    if (m.columns < options.dims || m.rows < options.dims)
      throw Error(name + " gives " + std::to_string(m.rows) + " x " + std::to_string(m.columns) +
                  ": PCA to " + std::to_string(options.dims) +
                  " dimensions needs at least that many rows and columns");
    const PcaResult p = pca(m.values.data(), m.rows, m.columns, pca_options);
    for (const auto& w : p.warnings) std::cerr << "warning: " << w << "\n";
    coords = p.embedding;
    method_name = "PCA";
    axis_x = "PC1 (" + fixed(100 * p.explained_variance_ratio[0], 1) + "%)";
    axis_y = "PC2 (" + fixed(100 * p.explained_variance_ratio[1], 1) + "%)";
    double total = 0;
    std::string ratios;
    for (double r : p.explained_variance_ratio) {
      ratios += " " + fixed(r, 4);
      total += r;
    }
    std::cout << "PCA (" << (p.solver_used == PcaSolver::Randomized ? "randomized" : "exact")
              << "): " << m.rows << " points of " << m.columns << " dimensions -> " << options.dims
              << " in " << fixed(seconds(), 3) << " s\n"
              << "explained variance ratio:" << ratios << " (total " << fixed(total, 4) << ")\n";
  } else if (options.method == "tsne") {
    TsneOptions t_options;
    t_options.dimensions = options.dims;
    t_options.perplexity = options.perplexity;
    t_options.iterations = options.iterations;
    t_options.seed = options.seed;
    t_options.threads = options.threads;
    t_options.repulsion = options.repulsion == "fft"          ? TsneRepulsion::Fft
                          : options.repulsion == "barnes_hut" ? TsneRepulsion::BarnesHut
                                                              : TsneRepulsion::Auto;
    TsneResult t;
    {
      // The bar's line ends (with the scope) before the summary prints.
      Progress progress("t-SNE", static_cast<std::size_t>(options.iterations));
      t_options.on_iteration = [&](int done) {
        if (done % 10 == 0 || done == options.iterations) progress.update(done);
        return true;
      };
      t = tsne(m.values.data(), m.rows, m.columns, t_options);
    }
    for (const auto& w : t.warnings) std::cerr << "warning: " << w << "\n";
    coords = t.embedding;
    method_name = "t-SNE";
    axis_x = "t-SNE 1";
    axis_y = "t-SNE 2";
    std::cout << "t-SNE: " << m.rows << " points of " << m.columns << " dimensions -> "
              << options.dims << ", perplexity " << number_label(t.perplexity) << " ("
              << t.neighbours << " neighbours), " << t.iterations << " iterations ("
              << (t.repulsion == TsneRepulsion::Fft         ? "FFT-interpolated"
                  : t.repulsion == TsneRepulsion::BarnesHut ? "Barnes-Hut"
                                                            : "exact")
              << " repulsion) in " << fixed(seconds(), 2) << " s\n"
              << "KL divergence: " << fixed(t.kl_divergence, 4) << "\n";
  } else {
    throw Error("--method " + options.method + " is not known: expected pca or tsne");
  }

  std::vector<std::string> names;
  std::vector<int32_t> category;
  if (!labels.empty()) categorize(labels, names, category);
  render::ScatterOptions plot;
  plot.title = options.title.empty()
                   ? method_name + " of " + name + " (" + std::to_string(m.rows) + " points)"
                   : options.title;
  plot.x_label = axis_x;
  plot.y_label = axis_y;
  // Equal units on both axes, so distances in the picture are distances in the embedding.
  plot.equal_aspect = true;
  render::draw_scatter(coords.data(), m.rows, options.dims, category, names, plot)
      .write_png(stem + ".png");
  write_csv(stem + ".csv", coords, options.dims, m);
  std::cout << "wrote " << stem << ".png" << (options.dims == 3 ? " (dimensions 1 and 2 of 3)" : "")
            << ", " << stem << ".csv";
  if (!options.model.path.empty()) {
    const Tensor features = Tensor::wrap(DType::Float32, {m.rows, m.columns},
                                         const_cast<float*>(m.values.data()), nullptr);
    write_npy(stem + "_features.npy", features);
    std::cout << ", " << stem << "_features.npy (the rows before reduction)";
  }
  std::cout << "\n";
  if (!options.no_projector) {
    // The layout `log` writes (projector_config.pbtxt, 00000/<tag>/...), without event files:
    // TensorBoard's Projector takes the logdir itself as a run when it has no others.
    const std::string folder = stem + "_projector";
    const EmbeddingFiles files = tensorboard::write_embedding(folder, m.tag, m.values.data(),
                                                              m.rows, m.columns, 0, m.projector);
    std::cout << "projector: " << m.rows << " rows x " << m.columns << " of " << m.tag
              << (files.metadata.empty() ? "" : ", metadata")
              << (files.sprite.empty()
                      ? ""
                      : ", sprite of " + std::to_string(files.thumbnail_width) + "x" +
                            std::to_string(files.thumbnail_height) + " thumbnails")
              << " in " << folder << "\n"
              << "tensorboard --logdir " << folder << "\n";
  }
  return 0;
}

}  // namespace

Command add_embed_command(CLI::App& app) {
  auto options = std::make_shared<EmbedOptions>();
  CLI::App* sub = app.add_subcommand("embed",
                                     "Reduce a layer's output over many inputs (or any matrix) to "
                                     "2-D or 3-D with PCA or t-SNE, and plot it");
  add_model_option(*sub, options->model)
      ->description("Model (ONNX or Keras) to run over --inputs-dir (or give --from-npy instead)");
  sub->add_option("--layer", options->layer,
                  "Node or tensor whose output, one row per input item, is embedded");
  sub->add_option(
      "--inputs-dir", options->inputs_dir,
      "The inputs (.npy, .pb, .png, .jpg) of DIR, sorted by name, each bound to the "
      "model's first input; files differing only in extension are one (.npy preferred)");
  sub->add_option("--pool", options->pool,
                  "How an item [C, H, W, ...] becomes a row: avg or max over the axes after C "
                  "(C values), or flatten (all of them); default avg for rank-4 outputs, flatten "
                  "otherwise");
  sub->add_option("--batch", options->batch,
                  "Input files stacked along axis 0 per run (default 1; the last run takes what "
                  "is left)");
  sub->add_option("--from-npy", options->from_npy,
                  "Instead of a model: an n x d .npy matrix to reduce (higher ranks are flattened "
                  "per row)");
  sub->add_option("--labels", options->labels,
                  "With a model: CSV of FILE,LABEL lines (FILE with or without extension; a first "
                  "line naming no input is a header). With --from-npy: one label per row, a text "
                  "file (one per line) or a .npy of numbers");
  sub->add_option("--method", options->method, "pca or tsne (default tsne)")
      ->check(CLI::IsMember({"pca", "tsne"}));
  sub->add_option("--dims", options->dims, "2 or 3 (default 2; the plot shows the first two)")
      ->check(CLI::IsMember({2, 3}));
  sub->add_option("--seed", options->seed, "Random seed: the same seed gives the same result");
  sub->add_option("--perplexity", options->perplexity, "t-SNE perplexity (default 30)")
      ->check(CLI::Range(1.0, 1e6));
  sub->add_option("--iterations", options->iterations, "t-SNE iterations in all (default 750)")
      ->check(CLI::Range(0, 1000000));
  sub->add_option("--threads", options->threads, "Threads (default: all cores)")
      ->check(kNonNegative);
  sub->add_option("--repulsion", options->repulsion,
                  "t-SNE repulsion: auto (fft in 2-D from " + std::to_string(kFftRepulsionMinRows) +
                      " rows on), barnes_hut or fft")
      ->check(CLI::IsMember({"auto", "barnes_hut", "fft"}));
  sub->add_flag("--whiten", options->whiten, "PCA: scale each component to unit variance");
  sub->add_option("--title", options->title, "Plot title (default: method and file)");
  sub->add_option("-o,--out", options->out,
                  "Output stem: writes OUT.png, OUT.csv, OUT_projector/ and, with a model, "
                  "OUT_features.npy")
      ->required();
  sub->add_flag("--no-projector", options->no_projector,
                "Do not write OUT_projector/ (the rows for TensorBoard's Projector)");
  sub->footer(
      "Examples:\n"
      "  layerscope embed models/digits_cnn.onnx --layer /relu1/Relu --inputs-dir "
      "models/digits --labels models/digits/labels.csv -o out/relu1\n"
      "  layerscope embed model.onnx --layer /fc/Gemm --inputs-dir images/ --batch 16 --method "
      "pca --dims 3 -o out/fc\n"
      "  layerscope embed --from-npy features.npy --labels labels.txt -o out/tsne\n"
      "  layerscope embed --from-npy features.npy --method pca --dims 3 -o out/pca");
  return {sub, [options] { return run_embed(*options); }};
}

}  // namespace layerscope::cli
