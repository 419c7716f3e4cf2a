#pragma once
// TFRecord framing, the container of TensorBoard event files. Each record is
//
//   uint64 length (little endian) | uint32 masked_crc32c(length bytes) | data | uint32
//   masked_crc32c(data)
//
// with masked_crc32c as io/crc32c.h defines it, all little endian.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace layerscope::tensorboard {

// `data` framed as one record: 8 + 4 + data.size() + 4 bytes.
std::string frame_record(std::string_view data);

// The framing around `data`: the 12 bytes before it (length, its CRC) and the 4 after (the data's
// CRC). frame_record(data) == header + data + footer.
struct RecordFrame {
  char header[12];
  char footer[4];
};
RecordFrame record_frame(std::string_view data);

// How many leading bytes of `records` (framed records, back to back) are whole records, at most
// `limit` of them; `count` gets how many records that is.
std::size_t whole_records_prefix(std::string_view records, std::size_t limit, std::size_t& count);

// Appends framed records to a file, unbuffered. Not thread-safe: BufferedRecordWriter serializes
// calls.
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

  void write(std::string_view data);  // frames `data` and writes the record
  // Writes `bytes` as they are (looping on short writes). Throws Error (path, errno text) when the
  // OS refuses; `written` then tells how many of them reached the file.
  void write_bytes(std::string_view bytes, std::size_t& written);
  // Cuts the file back to its first `size` bytes (after a failed write). Throws Error.
  void truncate(uint64_t size);
  uint64_t size() const { return size_; }  // bytes written through this writer
  void sync();                             // fdatasync: on disk, not only in the page cache
  void close();                            // throws Error if close() reports a failed write-back
  bool is_open() const { return fd_ >= 0; }
  const std::string& path() const { return path_; }

 private:
  int fd_ = -1;
  std::string path_;
  uint64_t size_ = 0;
};

}  // namespace layerscope::tensorboard
