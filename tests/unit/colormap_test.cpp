// render::Colormap: matplotlib's tables, its indexing rule, NaN, bad names; and the
// TensorBoardObserver's colored feature-map grids, decoded by libpng.
#include "render/colormap.h"
#include "model_builder.h"
#include "tensorboard/event_reader.h"

#include <layerscope/error.h>
#include <layerscope/graph.h>
#include <layerscope/summary_writer.h>
#include <layerscope/tensor.h>
#include <layerscope/tensorboard_observer.h>

#include <gtest/gtest.h>

#include <png.h>

#include <cmath>
#include <cstring>
#include <limits>

namespace layerscope {
namespace {

using render::Colormap;
using render::Rgb;

// matplotlib's float color (from matplotlib/_cm_listed.py and _cm.py) rounded to bytes, as the
// generated tables store them.
Rgb from_floats(double r, double g, double b) {
  auto byte = [](double v) { return static_cast<uint8_t>(std::lround(v * 255)); };
  return {byte(r), byte(g), byte(b)};
}

std::string str(const Rgb& c) {
  return "(" + std::to_string(c.r) + ", " + std::to_string(c.g) + ", " + std::to_string(c.b) + ")";
}

struct Anchor {
  const char* map;
  float x;  // 0 -> entry 0, 0.5 -> entry 128, 1 -> entry 255
  double r, g, b;
};

TEST(Colormap, FirstMiddleAndLastColorsAreMatplotlibs) {
  const Anchor anchors[] = {
      {"viridis", 0.0f, 0.267004, 0.004874, 0.329415},
      {"viridis", 0.5f, 0.127568, 0.566949, 0.550556},
      {"viridis", 1.0f, 0.993248, 0.906157, 0.143936},
      {"magma", 0.0f, 0.001462, 0.000466, 0.013866},
      {"magma", 0.5f, 0.716387, 0.214982, 0.475290},
      {"magma", 1.0f, 0.987053, 0.991438, 0.749504},
      {"inferno", 0.0f, 0.001462, 0.000466, 0.013866},
      {"inferno", 0.5f, 0.735683, 0.215906, 0.330245},
      {"inferno", 1.0f, 0.988362, 0.998364, 0.644924},
      {"plasma", 0.0f, 0.050383, 0.029803, 0.527975},
      {"plasma", 0.5f, 0.798216, 0.280197, 0.469538},
      {"plasma", 1.0f, 0.940015, 0.975158, 0.131326},
      {"turbo", 0.0f, 0.18995, 0.07176, 0.23217},
      {"turbo", 0.5f, 0.64362, 0.98999, 0.23356},
      {"turbo", 1.0f, 0.4796, 0.01583, 0.01055},
      {"jet", 0.0f, 0.0, 0.0, 0.5},
      {"jet", 1.0f, 0.5, 0.0, 0.0},
      {"gray", 0.0f, 0.0, 0.0, 0.0},
      {"gray", 0.5f, 128 / 255.0, 128 / 255.0, 128 / 255.0},
      {"gray", 1.0f, 1.0, 1.0, 1.0},
  };
  for (const Anchor& a : anchors)
    EXPECT_EQ(str(Colormap::by_name(a.map)(a.x)), str(from_floats(a.r, a.g, a.b)))
        << a.map << " at " << a.x;
  // The published hex values of viridis' ends: #440154 and #fde725.
  EXPECT_EQ(Colormap::by_name("viridis")(0.0f), (Rgb{0x44, 0x01, 0x54}));
  EXPECT_EQ(Colormap::by_name("viridis")(1.0f), (Rgb{0xfd, 0xe7, 0x25}));
}

TEST(Colormap, IndexesAsMatplotlibFloorOfXTimes256) {
  const Colormap& gray = Colormap::by_name("gray");  // entry i is gray level i
  EXPECT_TRUE(gray.is_gray());
  EXPECT_EQ(gray(0.25f).r, 64);
  EXPECT_EQ(gray(std::nextafter(0.25f, 0.0f)).r, 63);
  EXPECT_EQ(gray(1.0f / 256).r, 1);
  EXPECT_EQ(gray(std::nextafter(1.0f / 256, 0.0f)).r, 0);
  EXPECT_EQ(gray(255.0f / 256).r, 255);
  EXPECT_EQ(gray(std::nextafter(255.0f / 256, 0.0f)).r, 254);
  // Out of range: clamped to the ends, infinities too.
  EXPECT_EQ(gray(-3.0f).r, 0);
  EXPECT_EQ(gray(7.0f).r, 255);
  EXPECT_EQ(gray(-std::numeric_limits<float>::infinity()).r, 0);
  EXPECT_EQ(gray(std::numeric_limits<float>::infinity()).r, 255);
  const Colormap& viridis = Colormap::by_name("viridis");
  EXPECT_FALSE(viridis.is_gray());
  EXPECT_EQ(viridis(-1.0f), viridis(0.0f));
  EXPECT_EQ(viridis(2.0f), viridis(1.0f));
}

TEST(Colormap, NanIsMagentaWhichNoMapContains) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (const std::string& name : Colormap::names()) {
    const Colormap& map = Colormap::by_name(name);
    EXPECT_EQ(map(nan), Colormap::kNanColor) << name;
    for (int i = 0; i < Colormap::kSize; ++i) {
      const Rgb c = map((i + 0.5f) / Colormap::kSize);
      const int distance = std::max({std::abs(c.r - 255), std::abs(c.g - 0), std::abs(c.b - 255)});
      EXPECT_GE(distance, 64) << name << " entry " << i << " " << str(c);
    }
  }
}

TEST(Colormap, BulkConversionsMatchTheSingleValueOne) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> values = {0.0f, 0.1f, 0.5f, nan, 0.99f, 1.0f, -2.0f};
  const Colormap& magma = Colormap::by_name("magma");
  std::vector<uint8_t> rgb(values.size() * 3), gray(values.size());
  magma.to_rgb(values.data(), values.size(), rgb.data());
  magma.to_gray(values.data(), values.size(), gray.data());
  for (std::size_t i = 0; i < values.size(); ++i) {
    const Rgb c = magma(values[i]);
    EXPECT_EQ(str(Rgb{rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]}), str(c)) << i;
    EXPECT_EQ(gray[i], std::isnan(values[i]) ? 0 : c.r) << i;
  }
}

TEST(Colormap, NamesAndBadNameError) {
  const std::vector<std::string> names = Colormap::names();
  for (const char* expected : {"gray", "viridis", "magma", "inferno", "plasma", "turbo", "jet"})
    EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected;
  for (const std::string& name : names) EXPECT_EQ(Colormap::by_name(name).name(), name);
  try {
    Colormap::by_name("Viridis");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "unknown colormap 'Viridis'; expected one of: gray, viridis, magma, inferno, plasma, "
              "turbo, jet");
  }
}

}  // namespace
}  // namespace layerscope
