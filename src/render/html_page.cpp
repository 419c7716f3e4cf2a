#include "render/html_page.h"

#include <layerscope/error.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace layerscope::render {
namespace {

std::string text_escape(const std::string& text) {  // HTML text
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '&')
      out += "&amp;";
    else
      out += c;
  }
  return out;
}

}  // namespace

std::string escape_json_for_script(const std::string& json_text) {
  std::string out;
  out.reserve(json_text.size() + json_text.size() / 16);
  for (std::size_t i = 0; i < json_text.size(); ++i) {
    const char c = json_text[i];
    if (c == '<')
      out += "\\u003c";
    else if (c == '>')
      out += "\\u003e";
    else if (c == '&')
      out += "\\u0026";
    else if (c == '\xE2' && i + 2 < json_text.size() && json_text[i + 1] == '\x80' &&
             (json_text[i + 2] == '\xA8' || json_text[i + 2] == '\xA9')) {
      out += json_text[i + 2] == '\xA8' ? "\\u2028" : "\\u2029";
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

std::string offline_page(const std::string& title, std::string_view style, std::string_view script,
                         const std::vector<JsonBlock>& data) {
  std::vector<std::string> escaped;
  std::size_t size = style.size() + script.size() + title.size() + 1024;
  for (const JsonBlock& block : data) {
    escaped.push_back(escape_json_for_script(block.json));
    size += escaped.back().size() + block.id.size() + 64;
  }
  std::string page;
  page.reserve(size);
  page +=
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      // Nothing may be fetched: the page works offline and cannot call home.
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>";
  page += text_escape(title);
  page += "</title>\n<style>";
  page += style;
  page += "</style>\n</head>\n<body>\n";
  for (std::size_t i = 0; i < data.size(); ++i) {
    page += "<script id=\"" + text_escape(data[i].id) + "\" type=\"application/json\">";
    page += escaped[i];
    page += "</script>\n";
  }
  page += "<script>";
  page += script;
  page += "</script>\n</body>\n</html>\n";
  return page;
}

void write_page(const std::string& path, const std::string& page) {
  std::ofstream file(path, std::ios::binary);
  if (!file) throw Error("cannot write '" + path + "': " + std::strerror(errno));
  file.write(page.data(), static_cast<std::streamsize>(page.size()));
  if (!file.flush()) throw Error("cannot write '" + path + "': write error");
}

}  // namespace layerscope::render
