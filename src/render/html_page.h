#pragma once
// One offline HTML page (`graph -o x.html`, `report`): a Content-Security-Policy that forbids
// every request, the bundled style and script inline, and the page's data as JSON blocks.
//
//   const std::string page = offline_page("resnet50 — layerscope", style, script,
//                                         {{"layerscope-graph", graph_json}});
//   write_page("resnet50.html", page);
#include <string>
#include <string_view>
#include <vector>

namespace layerscope::render {

struct JsonBlock {
  std::string id;    // the <script type="application/json"> element's id
  std::string json;  // JSON text as written by nlohmann::json::dump (escaped here)
};

// `title` is plain text (escaped here).
std::string offline_page(const std::string& title, std::string_view style, std::string_view script,
                         const std::vector<JsonBlock>& data);

// Writes `page` to `path`; throws Error naming the file when it cannot be written.
void write_page(const std::string& path, const std::string& page);

// JSON text made safe inside an HTML <script> element: '<', '>', '&' and U+2028/U+2029 as \u
// escapes (JSON.parse reads them back unchanged), so no data can end the element.
std::string escape_json_for_script(const std::string& json);

}  // namespace layerscope::render
