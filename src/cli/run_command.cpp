// layerscope run MODEL: runs the model and prints every layer's output statistics.
#include "cli/commands.h"
#include "cli/inputs.h"
#include "cli/model_option.h"
#include "cli/table.h"
#include "observe/stats_json.h"

#include <layerscope/dump.h>
#include <layerscope/error.h>
#include <layerscope/model.h>
#include <layerscope/plot_observer.h>
#include <layerscope/session.h>
#include <layerscope/stats.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <memory>
#include <set>

namespace layerscope::cli {
namespace {

struct RunOptions {
  ModelOption model;
  InputOptions inputs;
  std::string filter;
  std::string dump;
  std::string plots;
  bool json = false;
  int threads = 0;
  std::size_t max_tensor_bytes = 0;
  int repeat = 0;         // extra timed runs after the first
  bool no_stats = false;  // run without observers
};

nlohmann::json record_json(const LayerRecord& r) {
  nlohmann::json out = stats_json(r.stats);
  out.update({{"name", r.value},
              {"node", r.node},
              {"op", r.op},
              {"dtype", dtype_name(r.dtype)},
              {"shape", r.shape},
              {"seconds", r.seconds}});
  return out;
}

std::string nonfinite_message(const LayerRecord& r) {
  return "first NaN/Inf: tensor '" + r.value + "' of node '" + r.node + "' (" + r.op + ") holds " +
         std::to_string(r.stats.nan_count) + " NaN and " + std::to_string(r.stats.inf_count) +
         " Inf of " + std::to_string(r.stats.count) + " values";
}

int run_model(const RunOptions& options) {
  const Model model = open_model(options.model);
  const std::map<std::string, Tensor> inputs = bind_inputs(model.graph, options.inputs);
  check_inputs(model.graph, inputs);

  SessionOptions session_options;
  session_options.threads = options.threads;
  session_options.max_tensor_bytes = options.max_tensor_bytes;
  for (const auto& [name, tensor] : inputs)
    if (options.max_tensor_bytes && tensor.nbytes() > options.max_tensor_bytes)
      throw Error("input '" + name + "' is " + std::to_string(tensor.nbytes()) +
                  " bytes, over the limit of " + std::to_string(options.max_tensor_bytes) +
                  " bytes (--max-tensor-bytes)");
  auto session = create_session(model, session_options);

  const NodeFilter filter(options.filter);
  StatsObserver stats(filter);
  ObserverList observers;
  if (!options.no_stats) observers.add(&stats);
  std::unique_ptr<DumpObserver> dump;
  if (!options.dump.empty()) {
    dump = std::make_unique<DumpObserver>(options.dump, filter);
    observers.add(dump.get());
  }
  std::unique_ptr<PlotObserver> plots;
  if (!options.plots.empty()) {
    plots = std::make_unique<PlotObserver>(options.plots, filter);
    observers.add(plots.get());
  }
  const auto start = std::chrono::steady_clock::now();
  const std::map<std::string, Tensor> outputs =
      session->run(inputs, options.no_stats ? nullptr : &observers);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  // --repeat: the same run again, with fresh statistics (the dump is written only once).
  std::vector<double> repeat_seconds;
  for (int i = 0; i < options.repeat; ++i) {
    StatsObserver repeat_stats(filter);
    const auto repeat_start = std::chrono::steady_clock::now();
    session->run(inputs, options.no_stats ? nullptr : &repeat_stats);
    repeat_seconds.push_back(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - repeat_start).count());
  }
  std::sort(repeat_seconds.begin(), repeat_seconds.end());
  const double median_seconds =
      repeat_seconds.empty() ? 0.0 : repeat_seconds[repeat_seconds.size() / 2];

  if (dump) {
    // Graph outputs are dumped even when the filter left their node out.
    std::set<std::string> dumped;
    for (const LayerRecord& r : stats.records()) dumped.insert(r.value);
    const Graph& graph = model.graph;
    for (int v : graph.outputs) {
      const Value& value = graph.values[v];
      auto it = outputs.find(value.name);
      if (dumped.count(value.name) || it == outputs.end()) continue;
      const Node* producer = value.producer >= 0 ? &graph.nodes[value.producer] : nullptr;
      dump->dump(value.name, producer ? producer->name : "", producer ? producer->op_type : "",
                 it->second);
    }
    dump->write_index();
  }
  if (plots) plots->write_index();

  const auto& records = stats.records();
  const auto first_bad = stats.first_nonfinite();
  if (options.json) {
    nlohmann::json layers = nlohmann::json::array();
    for (const LayerRecord& r : records) layers.push_back(record_json(r));
    nlohmann::json outs = nlohmann::json::array();
    for (int v : model.graph.outputs) {
      const std::string& name = model.graph.values[v].name;
      auto it = outputs.find(name);
      if (it == outputs.end()) continue;
      outs.push_back({{"name", name},
                      {"dtype", dtype_name(it->second.dtype())},
                      {"shape", it->second.shape()}});
    }
    nlohmann::json first = nullptr;
    if (first_bad) first = record_json(records[*first_bad]);
    nlohmann::json result{{"model", options.model.path},
                          {"layers", layers},
                          {"outputs", outs},
                          {"first_nonfinite", first},
                          {"seconds", seconds}};
    if (options.repeat > 0) result["median_seconds"] = median_seconds;
    std::cout << json_text(result) << "\n";
    return 0;
  }
  Table table({"#", "node", "op", "output", "shape", "dtype", "min", "max", "mean", "std", "zeros",
               "nan", "inf", "ms"});
  for (std::size_t i = 0; i < records.size(); ++i) {
    const LayerRecord& r = records[i];
    const TensorStats& s = r.stats;
    table.add_row({std::to_string(i), r.node, r.op, r.value, shape_string(r.shape),
                   dtype_name(r.dtype), format_number(s.min), format_number(s.max),
                   format_number(s.mean), format_number(s.std),
                   format_number(100.0 * s.zero_fraction) + "%", std::to_string(s.nan_count),
                   std::to_string(s.inf_count), format_number(r.seconds * 1e3)});
  }
  if (!options.no_stats) {
    table.print(std::cout);
    std::cout << "\n";
  }
  for (int v : model.graph.outputs) {
    const std::string& name = model.graph.values[v].name;
    auto it = outputs.find(name);
    if (it != outputs.end())
      std::cout << "output " << name << ": " << dtype_name(it->second.dtype()) << " "
                << shape_string(it->second.shape()) << "\n";
  }
  if (first_bad)
    std::cout << nonfinite_message(records[*first_bad]) << "\n";
  else if (!options.no_stats)
    std::cout << "no NaN or Inf in the " << records.size() << " tensors observed\n";
  std::cout << "ran " << model.graph.nodes.size() << " nodes in " << format_number(seconds * 1e3)
            << " ms" << (dump ? "; tensors written to " + options.dump : "") << "\n";
  if (plots)
    std::cout << "plots: " << plots->histograms() << " histograms and " << plots->feature_maps()
              << " feature-map grids in " << options.plots << " (index.json lists them)\n";
  if (options.repeat > 0)
    std::cout << "median of " << options.repeat
              << " more runs: " << format_number(median_seconds * 1e3) << " ms\n";
  return 0;
}

}  // namespace

Command add_run_command(CLI::App& app) {
  auto options = std::make_shared<RunOptions>();
  CLI::App* sub =
      app.add_subcommand("run", "Run the model and show every layer's output statistics");
  add_model_option(*sub, options->model)->required();
  add_input_options(*sub, options->inputs);
  sub->add_option("--filter", options->filter,
                  "Regex on node names, op types and tensor names: show only those layers");
  CLI::Option* dump = sub->add_option("--dump", options->dump,
                                      "Write every shown tensor as .npy into DIR, with index.json");
  CLI::Option* plots = sub->add_option(
      "--plots", options->plots,
      "Draw every shown tensor into DIR as PNG: NAME_hist.png (a histogram of its values) and, "
      "for rank-4 maps, NAME_maps.png (the first channels of item 0), with index.json");
  sub->add_flag("--json", options->json, "Print JSON instead of a table");
  sub->add_option("--threads", options->threads, "Intra-op threads (default: all cores)")
      ->check(kNonNegative);
  sub->add_option("--max-tensor-bytes", options->max_tensor_bytes,
                  "Stop with an error if any tensor would be larger");
  sub->add_option("--repeat", options->repeat,
                  "Run N more times after the first and report the median time (benchmarking)")
      ->check(kNonNegative);
  sub->add_flag("--no-stats", options->no_stats,
                "Run without observers: no per-layer table, only outputs and time")
      ->excludes(dump)
      ->excludes(plots);
  sub->footer(
      "Examples:\n"
      "  layerscope run models/digits_cnn.onnx --input models/digits/digit_00_label_0.png\n"
      "  layerscope run model.onnx --input image=cat.npy --filter Conv --dump out/\n"
      "  layerscope run models/digits_cnn.onnx --input models/digits/digit_00_label_0.png "
      "--plots plots/\n"
      "  layerscope run model.onnx --random --dim batch=1 --json");
  return {sub, [options] { return run_model(*options); }};
}

}  // namespace layerscope::cli
