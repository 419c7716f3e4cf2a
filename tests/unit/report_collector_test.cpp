// The report's data: base64, histograms, the collector's per-input summaries (thumbnails, pooled
// rows, first NaN/Inf, budget) and the JSON and HTML the page is built from.
#include "report/report_collector.h"
#include "model_builder.h"
#include "png_decode.h"
#include "report/base64.h"
#include "report/report_page.h"

#include <layerscope/onnx.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>
#include <numeric>

namespace layerscope::report {
namespace {

const float kNan = std::numeric_limits<float>::quiet_NaN();

Tensor filled(const Shape& shape, const std::function<float(int64_t)>& value) {
  Tensor t = Tensor::zeros(DType::Float32, shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = value(i);
  return t;
}

// Hands tensors to a collector as the executor would, for a one-node graph per layer name.
struct Feeder {
  Graph graph;
  explicit Feeder(const std::vector<std::string>& layers) {
    for (const std::string& name : layers) {
      Node node;
      node.name = "node_" + name;
      node.op_type = "Relu";
      graph.nodes.push_back(node);
      Value value;
      value.name = name;
      graph.values.push_back(value);
    }
  }
  void feed(ReportCollector& collector, int layer, const Tensor& tensor) {
    RunContext context{graph, graph.nodes[layer], layer, 0.001};
    collector.on_value(graph.values[layer], tensor, context);
  }
};

TEST(ReportBase64, EncodesTheRfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode(std::string("\xff\xfe\x00", 3)), "//4A");
}

TEST(ReportHistogram, CountsEveryFiniteValueOnceWithTheMaximumInTheLastBin) {
  const std::vector<float> values{0, 1, 2, 3, 4, kNan, INFINITY, 4};
  const Tensor t = filled({8}, [&](int64_t i) { return values[i]; });
  const TensorStats stats = compute_stats(t);
  const Histogram h = make_histogram(values.data(), 8, stats, 4);
  EXPECT_DOUBLE_EQ(h.min, 0);
  EXPECT_DOUBLE_EQ(h.max, 4);
  EXPECT_EQ(h.counts, (std::vector<int64_t>{1, 1, 1, 3}));
}

TEST(ReportHistogram, ConstantDataFillsOneBinAndAllNanNone) {
  const std::vector<float> same(5, 2.5f), nans(3, kNan);
  const Histogram h =
      make_histogram(same.data(), 5, compute_stats(filled({5}, [](int64_t) { return 2.5f; })), 8);
  EXPECT_EQ(std::accumulate(h.counts.begin(), h.counts.end(), int64_t{0}), 5);
  EXPECT_EQ(h.counts[0], 5);
  const Histogram none =
      make_histogram(nans.data(), 3, compute_stats(filled({3}, [](int64_t) { return kNan; })), 8);
  EXPECT_TRUE(none.counts.empty());
}

TEST(ReportCollector, FeatureMapsAreDownsampledPngsOfTheFirstChannelsForTheFirstInputs) {
  CollectorOptions options;
  options.feature_channels = 2;
  options.feature_inputs = 1;
  options.thumbnail_size = 32;
  ReportCollector collector(options);
  Feeder feeder({"conv"});
  // 3 channels of 64 x 48; channel c rises left to right (x), channel 1 falls.
  const Tensor maps = filled({1, 3, 64, 48}, [](int64_t i) {
    const int64_t c = i / (64 * 48), x = i % 48;
    return c == 1 ? -static_cast<float>(x) : static_cast<float>(x) + c;
  });
  for (int input = 0; input < 2; ++input) {
    collector.begin_input(input);
    feeder.feed(collector, 0, maps);
  }
  const LayerReport& layer = collector.layers().at(0);
  ASSERT_EQ(layer.samples.size(), 2u);
  ASSERT_EQ(layer.samples[0].thumbnails.size(), 2u);
  EXPECT_TRUE(layer.samples[1].thumbnails.empty());  // input 1 is past feature_inputs
  EXPECT_EQ(layer.thumbnail_height, 32);
  EXPECT_EQ(layer.thumbnail_width, 24);
  const test::DecodedPng rising = test::decode_png(layer.samples[0].thumbnails[0]);
  const test::DecodedPng falling = test::decode_png(layer.samples[0].thumbnails[1]);
  EXPECT_EQ(rising.width, 24);
  EXPECT_EQ(rising.height, 32);
  EXPECT_EQ(rising.channels, 1);
  EXPECT_EQ(rising.pixels.front(), 0);  // each channel scaled to its own range
  EXPECT_EQ(rising.pixels[23], 255);
  EXPECT_EQ(falling.pixels.front(), 255);
  EXPECT_EQ(falling.pixels[23], 0);
  // Pooled rows: one per input, the channel means.
  EXPECT_EQ(layer.columns, 3);
  ASSERT_EQ(layer.pooled.size(), 6u);
  EXPECT_FLOAT_EQ(layer.pooled[0], 23.5f);
  EXPECT_FLOAT_EQ(layer.pooled[1], -23.5f);
  EXPECT_FLOAT_EQ(layer.pooled[2], 25.5f);
}

TEST(ReportCollector, ThumbnailsStopWhenTheBudgetIsSpent) {
  CollectorOptions options;
  options.thumbnail_budget = 1;
  ReportCollector collector(options);
  Feeder feeder({"a", "b", "c"});
  const Tensor maps = filled({1, 2, 8, 8}, [](int64_t i) { return static_cast<float>(i); });
  for (int layer = 0; layer < 3; ++layer) feeder.feed(collector, layer, maps);
  EXPECT_EQ(collector.layers()[0].samples[0].thumbnails.size(), 2u);
  EXPECT_TRUE(collector.layers()[1].samples[0].thumbnails.empty());
  EXPECT_EQ(collector.thumbnails_over_budget(), 2);
}

TEST(ReportCollector, LongRowsAreAveragedInChunksAndTheFirstNanIsOfTheEarliestInput) {
  CollectorOptions options;
  options.scatter_columns = 4;
  ReportCollector collector(options);
  Feeder feeder({"fc", "out"});
  const Tensor row = filled({1, 8}, [](int64_t i) { return static_cast<float>(i); });
  collector.begin_input(0);
  feeder.feed(collector, 0, row);
  feeder.feed(collector, 1, filled({2}, [](int64_t) { return 1.0f; }));
  collector.begin_input(1);
  feeder.feed(collector, 0, filled({1, 8}, [](int64_t i) { return i == 3 ? kNan : 0.0f; }));
  feeder.feed(collector, 1, filled({2}, [](int64_t) { return kNan; }));
  collector.begin_input(2);
  feeder.feed(collector, 0, filled({1, 8}, [](int64_t) { return kNan; }));
  const LayerReport& fc = collector.layers()[0];
  EXPECT_EQ(fc.columns, 4);
  EXPECT_EQ(std::vector<float>(fc.pooled.begin(), fc.pooled.begin() + 4),
            (std::vector<float>{0.5f, 2.5f, 4.5f, 6.5f}));
  ASSERT_TRUE(collector.first_nonfinite().has_value());
  EXPECT_EQ(collector.first_nonfinite()->input, 1);
  EXPECT_EQ(collector.first_nonfinite()->layer, 0u);
  EXPECT_EQ(fc.samples[1].stats.nan_count, 1);
}

class ReportPageTest : public ::testing::Test {
 protected:
  // x [1,2,4,4] -> Relu (named to break out of a <script>) -> y; Flatten -> z.
  Model model_with_hostile_name() {
    test::ModelBuilder b;
    b.input("x", onnx::TensorProto::FLOAT, {1, 2, 4, 4});
    b.node("Relu", {"x"}, {"y"}, "</script><script>alert(1)</script>");
    b.node("Flatten", {"y"}, {"z"}, "flat");
    b.output("z", onnx::TensorProto::FLOAT, {1, 32});
    b.save(dir_.file("m.onnx"));
    return load_onnx(dir_.file("m.onnx"));
  }
  test::TempDir dir_;
};

TEST_F(ReportPageTest, JsonHoldsStatisticsHistogramsScatterAndWhatWasSummarized) {
  const Model model = model_with_hostile_name();
  ReportCollector collector;
  RunContext relu{model.graph, model.graph.nodes[0], 0, 0.0};
  RunContext flat{model.graph, model.graph.nodes[1], 1, 0.0};
  const Value& y = model.graph.values[model.graph.nodes[0].outputs[0]];
  const Value& z = model.graph.values[model.graph.nodes[1].outputs[0]];
  for (int input = 0; input < 3; ++input) {
    collector.begin_input(input);
    const Tensor t = filled({1, 2, 4, 4}, [&](int64_t i) {
      return input == 2 ? kNan : static_cast<float>((i * (input + 1)) % 7);
    });
    collector.on_value(y, t, relu);
    collector.on_value(z, filled({1, 32}, [&](int64_t i) { return float(i % (input + 2)); }), flat);
  }
  const nlohmann::json page = nlohmann::json::parse(
      report_json({model, collector, {"a.npy", "b.npy", "c.npy"}, {"cat", "dog", "cat"}}, {}));
  ASSERT_EQ(page["layers"].size(), 2u);
  const auto& layer = page["layers"][0];
  EXPECT_EQ(layer["node"], "</script><script>alert(1)</script>");
  EXPECT_EQ(layer["samples"].size(), 3u);
  EXPECT_EQ(layer["samples"][0]["shape"], nlohmann::json({1, 2, 4, 4}));
  EXPECT_EQ(layer["samples"][0]["dtype"], "float32");
  EXPECT_DOUBLE_EQ(layer["samples"][0]["max"].get<double>(), 6.0);
  EXPECT_EQ(layer["samples"][0]["histogram"]["counts"].size(), 64u);
  EXPECT_EQ(layer["samples"][0]["maps"].size(), 2u);
  EXPECT_EQ(layer["samples"][2]["mean"], "nan");
  EXPECT_EQ(layer["samples"][2]["nan_count"], 32);
  EXPECT_TRUE(layer["scatter"].contains("skipped"));  // input 2 is all NaN
  const auto& flat_layer = page["layers"][1];
  EXPECT_EQ(flat_layer["scatter"]["pca"]["x"].size(), 3u);
  EXPECT_EQ(page["first_nonfinite"]["input"], 2);
  EXPECT_EQ(page["first_nonfinite"]["layer"], 0);
  EXPECT_EQ(page["inputs"][1]["label"], "dog");
  EXPECT_EQ(page["model"]["inputs"][0]["shape"], nlohmann::json({1, 2, 4, 4}));
  EXPECT_FALSE(page["summarized"].empty());

  // A tiny budget keeps histograms for the first input only, and says so.
  PageOptions small;
  small.histogram_cell_budget = 10;
  const nlohmann::json budgeted = nlohmann::json::parse(
      report_json({model, collector, {"a.npy", "b.npy", "c.npy"}, {}}, small));
  EXPECT_TRUE(budgeted["layers"][0]["samples"][0].contains("histogram"));
  EXPECT_FALSE(budgeted["layers"][0]["samples"][1].contains("histogram"));
  EXPECT_NE(budgeted["summarized"][0].get<std::string>().find("first 1 of 3"), std::string::npos);
}

TEST_F(ReportPageTest, HostileNamesStayInsideTheirScriptAndAnUnwritableFileIsAnError) {
  const Model model = model_with_hostile_name();
  ReportCollector collector;
  RunContext relu{model.graph, model.graph.nodes[0], 0, 0.0};
  collector.on_value(model.graph.values[model.graph.nodes[0].outputs[0]],
                     filled({1, 2, 4, 4}, [](int64_t i) { return float(i); }), relu);
  const std::string html = report_html({model, collector, {"x"}, {}}, {});
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  // Three script elements (graph, report, viewer), each closed once.
  std::size_t closes = 0;
  for (std::size_t at = html.find("</script>"); at != std::string::npos;
       at = html.find("</script>", at + 1))
    ++closes;
  EXPECT_EQ(closes, 3u);
  EXPECT_NE(html.find("Content-Security-Policy"), std::string::npos);
  const std::string error = test::error_of([&] {
    write_report_html({model, collector, {"x"}, {}}, {}, dir_.file("no/such/r.html"));
  });
  EXPECT_NE(error.find("cannot write"), std::string::npos);
}

}  // namespace
}  // namespace layerscope::report
