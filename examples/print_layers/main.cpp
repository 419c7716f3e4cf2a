// Runs a model on a .npy input and prints each layer's mean and the first NaN, through the public
// API only:  print_layers MODEL INPUT.npy  (MODEL: .onnx, Keras .h5 or .keras)
#include <layerscope/error.h>
#include <layerscope/io.h>
#include <layerscope/model.h>
#include <layerscope/session.h>
#include <layerscope/stats.h>

#include <iostream>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: print_layers MODEL INPUT.npy\n";
    return 2;
  }
  try {
    const layerscope::Model model = layerscope::load_model(argv[1]);
    auto session = layerscope::create_session(model);
    const std::string input = model.graph.values[model.graph.inputs.at(0)].name;
    layerscope::StatsObserver stats;
    session->run({{input, layerscope::read_npy(argv[2])}}, &stats);
    for (const layerscope::LayerRecord& r : stats.records())
      std::cout << r.node << " " << r.op << " " << layerscope::shape_string(r.shape)
                << " mean=" << r.stats.mean << "\n";
    if (auto bad = stats.first_nonfinite())
      std::cout << "first NaN/Inf: " << stats.records()[*bad].value << "\n";
    return 0;
  } catch (const layerscope::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
