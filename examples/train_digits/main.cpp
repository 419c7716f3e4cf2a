// Trains a small LibTorch CNN on the 8x8 digits and, at the end of each epoch, logs to TensorBoard
// through layerscope's SummaryWriter what a Keras TensorBoard callback's on_epoch_end would: loss
// and accuracy as scalars, a histogram of every layer's activations and of every weight, and the
// first convolution's feature maps as an image grid.
//
//   train_digits DATA_DIR LOGDIR [EPOCHS]
//
// DATA_DIR holds images.npy (uint8 [N,8,8], grey levels 0..16) and labels.npy (uint8 [N], 0..9),
// as tools/make_digits_dataset.py writes them to models/digits_8x8/. The last fifth of the samples
// is held out for validation.
#include <layerscope/error.h>
#include <layerscope/io.h>
#include <layerscope/summary_writer.h>

// The parts of LibTorch used here rather than <torch/torch.h>, which also pulls in data loaders,
// serialization and TorchScript: this file compiles in 20 s of CPU instead of 29.
#include <torch/nn/module.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/optim/adam.h>
#include <torch/utils.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

namespace {

constexpr int64_t kImageSize = 8;
constexpr int64_t kClasses = 10;
constexpr int64_t kBatchSize = 32;
// Feature maps are 8x8: shown 4x larger (nearest neighbour) so TensorBoard's cards are readable.
constexpr int64_t kFeatureMapZoom = 4;

using LayerOutputs = std::vector<std::pair<std::string, torch::Tensor>>;

// conv(1->8) relu pool  conv(8->16) relu pool  linear(64->10): 8x8 -> 4x4 -> 2x2 -> 10 logits.
struct DigitsNetImpl : torch::nn::Module {
  DigitsNetImpl()
      : conv1(register_module("conv1",
                              torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 8, 3).padding(1)))),
        conv2(register_module("conv2",
                              torch::nn::Conv2d(torch::nn::Conv2dOptions(8, 16, 3).padding(1)))),
        fc(register_module("fc", torch::nn::Linear(16 * 2 * 2, kClasses))) {}

  // Every layer's output in order, the logits last. LibTorch modules have no forward hooks, so the
  // model hands its intermediate outputs out itself; training uses only the last one.
  LayerOutputs forward_layers(const torch::Tensor& images) {
    LayerOutputs outputs;
    auto add = [&outputs](const char* name, torch::Tensor t) {
      outputs.emplace_back(name, t);
      return t;
    };
    torch::Tensor x = add("conv1", conv1(images));
    x = add("pool1", torch::max_pool2d(add("relu1", torch::relu(x)), 2));
    x = add("conv2", conv2(x));
    x = add("pool2", torch::max_pool2d(add("relu2", torch::relu(x)), 2));
    add("fc", fc(x.flatten(1)));
    return outputs;
  }

  torch::nn::Conv2d conv1;
  torch::nn::Conv2d conv2;
  torch::nn::Linear fc;
};
TORCH_MODULE(DigitsNet);

struct Dataset {
  torch::Tensor images;  // float32 [N,1,8,8] in [0,1]
  torch::Tensor labels;  // int64 [N]
};

// Reads DATA_DIR/images.npy and labels.npy; throws layerscope::Error naming the file and what was
// expected when they are not the digits.
Dataset read_digits(const std::string& dir) {
  const std::string images_path = dir + "/images.npy";
  const std::string labels_path = dir + "/labels.npy";
  layerscope::Tensor images = layerscope::read_npy(images_path);
  const layerscope::Shape& shape = images.shape();
  if (images.dtype() != layerscope::DType::UInt8 || shape.size() != 3 || shape[0] == 0 ||
      shape[1] != kImageSize || shape[2] != kImageSize)
    throw layerscope::Error(images_path + ": expected uint8 images of shape [N,8,8], got " +
                            layerscope::dtype_name(images.dtype()) + " " +
                            layerscope::shape_string(shape));
  layerscope::Tensor labels = layerscope::read_npy(labels_path);
  if (labels.dtype() != layerscope::DType::UInt8 || labels.shape() != layerscope::Shape{shape[0]})
    throw layerscope::Error(labels_path + ": expected uint8 labels of shape [" +
                            std::to_string(shape[0]) + "] (one per image), got " +
                            layerscope::dtype_name(labels.dtype()) + " " +
                            layerscope::shape_string(labels.shape()));
  Dataset data;
  // from_blob does not copy: to() makes the float/int64 copies torch owns.
  data.images = torch::from_blob(images.raw(), {shape[0], 1, kImageSize, kImageSize}, torch::kUInt8)
                    .to(torch::kFloat32)
                    .div(16);
  data.labels = torch::from_blob(labels.raw(), {shape[0]}, torch::kUInt8).to(torch::kInt64);
  const int64_t max_label = data.labels.max().item<int64_t>();
  if (max_label >= kClasses)
    throw layerscope::Error(labels_path + ": expected labels 0..9, found " +
                            std::to_string(max_label));
  return data;
}

// Each channel scaled to [0,1] on its own (a constant channel becomes 0), then enlarged.
torch::Tensor tiles_for_display(const torch::Tensor& maps /* [C,H,W] */) {
  const torch::Tensor low = maps.amin({1, 2}, /*keepdim=*/true);
  const torch::Tensor range = maps.amax({1, 2}, /*keepdim=*/true) - low;
  const torch::Tensor scaled = (maps - low) / range.clamp_min(1e-12);
  return scaled.repeat_interleave(kFeatureMapZoom, 1).repeat_interleave(kFeatureMapZoom, 2);
}

void add_histogram(layerscope::SummaryWriter& writer, const std::string& tag,
                   const torch::Tensor& values, int64_t step) {
  const torch::Tensor flat = values.detach().to(torch::kFloat32).contiguous();
  writer.add_histogram(tag, flat.data_ptr<float>(), static_cast<std::size_t>(flat.numel()), step);
}

struct EpochMetrics {
  double loss = 0;
  double accuracy = 0;
};

EpochMetrics train_epoch(DigitsNet& model, torch::optim::Optimizer& optimizer,
                         const Dataset& train) {
  model->train();
  const int64_t count = train.images.size(0);
  const torch::Tensor order = torch::randperm(count);
  double loss_sum = 0;
  int64_t correct = 0;
  for (int64_t begin = 0; begin < count; begin += kBatchSize) {
    const torch::Tensor index = order.slice(0, begin, std::min(begin + kBatchSize, count));
    const torch::Tensor images = train.images.index_select(0, index);
    const torch::Tensor labels = train.labels.index_select(0, index);
    optimizer.zero_grad();
    const torch::Tensor logits = model->forward_layers(images).back().second;
    const torch::Tensor loss = torch::cross_entropy_loss(logits, labels);
    loss.backward();
    optimizer.step();
    loss_sum += loss.item<double>() * static_cast<double>(index.size(0));
    correct += logits.argmax(1).eq(labels).sum().item<int64_t>();
  }
  return {loss_sum / static_cast<double>(count),
          static_cast<double>(correct) / static_cast<double>(count)};
}

// What a Keras callback's on_epoch_end does: everything about this epoch into the event file.
// The activations are those of the whole validation set, the feature maps those of its first image.
EpochMetrics log_epoch_end(DigitsNet& model, const Dataset& validation, const EpochMetrics& train,
                           layerscope::SummaryWriter& writer, int64_t epoch) {
  torch::NoGradGuard no_grad;
  model->eval();
  const LayerOutputs layers = model->forward_layers(validation.images);
  const torch::Tensor& logits = layers.back().second;
  const EpochMetrics validated{
      torch::cross_entropy_loss(logits, validation.labels).item<double>(),
      logits.argmax(1).eq(validation.labels).to(torch::kFloat64).mean().item<double>()};

  writer.add_scalar("loss/train", train.loss, epoch);
  writer.add_scalar("accuracy/train", train.accuracy, epoch);
  writer.add_scalar("loss/validation", validated.loss, epoch);
  writer.add_scalar("accuracy/validation", validated.accuracy, epoch);
  for (const auto& [name, output] : layers)
    add_histogram(writer, "activations/" + name, output, epoch);
  for (const auto& parameter : model->named_parameters())
    add_histogram(writer, "weights/" + parameter.key(), parameter.value(), epoch);

  const torch::Tensor tiles = tiles_for_display(layers.front().second[0]).contiguous();
  writer.add_images("feature_maps/conv1", tiles.data_ptr<float>(), static_cast<int>(tiles.size(0)),
                    static_cast<int>(tiles.size(1)), static_cast<int>(tiles.size(2)), 1,
                    layerscope::ImageLayout::CHW, epoch);
  if (epoch == 0) {
    const torch::Tensor input = tiles_for_display(validation.images[0]).contiguous();
    writer.add_image("input", input.data_ptr<float>(), static_cast<int>(input.size(1)),
                     static_cast<int>(input.size(2)), 1, layerscope::ImageLayout::CHW, epoch);
  }
  writer.flush();
  return validated;
}

int parse_epochs(const std::string& text) {
  std::size_t used = 0;
  int epochs = 0;
  try {
    epochs = std::stoi(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || epochs < 1 || epochs > 1000)
    throw layerscope::Error("EPOCHS: expected a whole number from 1 to 1000, got '" + text + "'");
  return epochs;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || argc > 4) {
    std::cerr << "usage: train_digits DATA_DIR LOGDIR [EPOCHS]\n"
                 "  e.g. train_digits models/digits_8x8 runs/digits 5\n";
    return 2;
  }
  try {
    const int epochs = argc == 4 ? parse_epochs(argv[3]) : 5;
    const Dataset all = read_digits(argv[1]);
    const int64_t train_count = all.images.size(0) - all.images.size(0) / 5;
    const Dataset train{all.images.slice(0, 0, train_count), all.labels.slice(0, 0, train_count)};
    const Dataset validation{all.images.slice(0, train_count), all.labels.slice(0, train_count)};

    torch::manual_seed(0);
    DigitsNet model;
    torch::optim::Adam optimizer(model->parameters(), torch::optim::AdamOptions(1e-2));
    layerscope::SummaryWriter writer(argv[2]);
    std::printf("%lld training and %lld validation digits; event file: %s\n",
                static_cast<long long>(train.images.size(0)),
                static_cast<long long>(validation.images.size(0)), writer.file_path().c_str());

    for (int epoch = 0; epoch < epochs; ++epoch) {
      const auto start = std::chrono::steady_clock::now();
      const EpochMetrics trained = train_epoch(model, optimizer, train);
      const EpochMetrics validated = log_epoch_end(model, validation, trained, writer, epoch);
      const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
      std::printf(
          "epoch %d/%d: loss %.4f accuracy %.4f, validation loss %.4f accuracy %.4f (%.2f s)\n",
          epoch + 1, epochs, trained.loss, trained.accuracy, validated.loss, validated.accuracy,
          took.count());
    }
    writer.close();
    std::printf("tensorboard --logdir %s\n", argv[2]);
    return 0;
  } catch (const c10::Error& e) {  // its what() carries a C++ backtrace
    std::cerr << "error: " << e.what_without_backtrace() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
