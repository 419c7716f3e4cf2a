// layerscope report MODEL -o report.html: runs the model over each input and writes one offline
// HTML page: summary, graph coloured by a statistic, every layer's statistics, histograms,
// feature maps and a scatter of its activations over the inputs (src/report/).
#include "cli/commands.h"
#include "cli/embedding_inputs.h"
#include "cli/inputs.h"
#include "cli/model_option.h"
#include "cli/progress.h"
#include "cli/table.h"
#include "report/report_collector.h"
#include "report/report_page.h"

#include <layerscope/error.h>
#include <layerscope/model.h>
#include <layerscope/onnx.h>
#include <layerscope/session.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>

namespace layerscope::cli {
namespace {

namespace fs = std::filesystem;

struct ReportOptions {
  ModelOption model;
  std::string output;
  InputOptions inputs;
  std::string inputs_dir;
  std::string labels;
  std::string filter;
  int channels = 8;
  int map_inputs = 4;
  bool tsne = false;
  int threads = 0;
};

// One run of the model: its inputs and the name the page shows.
struct Sample {
  std::string name;
  std::string file;  // for --labels; empty when the sample is not one file
  std::map<std::string, Tensor> inputs;
};

// One run per file, bound to the model's first input (--input NAME=FILE and --random fill the
// others, the same every run).
std::vector<Sample> samples_from_files(const Graph& graph, const InputOptions& other_inputs,
                                       const std::vector<std::string>& files) {
  std::vector<Step> steps = steps_from_files(graph, other_inputs, files, 1, nullptr);
  std::vector<Sample> samples;
  for (std::size_t i = 0; i < steps.size(); ++i)
    samples.push_back(
        {fs::path(files[i]).filename().string(), files[i], std::move(steps[i].inputs)});
  return samples;
}

// --inputs-dir: its files; several --input for a one-input model: one sample each; otherwise
// the --input/--random binding of `run`, one sample.
std::vector<Sample> collect_samples(const Graph& graph, const ReportOptions& options,
                                    std::size_t* passed_over) {
  if (!options.inputs_dir.empty()) {
    const InputFiles files = input_files(options.inputs_dir);
    *passed_over = files.passed_over;
    return samples_from_files(graph, options.inputs, files.paths);
  }
  if (graph.inputs.size() == 1 && options.inputs.inputs.size() > 1) {
    const std::string prefix = graph.values[graph.inputs[0]].name + "=";
    std::vector<std::string> files;
    for (const std::string& given : options.inputs.inputs)
      files.push_back(given.rfind(prefix, 0) == 0 ? given.substr(prefix.size()) : given);
    InputOptions rest = options.inputs;
    rest.inputs.clear();
    return samples_from_files(graph, rest, files);
  }
  Sample sample;
  sample.inputs = bind_inputs(graph, options.inputs);
  if (options.inputs.inputs.size() == 1) {
    const std::string& given = options.inputs.inputs[0];
    sample.file = given.substr(given.find('=') == std::string::npos ? 0 : given.find('=') + 1);
    sample.name = fs::path(sample.file).filename().string();
  } else {
    sample.name = options.inputs.inputs.empty() ? "random" : "input";
  }
  return {std::move(sample)};
}

int run_report(const ReportOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  if (options.channels < 0 || options.map_inputs < 0)
    throw Error("--channels and --map-inputs: expected numbers >= 0");
  // A folder that is not there fails now, not after every input ran.
  const fs::path folder = fs::path(options.output).parent_path();
  std::error_code ec;
  if (!folder.empty() && !fs::is_directory(folder, ec))
    throw Error("cannot write '" + options.output + "': no folder '" + folder.string() + "'");
  const Model model = open_model(options.model);
  const Graph& graph = model.graph;
  std::size_t passed_over = 0;
  const std::vector<Sample> samples = collect_samples(graph, options, &passed_over);
  for (const Sample& s : samples) check_inputs(graph, s.inputs);

  std::vector<std::string> names, labels;
  for (const Sample& s : samples) names.push_back(s.name);
  if (!options.labels.empty()) {
    std::vector<std::string> files;
    for (const Sample& s : samples) {
      if (s.file.empty())
        throw Error(
            "--labels needs input files (--inputs-dir DIR or --input FILE): labels are "
            "looked up by file name");
      files.push_back(s.file);
    }
    const InputLabels read = read_labels(options.labels, files);
    for (const auto& row : read.labels) labels.push_back(row.empty() ? "" : row[0]);
  }

  SessionOptions session_options;
  session_options.threads = options.threads;
  auto session = create_session(model, session_options);

  report::CollectorOptions collector_options;
  collector_options.filter = NodeFilter(options.filter);
  collector_options.feature_channels = options.channels;
  collector_options.feature_inputs = options.map_inputs;
  report::ReportCollector collector(collector_options);
  {
    Progress progress("running", samples.size());
    for (std::size_t i = 0; i < samples.size(); ++i) {
      collector.begin_input(static_cast<int>(i));
      session->run(samples[i].inputs, &collector);
      progress.update(i + 1);
    }
  }
  report::PageOptions page_options;
  page_options.tsne = options.tsne;
  page_options.seed = options.inputs.seed;
  page_options.input_name = formal_input_name;
  report::write_report_html({model, collector, names, labels}, page_options, options.output);

  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const auto bytes = fs::file_size(options.output, ec);
  std::cout << "Wrote " << options.output << " (" << format_number(bytes / 1048576.0)
            << " MiB): " << collector.layers().size() << " layer outputs over " << samples.size()
            << (samples.size() == 1 ? " input" : " inputs") << " in " << format_number(seconds)
            << " s\n";
  if (const auto bad = collector.first_nonfinite()) {
    const report::LayerReport& layer = collector.layers()[bad->layer];
    std::cout << "first NaN/Inf: tensor '" << layer.value << "' of node '" << layer.node << "' ("
              << layer.op << ") for input " << names[bad->input] << "\n";
  }
  if (collector.thumbnails_over_budget() > 0)
    std::cout << collector.thumbnails_over_budget()
              << " feature maps left without thumbnails (image size budget spent)\n";
  if (passed_over > 0)
    std::cout << "passed over " << passed_over
              << " input files with the same name as another in a preferred format\n";
  return 0;
}

}  // namespace

Command add_report_command(CLI::App& app) {
  auto options = std::make_shared<ReportOptions>();
  CLI::App* sub = app.add_subcommand(
      "report",
      "Run the model over inputs and write one offline HTML page of every layer's activations");
  add_model_option(*sub, options->model)->required();
  sub->add_option("-o,--output", options->output, "The HTML file to write")->required();
  add_input_options(*sub, options->inputs);
  sub->add_option("--inputs-dir", options->inputs_dir,
                  "One run per input file (.npy, .pb, .png, .jpg) of DIR, sorted by name, bound "
                  "to the model's first input");
  sub->add_option("--labels", options->labels,
                  "CSV of FILE,LABEL lines colouring the scatter plots (with input files)");
  sub->add_option("--filter", options->filter,
                  "Regex on node names, op types and tensor names: report only those layers");
  sub->add_option("--channels", options->channels,
                  "Feature-map thumbnails per rank-4 layer (first channels)")
      ->capture_default_str()
      ->check(kNonNegative);
  sub->add_option("--map-inputs", options->map_inputs,
                  "Inputs whose feature maps get thumbnails (the first ones)")
      ->capture_default_str()
      ->check(kNonNegative);
  sub->add_flag("--tsne", options->tsne,
                "Also a t-SNE scatter per layer (5 inputs or more; slower than the PCA one)");
  sub->add_option("--threads", options->threads, "Intra-op threads (default: all cores)")
      ->check(kNonNegative);
  sub->footer(
      "Several --input FILE for a one-input model are one run each; otherwise --input binds as "
      "in `run` (one run).\n"
      "Examples:\n"
      "  layerscope report models/digits_cnn.onnx --inputs-dir models/digits --labels "
      "models/digits/labels.csv -o digits.html\n"
      "  layerscope report model.onnx --input a.npy --input b.npy --filter Conv -o r.html\n"
      "  layerscope report model.onnx --random --dim batch=1 -o r.html");
  return {sub, [options] { return run_report(*options); }};
}

}  // namespace layerscope::cli
