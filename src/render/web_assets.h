#pragma once
// The bundled front end (web/, minified by esbuild at build time), compiled into the library as
// byte arrays by cmake/embed_file.cmake: nothing is read from web/ at run time.
#include <cstddef>
#include <string_view>

namespace layerscope::render::web_assets {

extern const unsigned char graph_page_js[];
extern const std::size_t graph_page_js_size;
extern const unsigned char graph_page_css[];
extern const std::size_t graph_page_css_size;
extern const unsigned char report_page_js[];
extern const std::size_t report_page_js_size;
extern const unsigned char report_page_css[];
extern const std::size_t report_page_css_size;

inline std::string_view graph_page_script() {
  return {reinterpret_cast<const char*>(graph_page_js), graph_page_js_size};
}
inline std::string_view graph_page_style() {
  return {reinterpret_cast<const char*>(graph_page_css), graph_page_css_size};
}
inline std::string_view report_page_script() {
  return {reinterpret_cast<const char*>(report_page_js), report_page_js_size};
}
inline std::string_view report_page_style() {
  return {reinterpret_cast<const char*>(report_page_css), report_page_css_size};
}

}  // namespace layerscope::render::web_assets
