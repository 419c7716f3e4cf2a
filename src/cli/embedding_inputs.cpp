#include "cli/embedding_inputs.h"

#include <layerscope/error.h>
#include <layerscope/io.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>

namespace layerscope::cli {
namespace {

// One CSV line split into fields; false when a quoted field is not closed on the line.
bool split_csv_line(const std::string& line, std::vector<std::string>& fields) {
  fields.assign(1, "");
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"' && fields.back().empty()) {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  return !quoted;
}

std::string base_name(const std::string& path) {
  const auto slash = path.find_last_of("/\\");
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string stem(const std::string& name) {
  const auto dot = name.rfind('.');
  return dot == std::string::npos || dot == 0 ? name : name.substr(0, dot);
}

bool is_channels(int64_t d) { return d == 1 || d == 3; }

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

}  // namespace

InputFiles input_files(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) throw Error("cannot read inputs folder " + dir + ": " + ec.message());
  auto preference = [](const fs::path& path) {
    std::string ext = path.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    static const char* const order[] = {".npy", ".pb", ".png", ".jpg", ".jpeg"};
    return std::find(std::begin(order), std::end(order), ext) - std::begin(order);
  };
  std::map<std::string, fs::path> by_stem;
  InputFiles files;
  for (const fs::directory_entry& entry : it) {
    if (!entry.is_regular_file(ec) || !has_input_extension(entry.path().string())) continue;
    fs::path& kept = by_stem[entry.path().stem().string()];
    if (!kept.empty()) ++files.passed_over;
    if (kept.empty() || preference(entry.path()) < preference(kept)) kept = entry.path();
  }
  for (const auto& [stem, path] : by_stem) files.paths.push_back(path.string());
  std::sort(files.paths.begin(), files.paths.end());
  if (files.paths.empty())
    throw Error("inputs folder " + dir + " holds no .npy, .pb, .png or .jpg files");
  return files;
}

std::string number_label(double v) {
  char buffer[32];
  if (v == std::floor(v) && std::fabs(v) < 1e15)
    std::snprintf(buffer, sizeof buffer, "%.0f", v);
  else
    std::snprintf(buffer, sizeof buffer, "%g", v);
  return buffer;
}

bool has_batch_axis(const Tensor& tensor, const Value& input) {
  if (tensor.rank() == 0) return false;
  return !(input.shape && tensor.rank() + 1 == static_cast<int64_t>(input.shape->size()));
}

std::vector<Step> steps_from_files(const Graph& graph, const InputOptions& other_inputs,
                                   const std::vector<std::string>& paths, int batch,
                                   const InputLabels* labels) {
  if (graph.inputs.empty()) throw Error("the model has no inputs for --inputs-dir");
  const Value& first = graph.values[graph.inputs[0]];
  InputOptions base_options = other_inputs;
  base_options.inputs.insert(base_options.inputs.begin(), first.name + "=" + paths[0]);
  const std::map<std::string, Tensor> base = bind_inputs(graph, base_options);

  std::vector<Step> steps;
  for (std::size_t begin = 0; begin < paths.size(); begin += batch) {
    const std::size_t end = std::min(paths.size(), begin + static_cast<std::size_t>(batch));
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
      step.inputs[first.name] = stack_batch(tensors, group, first, batch);
    }
    const Tensor& t = step.inputs[first.name];
    step.batch_size = step.batched ? t.shape()[0] : 1;
    steps.push_back(std::move(step));
  }
  return steps;
}

EmbeddingOptions projector_extras(const std::vector<Step>& steps, const Graph& graph,
                                  const InputLabels* labels, std::vector<uint8_t>& thumbnails) {
  EmbeddingOptions options;
  if (!steps.empty() && !steps.front().row_names.empty()) {
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
  thumbnails.clear();
  if (graph.inputs.empty() || steps.empty()) return options;
  const Value& first_input = graph.values[graph.inputs[0]];
  const std::string& first = first_input.name;
  Thumbnail thumbnail, reference;
  bool images = true;
  for (const Step& s : steps) {
    for (int64_t j = 0; j < s.batch_size && images; ++j) {
      images = make_thumbnail(s.inputs.at(first), s.batched, j, first_input.layout, thumbnail);
      if (images && thumbnails.empty()) reference = thumbnail;
      images = images && thumbnail.height == reference.height &&
               thumbnail.width == reference.width && thumbnail.channels == reference.channels;
      if (images)
        thumbnails.insert(thumbnails.end(), thumbnail.pixels.begin(), thumbnail.pixels.end());
    }
  }
  if (images)
    options.images = {thumbnails.data(), reference.height, reference.width, reference.channels};
  else
    thumbnails.clear();
  return options;
}

std::vector<std::string> read_row_labels(const std::string& path, int64_t rows,
                                         const std::string& data_path) {
  std::vector<std::string> labels;
  if (std::filesystem::path(path).extension() == ".npy") {
    const Tensor t = read_npy(path);
    for (double v : to_doubles(t)) labels.push_back(number_label(v));
  } else {
    std::ifstream in(path);
    if (!in) throw Error("cannot read labels file '" + path + "': " + std::strerror(errno));
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

InputLabels read_labels(const std::string& csv_path, const std::vector<std::string>& input_files) {
  std::ifstream in(csv_path, std::ios::binary);
  if (!in) throw Error("cannot read labels file '" + csv_path + "': " + std::strerror(errno));
  const std::string where = "labels file '" + csv_path + "'";

  // Inputs by name and by name without extension.
  std::map<std::string, std::size_t> by_key;
  for (std::size_t i = 0; i < input_files.size(); ++i) {
    const std::string name = base_name(input_files[i]);
    by_key.emplace(name, i);
    by_key.emplace(stem(name), i);
  }

  InputLabels result;
  result.labels.assign(input_files.size(), {});
  std::vector<int> labelled_on(input_files.size(), 0);  // line number, 0: not yet
  std::size_t width = 0;
  int width_line = 0;
  bool first = true;
  std::string line;
  std::vector<std::string> fields;
  for (int number = 1; std::getline(in, line); ++number) {
    if (number == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);  // UTF-8 BOM
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    const std::string at = where + " line " + std::to_string(number) + ": ";
    if (!split_csv_line(line, fields)) throw Error(at + "a quoted field is not closed");
    if (fields.size() < 2) throw Error(at + "1 field; expected FILE,LABEL (comma-separated)");
    if (width == 0) {
      width = fields.size();
      width_line = number;
    } else if (fields.size() != width) {
      throw Error(at + std::to_string(fields.size()) + " fields; expected " +
                  std::to_string(width) + " as on line " + std::to_string(width_line));
    }
    // By name, name without extension, or the same sample in another format (x.png for x.npy).
    auto input = by_key.find(base_name(fields[0]));
    if (input == by_key.end()) input = by_key.find(stem(base_name(fields[0])));
    if (first) {
      first = false;
      if (input == by_key.end()) {  // a header: it names no input
        result.columns.assign(fields.begin() + 1, fields.end());
        continue;
      }
    }
    if (input == by_key.end()) continue;  // a file that is not among the inputs
    const std::size_t i = input->second;
    if (labelled_on[i])
      throw Error(at + "'" + base_name(input_files[i]) + "' is labelled again (first on line " +
                  std::to_string(labelled_on[i]) + ")");
    labelled_on[i] = number;
    result.labels[i].assign(fields.begin() + 1, fields.end());
  }
  if (width == 0)
    throw Error(where + " is empty; expected CSV lines FILE,LABEL, e.g. digit_00.png,0");
  if (result.columns.empty())
    for (std::size_t c = 1; c < width; ++c)
      result.columns.push_back(c == 1 ? "label" : "label" + std::to_string(c));

  std::vector<std::string> missing;
  for (std::size_t i = 0; i < input_files.size(); ++i)
    if (!labelled_on[i]) missing.push_back(base_name(input_files[i]));
  if (!missing.empty()) {
    std::string names;
    for (std::size_t k = 0; k < missing.size() && k < 5; ++k) names += (k ? ", " : "") + missing[k];
    if (missing.size() > 5) names += ", ...";
    throw Error(where + " has no line for " + std::to_string(missing.size()) +
                (missing.size() == 1 ? " input: " : " inputs: ") + names +
                " (its first column names the files, with or without extension)");
  }
  return result;
}

bool make_thumbnail(const Tensor& tensor, bool batched, int64_t index, Layout layout,
                    Thumbnail& out) {
  const DType dtype = tensor.dtype();
  if (!(dtype_is_floating(dtype) || dtype == DType::UInt8)) return false;
  const Shape& full = tensor.shape();
  if (static_cast<int64_t>(full.size()) != (batched ? 4 : 3)) return false;
  const Shape item(full.end() - 3, full.end());
  const bool channels_last = layout == Layout::Unknown
                                 ? !is_channels(item[0]) && is_channels(item[2])
                                 : layout == Layout::ChannelsLast;
  if (!is_channels(channels_last ? item[2] : item[0])) return false;
  const int64_t c = channels_last ? item[2] : item[0];
  const int64_t h = channels_last ? item[0] : item[1];
  const int64_t w = channels_last ? item[1] : item[2];
  if (h < 1 || w < 1 || h > (1 << 16) || w > (1 << 16)) return false;
  const int64_t size = c * h * w;
  const int64_t offset = batched ? index * size : 0;

  // The item's values as doubles, in its own layout.
  std::vector<double> values(static_cast<std::size_t>(size));
  if (dtype == DType::Float32) {
    const float* p = tensor.data<float>() + offset;
    std::copy(p, p + size, values.begin());
  } else if (dtype == DType::Float64) {
    const double* p = tensor.data<double>() + offset;
    std::copy(p, p + size, values.begin());
  } else if (dtype == DType::UInt8) {
    const uint8_t* p = tensor.data<uint8_t>() + offset;
    std::copy(p, p + size, values.begin());
  } else {
    const std::vector<double> all = to_doubles(tensor);
    std::copy(all.begin() + offset, all.begin() + offset + size, values.begin());
  }
  double lo = 0.0, scale = 255.0;
  if (dtype == DType::UInt8) {
    scale = 1.0;
  } else {
    double mn = std::numeric_limits<double>::infinity(), mx = -mn;
    for (double v : values)
      if (std::isfinite(v)) {
        mn = std::min(mn, v);
        mx = std::max(mx, v);
      }
    if (mn < 0.0 || mx > 1.0) {  // not [0, 1]: stretch the item's own range
      lo = mn;
      scale = mx > mn ? 255.0 / (mx - mn) : 0.0;
    }
  }
  out.height = static_cast<int>(h);
  out.width = static_cast<int>(w);
  out.channels = static_cast<int>(c);
  out.pixels.resize(static_cast<std::size_t>(size));
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x)
      for (int64_t k = 0; k < c; ++k) {
        const double v = values[channels_last ? (y * w + x) * c + k : (k * h + y) * w + x];
        const double scaled = std::isfinite(v) ? std::round((v - lo) * scale) : 0.0;
        out.pixels[(y * w + x) * c + k] = static_cast<uint8_t>(std::clamp(scaled, 0.0, 255.0));
      }
  return true;
}

}  // namespace layerscope::cli
