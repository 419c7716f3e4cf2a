#pragma once
// A small bitmap font for plots: printable ASCII in a 5 x 9 cell (cap height 7, two rows of
// descender), drawn at integer scales. Characters outside ASCII 32-126 draw as '?'.
#include <cstdint>
#include <string>

namespace layerscope::render {

constexpr int kGlyphWidth = 5;
constexpr int kGlyphHeight = 9;  // including descenders
constexpr int kCapHeight = 7;
constexpr int kGlyphAdvance = 6;  // glyph width plus one column of spacing

// The 9 rows of a character's glyph, bit 4 the leftmost column.
const uint8_t* glyph_rows(char c);

// Width in pixels of `text` at `scale` (no trailing spacing).
int text_width(const std::string& text, int scale);

}  // namespace layerscope::render
