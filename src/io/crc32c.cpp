// CRC32C with SSE4.2's crc32 instruction where the CPU has it (chosen once, at run time) and a
// byte table elsewhere.
#include "io/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <nmmintrin.h>
#define LAYERSCOPE_CRC32C_X86 1
#endif

namespace layerscope::io {
namespace {

constexpr uint32_t kCastagnoliReflected = 0x82f63b78u;

constexpr std::array<uint32_t, 256> make_crc_table() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int bit = 0; bit < 8; ++bit) c = (c & 1) ? (c >> 1) ^ kCastagnoliReflected : c >> 1;
    table[i] = c;
  }
  return table;
}
constexpr std::array<uint32_t, 256> kCrcTable = make_crc_table();

// The register update without the initial and final inversions.
uint32_t update_portable(uint32_t c, const unsigned char* p, std::size_t size) {
  for (std::size_t i = 0; i < size; ++i) c = kCrcTable[(c ^ p[i]) & 0xff] ^ (c >> 8);
  return c;
}

#ifdef LAYERSCOPE_CRC32C_X86
__attribute__((target("sse4.2"))) uint32_t update_hardware(uint32_t c32, const unsigned char* p,
                                                           std::size_t size) {
#if defined(__x86_64__)
  uint64_t c = c32;
  for (; size >= 8; size -= 8, p += 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    c = _mm_crc32_u64(c, word);
  }
  c32 = static_cast<uint32_t>(c);
#endif
  for (; size > 0; --size, ++p) c32 = _mm_crc32_u8(c32, *p);
  return c32;
}
#endif

uint32_t update(uint32_t c, const void* data, std::size_t size) {
  const auto* p = static_cast<const unsigned char*>(data);
#ifdef LAYERSCOPE_CRC32C_X86
  if (crc32c_hardware_available()) return update_hardware(c, p, size);
#endif
  return update_portable(c, p, size);
}

}  // namespace

uint32_t crc32c_portable(const void* data, std::size_t size) {
  return update_portable(0xffffffffu, static_cast<const unsigned char*>(data), size) ^ 0xffffffffu;
}

#ifdef LAYERSCOPE_CRC32C_X86
bool crc32c_hardware_available() {
  static const bool available = __builtin_cpu_supports("sse4.2");
  return available;
}

uint32_t crc32c_hardware(const void* data, std::size_t size) {
  return update_hardware(0xffffffffu, static_cast<const unsigned char*>(data), size) ^ 0xffffffffu;
}
#else
bool crc32c_hardware_available() { return false; }
uint32_t crc32c_hardware(const void* data, std::size_t size) { return crc32c_portable(data, size); }
#endif

uint32_t crc32c(const void* data, std::size_t size) {
  return update(0xffffffffu, data, size) ^ 0xffffffffu;
}

uint32_t crc32c_extend(uint32_t crc, const void* data, std::size_t size) {
  return update(crc ^ 0xffffffffu, data, size) ^ 0xffffffffu;
}

uint32_t mask_crc(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }

uint32_t unmask_crc(uint32_t masked) {
  const uint32_t rotated = masked - 0xa282ead8u;
  return (rotated >> 17) | (rotated << 15);
}

}  // namespace layerscope::io
