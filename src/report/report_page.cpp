// Report data -> JSON -> one offline HTML page (see report_page.h).
#include "report/report_page.h"

#include "observe/stats_json.h"
#include "render/graph_html.h"
#include "render/graph_view.h"
#include "render/html_page.h"
#include "render/web_assets.h"
#include "report/base64.h"

#include <layerscope/analysis.h>
#include <layerscope/error.h>
#include <layerscope/summary.h>

#include <nlohmann/json.hpp>

#include <cmath>

namespace layerscope::report {
namespace {

using nlohmann::json;

json shape_json(const std::optional<StaticShape>& shape) {
  if (!shape) return nullptr;
  json dims = json::array();
  for (const Dim& d : *shape) dims.push_back(d.known() ? json(d.value) : json(d.to_string()));
  return dims;
}

json values_json(const Graph& graph, const std::vector<int>& values) {
  json list = json::array();
  for (int v : values)
    list.push_back({{"name", graph.values[v].name},
                    {"dtype", dtype_name(graph.values[v].dtype)},
                    {"shape", shape_json(graph.values[v].shape)}});
  return list;
}

json model_json(const Model& model) {
  const Graph& graph = model.graph;
  const ModelSummary summary = summarize(model);
  json opsets = json::object();
  for (const auto& [domain, version] : graph.opsets)
    opsets[domain.empty() ? "ai.onnx" : domain] = version;
  std::string producer = model.producer_name;
  if (!model.producer_version.empty()) producer += " " + model.producer_version;
  return {{"path", model.path},
          {"name", graph.name},
          {"producer", producer},
          {"ir_version", model.ir_version},
          {"opsets", opsets},
          {"inputs", values_json(graph, graph.inputs)},
          {"outputs", values_json(graph, graph.outputs)},
          {"nodes", graph.nodes.size()},
          {"parameters", summary.total_parameters},
          {"parameter_bytes", summary.parameter_bytes},
          {"macs", summary.total_macs},
          {"nodes_without_macs", summary.nodes_without_macs}};
}

json sample_json(const LayerSample& s, bool with_histogram) {
  json out = stats_json(s.stats);  // as `run --json` writes them
  out.update({{"input", s.input},
              {"dtype", dtype_name(s.dtype)},
              {"shape", s.shape},
              {"count", s.stats.count},
              {"seconds", s.seconds}});
  if (with_histogram && !s.histogram.counts.empty())
    out["histogram"] = {
        {"min", s.histogram.min}, {"max", s.histogram.max}, {"counts", s.histogram.counts}};
  if (!s.thumbnails.empty()) {
    json maps = json::array();
    for (const std::string& png : s.thumbnails) maps.push_back(base64_encode(png));
    out["maps"] = std::move(maps);
  }
  return out;
}

json coordinates(const std::vector<float>& embedding, int64_t rows, int64_t dims) {
  json x = json::array(), y = json::array();
  for (int64_t r = 0; r < rows; ++r) {
    x.push_back(embedding[r * dims]);
    y.push_back(dims > 1 ? embedding[r * dims + 1] : 0.0f);
  }
  return {{"x", x}, {"y", y}};
}

// PCA (and t-SNE) of the layer's pooled rows; {skipped: why} when there is nothing to show.
json scatter_json(const LayerReport& layer, const PageOptions& options) {
  const int64_t rows =
      layer.columns > 0 ? static_cast<int64_t>(layer.pooled.size()) / layer.columns : 0;
  if (!layer.pooled_consistent || rows != static_cast<int64_t>(layer.samples.size()))
    return {{"skipped", "the inputs gave this layer outputs of different sizes or types"}};
  if (rows < 2) return {{"skipped", "one input: a scatter needs two or more"}};
  for (float v : layer.pooled)
    if (!std::isfinite(v)) return {{"skipped", "its activations hold NaN or Inf"}};
  json out;
  try {
    PcaOptions pca_options;
    pca_options.components = static_cast<int>(std::min<int64_t>(2, std::min(rows, layer.columns)));
    pca_options.seed = options.seed;
    const PcaResult p = pca(layer.pooled.data(), rows, layer.columns, pca_options);
    out["pca"] = coordinates(p.embedding, rows, p.components);
    out["pca"]["explained"] = p.explained_variance_ratio;
  } catch (const Error& e) {
    return {{"skipped", std::string("PCA: ") + e.what()}};
  }
  if (options.tsne && rows >= 5) {
    try {
      TsneOptions tsne_options;
      tsne_options.seed = options.seed;
      tsne_options.iterations = 500;
      tsne_options.kl_every = 0;
      const TsneResult t = tsne(layer.pooled.data(), rows, layer.columns, tsne_options);
      out["tsne"] = coordinates(t.embedding, rows, 2);
      out["tsne"]["perplexity"] = t.perplexity;
    } catch (const Error& e) {
      out["tsne"] = {{"skipped", e.what()}};
    }
  }
  return out;
}

}  // namespace

std::string report_json(const ReportSources& sources, const PageOptions& options) {
  const ReportCollector& collector = sources.collector;
  const CollectorOptions& collected = collector.options();
  const auto& layers = collector.layers();
  json summarized = json::array();

  // Histograms for every input while the budget allows, else for the first inputs only.
  const std::size_t inputs = sources.input_names.size();
  const std::size_t per_input = layers.size() * static_cast<std::size_t>(collected.histogram_bins);
  std::size_t histogram_inputs = inputs;
  if (per_input * inputs > options.histogram_cell_budget) {
    histogram_inputs = std::max<std::size_t>(1, options.histogram_cell_budget / per_input);
    summarized.push_back("histograms kept for the first " + std::to_string(histogram_inputs) +
                         " of " + std::to_string(inputs) + " inputs (size budget)");
  }
  summarized.push_back("each tensor is summarized: statistics and a " +
                       std::to_string(collected.histogram_bins) +
                       "-bin histogram per input; no raw values are stored");
  summarized.push_back("feature maps: the first " + std::to_string(collected.feature_channels) +
                       " channels of batch item 0 for the first " +
                       std::to_string(collected.feature_inputs) +
                       " inputs, each scaled to its own range and averaged down to at most " +
                       std::to_string(collected.thumbnail_size) + " px");
  if (collector.thumbnails_over_budget() > 0)
    summarized.push_back(std::to_string(collector.thumbnails_over_budget()) +
                         " feature maps have no thumbnails: the " +
                         std::to_string(collected.thumbnail_budget >> 20) +
                         " MiB image budget was spent");
  summarized.push_back(
      "scatter: per input, rank-4 maps averaged over batch and space (one value "
      "per channel), other tensors averaged over axis 0; rows longer than " +
      std::to_string(collected.scatter_columns) + " averaged in chunks");

  json layer_list = json::array();
  for (const LayerReport& layer : layers) {
    json samples = json::array();
    for (const LayerSample& s : layer.samples)
      samples.push_back(sample_json(s, static_cast<std::size_t>(s.input) < histogram_inputs));
    json entry = {{"value", layer.value},
                  {"node", layer.node},
                  {"op", layer.op},
                  {"columns", layer.columns},
                  {"samples", std::move(samples)},
                  {"scatter", scatter_json(layer, options)}};
    if (layer.thumbnail_width > 0)
      entry["map"] = {{"height", layer.map_height},
                      {"width", layer.map_width},
                      {"thumbnail_height", layer.thumbnail_height},
                      {"thumbnail_width", layer.thumbnail_width}};
    layer_list.push_back(std::move(entry));
  }

  json input_list = json::array();
  for (std::size_t i = 0; i < inputs; ++i)
    input_list.push_back({{"name", sources.input_names[i]},
                          {"label", i < sources.input_labels.size() ? json(sources.input_labels[i])
                                                                    : json(nullptr)}});
  json first = nullptr;
  if (const auto bad = collector.first_nonfinite())
    first = {{"layer", bad->layer}, {"input", bad->input}};
  const json page = {{"version", 1},
                     {"model", model_json(sources.model)},
                     {"inputs", std::move(input_list)},
                     {"layers", std::move(layer_list)},
                     {"first_nonfinite", first},
                     {"summarized", std::move(summarized)},
                     {"settings",
                      {{"histogram_bins", collected.histogram_bins},
                       {"feature_channels", collected.feature_channels},
                       {"feature_inputs", collected.feature_inputs},
                       {"thumbnail_size", collected.thumbnail_size},
                       {"tsne", options.tsne}}}};
  // Names come from the model file: bytes that are not UTF-8 are replaced, not fatal.
  return page.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string report_html(const ReportSources& sources, const PageOptions& options) {
  render::ViewOptions view_options;
  view_options.input_name = options.input_name;
  // The page lays the graph out in the browser before it answers: deeper groups start collapsed
  // past a few hundred boxes (a click opens them).
  view_options.auto_item_budget = 300;
  const render::GraphView initial = render::build_graph_view(sources.model.graph, view_options);
  view_options.depth = render::kFullDepth;
  const render::GraphView full = render::build_graph_view(sources.model.graph, view_options);
  const std::string& name = sources.model.graph.name;
  return render::offline_page((name.empty() ? "report" : name) + " — layerscope report",
                              render::web_assets::report_page_style(),
                              render::web_assets::report_page_script(),
                              {{"layerscope-graph", render::graph_page_json(full, initial, {})},
                               {"layerscope-report", report_json(sources, options)}});
}

void write_report_html(const ReportSources& sources, const PageOptions& options,
                       const std::string& path) {
  render::write_page(path, report_html(sources, options));
}

}  // namespace layerscope::report
