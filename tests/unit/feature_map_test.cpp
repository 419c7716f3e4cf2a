// Reading a rank-4 tensor as images whichever axis holds its channels.
#include "graph/feature_map.h"

#include <gtest/gtest.h>

#include <numeric>

namespace layerscope {
namespace {

TEST(FeatureMap, ChannelsFirstIsReadInPlace) {
  const auto map = feature_map_shape({2, 3, 4, 5}, Layout::Unknown);
  ASSERT_TRUE(map);
  EXPECT_EQ(map->channels, 3);
  EXPECT_EQ(map->height, 4);
  EXPECT_EQ(map->width, 5);
  std::vector<float> values(2 * 3 * 4 * 5), storage;
  EXPECT_EQ(first_item_planes(values.data(), *map, 2, storage), values.data());
  EXPECT_TRUE(storage.empty());
}

TEST(FeatureMap, ChannelsLastPlanesAreGatheredFromItemZero) {
  // [N=2, H=2, W=3, C=4], value = ((n * 2 + y) * 3 + x) * 4 + c.
  std::vector<float> values(2 * 2 * 3 * 4);
  std::iota(values.begin(), values.end(), 0.0f);
  const auto map = feature_map_shape({2, 2, 3, 4}, Layout::ChannelsLast);
  ASSERT_TRUE(map);
  EXPECT_EQ(map->items, 2);
  EXPECT_EQ(map->channels, 4);
  EXPECT_EQ(map->height, 2);
  EXPECT_EQ(map->width, 3);
  std::vector<float> storage;
  const float* planes = first_item_planes(values.data(), *map, 2, storage);
  // Channel 1's plane: the pixels' second values, row by row.
  const std::vector<float> channel1(planes + 6, planes + 12);
  EXPECT_EQ(channel1, (std::vector<float>{1, 5, 9, 13, 17, 21}));
  EXPECT_EQ(planes[0], 0.0f);
  EXPECT_EQ(planes[5], 20.0f);
}

TEST(FeatureMap, OnlyNonEmptyRankFourTensorsAreMaps) {
  EXPECT_FALSE(feature_map_shape({2, 3, 4}, Layout::ChannelsLast));
  EXPECT_FALSE(feature_map_shape({0, 3, 4, 4}, Layout::Unknown));
}

TEST(ChannelAxes, PoolingAxesFollowTheLayout) {
  const ChannelAxes first = channel_axes({2, 3, 4, 5}, Layout::ChannelsFirst);
  EXPECT_EQ(first.channels, 3);
  EXPECT_EQ(first.positions, 20);
  EXPECT_EQ(first.at(1, 2, 7), (1 * 3 + 2) * 20 + 7);
  const ChannelAxes last = channel_axes({2, 4, 5, 3}, Layout::ChannelsLast);
  EXPECT_EQ(last.channels, 3);
  EXPECT_EQ(last.positions, 20);
  EXPECT_EQ(last.at(1, 2, 7), (1 * 20 + 7) * 3 + 2);
  // Rank 2 has no positions to pool over, whatever the layout says.
  const ChannelAxes rows = channel_axes({2, 6}, Layout::ChannelsLast);
  EXPECT_EQ(rows.channels, 6);
  EXPECT_EQ(rows.positions, 1);
}

}  // namespace
}  // namespace layerscope
