#pragma once
// Base64 (RFC 4648, with '=' padding), for images inlined as data: URLs.
#include <string>
#include <string_view>

namespace layerscope::report {

std::string base64_encode(std::string_view bytes);

}  // namespace layerscope::report
