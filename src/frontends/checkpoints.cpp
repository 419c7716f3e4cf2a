// Checkpoint files over training as steps (see checkpoints.h).
#include <layerscope/checkpoints.h>
#include <layerscope/error.h>

#include <glob.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <numeric>
#include <set>

namespace layerscope {
namespace {

bool is_pattern(const std::string& text) { return text.find_first_of("*?[") != std::string::npos; }

std::vector<std::string> glob_files(const std::string& pattern) {
  glob_t found{};
  const int rc = ::glob(pattern.c_str(), 0, nullptr, &found);
  std::vector<std::string> files;
  if (rc == 0)
    for (std::size_t i = 0; i < found.gl_pathc; ++i) files.push_back(found.gl_pathv[i]);
  globfree(&found);
  if (rc == GLOB_NOMATCH || (rc == 0 && files.empty()))
    throw Error("no file matches '" + pattern + "'");
  if (rc != 0) throw Error("cannot list the files matching '" + pattern + "'");
  std::sort(files.begin(), files.end());
  return files;
}

// The runs of digits in a file name, as numbers (runs too long for int64 are left out).
std::vector<int64_t> numbers_in(const std::string& name) {
  std::vector<int64_t> numbers;
  for (std::size_t i = 0; i < name.size();) {
    if (!std::isdigit(static_cast<unsigned char>(name[i]))) {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < name.size() && std::isdigit(static_cast<unsigned char>(name[end]))) ++end;
    const std::string digits = name.substr(i, end - i);
    if (digits.size() <= 18) numbers.push_back(std::stoll(digits));
    i = end;
  }
  return numbers;
}

std::string shape_text(const std::optional<StaticShape>& shape) {
  return static_shape_string(shape);
}

bool same_shape(const std::optional<StaticShape>& a, const std::optional<StaticShape>& b) {
  if (!a || !b) return !a && !b;
  if (a->size() != b->size()) return false;
  for (std::size_t d = 0; d < a->size(); ++d)
    if ((*a)[d].value != (*b)[d].value || (*a)[d].symbol != (*b)[d].symbol) return false;
  return true;
}

}  // namespace

std::vector<int64_t> checkpoint_steps(const std::vector<std::string>& names) {
  std::vector<std::vector<int64_t>> numbers;
  for (const std::string& name : names)
    // The stem: the 5 of .h5 and .hdf5 is no epoch.
    numbers.push_back(numbers_in(std::filesystem::path(name).stem().string()));
  std::vector<int64_t> steps(names.size());
  if (names.size() == 1 && !numbers[0].empty()) return {numbers[0][0]};
  // The first position every name has a number at, with a different number in each.
  for (std::size_t k = 0; names.size() > 1; ++k) {
    bool all_have = true;
    std::set<int64_t> seen;
    for (const auto& n : numbers) {
      all_have = all_have && k < n.size();
      if (all_have) seen.insert(n[k]);
    }
    if (!all_have) break;
    if (seen.size() == names.size()) {
      for (std::size_t i = 0; i < names.size(); ++i) steps[i] = numbers[i][k];
      return steps;
    }
  }
  // No number tells them apart: their place in name order.
  std::vector<std::size_t> order(names.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return names[a] < names[b]; });
  for (std::size_t i = 0; i < order.size(); ++i) steps[order[i]] = static_cast<int64_t>(i);
  return steps;
}

std::vector<Checkpoint> list_checkpoints(const std::vector<std::string>& patterns) {
  if (patterns.empty()) throw Error("no checkpoint files given");
  std::vector<std::string> files;
  std::set<std::string> seen;
  for (const std::string& pattern : patterns) {
    std::vector<std::string> matched;
    if (is_pattern(pattern) && !std::filesystem::exists(pattern)) {
      matched = glob_files(pattern);
    } else {
      if (!std::filesystem::is_regular_file(pattern))
        throw Error("checkpoint '" + pattern + "' is not a file");
      matched = {pattern};
    }
    for (std::string& file : matched)
      if (seen.insert(file).second) files.push_back(std::move(file));
  }
  const std::vector<int64_t> steps = checkpoint_steps(files);
  std::vector<Checkpoint> checkpoints;
  for (std::size_t i = 0; i < files.size(); ++i) checkpoints.push_back({files[i], steps[i]});
  std::stable_sort(checkpoints.begin(), checkpoints.end(),
                   [](const Checkpoint& a, const Checkpoint& b) { return a.step < b.step; });
  return checkpoints;
}

std::string architecture_difference(const Graph& reference, const Graph& graph) {
  const std::size_t common = std::min(reference.nodes.size(), graph.nodes.size());
  for (std::size_t i = 0; i < common; ++i) {
    const Node& a = reference.nodes[i];
    const Node& b = graph.nodes[i];
    if (a.name != b.name || a.op_type != b.op_type)
      return "layer " + std::to_string(i) + " is '" + b.name + "' (" + b.op_type + "), not '" +
             a.name + "' (" + a.op_type + ")";
    if (a.inputs.size() != b.inputs.size() || a.outputs.size() != b.outputs.size())
      return "layer '" + b.name + "' has " + std::to_string(b.inputs.size()) + " inputs and " +
             std::to_string(b.outputs.size()) + " outputs, not " + std::to_string(a.inputs.size()) +
             " and " + std::to_string(a.outputs.size());
    auto compare = [&](const std::vector<int>& va, const std::vector<int>& vb,
                       const char* what) -> std::string {
      for (std::size_t k = 0; k < va.size(); ++k) {
        if ((va[k] < 0) != (vb[k] < 0)) return "layer '" + b.name + "': " + what + " differ";
        if (va[k] < 0) continue;
        const Value& x = reference.values[va[k]];
        const Value& y = graph.values[vb[k]];
        const char* kind = y.kind == ValueKind::Initializer ? "weight" : what;
        if (x.name != y.name || !same_shape(x.shape, y.shape) || x.dtype != y.dtype)
          return "layer '" + b.name + "': " + kind + " '" + y.name + "' is " + dtype_name(y.dtype) +
                 " " + shape_text(y.shape) + ", not '" + x.name + "' " + dtype_name(x.dtype) + " " +
                 shape_text(x.shape);
      }
      return "";
    };
    std::string difference = compare(a.inputs, b.inputs, "input");
    if (difference.empty()) difference = compare(a.outputs, b.outputs, "output");
    if (!difference.empty()) return difference;
  }
  if (reference.nodes.size() != graph.nodes.size()) {
    const bool more = graph.nodes.size() > reference.nodes.size();
    const Node& extra = more ? graph.nodes[common] : reference.nodes[common];
    return std::to_string(graph.nodes.size()) + " layers, not " +
           std::to_string(reference.nodes.size()) + ": layer '" + extra.name + "' is " +
           (more ? "extra" : "missing");
  }
  return "";
}

}  // namespace layerscope
