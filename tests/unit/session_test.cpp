#include "model_builder.h"

#include <layerscope/error.h>
#include <layerscope/io.h>
#include <layerscope/onnx.h>
#include <layerscope/session.h>
#include <layerscope/stats.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

namespace layerscope {
namespace {

using test::error_of;
using test::ModelBuilder;
using test::TempDir;

const std::string kModels = std::string(LAYERSCOPE_SOURCE_DIR) + "/models";

struct Expected {
  std::string file;
  int predicted;
  double probability;
};

std::vector<Expected> expected_predictions() {
  std::ifstream csv(kModels + "/digits/expected_predictions.csv");
  std::string line;
  std::getline(csv, line);  // header
  std::vector<Expected> rows;
  while (std::getline(csv, line)) {
    std::stringstream s(line);
    Expected e;
    std::string field;
    std::getline(s, e.file, ',');
    std::getline(s, field, ',');
    e.predicted = std::stoi(field);
    std::getline(s, field, ',');
    e.probability = std::stod(field);
    rows.push_back(e);
  }
  return rows;
}

TEST(Session, DigitsModelPredictsAsPyTorchDid) {
  const Model model = load_onnx(kModels + "/digits_cnn.onnx");
  auto session = create_session(model);
  const auto rows = expected_predictions();
  ASSERT_EQ(rows.size(), 20u);
  for (const Expected& row : rows) {
    const Tensor image = read_npy(kModels + "/digits/" + row.file + ".npy");
    const auto outputs = session->run({{"image", image}});
    const Tensor& p = outputs.at("probabilities");
    ASSERT_EQ(p.shape(), (Shape{1, 10}));
    const float* probs = p.data<float>();
    const int predicted = static_cast<int>(std::max_element(probs, probs + 10) - probs);
    EXPECT_EQ(predicted, row.predicted) << row.file;
    EXPECT_NEAR(probs[predicted], row.probability, 2e-6) << row.file;
  }
}

TEST(Session, ObserversSeeEveryLayerInOrderAndOnlyWhatTheyWant) {
  const Model model = load_onnx(kModels + "/digits_cnn.onnx");
  auto session = create_session(model);
  const Tensor image = read_npy(kModels + "/digits/digit_00_label_0.npy");
  StatsObserver all;
  StatsObserver convs{NodeFilter("Conv|Gemm")};
  ObserverList both;
  both.add(&all);
  both.add(&convs);
  session->run({{"image", image}}, &both);
  ASSERT_EQ(all.records().size(), 6u);
  const std::vector<std::string> ops = {"Conv", "Relu", "MaxPool", "Flatten", "Gemm", "Softmax"};
  for (std::size_t i = 0; i < ops.size(); ++i) EXPECT_EQ(all.records()[i].op, ops[i]);
  EXPECT_EQ(all.records()[1].stats.min, 0.0);  // after ReLU
  EXPECT_EQ(all.records()[2].shape, (Shape{1, 32, 13, 13}));
  ASSERT_EQ(convs.records().size(), 2u);
  EXPECT_EQ(convs.records()[1].op, "Gemm");
  EXPECT_FALSE(all.first_nonfinite());
}

class StopAfter : public Observer {
 public:
  explicit StopAfter(int n) : n_(n) {}
  ObserverAction on_value(const Value&, const Tensor&, const RunContext&) override {
    return ++seen_ >= n_ ? ObserverAction::Stop : ObserverAction::Continue;
  }
  int seen_ = 0;

 private:
  int n_;
};

TEST(Session, AnObserverCanStopTheRun) {
  const Model model = load_onnx(kModels + "/digits_cnn.onnx");
  auto session = create_session(model);
  StopAfter stop(2);
  const auto outputs =
      session->run({{"image", read_npy(kModels + "/digits/digit_00_label_0.npy")}}, &stop);
  EXPECT_EQ(stop.seen_, 2);
  EXPECT_TRUE(outputs.empty());
}

// Asks the runtime's parallel_for to split work on every tensor it sees and notes which threads
// ran the pieces.
class ParallelProbe : public Observer {
 public:
  ObserverAction on_value(const Value&, const Tensor&, const RunContext& context) override {
    if (!context.parallel_for) return ObserverAction::Continue;
    (*context.parallel_for)(64, [&](int64_t begin, int64_t end) {
      // Long enough that no thread can take every piece before the others start.
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      std::lock_guard<std::mutex> lock(mutex_);
      pieces += end - begin;
      threads.insert(std::this_thread::get_id());
    });
    return ObserverAction::Continue;
  }
  std::mutex mutex_;
  int64_t pieces = 0;
  std::set<std::thread::id> threads;
};

TEST(Session, ObserversParallelForRunsOnTheSessionsThreads) {
  // ATen's at::parallel_for is an inline template that runs serially unless the code calling it
  // was compiled with OpenMP: this failed while the runtime was built without -fopenmp.
  const Model model = load_onnx(kModels + "/digits_cnn.onnx");
  const Tensor image = read_npy(kModels + "/digits/digit_00_label_0.npy");
  for (int threads : {1, 2}) {
    auto session = create_session(model, {.threads = threads});
    ParallelProbe probe;
    session->run({{"image", image}}, &probe);
    EXPECT_EQ(probe.pieces, 6 * 64) << threads << " threads";
    EXPECT_EQ(probe.threads.size(), static_cast<std::size_t>(threads));
  }
}

// Counts what it sees and the ends of runs; stops after `stop_after` values (0: never).
class RunEndCounter : public Observer {
 public:
  explicit RunEndCounter(int stop_after = 0) : stop_after_(stop_after) {}
  ObserverAction on_value(const Value&, const Tensor&, const RunContext&) override {
    ++values;
    return values == stop_after_ ? ObserverAction::Stop : ObserverAction::Continue;
  }
  void on_run_end() override { ++ends; }
  int values = 0, ends = 0;

 private:
  int stop_after_;
};

TEST(Session, EveryRunEndsOnceForItsObserversWhetherItFinishesStopsOrFails) {
  const Model model = load_onnx(kModels + "/digits_cnn.onnx");
  const Tensor image = read_npy(kModels + "/digits/digit_00_label_0.npy");
  auto session = create_session(model);
  RunEndCounter whole, stopped(2);
  ObserverList both;
  both.add(&whole);
  both.add(&stopped);
  session->run({{"image", image}}, &both);
  EXPECT_EQ(whole.ends, 1);
  EXPECT_EQ(stopped.ends, 1);
  RunEndCounter stops(2);
  session->run({{"image", image}}, &stops);
  EXPECT_EQ(stops.values, 2);
  EXPECT_EQ(stops.ends, 1);
  // A node's output over the byte limit fails the run midway.
  auto limited = create_session(model, {.threads = 1, .max_tensor_bytes = 50000});
  RunEndCounter failed;
  EXPECT_FALSE(error_of([&] { limited->run({{"image", image}}, &failed); }).empty());
  EXPECT_EQ(failed.ends, 1);
  // Refused inputs: no run started, nothing observed, nothing to end.
  RunEndCounter refused;
  EXPECT_FALSE(error_of([&] { session->run({}, &refused); }).empty());
  EXPECT_EQ(refused.ends, 0);
}

TEST(Session, NanIsTracedToTheNodeThatMadeIt) {
  ModelBuilder b;
  b.input("x", onnx::TensorProto::FLOAT, {3});
  b.output("z", onnx::TensorProto::FLOAT, {3});
  b.node("Relu", {"x"}, {"r"}, "relu");
  b.node("Neg", {"x"}, {"n"}, "neg");
  b.node("Log", {"n"}, {"l"}, "log");  // log of negatives: NaN
  b.node("Add", {"l", "r"}, {"z"}, "add");
  TempDir dir;
  b.save(dir.file("m.onnx"));
  const Model model = load_onnx(dir.file("m.onnx"));
  Tensor x = Tensor::zeros(DType::Float32, {3});
  x.data<float>()[0] = 1;
  x.data<float>()[1] = 2;
  StatsObserver stats;
  create_session(model)->run({{"x", x}}, &stats);
  ASSERT_TRUE(stats.first_nonfinite());
  const LayerRecord& r = stats.records()[*stats.first_nonfinite()];
  EXPECT_EQ(r.node, "log");
  EXPECT_EQ(r.stats.nan_count, 2);
  EXPECT_EQ(r.stats.inf_count, 1);  // log(-0) = -inf
}

TEST(Session, ListsEveryUnsupportedOpBeforeRunning) {
  ModelBuilder b;
  auto* custom = b.model().add_opset_import();
  custom->set_domain("com.example");
  custom->set_version(1);
  b.input("x", onnx::TensorProto::FLOAT, {2});
  b.output("z", onnx::TensorProto::FLOAT, {2});
  b.node("Frobnicate", {"x"}, {"a"}, "f1").set_domain("com.example");
  b.node("Frobnicate", {"a"}, {"b"}, "f2").set_domain("com.example");
  b.node("Twiddle", {"b"}, {"z"}, "t1").set_domain("com.example");
  TempDir dir;
  b.save(dir.file("m.onnx"));
  const Model model = load_onnx(dir.file("m.onnx"), {.check = false, .infer_shapes = false});
  const auto unsupported = find_unsupported_ops(model.graph);
  ASSERT_EQ(unsupported.size(), 2u);
  EXPECT_EQ(unsupported[0].op_type, "Frobnicate");
  EXPECT_EQ(unsupported[0].nodes, (std::vector<std::string>{"f1", "f2"}));
  const std::string message = error_of([&] { create_session(model); });
  EXPECT_NE(message.find("2 unsupported ops"), std::string::npos) << message;
  EXPECT_NE(message.find("com.example::Twiddle"), std::string::npos) << message;
}

TEST(Session, WrongInputsAreRefusedWithWhatWasExpected) {
  const Model model = load_onnx(kModels + "/digits_cnn.onnx");
  auto session = create_session(model);
  const Tensor good = read_npy(kModels + "/digits/digit_00_label_0.npy");
  EXPECT_NE(error_of([&] { session->run({}); }).find("missing input 'image'"), std::string::npos);
  EXPECT_NE(error_of([&] {
              session->run({{"image", good}, {"extra", good}});
            }).find("no input named 'extra'"),
            std::string::npos);
  const std::string shape_error = error_of([&] {
    session->run({{"image", Tensor::zeros(DType::Float32, {1, 1, 27, 28})}});
  });
  EXPECT_NE(shape_error.find("expected [batch,1,28,28]"), std::string::npos) << shape_error;
  const std::string dtype_error = error_of([&] {
    session->run({{"image", Tensor::zeros(DType::Float64, {1, 1, 28, 28})}});
  });
  EXPECT_NE(dtype_error.find("expected dtype float32"), std::string::npos) << dtype_error;
}

TEST(Session, RefusesTensorsOverTheByteLimitNamingTheNode) {
  const Model model = load_onnx(kModels + "/digits_cnn.onnx");
  auto session = create_session(model, {.threads = 1, .max_tensor_bytes = 50000});
  const std::string message = error_of([&] {
    session->run({{"image", read_npy(kModels + "/digits/digit_00_label_0.npy")}});
  });
  EXPECT_NE(message.find("'/conv1/Conv'"), std::string::npos) << message;
  EXPECT_NE(message.find("86528 bytes"), std::string::npos) << message;  // 32*26*26*4
}

TEST(Session, RunsIfBranchesReadingOuterValues) {
  TempDir dir;
  test::if_model().save(dir.file("if.onnx"));
  const Model model = load_onnx(dir.file("if.onnx"));
  auto session = create_session(model);
  Tensor x = Tensor::zeros(DType::Float32, {2});
  x.data<float>()[0] = -3;
  x.data<float>()[1] = 4;
  Tensor cond = Tensor::zeros(DType::Bool, {});
  EXPECT_EQ(session->run({{"cond", cond}, {"x", x}}).at("y").data<float>()[0], 3.0f);
  cond.data<uint8_t>()[0] = 1;
  EXPECT_EQ(session->run({{"cond", cond}, {"x", x}}).at("y").data<float>()[1], -4.0f);
}

}  // namespace
}  // namespace layerscope
