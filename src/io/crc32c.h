#pragma once
// CRC32C (Castagnoli polynomial, reflected 0x82f63b78; initial value and final xor 0xffffffff),
// as TensorFlow checksums its files: TFRecord event files, checkpoint tables and tensor bytes.
// TensorFlow stores most of them masked, mask_crc(c) = ((c >> 15) | (c << 17)) + 0xa282ead8
// (mod 2^32), so that the CRC of data holding CRCs stays well distributed.
#include <cstddef>
#include <cstdint>

namespace layerscope::io {

// CRC32C of `size` bytes; uses the CPU's crc32 instruction (SSE4.2) when it has one.
uint32_t crc32c(const void* data, std::size_t size);
// The CRC32C of (the bytes `crc` is the CRC of) followed by `data`: crc32c_extend(crc32c(a), b)
// == crc32c(a + b), and crc32c_extend(0, b) == crc32c(b).
uint32_t crc32c_extend(uint32_t crc, const void* data, std::size_t size);
// The two implementations behind crc32c(), for tests and benchmarks.
uint32_t crc32c_portable(const void* data, std::size_t size);  // table, one byte per step
bool crc32c_hardware_available();
uint32_t crc32c_hardware(const void* data, std::size_t size);  // only if available

uint32_t mask_crc(uint32_t crc);
uint32_t unmask_crc(uint32_t masked);

}  // namespace layerscope::io
