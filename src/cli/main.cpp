// layerscope: see every layer of a neural network.
#include "cli/commands.h"

#include <layerscope/error.h>

#include <iostream>
#include <vector>

int main(int argc, char** argv) {
  CLI::App app{"layerscope: run a neural network and see every layer's output."};
  app.require_subcommand(1);
  app.footer(
      "Examples:\n"
      "  layerscope summary models/digits_cnn.onnx\n"
      "  layerscope run models/digits_cnn.onnx --input models/digits/digit_00_label_0.png\n"
      "  layerscope run model.onnx --random --dim batch=2 --dump out/\n"
      "  layerscope log models/digits_cnn.onnx --inputs-dir digits/ --logdir runs/digits\n"
      "  layerscope events runs/\n"
      "  layerscope embed --from-npy features.npy --labels labels.txt -o out/tsne\n"
      "  layerscope graph models/digits_cnn.onnx -o digits.svg\n"
      "Run 'layerscope COMMAND --help' for a command's options.");
  const std::vector<layerscope::cli::Command> commands = {
      layerscope::cli::add_summary_command(app), layerscope::cli::add_run_command(app),
      layerscope::cli::add_events_command(app),  layerscope::cli::add_log_command(app),
      layerscope::cli::add_embed_command(app),
      layerscope::cli::add_graph_command(app),
  };
  CLI11_PARSE(app, argc, argv);
  try {
    for (const auto& command : commands)
      if (command.app->parsed()) return command.run();
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
  }
  return 1;
}
