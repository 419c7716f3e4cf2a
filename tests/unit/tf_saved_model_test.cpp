// The SavedModel loader on SavedModels written here: a TF 1 graph with variables restored by
// name, a TF 2 graph whose signature wrapper calls the model function with captured variables
// (bound through the object graph or the restore function), the IR they make, and every bad
// directory refused in one line naming it.
#include "frontends/tensorflow/saved_model_loader.h"
#include "model_builder.h"
#include "proto/tensorflow/saved_model.pb.h"
#include "proto/tensorflow/trackable_object_graph.pb.h"
#include "tf_checkpoint_writer.h"

#include <layerscope/error.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace layerscope {
namespace {

namespace fs = std::filesystem;
namespace tf = ::tensorflow;
using tensorflow_frontend::load_saved_model;
using test::error_of;
using test::TempDir;

const std::vector<float> kKernel = {1, 2, 3, 4, 5, 6};  // 2x3
const std::vector<float> kBias = {0.5f, -1, 2};
constexpr const char* kKernelKey = "layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE";
constexpr const char* kBiasKey = "layer_with_weights-0/bias/.ATTRIBUTES/VARIABLE_VALUE";

tf::NodeDef& add_node(google::protobuf::RepeatedPtrField<tf::NodeDef>& nodes,
                      const std::string& name, const std::string& op,
                      const std::vector<std::string>& inputs = {}) {
  tf::NodeDef& node = *nodes.Add();
  node.set_name(name);
  node.set_op(op);
  for (const std::string& input : inputs) node.add_input(input);
  return node;
}

void set_type(tf::NodeDef& node, const std::string& attr, tf::DataType type) {
  (*node.mutable_attr())[attr].set_type(type);
}

tf::NodeDef& variable(google::protobuf::RepeatedPtrField<tf::NodeDef>& nodes,
                      const std::string& name, std::vector<int64_t> shape) {
  tf::NodeDef& node = add_node(nodes, name, "VarHandleOp");
  set_type(node, "dtype", tf::DT_FLOAT);
  for (int64_t d : shape) (*node.mutable_attr())["shape"].mutable_shape()->add_dim()->set_size(d);
  (*node.mutable_attr())["shared_name"].set_s(name);
  return node;
}

tf::NodeDef& call(google::protobuf::RepeatedPtrField<tf::NodeDef>& nodes, const std::string& name,
                  const std::string& function, const std::vector<std::string>& inputs) {
  tf::NodeDef& node = add_node(nodes, name, "StatefulPartitionedCall", inputs);
  (*node.mutable_attr())["f"].mutable_func()->set_name(function);
  (*node.mutable_attr())["Tout"].mutable_list()->add_type(tf::DT_FLOAT);
  return node;
}

tf::FunctionDef& function(tf::GraphDef& graph, const std::string& name,
                          const std::vector<std::pair<std::string, tf::DataType>>& args,
                          const std::string& result, const std::string& ret) {
  tf::FunctionDef& f = *graph.mutable_library()->add_function();
  f.mutable_signature()->set_name(name);
  for (const auto& [arg, type] : args) {
    auto* a = f.mutable_signature()->add_input_arg();
    a->set_name(arg);
    a->set_type(type);
  }
  auto* out = f.mutable_signature()->add_output_arg();
  out->set_name(result);
  out->set_type(tf::DT_FLOAT);
  (*f.mutable_ret())[result] = ret;
  return f;
}

void add_signature(tf::MetaGraphDef& meta, const std::string& name, const std::string& input,
                   const std::string& output) {
  tf::SignatureDef& s = (*meta.mutable_signature_def())[name];
  (*s.mutable_inputs())["x"].set_name(input);
  (*s.mutable_outputs())["y"].set_name(output);
}

class TfSavedModel : public ::testing::Test {
 protected:
  // TF 1: y = x @ kernel + bias read through ReadVariableOp, keys = the variables' names.
  void write_tf1() {
    tf::MetaGraphDef& meta = *saved.add_meta_graphs();
    meta.mutable_meta_info_def()->add_tags("serve");
    meta.mutable_meta_info_def()->set_tensorflow_version("1.15.0");
    auto& nodes = *meta.mutable_graph_def()->mutable_node();
    set_type(add_node(nodes, "x", "Placeholder"), "dtype", tf::DT_FLOAT);
    variable(nodes, "dense/kernel", {2, 3});
    variable(nodes, "dense/bias", {3});
    add_node(nodes, "dense/MatMul/ReadVariableOp", "ReadVariableOp", {"dense/kernel"});
    add_node(nodes, "dense/MatMul", "MatMul", {"x", "dense/MatMul/ReadVariableOp"});
    add_node(nodes, "dense/BiasAdd/ReadVariableOp", "ReadVariableOp", {"dense/bias"});
    add_node(nodes, "dense/BiasAdd", "BiasAdd",
             {"dense/MatMul", "dense/BiasAdd/ReadVariableOp", "^dense/MatMul"});
    add_node(nodes, "unused/ReadVariableOp", "ReadVariableOp", {"dense/bias"});
    add_signature(meta, "serving_default", "x:0", "dense/BiasAdd:0");
    save();
    write_variables({{"dense/kernel", 1, {2, 3}, test::float_bytes(kKernel)},
                     {"dense/bias", 1, {3}, test::float_bytes(kBias)}});
  }

  // TF 2: the outer call of the signature wrapper, which calls the model function; the variables
  // bound through the object graph (keys unlike the node names).
  tf::MetaGraphDef& write_tf2(bool cycle = false, bool object_graph = true) {
    tf::MetaGraphDef& meta = *saved.add_meta_graphs();
    meta.mutable_meta_info_def()->add_tags("serve");
    tf::GraphDef& graph = *meta.mutable_graph_def();
    auto& nodes = *graph.mutable_node();
    set_type(add_node(nodes, "serving_default_x", "Placeholder"), "dtype", tf::DT_FLOAT);
    variable(nodes, "dense/kernel", {2, 3});
    variable(nodes, "dense/bias", {3});
    call(nodes, "StatefulPartitionedCall", "wrapper",
         {"serving_default_x", "dense/kernel", "dense/bias"});
    tf::FunctionDef& wrapper = function(
        graph, "wrapper", {{"x", tf::DT_FLOAT}, {"k", tf::DT_RESOURCE}, {"b", tf::DT_RESOURCE}},
        "dense", "Identity:output:0");
    call(*wrapper.mutable_node_def(), "StatefulPartitionedCall", "model", {"x", "k", "b"});
    add_node(*wrapper.mutable_node_def(), "Identity", "Identity",
             {"StatefulPartitionedCall:output:0"});
    tf::FunctionDef& model =
        function(graph, "model",
                 {{"input", tf::DT_FLOAT}, {"kernel", tf::DT_RESOURCE}, {"bias", tf::DT_RESOURCE}},
                 "out", "Identity:output:0");
    auto& body = *model.mutable_node_def();
    add_node(body, "model/dense/MatMul/ReadVariableOp", "ReadVariableOp", {"kernel"});
    add_node(body, "model/dense/MatMul", "MatMul",
             {"input", "model/dense/MatMul/ReadVariableOp:value:0"});
    add_node(body, "model/dense/BiasAdd/ReadVariableOp", "ReadVariableOp", {"bias"});
    add_node(body, "model/dense/BiasAdd", "BiasAdd",
             {"model/dense/MatMul:product:0", "model/dense/BiasAdd/ReadVariableOp:value:0"});
    if (cycle) {
      call(body, "again", "wrapper", {"model/dense/BiasAdd:output:0", "kernel", "bias"});
      add_node(body, "Identity", "Identity", {"again:output:0"});
    } else {
      add_node(body, "Identity", "Identity", {"model/dense/BiasAdd:output:0", "^kernel"});
    }
    add_signature(meta, "serving_default", "serving_default_x:0", "StatefulPartitionedCall:0");

    if (!object_graph) {
      add_restore_function(meta);
      save();
      write_variables({{kKernelKey, 1, {2, 3}, test::float_bytes(kKernel)},
                       {kBiasKey, 1, {3}, test::float_bytes(kBias)}});
      return meta;
    }
    // The object graphs: root -> layer_with_weights-0 -> kernel, bias; numbered differently in the
    // checkpoint.
    tf::SavedObjectGraph& objects = *meta.mutable_object_graph_def();
    for (int i = 0; i < 4; ++i) objects.add_nodes();
    auto edge = [](auto* node, int id, const std::string& name) {
      auto* child = node->add_children();
      child->set_node_id(id);
      child->set_local_name(name);
    };
    edge(objects.mutable_nodes(0), 1, "layer_with_weights-0");
    edge(objects.mutable_nodes(1), 2, "kernel");
    edge(objects.mutable_nodes(1), 3, "bias");
    objects.mutable_nodes(2)->mutable_variable()->set_trainable(true);
    objects.mutable_nodes(3)->mutable_variable()->set_trainable(false);
    for (int id : {2, 3}) (*objects.mutable_concrete_functions())["wrapper"].add_bound_inputs(id);
    tf::TrackableObjectGraph stored;
    for (int i = 0; i < 4; ++i) stored.add_nodes();
    edge(stored.mutable_nodes(0), 3, "layer_with_weights-0");
    edge(stored.mutable_nodes(3), 1, "kernel");
    edge(stored.mutable_nodes(3), 2, "bias");
    for (auto [id, key] : {std::pair{1, kKernelKey}, std::pair{2, kBiasKey}}) {
      auto* attribute = stored.mutable_nodes(id)->add_attributes();
      attribute->set_name("VARIABLE_VALUE");
      attribute->set_checkpoint_key(key);
    }
    save();
    write_variables({{kKernelKey, 1, {2, 3}, test::float_bytes(kKernel)},
                     {kBiasKey, 1, {3}, test::float_bytes(kBias)},
                     {"_CHECKPOINTABLE_OBJECT_GRAPH",
                      7,
                      {},
                      test::string_tensor_bytes({stored.SerializeAsString()})}});
    return meta;
  }

  // TF 2's restore function: RestoreV2 of the keys assigned to its resource arguments, which the
  // outer call passes the variables as.
  void add_restore_function(tf::MetaGraphDef& meta) {
    tf::GraphDef& graph = *meta.mutable_graph_def();
    tf::FunctionDef& restore = function(
        graph, "restore",
        {{"prefix", tf::DT_STRING}, {"kernel", tf::DT_RESOURCE}, {"bias", tf::DT_RESOURCE}}, "done",
        "prefix");
    auto& body = *restore.mutable_node_def();
    tf::NodeDef& names = add_node(body, "RestoreV2/tensor_names", "Const");
    auto* value = (*names.mutable_attr())["value"].mutable_tensor();
    value->set_dtype(tf::DT_STRING);
    value->add_string_val(kBiasKey);
    value->add_string_val(kKernelKey);
    add_node(body, "RestoreV2", "RestoreV2", {"prefix", "RestoreV2/tensor_names:output:0"});
    add_node(body, "Identity_1", "Identity", {"RestoreV2:tensors:1"});
    add_node(body, "AssignVariableOp", "AssignVariableOp", {"kernel", "Identity_1:output:0"});
    add_node(body, "AssignVariableOp_1", "AssignVariableOp", {"bias", "RestoreV2:tensors:0"});
    auto& nodes = *graph.mutable_node();
    add_node(nodes, "saver_filename", "Placeholder");
    call(nodes, "StatefulPartitionedCall_2", "restore",
         {"saver_filename", "dense/kernel", "dense/bias"});
  }

  void save() {
    std::ofstream(dir.file("saved_model.pb"), std::ios::binary) << saved.SerializeAsString();
  }
  void write_variables(const std::vector<test::BundleTensor>& tensors) {
    fs::create_directories(dir.file("variables"));
    test::write_bundle(dir.file("variables/variables"), tensors);
  }

  std::vector<double> initializer(const Model& model, const std::string& name) {
    const int v = model.graph.find_value(name);
    EXPECT_GE(v, 0) << name;
    if (v < 0) return {};
    EXPECT_EQ(model.graph.values[v].kind, ValueKind::Initializer) << name;
    return to_doubles(model.graph.values[v].data);
  }

  std::vector<std::string> node_names(const Model& model) {
    std::vector<std::string> names;
    for (const Node& node : model.graph.nodes) names.push_back(node.name);
    std::sort(names.begin(), names.end());
    return names;
  }

  TempDir dir;
  tf::SavedModel saved;
};

TEST_F(TfSavedModel, ReadsATf1GraphWithItsVariablesByName) {
  write_tf1();
  const Model model = load_saved_model(dir.path(), "");
  EXPECT_EQ(model.format, "tensorflow");
  EXPECT_EQ(model.producer_version, "1.15.0");
  EXPECT_EQ(model.graph.name, "serving_default");
  // Only what the signature's output needs: the unused read is pruned.
  EXPECT_EQ(node_names(model),
            (std::vector<std::string>{"dense/BiasAdd", "dense/BiasAdd/ReadVariableOp",
                                      "dense/MatMul", "dense/MatMul/ReadVariableOp"}));
  EXPECT_EQ(initializer(model, "dense/kernel"), (std::vector<double>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(initializer(model, "dense/bias"), (std::vector<double>{0.5, -1, 2}));
  ASSERT_EQ(model.graph.inputs.size(), 1u);
  EXPECT_EQ(model.graph.values[model.graph.inputs[0]].name, "x");
  ASSERT_EQ(model.graph.outputs.size(), 1u);
  EXPECT_EQ(model.graph.values[model.graph.outputs[0]].name, "dense/BiasAdd");
  // The same through the path of its saved_model.pb.
  EXPECT_EQ(node_names(load_saved_model(dir.file("saved_model.pb"), "")), node_names(model));
}

TEST_F(TfSavedModel, ReadsTf1RefVariablesThroughTheSaversRestoreOps) {
  // tf.compat.v1.train.Saver({"renamed/kernel": kernel, ...}): keys unlike the variables' names,
  // restored by save/RestoreV2 into VariableV2 nodes with Assign (through an Identity).
  tf::MetaGraphDef& meta = *saved.add_meta_graphs();
  meta.mutable_meta_info_def()->add_tags("serve");
  auto& nodes = *meta.mutable_graph_def()->mutable_node();
  set_type(add_node(nodes, "x", "Placeholder"), "dtype", tf::DT_FLOAT);
  for (const char* name : {"dense/kernel", "dense/bias"}) {
    set_type(add_node(nodes, name, "VariableV2"), "dtype", tf::DT_FLOAT);
    add_node(nodes, std::string(name) + "/read", "Identity", {name});
  }
  add_node(nodes, "dense/MatMul", "MatMul", {"x", "dense/kernel/read"});
  add_node(nodes, "dense/BiasAdd", "BiasAdd", {"dense/MatMul", "dense/bias/read"});
  add_node(nodes, "save/filename", "Placeholder");
  tf::NodeDef& names = add_node(nodes, "save/RestoreV2/tensor_names", "Const");
  auto* value = (*names.mutable_attr())["value"].mutable_tensor();
  value->set_dtype(tf::DT_STRING);
  value->add_string_val("renamed/bias");
  value->add_string_val("renamed/kernel");
  add_node(nodes, "save/RestoreV2", "RestoreV2",
           {"save/filename", "save/RestoreV2/tensor_names", "save/RestoreV2/shape_and_slices"});
  add_node(nodes, "save/Assign", "Assign", {"dense/bias", "save/RestoreV2"});
  add_node(nodes, "save/Identity_1", "Identity", {"save/RestoreV2:1"});
  add_node(nodes, "save/Assign_1", "Assign", {"dense/kernel", "save/Identity_1"});
  add_signature(meta, "serving_default", "x:0", "dense/BiasAdd:0");
  save();
  write_variables({{"renamed/kernel", 1, {2, 3}, test::float_bytes(kKernel)},
                   {"renamed/bias", 1, {3}, test::float_bytes(kBias)},
                   {"dense/bias", 1, {3}, test::float_bytes({9, 9, 9})}});  // not this one
  const Model model = load_saved_model(dir.path(), "");
  EXPECT_EQ(initializer(model, "dense/kernel"), (std::vector<double>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(initializer(model, "dense/bias"), (std::vector<double>{0.5, -1, 2}));
  EXPECT_EQ(node_names(model), (std::vector<std::string>{"dense/BiasAdd", "dense/MatMul",
                                                         "dense/bias/read", "dense/kernel/read"}));
}

TEST_F(TfSavedModel, InlinesTf2CallsAndBindsVariablesThroughTheObjectGraph) {
  write_tf2();
  const Model model = load_saved_model(dir.path(), "");
  // The model function's nodes keep their Keras names; each call is an IdentityN of its results
  // under the call's name, the nested call's renamed after the outer one.
  EXPECT_EQ(node_names(model),
            (std::vector<std::string>{"Identity", "StatefulPartitionedCall",
                                      "StatefulPartitionedCall/StatefulPartitionedCall",
                                      "StatefulPartitionedCall/StatefulPartitionedCall/Identity",
                                      "model/dense/BiasAdd", "model/dense/BiasAdd/ReadVariableOp",
                                      "model/dense/MatMul", "model/dense/MatMul/ReadVariableOp"}));
  const Node& matmul = model.graph.nodes[model.graph.find_node("model/dense/MatMul")];
  EXPECT_EQ(matmul.scope, "model/dense");
  EXPECT_EQ(model.graph.values[matmul.inputs[0]].name, "serving_default_x");
  EXPECT_EQ(model.graph.values[matmul.inputs[1]].name, "model/dense/MatMul/ReadVariableOp");
  const Node& read = model.graph.nodes[model.graph.find_node("model/dense/MatMul/ReadVariableOp")];
  EXPECT_EQ(model.graph.values[read.inputs[0]].name, "dense/kernel");
  EXPECT_EQ(initializer(model, "dense/kernel"), (std::vector<double>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(initializer(model, "dense/bias"), (std::vector<double>{0.5, -1, 2}));
  EXPECT_TRUE(model.graph.values[model.graph.find_value("dense/kernel")].trainable);
  EXPECT_FALSE(model.graph.values[model.graph.find_value("dense/bias")].trainable);
  EXPECT_EQ(model.graph.values[model.graph.outputs.at(0)].name, "StatefulPartitionedCall");
}

TEST_F(TfSavedModel, BindsTf2VariablesThroughTheRestoreFunction) {
  write_tf2(/*cycle=*/false, /*object_graph=*/false);
  const Model model = load_saved_model(dir.path(), "");
  EXPECT_EQ(initializer(model, "dense/kernel"), (std::vector<double>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(initializer(model, "dense/bias"), (std::vector<double>{0.5, -1, 2}));
  EXPECT_LT(model.graph.find_node("RestoreV2"), 0);  // the restore function is not inlined
}

TEST_F(TfSavedModel, ChoosesTheSignatureByName) {
  tf::MetaGraphDef& meta = write_tf2();
  // A second signature calls the wrapper from its own node: only the chosen call is inlined.
  call(*meta.mutable_graph_def()->mutable_node(), "StatefulPartitionedCall_1", "wrapper",
       {"serving_default_x", "dense/kernel", "dense/bias"});
  add_signature(meta, "logits", "serving_default_x:0", "StatefulPartitionedCall_1:0");
  save();
  const Model logits = load_saved_model(dir.path(), "logits");
  EXPECT_EQ(logits.graph.name, "logits");
  EXPECT_EQ(logits.graph.values[logits.graph.outputs.at(0)].name, "StatefulPartitionedCall_1");
  EXPECT_GE(logits.graph.find_node("model/dense/MatMul"), 0);
  EXPECT_EQ(error_of([&] { load_saved_model(dir.path(), "predict"); }),
            "'" + dir.file("saved_model.pb") +
                "' has no signature 'predict'; its signatures are: logits, serving_default "
                "(choose one with --signature)");
}

TEST_F(TfSavedModel, RefusesADirectoryWithoutSavedModelPb) {
  EXPECT_EQ(error_of([&] { load_saved_model(dir.path(), ""); }),
            "'" + dir.path() +
                "' is a directory with no saved_model.pb (expected a TensorFlow SavedModel "
                "directory)");
}

TEST_F(TfSavedModel, RefusesATruncatedOrCorruptSavedModelPb) {
  write_tf2();
  std::ifstream in(dir.file("saved_model.pb"), std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  const std::string whole = bytes.str();
  std::ofstream(dir.file("saved_model.pb"), std::ios::binary | std::ios::trunc)
      << whole.substr(0, whole.size() / 2);
  EXPECT_EQ(error_of([&] { load_saved_model(dir.path(), ""); }),
            "'" + dir.file("saved_model.pb") +
                "' is not a valid SavedModel (truncated or corrupt protobuf)");
  std::ofstream(dir.file("saved_model.pb"), std::ios::binary | std::ios::trunc) << "\xff\xff\xff";
  EXPECT_EQ(error_of([&] { load_saved_model(dir.path(), ""); }),
            "'" + dir.file("saved_model.pb") +
                "' is not a valid SavedModel (truncated or corrupt protobuf)");
}

TEST_F(TfSavedModel, RefusesACycleOfFunctionCalls) {
  write_tf2(/*cycle=*/true);
  EXPECT_EQ(error_of([&] { load_saved_model(dir.path(), ""); }),
            "SavedModel '" + dir.path() +
                "', signature 'serving_default': function calls form a cycle: wrapper -> model -> "
                "wrapper (a graph must be acyclic)");
}

TEST_F(TfSavedModel, RefusesACallOfAnUnknownFunction) {
  tf::MetaGraphDef& meta = write_tf2();
  (*meta.mutable_graph_def()
        ->mutable_library()
        ->mutable_function(0)
        ->mutable_node_def(0)
        ->mutable_attr())["f"]
      .mutable_func()
      ->set_name("gone");
  save();
  EXPECT_EQ(error_of([&] { load_saved_model(dir.path(), ""); }),
            "SavedModel '" + dir.path() +
                "', signature 'serving_default': node 'StatefulPartitionedCall/"
                "StatefulPartitionedCall' (StatefulPartitionedCall) calls function 'gone', which "
                "the graph's function library does not define");
}

TEST_F(TfSavedModel, RefusesDamagedCheckpoints) {
  write_tf1();
  const std::string shard = dir.file("variables/variables.data-00000-of-00001");
  // A CRC mismatch in a tensor's bytes.
  {
    std::fstream f(shard, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(3);
    f.put('\x7f');
  }
  EXPECT_EQ(error_of([&] { load_saved_model(dir.path(), ""); }),
            "checkpoint index '" + dir.file("variables/variables.index") +
                "', key 'dense/kernel': CRC mismatch in its bytes in the data shard '" + shard +
                "' (corrupt checkpoint)");
  // The index points past the data of a truncated shard.
  fs::resize_file(shard, 10);
  EXPECT_EQ(error_of([&] { load_saved_model(dir.path(), ""); }),
            "checkpoint index '" + dir.file("variables/variables.index") +
                "', key 'dense/kernel' points at bytes 0..24 of the data shard '" + shard +
                "', which has 10 (truncated or corrupt)");
  // A missing shard.
  fs::remove(shard);
  EXPECT_EQ(error_of([&] { load_saved_model(dir.path(), ""); }),
            "checkpoint index '" + dir.file("variables/variables.index") +
                "', key 'dense/kernel' is in the data shard '" + shard + "', which is missing");
  // No variables folder at all.
  fs::remove_all(dir.file("variables"));
  EXPECT_EQ(error_of([&] { load_saved_model(dir.path(), ""); }),
            "the checkpoint's index '" + dir.file("variables/variables.index") + "' is missing");
}

TEST_F(TfSavedModel, RefusesAVariableTheCheckpointDoesNotHold) {
  write_tf1();
  write_variables({{"dense/kernel", 1, {2, 3}, test::float_bytes(kKernel)}});
  EXPECT_EQ(error_of([&] { load_saved_model(dir.path(), ""); }),
            "SavedModel '" + dir.path() +
                "', signature 'serving_default': variable 'dense/bias' (VarHandleOp) has no value "
                "in the checkpoint '" +
                dir.file("variables/variables.index") +
                "' (no key for it through the object graph, the restore ops or its name)");
  // A value of another shape than the variable's.
  write_variables({{"dense/kernel", 1, {3, 2}, test::float_bytes(kKernel)},
                   {"dense/bias", 1, {3}, test::float_bytes(kBias)}});
  EXPECT_EQ(error_of([&] { load_saved_model(dir.path(), ""); }),
            "SavedModel '" + dir.path() +
                "', signature 'serving_default': variable 'dense/kernel' (VarHandleOp) has a "
                "declared shape that checkpoint key 'dense/kernel' (3x2) does not match");
}

TEST_F(TfSavedModel, ChoosesTheServeMetaGraph) {
  write_tf1();
  tf::MetaGraphDef train = saved.meta_graphs(0);
  train.mutable_meta_info_def()->clear_tags();
  train.mutable_meta_info_def()->add_tags("train");
  *saved.add_meta_graphs() = train;
  std::swap(*saved.mutable_meta_graphs(0), *saved.mutable_meta_graphs(1));
  save();
  EXPECT_EQ(load_saved_model(dir.path(), "").doc_string,
            "SavedModel signature 'serving_default' of the meta graph tagged [serve]");
  saved.mutable_meta_graphs(1)->mutable_meta_info_def()->set_tags(0, "gpu");
  save();
  EXPECT_EQ(error_of([&] { load_saved_model(dir.path(), ""); }),
            "'" + dir.file("saved_model.pb") +
                "' has 2 meta graphs and none is tagged 'serve' (their tags: [train] [gpu])");
}

}  // namespace
}  // namespace layerscope
