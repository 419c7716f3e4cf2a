// The HTML graph page: the JSON it carries, its escaping inside <script>, and write errors.
#include "render/graph_html.h"

#include "model_builder.h"

#include <layerscope/error.h>
#include <layerscope/onnx.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

namespace layerscope::render {
namespace {

using nlohmann::json;

const std::string kHostile = "say \"hi\" </script><script>alert(1)</script> <!-- & \\N";
const std::string kSeparator = "line\xE2\x80\xA8sep";  // U+2028, which ends a line in old JS

// x -> /stage0/block0/{Conv, Relu} -> /stage0/block1/{hostile, Neg} -> /head/Gemm -> y, with a
// skip x -> block1's Add.
Model grouped_model(const test::TempDir& dir) {
  test::ModelBuilder b;
  b.input("x", onnx::TensorProto::FLOAT, {1, 4});
  b.output("y", onnx::TensorProto::FLOAT, {1, 4});
  b.initializer("w", {4, 4}, std::vector<float>(16, 0.5f));
  b.node("MatMul", {"x", "w"}, {"m"}, "/stage0/block0/MatMul");
  b.node("Relu", {"m"}, {"r"}, "/stage0/block0/Relu");
  b.node("Add", {"r", "x"}, {"a"}, "/stage0/block1/" + kHostile);
  b.node("Neg", {"a"}, {"n"}, "/stage0/block1/bad_\xff\xfe(" + kSeparator);
  b.node("Abs", {"n"}, {"y"}, "/head/Abs");
  const std::string path = dir.file("grouped.onnx");
  b.save(path);
  return load_onnx(path);
}

struct Views {
  GraphView full, initial;
};

Views views_of(const Graph& graph, int depth) {
  ViewOptions options;
  options.depth = depth;
  options.highlight = "Neg";
  Views v;
  v.initial = build_graph_view(graph, options);
  options.depth = kFullDepth;
  v.full = build_graph_view(graph, options);
  return v;
}

// The text between <script id="layerscope-graph" ...> and the next </script>.
std::string data_script(const std::string& page) {
  const std::string open = "<script id=\"layerscope-graph\" type=\"application/json\">";
  const std::size_t start = page.find(open);
  EXPECT_NE(start, std::string::npos);
  const std::size_t end = page.find("</script>", start);
  return page.substr(start + open.size(), end - start - open.size());
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(GraphHtml, PageCarriesTheWholeHierarchyAndTheInitialState) {
  test::TempDir dir;
  const Model model = grouped_model(dir);
  const Views v = views_of(model.graph, 0);  // stage0 and head closed at first
  const std::string page = graph_page_html(v.full, v.initial, {});
  const json data = json::parse(data_script(page));

  ASSERT_EQ(data["items"].size(), v.full.items.size());
  ASSERT_EQ(data["groups"].size(), v.full.groups.size());
  ASSERT_EQ(data["edges"].size(), v.full.edges.size());
  EXPECT_EQ(v.full.items.size(), 7u);  // x, five ops, y
  EXPECT_EQ(data["op_count"], 5);
  EXPECT_EQ(data["rankdir"], "TB");
  EXPECT_EQ(data["categories"]["convolution"], "#aec7e8");
  for (std::size_t g = 0; g < v.full.groups.size(); ++g) {
    EXPECT_EQ(data["groups"][g]["path"], v.full.groups[g].path);
    EXPECT_EQ(data["groups"][g]["expanded"].get<bool>(), v.initial.groups[g].expanded) << g;
    EXPECT_EQ(data["groups"][g]["items"].get<std::vector<int>>(), v.full.groups[g].items);
  }
  EXPECT_TRUE(data["groups"][0]["expanded"].get<bool>());
  int closed = 0;
  for (const auto& g : data["groups"]) closed += !g["expanded"].get<bool>();
  EXPECT_EQ(closed, 3);  // stage0 and its two blocks; head holds one op and dissolves
  for (std::size_t i = 0; i < v.full.items.size(); ++i) {
    EXPECT_EQ(data["items"][i]["title"], v.full.items[i].title);
    EXPECT_EQ(data["items"][i]["parent"], v.full.items[i].parent);
    EXPECT_EQ(data["items"][i]["lines"].get<std::vector<std::string>>(), v.full.items[i].lines);
  }
  const auto& neg = *std::find_if(data["items"].begin(), data["items"].end(),
                                  [](const json& i) { return i["title"] == "Neg"; });
  EXPECT_TRUE(neg["highlighted"].get<bool>());
  EXPECT_EQ(neg["category"], "elementwise");
  const auto& matmul = *std::find_if(data["items"].begin(), data["items"].end(),
                                     [](const json& i) { return i["title"] == "MatMul"; });
  EXPECT_NE(std::find(matmul["lines"].begin(), matmul["lines"].end(), "in1 4×4"),
            matmul["lines"].end())
      << matmul.dump();  // the weight is folded into the box
  EXPECT_EQ(data["edges"][0]["label"], "1×4 float32");
}

TEST(GraphHtml, HostileNamesCannotLeaveTheirScriptAndReadBackUnchanged) {
  test::TempDir dir;
  const Model model = grouped_model(dir);
  const Views v = views_of(model.graph, 9);
  const std::string page = graph_page_html(v.full, v.initial, {});
  const std::string script = data_script(page);
  EXPECT_EQ(script.find('<'), std::string::npos);
  EXPECT_EQ(script.find('>'), std::string::npos);
  EXPECT_EQ(script.find("\xE2\x80\xA8"), std::string::npos);
  // Exactly two scripts end: the data and the viewer.
  EXPECT_EQ(count(page, "</script"), 2u);
  EXPECT_EQ(count(page, "<script"), 2u);
  EXPECT_EQ(page.find("<!--"), std::string::npos);

  const json data = json::parse(script);
  std::vector<std::string> names;
  for (const auto& item : data["items"]) names.push_back(item["name"]);
  // Names are cut at 64 characters by the view, after the markup.
  const std::string hostile = sanitize_text("/stage0/block1/" + kHostile, 64);
  EXPECT_NE(hostile.find("</script><script>"), std::string::npos);
  EXPECT_NE(std::find(names.begin(), names.end(), hostile), names.end());
  // Bad bytes were replaced by the view; the line separator survives as a character.
  EXPECT_NE(std::find(names.begin(), names.end(),
                      "/stage0/block1/bad_\xEF\xBF\xBD\xEF\xBF\xBD(" + kSeparator),
            names.end());
}

TEST(GraphHtml, ScriptEscapingKeepsTheJsonMeaning) {
  const std::string text = json({{"a", "</script>&<!--\xE2\x80\xA9"}}).dump();
  const std::string escaped = escape_json_for_script(text);
  EXPECT_EQ(escaped, R"({"a":"\u003c/script\u003e\u0026\u003c!--\u2029"})");
  EXPECT_EQ(json::parse(escaped), json::parse(text));
}

TEST(GraphHtml, MismatchedViewsAndUnwritableFilesAreErrors) {
  test::TempDir dir;
  const Model model = grouped_model(dir);
  const Views v = views_of(model.graph, 0);
  EXPECT_NE(test::error_of([&] {
              graph_page_json(v.initial, v.initial, {});
            }).find("build it with kFullDepth"),
            std::string::npos);
  GraphView other = v.full;
  other.groups.pop_back();
  EXPECT_NE(test::error_of([&] { graph_page_json(v.full, other, {}); }).find("different graphs"),
            std::string::npos);
  const std::string missing = dir.file("no/such/page.html");
  const std::string message =
      test::error_of([&] { write_graph_html(v.full, v.initial, {}, missing); });
  EXPECT_NE(message.find("cannot write '" + missing + "'"), std::string::npos) << message;

  const std::string path = dir.file("page.html");
  write_graph_html(v.full, v.initial, {}, path);
  std::ifstream file(path, std::ios::binary);
  std::stringstream text;
  text << file.rdbuf();
  EXPECT_EQ(text.str(), graph_page_html(v.full, v.initial, {}));
  EXPECT_EQ(text.str().rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(text.str().find("default-src 'none'"), std::string::npos);
}

}  // namespace
}  // namespace layerscope::render
