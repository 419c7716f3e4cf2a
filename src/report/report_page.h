#pragma once
// The report page: one offline HTML file holding the model summary, the graph (as the `graph -o
// x.html` page has it), every observed layer's per-input statistics, histograms, feature-map
// thumbnails and a 2-D scatter (PCA, optionally t-SNE) of its pooled activations over the inputs,
// and the bundled viewer (web/src/report_page.js).
//
//   report::ReportCollector collector;          // ran over every input
//   report::ReportSources sources{model, collector, names, labels};
//   report::write_report_html(sources, {}, "report.html");
#include "report/report_collector.h"

#include <layerscope/graph.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace layerscope::report {

struct ReportSources {
  const Model& model;
  const ReportCollector& collector;
  std::vector<std::string> input_names;   // one per run, shown in the page
  std::vector<std::string> input_labels;  // empty, or one per run: colours the scatter
};

struct PageOptions {
  bool tsne = false;  // a t-SNE scatter beside PCA (5 inputs or more)
  uint64_t seed = 0;
  // Histogram bins kept in all (layers x inputs x bins); past it only the first inputs keep theirs.
  std::size_t histogram_cell_budget = 1500000;
  // Formal names of node inputs for the graph's folded weights (render::ViewOptions::input_name;
  // the CLI passes layerscope::formal_input_name). Unset: "in1", "in2", ...
  std::function<std::string(const Graph&, const Node&, std::size_t input)> input_name;
};

// The report's data as JSON: {version, model {...}, inputs [{name, label}], layers [{value, node,
// op, columns, map, samples [{input, dtype, shape, count, min, max, mean, std, zero_fraction,
// nan_count, inf_count, seconds, histogram, maps}], scatter}], first_nonfinite, summarized [text],
// settings}. Non-finite statistics are the strings "nan", "inf", "-inf" (as `run --json`).
std::string report_json(const ReportSources& sources, const PageOptions& options);

// The whole page: the graph JSON (render::graph_page_json) and the report JSON in two
// <script type="application/json"> elements, the viewer's script and style inline.
std::string report_html(const ReportSources& sources, const PageOptions& options);

// Writes the page; throws Error naming the file when it cannot be written.
void write_report_html(const ReportSources& sources, const PageOptions& options,
                       const std::string& path);

}  // namespace layerscope::report
