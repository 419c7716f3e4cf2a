// Checkpoints over training: which files, which step each is, and whether they are one model.
#include <layerscope/checkpoints.h>
#include <layerscope/error.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace layerscope {
namespace {

namespace fs = std::filesystem;

TEST(CheckpointSteps, TheEpochIsTheFirstNumberThatTellsTheFilesApart) {
  // Keras' ModelCheckpoint docs: "model.{epoch:02d}-{val_loss:.2f}.h5"; the loss comes last.
  EXPECT_EQ(
      checkpoint_steps({"ckpt/model.03-0.52.h5", "ckpt/model.01-0.90.h5", "ckpt/model.02-0.61.h5"}),
      (std::vector<int64_t>{3, 1, 2}));
  // A number every name shares (a version, a run) is passed over; folders are not read.
  EXPECT_EQ(checkpoint_steps({"run7/net_v2_e10.h5", "run8/net_v2_e9.h5"}),
            (std::vector<int64_t>{10, 9}));
  EXPECT_EQ(checkpoint_steps({"model_5.keras"}), (std::vector<int64_t>{5}));
}

TEST(CheckpointSteps, WithoutTellingNumbersTheStepIsTheNameOrder) {
  EXPECT_EQ(checkpoint_steps({"b.h5", "a.h5", "c.h5"}), (std::vector<int64_t>{1, 0, 2}));
  // Numbers that repeat do not tell files apart.
  EXPECT_EQ(checkpoint_steps({"m1_best.h5", "m1_last.h5"}), (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(checkpoint_steps({"final.h5"}), (std::vector<int64_t>{0}));
}

class CheckpointFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("layerscope_ckpt_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string touch(const std::string& name) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path) << "x";
    return path;
  }
  fs::path dir_;
};

TEST_F(CheckpointFiles, APatternListsItsFilesSortedByEpochNotByName) {
  const std::string e2 = touch("model_2.h5"), e10 = touch("model_10.h5"), e1 = touch("model_1.h5");
  touch("notes.txt");
  const std::vector<Checkpoint> found = list_checkpoints({(dir_ / "model_*.h5").string()});
  ASSERT_EQ(found.size(), 3u);
  EXPECT_EQ(found[0].path, e1);
  EXPECT_EQ(found[0].step, 1);
  EXPECT_EQ(found[1].path, e2);
  EXPECT_EQ(found[1].step, 2);
  EXPECT_EQ(found[2].path, e10);
  EXPECT_EQ(found[2].step, 10);
}

TEST_F(CheckpointFiles, FilesAndPatternsTogetherEachFileOnce) {
  const std::string e1 = touch("w_1.h5"), e2 = touch("w_2.h5");
  const std::vector<Checkpoint> found = list_checkpoints({e2, (dir_ / "w_*.h5").string()});
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].path, e1);
  EXPECT_EQ(found[1].path, e2);
}

TEST_F(CheckpointFiles, NothingMatchedIsAnErrorNamingThePattern) {
  const std::string pattern = (dir_ / "model_*.h5").string();
  try {
    list_checkpoints({pattern});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no file matches '" + pattern + "'"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(list_checkpoints({(dir_ / "missing.h5").string()}), Error);
  EXPECT_THROW(list_checkpoints({}), Error);
}

// A Dense-like graph: x -> node "dense" (x, dense/kernel) -> "dense" output.
Graph dense_graph(int64_t units, const std::string& layer = "dense") {
  Graph g;
  auto value = [&](const std::string& name, ValueKind kind, std::vector<int64_t> dims) {
    Value v;
    v.name = name;
    v.kind = kind;
    v.dtype = DType::Float32;
    v.shape = StaticShape();
    for (int64_t d : dims) v.shape->push_back(Dim{d, d < 0 ? "batch" : ""});
    g.values.push_back(v);
    return static_cast<int>(g.values.size()) - 1;
  };
  const int x = value("x", ValueKind::Input, {-1, 4});
  const int w = value(layer + "/kernel", ValueKind::Initializer, {4, units});
  const int y = value(layer, ValueKind::Intermediate, {-1, units});
  Node n;
  n.name = layer;
  n.op_type = "Dense";
  n.domain = "keras";
  n.inputs = {x, w};
  n.outputs = {y};
  g.nodes.push_back(n);
  g.inputs = {x};
  g.outputs = {y};
  g.reindex();
  return g;
}

TEST(ArchitectureDifference, TheSameLayersAreTheSameModel) {
  EXPECT_EQ(architecture_difference(dense_graph(3), dense_graph(3)), "");
}

TEST(ArchitectureDifference, NamesTheLayerAndTheWeightThatDiffer) {
  const std::string d = architecture_difference(dense_graph(3), dense_graph(5));
  EXPECT_NE(d.find("layer 'dense'"), std::string::npos) << d;
  EXPECT_NE(d.find("weight 'dense/kernel'"), std::string::npos) << d;
  EXPECT_NE(d.find("[4,5]"), std::string::npos) << d;
  const std::string renamed = architecture_difference(dense_graph(3), dense_graph(3, "fc"));
  EXPECT_NE(renamed.find("'fc' (Dense), not 'dense' (Dense)"), std::string::npos) << renamed;
  Graph longer = dense_graph(3);
  longer.nodes.push_back(longer.nodes[0]);
  longer.nodes.back().name = "dense_1";
  const std::string extra = architecture_difference(dense_graph(3), longer);
  EXPECT_NE(extra.find("layer 'dense_1' is extra"), std::string::npos) << extra;
}

}  // namespace
}  // namespace layerscope
