#pragma once
// Each subcommand adds itself to the app and returns how to run it once parsed.
#include <CLI/CLI.hpp>

#include <functional>
#include <string>

namespace layerscope::cli {

struct Command {
  CLI::App* app;
  std::function<int()> run;  // returns the exit code
};

// Accepts a number >= 0; says so in plain words otherwise (CLI::NonNegativeNumber prints the
// whole range of a double).
inline const CLI::Validator kNonNegative(
    [](std::string& value) -> std::string {
      try {
        std::size_t used = 0;
        if (std::stod(value, &used) >= 0 && used == value.size()) return "";
      } catch (const std::exception&) {
      }
      return "expected a number >= 0, got '" + value + "'";
    },
    "NUMBER >= 0");

Command add_summary_command(CLI::App& app);
Command add_run_command(CLI::App& app);
Command add_events_command(CLI::App& app);
Command add_log_command(CLI::App& app);
Command add_embed_command(CLI::App& app);
Command add_graph_command(CLI::App& app);
Command add_report_command(CLI::App& app);

}  // namespace layerscope::cli
