// layerscope summary MODEL: the model's layers, shapes, parameters and MACs, without running it.
#include "cli/commands.h"
#include "cli/model_option.h"
#include "cli/shape_probe.h"
#include "cli/table.h"

#include <layerscope/model.h>
#include <layerscope/summary.h>

#include <nlohmann/json.hpp>

#include <iostream>
#include <memory>

namespace layerscope::cli {
namespace {

struct SummaryOptions {
  ModelOption model;
  bool json = false;
};

// Keras users read shapes as Keras prints them: (None, 28, 28, 1).
std::string keras_shape_string(const std::optional<StaticShape>& shape) {
  if (!shape) return "?";
  std::string text = "(";
  for (std::size_t i = 0; i < shape->size(); ++i)
    text += (i ? ", " : "") + ((*shape)[i].known() ? std::to_string((*shape)[i].value) : "None");
  return text + (shape->size() == 1 ? ",)" : ")");
}

std::string shape_text(const Model& model, const std::optional<StaticShape>& shape) {
  return model.format == "keras" ? keras_shape_string(shape) : static_shape_string(shape);
}

std::string shapes_text(const Model& model, const NodeSummary& node) {
  std::string text;
  for (const auto& shape : node.shapes)
    text += (text.empty() ? "" : " ") + shape_text(model, shape);
  return text;
}

std::string model_line(const Model& model) {
  if (model.format == "keras")
    return "Model: " + model.path + " (Keras " + model.producer_version + ", '" + model.graph.name +
           "')";
  if (model.format == "tensorflow")
    return "Model: " + model.path + " (" + model.producer_name +
           (model.producer_version.empty() ? "" : " " + model.producer_version) + ")";
  return "Model: " + model.path + " (ONNX IR " + std::to_string(model.ir_version) + ", opset " +
         std::to_string(model.graph.opsets.count("") ? model.graph.opsets.at("") : 0) + ", from " +
         model.producer_name + " " + model.producer_version + ")";
}

nlohmann::json shape_json(const std::optional<StaticShape>& shape) {
  if (!shape) return nullptr;
  nlohmann::json dims = nlohmann::json::array();
  for (const Dim& d : *shape) {
    if (d.known())
      dims.push_back(d.value);
    else if (!d.symbol.empty())
      dims.push_back(d.symbol);
    else
      dims.push_back(nullptr);
  }
  return dims;
}

nlohmann::json values_json(const Graph& graph, const std::vector<int>& values) {
  nlohmann::json list = nlohmann::json::array();
  for (int v : values)
    list.push_back({{"name", graph.values[v].name},
                    {"dtype", dtype_name(graph.values[v].dtype)},
                    {"shape", shape_json(graph.values[v].shape)}});
  return list;
}

int run_summary(const SummaryOptions& options) {
  Model model = open_model(options.model);
  // A TensorFlow graph seldom records its shapes: they are found by running it.
  const std::string shapes_note = model.format == "tensorflow" ? probe_shapes(model) : "";
  const ModelSummary summary = summarize(model);
  const Graph& graph = model.graph;
  if (options.json) {
    nlohmann::json nodes = nlohmann::json::array();
    for (const NodeSummary& n : summary.nodes) {
      nlohmann::json outputs = nlohmann::json::array();
      for (std::size_t i = 0; i < n.outputs.size(); ++i)
        outputs.push_back({{"name", n.outputs[i]},
                           {"dtype", dtype_name(n.dtypes[i])},
                           {"shape", shape_json(n.shapes[i])}});
      nodes.push_back({{"name", n.name},
                       {"op", n.op},
                       {"scope", n.scope},
                       {"outputs", outputs},
                       {"parameters", n.parameters},
                       {"macs", n.macs ? nlohmann::json(*n.macs) : nlohmann::json(nullptr)}});
    }
    nlohmann::json opsets = nlohmann::json::object();
    for (const auto& [domain, version] : graph.opsets)
      opsets[domain.empty() ? "ai.onnx" : domain] = version;
    const nlohmann::json out = {{"model", model.path},
                                {"format", model.format},
                                {"producer", model.producer_name + " " + model.producer_version},
                                {"ir_version", model.ir_version},
                                {"opsets", opsets},
                                {"inputs", values_json(graph, graph.inputs)},
                                {"outputs", values_json(graph, graph.outputs)},
                                {"nodes", nodes},
                                {"total_parameters", summary.total_parameters},
                                {"trainable_parameters", summary.trainable_parameters},
                                {"non_trainable_parameters", summary.non_trainable_parameters},
                                {"parameter_bytes", summary.parameter_bytes},
                                {"total_macs", summary.total_macs}};
    std::cout << json_text(out) << "\n";
    return 0;
  }
  std::cout << model_line(model) << "\n";
  if (!shapes_note.empty()) std::cout << "Note: " << shapes_note << "\n";
  for (int v : graph.inputs)
    std::cout << "Input:  " << graph.values[v].name << " " << dtype_name(graph.values[v].dtype)
              << " " << shape_text(model, graph.values[v].shape) << "\n";
  for (int v : graph.outputs)
    std::cout << "Output: " << graph.values[v].name << " " << dtype_name(graph.values[v].dtype)
              << " " << shape_text(model, graph.values[v].shape) << "\n";
  std::cout << "\n";
  Table table({"#", "node", "op", "output shape", "params", "MACs"});
  for (std::size_t i = 0; i < summary.nodes.size(); ++i) {
    const NodeSummary& n = summary.nodes[i];
    table.add_row({std::to_string(i), n.name, n.op, shapes_text(model, n),
                   n.parameters ? format_count(n.parameters) : "",
                   n.macs ? format_count(*n.macs) : ""});
  }
  table.print(std::cout);
  std::cout << "\nNodes: " << summary.nodes.size()
            << "\nParameters: " << format_count(summary.total_parameters) << " ("
            << format_number(summary.parameter_bytes / 1048576.0) << " MiB)"
            << (summary.non_trainable_parameters
                    ? "\nTrainable parameters: " + format_count(summary.trainable_parameters) +
                          "\nNon-trainable parameters: " +
                          format_count(summary.non_trainable_parameters)
                    : "")
            << "\nMACs: " << format_count(summary.total_macs)
            << (summary.nodes_without_macs
                    ? " (" + std::to_string(summary.nodes_without_macs) +
                          " Conv/Gemm/MatMul nodes with unknown shapes not counted)"
                    : "")
            << "\n";
  return 0;
}

}  // namespace

Command add_summary_command(CLI::App& app) {
  auto options = std::make_shared<SummaryOptions>();
  CLI::App* sub = app.add_subcommand(
      "summary", "List every layer with its output shapes, parameters and MACs (nothing runs)");
  add_model_option(*sub, options->model)->required();
  sub->add_flag("--json", options->json, "Print JSON instead of a table");
  sub->footer("Example:\n  layerscope summary models/digits_cnn.onnx --json");
  return {sub, [options] { return run_summary(*options); }};
}

}  // namespace layerscope::cli
