#pragma once
// A seeded generator whose streams are the same on every platform and standard library (unlike
// std::normal_distribution), so a seed pins down PCA test matrices and t-SNE initializations.
#include <cmath>
#include <cstdint>

namespace layerscope::analysis {

class Random {
 public:
  explicit Random(uint64_t seed) {
    // xoshiro256** state from SplitMix64, as its authors recommend.
    for (auto& word : state_) {
      seed += 0x9E3779B97F4A7C15ull;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
      word = z ^ (z >> 31);
    }
  }

  uint64_t next() {
    const uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // Uniform integer in [0, bound).
  uint64_t below(uint64_t bound) { return static_cast<uint64_t>(uniform() * bound); }
  // Standard normal (Box-Muller; one value per call for simplicity).
  double normal() {
    const double u = 1.0 - uniform();  // (0, 1]
    const double v = uniform();
    return std::sqrt(-2.0 * std::log(u)) * std::cos(6.283185307179586 * v);
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t state_[4];
};

}  // namespace layerscope::analysis
