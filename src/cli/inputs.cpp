#include "cli/inputs.h"

#include <layerscope/error.h>
#include <layerscope/io.h>
#include <layerscope/onnx.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <random>
#include <set>

namespace layerscope::cli {
namespace {

std::string lower_extension(const std::string& path) {
  const auto dot = path.rfind('.');
  std::string ext = dot == std::string::npos ? "" : path.substr(dot);
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return ext;
}

ImageReadOptions image_layout_for(const Value& input) {
  ImageReadOptions layout;
  if (!input.shape || input.shape->size() != 4) {
    throw Error("an image can feed only a rank-4 input; input '" + input.name + "' is " +
                static_shape_string(input.shape));
  }
  const StaticShape& s = *input.shape;
  auto is_channels = [](const Dim& d) {
    return d.known() && (d.value == 1 || d.value == 3 || d.value == 4);
  };
  // The frontend says where the channels are (a Keras image is NHWC); else guess from the shape.
  layout.channels_last = input.layout == Layout::Unknown ? !is_channels(s[1]) && is_channels(s[3])
                                                         : input.layout == Layout::ChannelsLast;
  const Dim& c = layout.channels_last ? s[3] : s[1];
  const Dim& h = layout.channels_last ? s[1] : s[2];
  const Dim& w = layout.channels_last ? s[2] : s[3];
  layout.channels = c.known() ? c.value : 3;
  layout.height = h.known() ? h.value : 0;
  layout.width = w.known() ? w.value : 0;
  return layout;
}

// Uniform [0, 1) for floats, 0..9 for integers, coin flips for bools.
Tensor random_tensor(const Value& input, const std::map<std::string, int64_t>& dims,
                     std::mt19937_64& rng) {
  if (!input.shape)
    throw Error("input '" + input.name + "' has no known rank; --random cannot make it");
  Shape shape;
  for (const Dim& d : *input.shape) {
    if (d.known()) {
      shape.push_back(d.value);
      continue;
    }
    auto it = dims.find(d.symbol);
    // A batch of one unless told otherwise, as model.predict on one sample (every Keras input
    // has a free batch).
    if (it == dims.end() && d.symbol == "batch") {
      shape.push_back(1);
      continue;
    }
    if (it == dims.end())
      throw Error("input '" + input.name + "' " + static_shape_string(input.shape) +
                  " has the free dimension '" + d.to_string() + "'; give its size with --dim " +
                  (d.symbol.empty() ? "NAME" : d.symbol) + "=N");
    shape.push_back(it->second);
  }
  const DType dtype = input.dtype == DType::Undefined ? DType::Float32 : input.dtype;
  Tensor t = Tensor::zeros(dtype, shape);
  const int64_t n = t.numel();
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  std::uniform_int_distribution<int> digit(0, 9);
  switch (dtype) {
    case DType::Float32:
      for (int64_t i = 0; i < n; ++i) t.data<float>()[i] = unit(rng);
      break;
    case DType::Float64:
      for (int64_t i = 0; i < n; ++i) t.data<double>()[i] = unit(rng);
      break;
    case DType::Int64:
      for (int64_t i = 0; i < n; ++i) t.data<int64_t>()[i] = digit(rng);
      break;
    case DType::Int32:
      for (int64_t i = 0; i < n; ++i) t.data<int32_t>()[i] = digit(rng);
      break;
    case DType::Bool:
      for (int64_t i = 0; i < n; ++i) t.data<uint8_t>()[i] = digit(rng) & 1;
      break;
    case DType::UInt8:
      for (int64_t i = 0; i < n; ++i) t.data<uint8_t>()[i] = digit(rng);
      break;
    case DType::Int8:
      for (int64_t i = 0; i < n; ++i) t.data<int8_t>()[i] = digit(rng);
      break;
    default:
      throw Error("--random cannot make a " + dtype_name(dtype) + " tensor for input '" +
                  input.name + "'; give it with --input");
  }
  return t;
}

// NAME=VALUE for a scalar input (TF's keep_prob=1.0, is_training=false): a number, true or false,
// as a rank-0 tensor of the input's dtype (float32 if it has none); nullopt if `text` is neither.
std::optional<Tensor> parse_scalar(const std::string& text, const Value& input) {
  double value = 0;
  if (text == "true" || text == "false") {
    value = text == "true";
  } else {
    char* end = nullptr;
    value = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size()) return std::nullopt;
  }
  const DType dtype = input.dtype == DType::Undefined ? DType::Float32 : input.dtype;
  Tensor t = Tensor::zeros(dtype, {});
  switch (dtype) {
    case DType::Float32:
      *t.data<float>() = static_cast<float>(value);
      return t;
    case DType::Float64:
      *t.data<double>() = value;
      return t;
    case DType::Int32:
      *t.data<int32_t>() = static_cast<int32_t>(value);
      return t;
    case DType::Int64:
      *t.data<int64_t>() = static_cast<int64_t>(value);
      return t;
    case DType::Bool:
      *t.data<bool>() = value != 0;
      return t;
    default:
      throw Error("--input " + input.name + "=" + text +
                  ": a scalar can feed a float32, float64, " + "int32, int64 or bool input; '" +
                  input.name + "' is " + dtype_name(dtype));
  }
}

}  // namespace

std::string describe_expected_inputs(const Graph& graph) {
  std::string text;
  for (int v : graph.inputs) {
    const Value& value = graph.values[v];
    text += (text.empty() ? "" : "; ") + value.name + " " + dtype_name(value.dtype) + " " +
            static_shape_string(value.shape);
  }
  return text.empty() ? "none" : text;
}

void add_input_options(CLI::App& command, InputOptions& options) {
  command.add_option("-i,--input", options.inputs,
                     "NAME=FILE or FILE (.npy, .pb, .png, .jpg), or NAME=NUMBER for a scalar "
                     "(keep_prob=1.0, is_training=false); repeatable. Bare files bind to the "
                     "inputs in declared order");
  command.add_flag("--random", options.random, "Fill inputs not given with random values");
  command.add_option("--dim", options.dims, "SYMBOL=SIZE for named dimensions with --random");
  command.add_option("--seed", options.seed, "Seed for --random")->capture_default_str();
}

bool has_input_extension(const std::string& path) {
  const std::string ext = lower_extension(path);
  return ext == ".npy" || ext == ".pb" || ext == ".png" || ext == ".jpg" || ext == ".jpeg";
}

Tensor load_input_file(const std::string& path, const Value& input, std::string* pb_name) {
  const std::string ext = lower_extension(path);
  if (ext == ".npy") return read_npy(path);
  if (ext == ".pb") return load_onnx_tensor(path, pb_name);
  if (ext == ".png" || ext == ".jpg" || ext == ".jpeg")
    return read_image(path, image_layout_for(input));
  throw Error("input file '" + path + "' has an unknown type; expected .npy, .pb, .png or .jpg");
}

std::map<std::string, Tensor> bind_inputs(const Graph& graph, const InputOptions& options) {
  std::map<std::string, Tensor> bound;
  std::vector<std::string> bare;
  auto input_value = [&](const std::string& name) -> const Value* {
    const int v = graph.find_value(name);
    return v >= 0 && graph.values[v].kind == ValueKind::Input ? &graph.values[v] : nullptr;
  };
  for (const std::string& spec : options.inputs) {
    const auto eq = spec.find('=');
    const Value* named = eq == std::string::npos ? nullptr : input_value(spec.substr(0, eq));
    if (eq != std::string::npos && !named && !std::ifstream(spec).good())
      throw Error("--input " + spec + ": the model has no input named '" + spec.substr(0, eq) +
                  "'; its inputs are " + describe_expected_inputs(graph));
    if (!named) {
      bare.push_back(spec);
      continue;
    }
    if (bound.count(named->name)) throw Error("input '" + named->name + "' is given twice");
    const std::string source = spec.substr(eq + 1);
    if (std::optional<Tensor> scalar = parse_scalar(source, *named);
        scalar && !std::ifstream(source).good())
      bound[named->name] = *scalar;
    else
      bound[named->name] = load_input_file(source, *named, nullptr);
  }
  for (const std::string& path : bare) {
    // The first input not yet bound, unless a .pb names its own.
    const Value* target = nullptr;
    for (int v : graph.inputs)
      if (!bound.count(graph.values[v].name)) {
        target = &graph.values[v];
        break;
      }
    std::string pb_name;
    if (!target)
      throw Error("--input " + path + ": every model input is already given (" +
                  describe_expected_inputs(graph) + ")");
    Tensor t = load_input_file(path, *target, &pb_name);
    if (const Value* by_name = pb_name.empty() ? nullptr : input_value(pb_name)) target = by_name;
    if (bound.count(target->name)) throw Error("input '" + target->name + "' is given twice");
    bound[target->name] = t;
  }

  std::map<std::string, int64_t> dims;
  for (const std::string& spec : options.dims) {
    const auto eq = spec.find('=');
    try {
      if (eq == std::string::npos) throw std::invalid_argument("no '='");
      dims[spec.substr(0, eq)] = std::stoll(spec.substr(eq + 1));
    } catch (const std::exception&) {
      throw Error("--dim " + spec + ": expected SYMBOL=SIZE, e.g. --dim batch=1");
    }
  }
  std::mt19937_64 rng(options.seed);
  std::vector<std::string> missing;
  for (int v : graph.inputs) {
    const Value& value = graph.values[v];
    if (bound.count(value.name)) continue;
    if (options.random)
      bound[value.name] = random_tensor(value, dims, rng);
    else
      missing.push_back(value.name);
  }
  if (!missing.empty()) {
    std::string names;
    for (const auto& m : missing) names += (names.empty() ? "" : ", ") + m;
    throw Error("no value for input " + names +
                ". The model expects: " + describe_expected_inputs(graph) +
                ". Give each with --input NAME=FILE (.npy, .pb, .png, .jpg), or use --random "
                "(with --dim SYMBOL=SIZE for named dimensions)");
  }
  return bound;
}

}  // namespace layerscope::cli
