// Writes one log folder using every SummaryWriter call, for tools/check_with_tensorboard.py to read
// with TensorBoard's own code: what `layerscope log` does not write (text, tensors, add_scalars
// runs, equal-width histograms, gray+alpha / RGB / RGBA and float CHW images, non-finite scalars
// and histogram values, odd tag characters, an empty histogram) next to a model's graph.
//
//   build/layerscope-sample-events models/digits_cnn.onnx /tmp/sample_logs
#include <layerscope/error.h>
#include <layerscope/onnx.h>
#include <layerscope/summary_writer.h>
#include <layerscope/tensor.h>

#include <cmath>
#include <cstring>
#include <iostream>
#include <limits>
#include <random>
#include <vector>

using namespace layerscope;

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: layerscope-sample-events MODEL.onnx LOGDIR\n";
    return 2;
  }
  try {
    const Model model = load_onnx(argv[1]);
    SummaryWriter writer(argv[2]);
    writer.add_graph(model.graph);
    std::mt19937 random(7);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const float inf = std::numeric_limits<float>::infinity();

    for (int64_t step = 0; step < 3; ++step) {
      writer.add_scalar("loss", 1.0 / (step + 1), step);
      writer.add_scalars("lr", {{"encoder", 0.1 * (step + 1)}, {"decoder", 0.01 * (step + 1)}},
                         step);
      std::vector<float> values(1000);
      for (float& v : values) v = normal(random) + static_cast<float>(step);
      writer.add_histogram("weights/normal", values.data(), values.size(), step);
      writer.add_histogram("weights/normal_30_bins", values.data(), values.size(), step,
                           HistogramOptions{30});
      writer.add_text("notes", "step " + std::to_string(step) + ": *markdown* text", step);
    }
    // Non-finite data: NaN/Inf scalars as they are; histograms count them apart.
    writer.add_scalar("odd/nan", nan, 0);
    writer.add_scalar("odd/inf", inf, 0);
    const std::vector<float> mixed = {1.0f, nan, -inf, inf, 2.0f, 0.0f, -3.0f};
    writer.add_histogram("odd/non_finite", mixed.data(), mixed.size(), 0);
    writer.add_histogram("odd/empty", nullptr, 0, 0);
    writer.add_histogram("odd/constant", std::vector<float>(10, 4.0f).data(), 10, 0,
                         HistogramOptions{5});
    writer.add_scalar("odd/tag with spaces & ünïcode:[x]", 1.5, 0);

    // Images: each channel count, uint8 and float CHW, and a grid.
    std::vector<uint8_t> pixels(6 * 8 * 4);
    for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>(i * 5);
    for (int channels = 1; channels <= 4; ++channels)
      writer.add_image("image/channels_" + std::to_string(channels), pixels.data(), 6, 8, channels,
                       0);
    std::vector<float> chw(3 * 5 * 7);
    for (std::size_t i = 0; i < chw.size(); ++i) chw[i] = static_cast<float>(i) / chw.size();
    writer.add_image("image/float_chw", chw.data(), 5, 7, 3, ImageLayout::CHW, 0);
    writer.add_images("image/grid_of_5", pixels.data(), 5, 3, 4, 1, 0);

    // A tensor (the "tensor" plugin) of each common dtype.
    std::vector<float> floats = {1.5f, -2.0f, 3.25f, 0.0f, 5.0f, 6.0f};
    writer.add_tensor("tensor/float", Tensor::wrap(DType::Float32, {2, 3}, floats.data(), nullptr),
                      0);
    std::vector<int64_t> ints = {1, -2, 3};
    writer.add_tensor("tensor/int64", Tensor::wrap(DType::Int64, {3}, ints.data(), nullptr), 0);
    writer.close();
    std::cout << "wrote " << writer.file_path() << " (and lr_encoder/, lr_decoder/ runs)\n";
  } catch (const Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
