// layerscope: see every layer of a neural network.
#include "cli/commands.h"

#include <layerscope/error.h>

#include <malloc.h>

#include <iostream>
#include <string>
#include <vector>

namespace {

// Every layer's output is allocated and freed again, a few MB at a time. By default glibc maps such
// blocks fresh (or trims the heap after a large free), so each reuse faults in and zeroes its pages
// again. Both limits fixed keep freed memory for the next tensors instead, at no higher peak
// (resnet50, 30 inputs, 2 threads: `log` 389k -> 92k page faults, `run` 174k -> 80k; peak RSS
// 429 MB either way). Fixing only one of them turns glibc's adaptive choice off and is worse.
void keep_freed_memory_for_reuse() {
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // glibc's largest
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
}

}  // namespace

int main(int argc, char** argv) {
  keep_freed_memory_for_reuse();
  CLI::App app{"layerscope: run a neural network and see every layer's output."};
  app.require_subcommand(1);
  app.footer(
      "Examples:\n"
      "  layerscope summary models/digits_cnn.onnx\n"
      "  layerscope run models/digits_cnn.onnx --input models/digits/digit_00_label_0.png\n"
      "  layerscope run model.onnx --random --dim batch=2 --dump out/\n"
      "  layerscope log models/digits_cnn.onnx --inputs-dir digits/ --logdir runs/digits\n"
      "  layerscope events runs/\n"
      "  layerscope run models/digits_cnn.onnx --input models/digits/digit_06_label_3.png "
      "--plots plots/\n"
      "  layerscope embed models/digits_cnn.onnx --layer /relu1/Relu --inputs-dir models/digits "
      "-o out/relu1\n"
      "  layerscope embed --from-npy features.npy --labels labels.txt -o out/tsne\n"
      "  layerscope graph models/digits_cnn.onnx -o digits.svg\n"
      "  layerscope report models/digits_cnn.onnx --inputs-dir models/digits -o digits.html\n"
      "Run 'layerscope COMMAND --help' for a command's options.");
  const std::vector<layerscope::cli::Command> commands = {
      layerscope::cli::add_summary_command(app), layerscope::cli::add_run_command(app),
      layerscope::cli::add_events_command(app),  layerscope::cli::add_log_command(app),
      layerscope::cli::add_graph_command(app),   layerscope::cli::add_embed_command(app),
      layerscope::cli::add_report_command(app),
  };
  if (argc > 1 && argv[1][0] != '-') {
    std::string names;
    bool known = false;
    for (const CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
      known = known || sub->get_name() == argv[1];
      names += (names.empty() ? "" : ", ") + sub->get_name();
    }
    if (!known) {
      std::cerr << "error: unknown command '" << argv[1] << "'; expected one of: " << names
                << " (see 'layerscope --help')\n";
      return 2;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version are "errors" that succeed: CLI11 prints them as usual.
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e);
    // Everything else is one line, like every other failure, naming where to look.
    std::string help = "layerscope --help";
    for (const CLI::App* sub : app.get_subcommands())
      help = "layerscope " + sub->get_name() + " --help";
    std::cerr << "error: " << e.what() << " (see '" << help << "')\n";
    return 2;
  }
  try {
    for (const auto& command : commands)
      if (command.app->parsed()) return command.run();
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
  }
  return 1;
}
