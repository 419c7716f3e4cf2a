// layerscope events DIR: what TensorBoard event files under DIR hold, run by run, with every
// record's CRCs checked.
#include "cli/commands.h"
#include "cli/table.h"
#include "tensorboard/event_reader.h"

#include <layerscope/error.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <system_error>

namespace layerscope::cli {
namespace {

namespace fs = std::filesystem;
namespace tb = tensorboard;

struct EventsOptions {
  std::string dir;
  bool json = false;
  bool values = false;  // --values: every recorded value in the JSON
};

struct FileReport {
  std::string name;  // relative to the run's folder
  std::size_t records = 0;
  bool truncated = false;
  std::size_t tail_bytes = 0;
};

struct TagReport {
  std::string tag;
  std::string kind;    // scalar, histogram, image or other
  std::string plugin;  // the plugin name of its first value
  int64_t steps = 0;   // values recorded
  int64_t first_step = 0, last_step = 0;
  double last_value = 0;                            // scalars
  nlohmann::json values = nlohmann::json::array();  // with --values: each step's value
};

struct RunReport {
  std::string run;  // relative to DIR, "." for DIR itself
  std::vector<FileReport> files;
  std::vector<TagReport> tags;  // in order of first appearance
  std::map<std::string, std::size_t> tag_index;
  bool graph = false;
};

constexpr const char* kPrefix = "events.out.tfevents.";

std::string kind_name(const tb::SummaryValue& v) {
  switch (v.kind) {
    case tb::SummaryValue::Kind::Scalar:
      return "scalar";
    case tb::SummaryValue::Kind::Histogram:
      return "histogram";
    case tb::SummaryValue::Kind::Image:
      return "image";
    default:
      break;
  }
  // TensorFlow 2 writes everything as tensors tagged with the plugin that shows them.
  if (v.plugin_name == "histograms") return "histogram";
  if (v.plugin_name == "images") return "image";
  return "other";
}

// The event files under `dir`, by run, runs and files in name order. Throws Error when `dir` or a
// folder under it cannot be read.
std::map<std::string, std::vector<fs::path>> find_event_files(const std::string& dir) {
  std::error_code ec;
  const fs::file_status status = fs::status(dir, ec);
  if (ec) throw Error("cannot read log folder '" + dir + "': " + ec.message());
  if (!fs::is_directory(status)) throw Error("cannot read log folder '" + dir + "': not a folder");
  std::map<std::string, std::vector<fs::path>> runs;
  fs::recursive_directory_iterator it(dir, fs::directory_options::follow_directory_symlink, ec);
  if (ec) throw Error("cannot read log folder '" + dir + "': " + ec.message());
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    const fs::path& path = it->path();
    if (path.filename().string().rfind(kPrefix, 0) != 0) continue;
    std::error_code file_ec;
    if (!it->is_regular_file(file_ec)) continue;
    const fs::path run = path.parent_path().lexically_relative(dir);
    runs[run.empty() ? "." : run.generic_string()].push_back(path);
  }
  if (ec)
    throw Error("cannot read log folder '" +
                (it != fs::recursive_directory_iterator() ? it->path().string() : dir) +
                "': " + ec.message());
  for (auto& [run, files] : runs) std::sort(files.begin(), files.end());
  return runs;
}

// One recorded value for `events --json --values`: scalars their value, histograms every field,
// images their size and PNG length; other kinds only their step and time.
nlohmann::json value_json(const tb::EventRecord& event, const tb::SummaryValue& v) {
  nlohmann::json out = {{"step", event.step}, {"wall_time", event.wall_time}};
  switch (v.kind) {
    case tb::SummaryValue::Kind::Scalar:
      out["value"] = v.scalar;  // null if not finite
      break;
    case tb::SummaryValue::Kind::Histogram: {
      const tb::Histogram& h = v.histogram;
      out["histogram"] = {{"min", h.min},
                          {"max", h.max},
                          {"num", h.num},
                          {"sum", h.sum},
                          {"sum_squares", h.sum_squares},
                          {"bucket_limit", h.bucket_limit},
                          {"bucket", h.bucket}};
      break;
    }
    case tb::SummaryValue::Kind::Image:
      out["image"] = {{"height", v.image.height},
                      {"width", v.image.width},
                      {"colorspace", v.image.colorspace},
                      {"png_bytes", v.image.encoded.size()}};
      break;
    default:
      break;
  }
  return out;
}

RunReport read_run(const std::string& run, const std::vector<fs::path>& paths, bool values) {
  RunReport report;
  report.run = run;
  for (const fs::path& path : paths) {
    const tb::EventFile file = tb::read_events(path.string());
    report.files.push_back(
        {path.filename().string(), file.events.size(), file.truncated, file.tail_bytes});
    for (const tb::EventRecord& event : file.events) {
      report.graph = report.graph || event.has_graph;
      for (const tb::SummaryValue& v : event.values) {
        auto [at, added] = report.tag_index.emplace(v.tag, report.tags.size());
        if (added) report.tags.push_back({v.tag, kind_name(v), v.plugin_name, 0, event.step});
        TagReport& tag = report.tags[at->second];
        ++tag.steps;
        tag.last_step = event.step;
        if (v.kind == tb::SummaryValue::Kind::Scalar) tag.last_value = v.scalar;
        if (values) tag.values.push_back(value_json(event, v));
      }
    }
  }
  return report;
}

std::string crc_status(const FileReport& f) {
  if (!f.truncated) return std::to_string(f.records) + " records, CRCs OK";
  return std::to_string(f.records) + " whole records, truncated tail of " +
         std::to_string(f.tail_bytes) + " bytes";
}

int run_events(const EventsOptions& options) {
  std::vector<RunReport> runs;
  for (const auto& [run, files] : find_event_files(options.dir))
    runs.push_back(read_run(run, files, options.values));

  if (options.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const RunReport& run : runs) {
      nlohmann::json files = nlohmann::json::array();
      for (const FileReport& f : run.files)
        files.push_back({{"file", f.name},
                         {"records", f.records},
                         {"truncated", f.truncated},
                         {"tail_bytes", f.tail_bytes}});
      nlohmann::json tags = nlohmann::json::array();
      for (const TagReport& t : run.tags) {
        nlohmann::json tag = {{"tag", t.tag},
                              {"kind", t.kind},
                              {"plugin", t.plugin},
                              {"steps", t.steps},
                              {"first_step", t.first_step},
                              {"last_step", t.last_step}};
        if (t.kind == "scalar") tag["last_value"] = t.last_value;  // null if not finite
        if (options.values) tag["values"] = t.values;
        tags.push_back(tag);
      }
      list.push_back({{"run", run.run}, {"files", files}, {"graph", run.graph}, {"tags", tags}});
    }
    std::cout << json_text(nlohmann::json({{"logdir", options.dir}, {"runs", list}})) << "\n";
    return 0;
  }

  if (runs.empty()) {
    std::cout << "No event files (" << kPrefix << "*) under " << options.dir << "\n";
    return 0;
  }
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const RunReport& run = runs[i];
    if (i) std::cout << "\n";
    std::cout << "Run " << run.run << " (" << run.files.size()
              << (run.files.size() == 1 ? " file" : " files") << (run.graph ? ", with a graph" : "")
              << ")\n";
    for (const FileReport& f : run.files)
      std::cout << "  " << f.name << ": " << crc_status(f) << "\n";
    if (run.tags.empty()) continue;
    Table table({"tag", "kind", "steps", "first", "last", "last value"});
    for (const TagReport& t : run.tags)
      table.add_row({t.tag, t.kind, std::to_string(t.steps), std::to_string(t.first_step),
                     std::to_string(t.last_step),
                     t.kind == "scalar" ? format_number(t.last_value) : ""});
    std::ostringstream text;
    table.print(text);
    std::istringstream lines(text.str());
    for (std::string line; std::getline(lines, line);) std::cout << "  " << line << "\n";
  }
  return 0;
}

}  // namespace

Command add_events_command(CLI::App& app) {
  auto options = std::make_shared<EventsOptions>();
  CLI::App* sub = app.add_subcommand(
      "events", "List the runs, tags and steps of the TensorBoard event files under a folder");
  sub->add_option("dir", options->dir, "Log folder (searched recursively)")->required();
  CLI::Option* json = sub->add_flag("--json", options->json, "Print JSON instead of text");
  sub->add_flag("--values", options->values,
                "With --json: every recorded value of each tag (scalar values, histogram buckets, "
                "image sizes)")
      ->needs(json);
  sub->footer(
      "Each run is a folder holding events.out.tfevents.* files, named relative to DIR ('.' for "
      "DIR itself).\nA file cut inside its last record is reported, not an error; a record whose "
      "CRC does not match is.\nExamples:\n  layerscope events runs/ --json\n  layerscope events "
      "runs/ --json --values");
  return {sub, [options] { return run_events(*options); }};
}

}  // namespace layerscope::cli
