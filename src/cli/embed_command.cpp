// layerscope embed --from-npy X.npy: reduces an n x d matrix (activations dumped elsewhere, or
// any features) to 2 or 3 dimensions with PCA or t-SNE, and writes OUT.png (a scatter plot
// coloured by label) and OUT.csv (index, label, coordinates).
#include "analysis/lapack.h"
#include "cli/commands.h"
#include "cli/progress.h"
#include "render/plot_scatter.h"

#include <layerscope/analysis.h>
#include <layerscope/error.h>
#include <layerscope/io.h>

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
};

struct Matrix {
  int64_t rows = 0, columns = 0;
  std::vector<float> values;
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

std::string number_label(double v) {
  char buffer[32];
  if (v == std::floor(v) && std::fabs(v) < 1e15)
    std::snprintf(buffer, sizeof buffer, "%.0f", v);
  else
    std::snprintf(buffer, sizeof buffer, "%g", v);
  return buffer;
}

// One label per row: a .npy of numbers, or a text file with one label per line.
std::vector<std::string> read_labels(const std::string& path, int64_t rows,
                                     const std::string& data_path) {
  std::vector<std::string> labels;
  if (fs::path(path).extension() == ".npy") {
    const Tensor t = read_npy(path);
    for (double v : to_doubles(t)) labels.push_back(number_label(v));
  } else {
    std::ifstream in(path);
    if (!in) throw Error("cannot read labels file '" + path + "'");
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      labels.push_back(line);
    }
  }
  if (static_cast<int64_t>(labels.size()) != rows)
    throw Error("labels file '" + path + "' has " + std::to_string(labels.size()) + " labels but " +
                data_path + " has " + std::to_string(rows) + " rows: expected one label per row");
  return labels;
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

void write_csv(const std::string& path, const std::vector<float>& coords, int64_t rows, int dims,
               const std::vector<std::string>& labels) {
  std::ofstream out(path);
  if (!out) throw Error("cannot write '" + path + "'");
  out << "index,label,x,y" << (dims == 3 ? ",z" : "") << "\n";
  char buffer[32];
  for (int64_t i = 0; i < rows; ++i) {
    out << i << "," << (labels.empty() ? "" : csv_field(labels[i]));
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

int run_embed(const EmbedOptions& options) {
  if (options.from_npy.empty())
    throw Error("--from-npy X.npy is required: the n x d matrix to reduce");
  if (options.out.empty()) throw Error("-o OUT is required: writes OUT.png and OUT.csv");
  const Matrix m = read_matrix(options.from_npy);
  std::vector<std::string> labels;
  if (!options.labels.empty()) labels = read_labels(options.labels, m.rows, options.from_npy);
  const std::string stem = output_stem(options.out);
  const std::string name = fs::path(options.from_npy).filename().string();

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
      throw Error(options.from_npy + " is " + std::to_string(m.rows) + " x " +
                  std::to_string(m.columns) + ": PCA to " + std::to_string(options.dims) +
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
              << t.neighbours << " neighbours), " << t.iterations << " iterations in "
              << fixed(seconds(), 2) << " s\n"
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
  write_csv(stem + ".csv", coords, m.rows, options.dims, labels);
  std::cout << "wrote " << stem << ".png" << (options.dims == 3 ? " (dimensions 1 and 2 of 3)" : "")
            << " and " << stem << ".csv\n";
  return 0;
}

}  // namespace

Command add_embed_command(CLI::App& app) {
  auto options = std::make_shared<EmbedOptions>();
  CLI::App* sub = app.add_subcommand(
      "embed", "Reduce high-dimensional rows to 2-D or 3-D with PCA or t-SNE and plot them");
  sub->add_option("--from-npy", options->from_npy,
                  "An n x d .npy matrix to reduce (higher ranks are flattened per row)")
      ->required();
  sub->add_option("--labels", options->labels,
                  "One label per row: a text file (one per line) or a .npy of numbers");
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
  sub->add_option("-o,--out", options->out, "Output stem: writes OUT.png and OUT.csv")->required();
  sub->footer(
      "Examples:\n"
      "  layerscope embed --from-npy features.npy --labels labels.txt -o out/tsne\n"
      "  layerscope embed --from-npy features.npy --method pca --dims 3 -o out/pca");
  return {sub, [options] { return run_embed(*options); }};
}

}  // namespace layerscope::cli
