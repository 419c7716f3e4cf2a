#pragma once
// A deterministic stream of summaries (scalars, histograms of many distinct values, images) for
// the crash tests: the child process writes it until it is killed, the test writes the same
// stream again to learn what the killed file should hold. Fixed wall times make every record's
// bytes reproducible.
#include <layerscope/summary_writer.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace layerscope::test {

// Adds record `i` of the stream (step i, wall time 1e9 + i).
inline void add_workload_record(SummaryWriter& writer, int64_t i) {
  const double walltime = 1e9 + static_cast<double>(i);
  switch (i % 3) {
    case 0:
      writer.add_scalar("loss", 1.0 / static_cast<double>(i + 1), i, walltime);
      break;
    case 1: {  // values spread over many decades: a few hundred buckets, some KB per record
      std::vector<float> values(4096);
      for (std::size_t k = 0; k < values.size(); ++k)
        values[k] = static_cast<float>((k % 2 ? -1.0 : 1.0) *
                                       std::exp(0.01 * static_cast<double>((k * 7 + i) % 4096)));
      writer.add_histogram("layer/activations", values.data(), values.size(), i, walltime);
      break;
    }
    default: {  // a noisy 96 x 96 RGB image: a PNG of some 25 KB
      std::vector<uint8_t> pixels(96 * 96 * 3);
      uint32_t state = static_cast<uint32_t>(i) * 2654435761u + 1;
      for (uint8_t& p : pixels) {
        state = state * 1664525u + 1013904223u;
        p = static_cast<uint8_t>(state >> 24);
      }
      writer.add_image("layer/feature map", pixels.data(), 96, 96, 3, i, walltime);
      break;
    }
  }
}

}  // namespace layerscope::test
