#pragma once
// TensorBoard Embedding Projector files, as its plugin (plugins/projector/projector_plugin.py) and
// viewer read them:
//  - <logdir>/projector_config.pbtxt: a ProjectorConfig in protobuf text format, one
//    `embeddings { tensor_name tensor_path tensor_shape metadata_path sprite { image_path
//    single_image_dim } }` per embedding; paths are relative to the config's folder (the plugin
//    refuses paths that leave it). The logdir holds the SummaryWriter's event files, so it is the
//    run "." the plugin looks in.
//  - the tensor: TSV, one row per line, tab-separated floats (the plugin parses each with Python's
//    float(), so "nan" and "inf" load), or raw float32 with tensor_shape [rows, dims] set.
//  - metadata.tsv: one line per row; with two or more columns a header line first. The viewer
//    takes the first line as a header exactly when it holds a tab, skips blank lines and splits on
//    tabs with no escapes.
//  - the sprite: one image, thumbnails of single_image_dim [width, height] in row-major cells of
//    (sheet width / thumbnail width) columns; the viewer refuses a sheet over 8192 px a side.
// Knows nothing of models: SummaryWriter::add_embedding() is the way in.
#include <layerscope/summary_writer.h>

#include <cstdint>
#include <string>
#include <vector>

namespace layerscope::tensorboard {

// Writes the files and registers the embedding in <logdir>/projector_config.pbtxt (see
// SummaryWriter::add_embedding). Safe to call from several threads: config updates are serialized
// within the process.
EmbeddingFiles write_embedding(const std::string& logdir, const std::string& tag,
                               const float* values, int64_t rows, int64_t dims, int64_t step,
                               const EmbeddingOptions& options);

// The embedding's folder name for a tag: bytes outside [A-Za-z0-9_.-], and a leading '.', as %xx
// (lower-case hex), so the name is one path segment, never "." or "..", and distinct tags get
// distinct folders.
std::string embedding_folder_name(const std::string& tag);

// `values` as TSV: one line per row, values separated by tabs, each float in its shortest form
// that reads back to the same float32 ("nan", "inf", "-inf" for non-finite values).
std::string embedding_tsv(const float* values, int64_t rows, int64_t dims);

// The metadata file: lines of tab-separated values, tabs/newlines/carriage returns in values as
// spaces, and `header` first when there are two or more columns. Throws Error (naming `tag`) when
// the rows are not all `columns` wide, a header of the wrong width is given, or a row is blank.
std::string embedding_metadata_tsv(const std::string& tag,
                                   const std::vector<std::vector<std::string>>& metadata,
                                   const std::vector<std::string>& header);

// Grid and thumbnail size for `count` thumbnails of height x width: `columns` = ceil(sqrt(count))
// cells a side; the thumbnail shrunk (aspect ratio kept, at least 1 px) until columns x its size
// is at most `max_side`. Throws Error when even 1-px thumbnails do not fit.
struct SpriteLayout {
  int columns = 0;
  int thumbnail_height = 0;
  int thumbnail_width = 0;
};
SpriteLayout sprite_layout(int64_t count, int height, int width, int max_side = 8192);

// The sheet: columns * thumbnail_height x columns * thumbnail_width x channels bytes, the images
// shrunk by area averaging, cell i at row i / columns, column i % columns, the rest 0.
std::vector<uint8_t> make_sprite(const EmbeddingImages& images, int64_t count,
                                 const SpriteLayout& layout);

}  // namespace layerscope::tensorboard
