#include <layerscope/dump.h>
#include <layerscope/error.h>
#include <layerscope/plot_observer.h>

#include "graph/feature_map.h"
#include "render/colormap.h"
#include "render/plot_feature_grid.h"
#include "render/plot_histogram.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace layerscope {
namespace {

bool is_real(DType dtype) {
  return dtype != DType::String && dtype != DType::Undefined && dtype != DType::Complex64 &&
         dtype != DType::Complex128;
}

// The values of a real tensor as floats (a float32 tensor is read in place).
const float* as_floats(const Tensor& tensor, std::vector<float>& storage) {
  if (tensor.dtype() == DType::Float32) return tensor.data<float>();
  const std::vector<double> values = to_doubles(tensor);
  storage.assign(values.begin(), values.end());
  return storage.data();
}

}  // namespace

PlotObserver::PlotObserver(std::string folder, NodeFilter filter, PlotOptions options)
    : folder_(std::move(folder)), filter_(std::move(filter)), options_(std::move(options)) {
  render::Colormap::by_name(options_.colormap);  // a bad name fails before anything is drawn
  std::error_code ec;
  std::filesystem::create_directories(folder_, ec);
  if (ec || !std::filesystem::is_directory(folder_))
    throw Error("cannot create plots folder '" + folder_ +
                "': " + (ec ? ec.message() : std::string("a file is in the way")));
}

ObserverAction PlotObserver::on_value(const Value& value, const Tensor& tensor,
                                      const RunContext& context) {
  if (!is_real(tensor.dtype())) return ObserverAction::Continue;
  const std::string stem = unique_file_stem(value.name, used_names_);
  const std::filesystem::path folder(folder_);
  Entry entry{value.name, context.node.name, context.node.op_type, "",
              "",         tensor.dtype(),    tensor.shape()};
  std::vector<float> storage;
  const float* values = as_floats(tensor, storage);

  render::HistogramPlotOptions histogram;
  histogram.title = value.name;
  histogram.subtitle = shape_string(tensor.shape()) + " " + dtype_name(tensor.dtype());
  entry.histogram = stem + "_hist.png";
  render::draw_histogram(values, static_cast<std::size_t>(tensor.numel()), histogram)
      .write_png((folder / entry.histogram).string());
  ++histograms_;

  const std::optional<FeatureMapShape> map = feature_map_shape(tensor.shape(), value.layout);
  if (map && options_.channels > 0) {
    render::FeatureGridOptions grid;
    grid.title = value.name + (map->items > 1 ? " (item 0)" : "");
    grid.max_channels = options_.channels;
    grid.colormap = options_.colormap;
    entry.feature_maps = stem + "_maps.png";
    // Only the channels drawn are gathered out of a channels-last map.
    const int64_t drawn = std::min<int64_t>(map->channels, std::max(1, options_.channels));
    std::vector<float> planes;
    render::draw_feature_grid(first_item_planes(values, *map, drawn, planes), map->channels,
                              map->height, map->width, grid)
        .write_png((folder / entry.feature_maps).string());
    ++feature_maps_;
  }
  entries_.push_back(std::move(entry));
  return ObserverAction::Continue;
}

void PlotObserver::write_index() const {
  nlohmann::json index = nlohmann::json::array();
  for (const Entry& e : entries_)
    index.push_back({{"name", e.name},
                     {"node", e.node},
                     {"op", e.op},
                     {"dtype", dtype_name(e.dtype)},
                     {"shape", e.shape},
                     {"histogram", e.histogram},
                     {"feature_maps",
                      e.feature_maps.empty() ? nlohmann::json() : nlohmann::json(e.feature_maps)}});
  const std::string path = (std::filesystem::path(folder_) / "index.json").string();
  std::ofstream file(path);
  file << index.dump(1) << "\n";
  if (!file) throw Error("cannot write '" + path + "'");
}

}  // namespace layerscope
