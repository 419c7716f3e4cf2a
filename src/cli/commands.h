#pragma once
// Each subcommand adds itself to the app and returns how to run it once parsed.
#include <CLI/CLI.hpp>

#include <functional>

namespace layerscope::cli {

struct Command {
  CLI::App* app;
  std::function<int()> run;  // returns the exit code
};

Command add_summary_command(CLI::App& app);
Command add_run_command(CLI::App& app);
Command add_events_command(CLI::App& app);
Command add_log_command(CLI::App& app);
Command add_embed_command(CLI::App& app);
Command add_graph_command(CLI::App& app);

}  // namespace layerscope::cli
