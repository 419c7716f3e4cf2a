#pragma once
// TFRecord framing, the container of TensorBoard event files. Each record is
//
//   uint64 length (little endian) | uint32 masked_crc32c(length bytes) | data | uint32
//   masked_crc32c(data)
//
// with masked_crc(c) = ((c >> 15) | (c << 17)) + 0xa282ead8 (mod 2^32), all little endian. CRC32C
// is the Castagnoli polynomial (reflected 0x82f63b78), initial value and final xor 0xffffffff.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace layerscope::tensorboard {

// CRC32C of `size` bytes; uses the CPU's crc32 instruction (SSE4.2) when it has one.
uint32_t crc32c(const void* data, std::size_t size);
// The two implementations behind crc32c(), for tests and benchmarks.
uint32_t crc32c_portable(const void* data, std::size_t size);  // table, one byte per step
bool crc32c_hardware_available();
uint32_t crc32c_hardware(const void* data, std::size_t size);  // only if available

uint32_t mask_crc(uint32_t crc);
uint32_t unmask_crc(uint32_t masked);

// `data` framed as one record: 8 + 4 + data.size() + 4 bytes.
std::string frame_record(std::string_view data);

// Appends framed records to a file. Each record goes to the OS whole, in one write() call (looped
// only on a short write), so a process killed between records leaves only whole records behind.
// Not thread-safe: SummaryWriter serializes calls.
class RecordWriter {
 public:
  // Creates `path`, which must not exist yet. Throws Error naming the path and the OS's reason.
  static RecordWriter create(const std::string& path);
  // The same, but nothing (instead of an Error) when `path` exists already.
  static std::optional<RecordWriter> create_if_new(const std::string& path);
  // Takes ownership of an open descriptor (tests: /dev/full); `path` is used in messages.
  RecordWriter(int fd, std::string path);
  RecordWriter(RecordWriter&& other) noexcept;
  RecordWriter& operator=(RecordWriter&& other) noexcept;
  RecordWriter(const RecordWriter&) = delete;
  RecordWriter& operator=(const RecordWriter&) = delete;
  ~RecordWriter();  // closes, ignoring errors

  void write(std::string_view data);  // throws Error (path, errno text) when the OS refuses
  void sync();                        // fdatasync: on disk, not only in the page cache
  void close();                       // throws Error if close() reports a failed write-back
  bool is_open() const { return fd_ >= 0; }
  const std::string& path() const { return path_; }

 private:
  int fd_ = -1;
  std::string path_;
};

}  // namespace layerscope::tensorboard
