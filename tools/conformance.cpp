// Runs ONNX's own backend test cases (Debian's libonnx-testdata) and reports pass / fail /
// unsupported per op and in total. Each case: model.onnx + test_data_set_*/{input,output}_*.pb,
// compared as ONNX's backend test does (rtol 1e-3, atol 1e-7).
#include <layerscope/error.h>
#include <layerscope/onnx.h>
#include <layerscope/session.h>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

namespace fs = std::filesystem;
using namespace layerscope;

namespace {

// Training: training-only ops or modes (not counted). Random: ops whose outputs are random draws,
// so only dtype and shape can be compared (not counted).
enum class Outcome { Pass, Fail, Unsupported, Error, Training, Random };
const char* outcome_name(Outcome o) {
  switch (o) {
    case Outcome::Pass:
      return "PASS";
    case Outcome::Fail:
      return "FAIL";
    case Outcome::Unsupported:
      return "UNSUPPORTED";
    case Outcome::Error:
      return "ERROR";
    case Outcome::Training:
      return "TRAINING";
    case Outcome::Random:
      return "RANDOM";
  }
  return "?";
}

struct CaseResult {
  Outcome outcome;
  std::string detail;
  std::set<std::string> ops;
};

// Files named prefix_N.pb in numeric order.
std::vector<fs::path> numbered_files(const fs::path& folder, const std::string& prefix) {
  std::vector<std::pair<int, fs::path>> found;
  const std::regex pattern(prefix + "_(\\d+)\\.pb");
  for (const auto& entry : fs::directory_iterator(folder)) {
    std::smatch m;
    const std::string name = entry.path().filename().string();
    if (std::regex_match(name, m, pattern)) found.emplace_back(std::stoi(m[1]), entry.path());
  }
  std::sort(found.begin(), found.end());
  std::vector<fs::path> paths;
  for (auto& f : found) paths.push_back(f.second);
  return paths;
}

// Empty when dtype and shape agree; else what differs.
std::string compare_layout(const Tensor& got, const Tensor& expected) {
  if (got.dtype() != expected.dtype())
    return "dtype " + dtype_name(got.dtype()) + ", expected " + dtype_name(expected.dtype());
  if (got.shape() != expected.shape())
    return "shape " + shape_string(got.shape()) + ", expected " + shape_string(expected.shape());
  return "";
}

// Empty when equal within tolerance; else what differs.
std::string compare(const Tensor& got, const Tensor& expected, double rtol, double atol) {
  if (std::string layout = compare_layout(got, expected); !layout.empty()) return layout;
  const std::vector<double> a = to_doubles(got), b = to_doubles(expected);
  for (std::size_t i = 0; i < a.size(); ++i) {
    const bool both_nan = std::isnan(a[i]) && std::isnan(b[i]);
    const bool same_inf = std::isinf(a[i]) && a[i] == b[i];
    if (both_nan || same_inf) continue;
    if (!(std::fabs(a[i] - b[i]) <= atol + rtol * std::fabs(b[i]))) {
      std::ostringstream s;
      s << std::setprecision(8) << "element " << i << " is " << a[i] << ", expected " << b[i];
      return s.str();
    }
  }
  return "";
}

const std::set<std::string> kRandomOps = {"Bernoulli",        "Multinomial",   "RandomNormal",
                                          "RandomNormalLike", "RandomUniform", "RandomUniformLike"};

// ONNX's test data stores bfloat16 tensors as uint16 bit patterns: read them as what the model
// declares.
Tensor as_declared(Tensor t, DType declared) {
  if (t.dtype() != DType::UInt16 || declared != DType::BFloat16) return t;
  Tensor out = Tensor::zeros(DType::BFloat16, t.shape());
  std::memcpy(out.raw(), t.raw(), t.nbytes());
  return out;
}

void collect_ops(const Graph& graph, std::set<std::string>& ops, bool& training) {
  for (const Node& node : graph.nodes) {
    ops.insert((node.domain.empty() ? "" : node.domain + "::") + node.op_type);
    if (node.domain == "ai.onnx.preview.training") training = true;
    for (const auto& [name, a] : node.attributes) {
      if (a.g) collect_ops(*a.g, ops, training);
      for (const auto& g : a.graphs) collect_ops(*g, ops, training);
    }
  }
}

CaseResult run_case(const fs::path& folder) {
  const bool training_case = folder.filename().string().find("training") != std::string::npos;
  CaseResult result{Outcome::Pass, "", {}};
  Model model;
  try {
    model = load_onnx((folder / "model.onnx").string());
  } catch (const std::exception& e) {
    return {Outcome::Error, e.what(), {}};
  }
  bool training = false;
  collect_ops(model.graph, result.ops, training);
  if (training || training_case) return {Outcome::Training, "", result.ops};
  const bool random = std::any_of(result.ops.begin(), result.ops.end(),
                                  [](const std::string& op) { return kRandomOps.count(op) > 0; });
  const auto unsupported = find_unsupported_ops(model.graph);
  if (!unsupported.empty()) {
    std::string names;
    for (const auto& op : unsupported) names += (names.empty() ? "" : ", ") + op.op_type;
    return {Outcome::Unsupported, names, result.ops};
  }
  try {
    auto session = create_session(model);
    std::vector<fs::path> sets;
    for (const auto& entry : fs::directory_iterator(folder))
      if (entry.is_directory() && entry.path().filename().string().rfind("test_data_set_", 0) == 0)
        sets.push_back(entry.path());
    std::sort(sets.begin(), sets.end());
    if (sets.empty()) return {Outcome::Error, "no test_data_set_* folder", result.ops};
    for (const fs::path& set : sets) {
      std::map<std::string, Tensor> inputs;
      const auto input_files = numbered_files(set, "input");
      for (std::size_t i = 0; i < input_files.size(); ++i) {
        std::string name;
        Tensor t = load_onnx_tensor(input_files[i].string(), &name);
        if (name.empty() || model.graph.find_value(name) < 0) {
          if (i >= model.graph.inputs.size()) throw Error("more input files than graph inputs");
          name = model.graph.values[model.graph.inputs[i]].name;
        }
        inputs[name] = as_declared(t, model.graph.values[model.graph.find_value(name)].dtype);
      }
      const auto outputs = session->run(inputs);
      const auto output_files = numbered_files(set, "output");
      for (std::size_t i = 0; i < output_files.size() && i < model.graph.outputs.size(); ++i) {
        const std::string& name = model.graph.values[model.graph.outputs[i]].name;
        const Tensor expected = as_declared(load_onnx_tensor(output_files[i].string()),
                                            model.graph.values[model.graph.outputs[i]].dtype);
        auto it = outputs.find(name);
        if (it == outputs.end())
          return {Outcome::Fail, "output '" + name + "' missing", result.ops};
        const std::string diff = random ? compare_layout(it->second, expected)
                                        : compare(it->second, expected, 1e-3, 1e-7);
        if (!diff.empty())
          return {Outcome::Fail, set.filename().string() + " output '" + name + "': " + diff,
                  result.ops};
      }
    }
  } catch (const std::exception& e) {
    return {Outcome::Error, e.what(), result.ops};
  }
  if (random) result.outcome = Outcome::Random;
  return result;
}

struct Tally {
  int pass = 0, fail = 0, unsupported = 0, error = 0, training = 0, random = 0;
  void add(Outcome o) {
    switch (o) {
      case Outcome::Pass:
        ++pass;
        break;
      case Outcome::Fail:
        ++fail;
        break;
      case Outcome::Unsupported:
        ++unsupported;
        break;
      case Outcome::Error:
        ++error;
        break;
      case Outcome::Training:
        ++training;
        break;
      case Outcome::Random:
        ++random;
        break;
    }
  }
  int counted() const { return pass + fail + unsupported + error; }
  double rate() const { return counted() ? static_cast<double>(pass) / counted() : 1.0; }
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Runs ONNX's backend test cases through layerscope and reports conformance."};
  std::string data = "/usr/share/libonnx-testdata/data";
  std::vector<std::string> suites = {"node", "pytorch-converted", "pytorch-operator", "simple"};
  std::string filter;
  bool verbose = false, by_op = false;
  std::vector<std::string> rate_specs;
  app.add_option("--data", data, "Folder holding the suites")->capture_default_str();
  app.add_option("--suite", suites, "Suites to run")->capture_default_str();
  app.add_option("--filter", filter, "Regex on case names (test_conv_...)");
  app.add_flag("-v,--verbose", verbose, "A line per case, passing ones too");
  app.add_flag("--by-op", by_op, "Counts per op");
  app.add_option("--min-pass-rate", rate_specs,
                 "SUITE=RATE: exit 1 if a suite passes fewer cases (training cases not counted)");
  CLI11_PARSE(app, argc, argv);
  std::map<std::string, double> minimum_rates;
  for (const std::string& spec : rate_specs) {
    const auto eq = spec.find('=');
    try {
      minimum_rates[spec.substr(0, eq)] = std::stod(spec.substr(eq + 1));
    } catch (const std::exception&) {
      std::cerr << "error: --min-pass-rate " << spec << ": expected SUITE=RATE, e.g. node=0.9\n";
      return 2;
    }
  }

  std::optional<std::regex> pattern;
  if (!filter.empty()) pattern.emplace(filter);
  std::map<std::string, Tally> per_suite, per_op;
  Tally total;
  for (const std::string& suite : suites) {
    const fs::path root = fs::path(data) / suite;
    if (!fs::is_directory(root)) {
      std::cerr << "error: no test suite at " << root << "\n";
      return 2;
    }
    std::vector<fs::path> cases;
    for (const auto& entry : fs::directory_iterator(root))
      if (fs::exists(entry.path() / "model.onnx")) cases.push_back(entry.path());
    std::sort(cases.begin(), cases.end());
    for (const fs::path& folder : cases) {
      const std::string name = folder.filename().string();
      if (pattern && !std::regex_search(name, *pattern)) continue;
      const CaseResult r = run_case(folder);
      per_suite[suite].add(r.outcome);
      total.add(r.outcome);
      for (const std::string& op : r.ops) per_op[op].add(r.outcome);
      if (verbose || r.outcome == Outcome::Fail || r.outcome == Outcome::Error || pattern)
        std::cout << outcome_name(r.outcome) << " " << suite << "/" << name
                  << (r.detail.empty() ? "" : ": " + r.detail.substr(0, 400)) << "\n";
    }
  }
  if (by_op) {
    std::cout << "\nop                          pass  fail  unsup  error\n";
    for (const auto& [op, t] : per_op)
      std::cout << std::left << std::setw(28) << op << std::right << std::setw(4) << t.pass
                << std::setw(6) << t.fail << std::setw(7) << t.unsupported << std::setw(7)
                << t.error << "\n";
  }
  std::cout << "\nsuite               pass  fail  unsup  error  training  random  pass-rate\n";
  int status = 0;
  for (const auto& [suite, t] : per_suite) {
    std::cout << std::left << std::setw(18) << suite << std::right << std::setw(6) << t.pass
              << std::setw(6) << t.fail << std::setw(7) << t.unsupported << std::setw(7) << t.error
              << std::setw(10) << t.training << std::setw(8) << t.random << std::setw(10)
              << std::fixed << std::setprecision(1) << 100.0 * t.rate() << "%\n";
    auto it = minimum_rates.find(suite);
    if (it != minimum_rates.end() && t.rate() < it->second) {
      std::cout << "suite " << suite << " passes " << 100.0 * t.rate() << "%, below the required "
                << 100.0 * it->second << "%\n";
      status = 1;
    }
  }
  std::cout << "total: " << total.pass << " of " << total.counted() << " cases pass (" << total.fail
            << " fail, " << total.unsupported << " unsupported, " << total.error
            << " errors; not counted: " << total.training << " training cases, " << total.random
            << " random-output cases whose dtype and shape were checked)\n";
  return status;
}
