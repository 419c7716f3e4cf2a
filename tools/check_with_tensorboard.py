#!/usr/bin/python3
"""Read a layerscope log folder with TensorBoard's own loading code and compare with our reader.

Usage (Debian's python3; TensorBoard's source fetched, not installed):

    /usr/bin/python3 tools/check_with_tensorboard.py TENSORBOARD_SRC LOGDIR
        [--layerscope build/layerscope] [--no-truncation] [--nodes N]

TENSORBOARD_SRC is a checkout of github.com/tensorflow/tensorboard (the folder holding the
`tensorboard` package, or the package itself). Its .py and .proto files are copied to a temporary
folder, the .proto files compiled there with `protoc --python_out`, and an empty
`tensorboard/compat/notf.py` added so TensorBoard uses its TensorFlow stub (no TensorFlow needed).
Nothing is written into TENSORBOARD_SRC or LOGDIR.

What is loaded, the way `tensorboard --logdir LOGDIR` loads it:
  - the legacy EventAccumulator (raw Summary values: scalars, HistogramProto, Image, GraphDef,
    tagged run metadata), every event kept;
  - the plugin path: plugin_event_multiplexer -> MultiplexerDataProvider -> the scalars,
    histograms, distributions, images, text and graphs plugins' own *_impl methods (what the
    HTTP routes return), after data_compat/dataclass_compat converted the legacy values;
  - the projector plugin on projector_config.pbtxt, if a run has one (through its HTTP routes);
  - TensorBoard's TFRecord reader (the stub's PyRecordReader_New, which checks both masked
    CRC32Cs) on every event file and on copies cut inside the length, the length CRC, the data
    and the data CRC of a record.

Compared with `layerscope events LOGDIR --json --values`: runs, tags per kind, steps, scalar
values, every histogram field, image sizes, the graph's presence and the record counts (whole and
truncated files). PNGs are decoded with Pillow. Exits 1 on any difference, printing each one.

Needs Debian packages: protobuf-compiler, python3-protobuf, python3-numpy, python3-pil,
python3-werkzeug, python3-markdown, python3-bleach (the last three for the plugin modules).
"""
import argparse
import collections
import io
import json
import math
import os
import shutil
import struct
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

problems = []


def problem(text):
    problems.append(text)
    print("  MISMATCH: " + text)


# --- TensorBoard from source --------------------------------------------------------------------

def prepare_tensorboard(src, workdir):
    """Copies the tensorboard package's .py/.proto files into workdir and compiles the protos."""
    package = src if os.path.basename(os.path.normpath(src)) == "tensorboard" else os.path.join(
        src, "tensorboard")
    if not os.path.isfile(os.path.join(package, "__init__.py")):
        sys.exit("error: %s holds no tensorboard package (expected %s/__init__.py)" % (src, package))
    protos = []
    for folder, _, files in os.walk(package):
        for name in files:
            # Generated *_pb2.py files in a checkout may come from another protoc: rebuild them all.
            if not (name.endswith(".py") or name.endswith(".proto")) or name.endswith("_pb2.py") \
                    or name.endswith("_pb2_grpc.py"):
                continue
            rel = os.path.relpath(os.path.join(folder, name), os.path.dirname(package))
            os.makedirs(os.path.join(workdir, os.path.dirname(rel)), exist_ok=True)
            shutil.copyfile(os.path.join(folder, name), os.path.join(workdir, rel))
            # The uploader's and tests' protos need grpc or test-only imports: not loaded here.
            if name.endswith(".proto") and not rel.startswith(("tensorboard/uploader",
                                                                 "tensorboard/defs")) \
                    and not name.endswith("_test.proto"):
                protos.append(rel)
    protoc = shutil.which("protoc")
    if not protoc:
        sys.exit("error: protoc not found (apt-get install protobuf-compiler)")
    r = subprocess.run([protoc, "-I" + workdir, "--python_out=" + workdir, *protos],
                       capture_output=True, text=True)
    if r.returncode:
        sys.exit("error: protoc failed on TensorBoard's protos: " + r.stderr.strip())
    # Its presence makes tensorboard.compat.tf the stub even where TensorFlow is installed.
    open(os.path.join(workdir, "tensorboard", "compat", "notf.py"), "w").close()
    sys.path.insert(0, workdir)
    import google.protobuf
    version = subprocess.run([protoc, "--version"], capture_output=True, text=True).stdout.split()
    print("TensorBoard source: %s (%d .proto files compiled by %s; python3-protobuf %s)" %
          (package, len(protos), " ".join(version), google.protobuf.__version__))


# --- our reader ---------------------------------------------------------------------------------

def our_events(layerscope, logdir):
    r = subprocess.run([layerscope, "events", logdir, "--json", "--values"], capture_output=True,
                       text=True)
    if r.returncode:
        sys.exit("error: layerscope events failed: " + r.stderr.strip())
    return {run["run"]: run for run in json.loads(r.stdout)["runs"]}


def f32(x):
    return float(np.float32(x))


def same_float(a, b):
    """Equal, or both NaN (our JSON writes non-finite numbers as null)."""
    if a is None or b is None:
        return (a is None or not math.isfinite(a)) and (b is None or not math.isfinite(b))
    return a == b or (math.isnan(a) and math.isnan(b))


# --- TFRecord framing, to find record boundaries for the truncation check ------------------------

def record_offsets(path):
    offsets, at = [], 0
    with open(path, "rb") as f:
        data = f.read()
    while at + 12 <= len(data):
        (length,) = struct.unpack("<Q", data[at:at + 8])
        end = at + 12 + length + 4
        if end > len(data):
            break
        offsets.append((at, length))
        at = end
    return offsets, len(data)


def tb_record_count(path):
    """Records TensorBoard's stub TFRecord reader returns, and how it stopped."""
    from tensorboard.compat.tensorflow_stub import errors, pywrap_tensorflow
    reader = pywrap_tensorflow.PyRecordReader_New(path)
    count = 0
    while True:
        try:
            reader.GetNext()
            count += 1
        except errors.OutOfRangeError:
            return count, "end of file"
        except errors.DataLossError as e:
            return count, str(e).split(":")[-1].strip() or "data loss"


# --- the checks ---------------------------------------------------------------------------------

def describe_png(data):
    from PIL import Image
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def check_run_legacy(run, path, ours, show_nodes):
    """The legacy EventAccumulator's view of one run."""
    from tensorboard.backend.event_processing import event_accumulator as ea
    keep_all = {k: 0 for k in [ea.COMPRESSED_HISTOGRAMS, ea.IMAGES, ea.AUDIO, ea.SCALARS,
                               ea.HISTOGRAMS, ea.TENSORS]}
    acc = ea.EventAccumulator(path, size_guidance=keep_all)
    acc.Reload()
    tags = acc.Tags()
    print("  legacy EventAccumulator tags: %s" % ", ".join(
        "%s %d" % (k, len(v) if isinstance(v, list) else int(bool(v))) for k, v in sorted(tags.items())))

    # TensorBoard's dashboards group tags by the text before the first '/'.
    groups = collections.Counter(t["tag"].split("/", 1)[0] for t in ours["tags"])
    print("  tag groups as TensorBoard's dashboards show them: %s" % ", ".join(
        "%r %d" % item for item in sorted(groups.items())))
    if "" in groups:
        print("  NOTE: %d tags start with '/': TensorBoard shows them in one unnamed group" %
              groups[""])
    by_kind = collections.defaultdict(set)
    our_tags = {t["tag"]: t for t in ours["tags"]}
    for t in ours["tags"]:
        by_kind[t["kind"]].add(t["tag"])
    for kind, tb_key in [("scalar", ea.SCALARS), ("histogram", ea.HISTOGRAMS), ("image", ea.IMAGES)]:
        if set(tags[tb_key]) != by_kind[kind]:
            problem("run %s: %s tags differ: TensorBoard only %s, ours only %s" % (
                run, kind, sorted(set(tags[tb_key]) - by_kind[kind]),
                sorted(by_kind[kind] - set(tags[tb_key]))))
    if set(tags[ea.TENSORS]) != by_kind["other"]:
        problem("run %s: tensor tags differ: TensorBoard %s, ours %s" % (
            run, sorted(tags[ea.TENSORS]), sorted(by_kind["other"])))
    if bool(tags[ea.GRAPH]) != ours["graph"]:
        problem("run %s: graph: TensorBoard %s, ours %s" % (run, tags[ea.GRAPH], ours["graph"]))

    for tag in tags[ea.SCALARS]:
        events = acc.Scalars(tag)
        mine = our_tags.get(tag, {}).get("values", [])
        if [e.step for e in events] != [v["step"] for v in mine]:
            problem("run %s scalar %s: steps %s vs ours %s" % (
                run, tag, [e.step for e in events], [v["step"] for v in mine]))
        for e, v in zip(events, mine):
            if not same_float(e.value, v["value"]):
                problem("run %s scalar %s step %d: %r vs ours %r" % (run, tag, e.step, e.value,
                                                                      v["value"]))
    histograms = 0
    for tag in tags[ea.HISTOGRAMS]:
        events = acc.Histograms(tag)
        mine = our_tags.get(tag, {}).get("values", [])
        if [e.step for e in events] != [v["step"] for v in mine]:
            problem("run %s histogram %s: steps differ" % (run, tag))
        for e, v in zip(events, mine):
            h, o = e.histogram_value, v["histogram"]
            for field in ["min", "max", "num", "sum", "sum_squares"]:
                if not same_float(getattr(h, field), o[field]):
                    problem("run %s histogram %s step %d: %s %r vs ours %r" % (
                        run, tag, e.step, field, getattr(h, field), o[field]))
            if list(h.bucket_limit) != o["bucket_limit"] or list(h.bucket) != o["bucket"]:
                problem("run %s histogram %s step %d: buckets differ" % (run, tag, e.step))
            if sum(h.bucket) != h.num:
                problem("run %s histogram %s step %d: bucket counts sum to %r, num is %r" % (
                    run, tag, e.step, sum(h.bucket), h.num))
            histograms += 1
    images = 0
    for tag in tags[ea.IMAGES]:
        events = acc.Images(tag)
        mine = our_tags.get(tag, {}).get("values", [])
        if [e.step for e in events] != [v["step"] for v in mine]:
            problem("run %s image %s: steps differ" % (run, tag))
        for e, v in zip(events, mine):
            image = describe_png(e.encoded_image_string)
            o = v["image"]
            if (e.width, e.height) != image.size or (o["width"], o["height"]) != image.size:
                problem("run %s image %s step %d: header %dx%d, ours %dx%d, PNG %dx%d" % (
                    run, tag, e.step, e.width, e.height, o["width"], o["height"], *image.size))
            expected_mode = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}.get(o["colorspace"])
            if image.mode != expected_mode:
                problem("run %s image %s step %d: PNG mode %s, colorspace %d" % (
                    run, tag, e.step, image.mode, o["colorspace"]))
            if len(e.encoded_image_string) != o["png_bytes"]:
                problem("run %s image %s: PNG length differs" % (run, tag))
            images += 1
    from tensorboard.util import tensor_util
    for tag in tags[ea.TENSORS]:
        events = acc.Tensors(tag)
        if [e.step for e in events] != [v["step"] for v in our_tags.get(tag, {}).get("values", [])]:
            problem("run %s tensor %s: steps differ" % (run, tag))
        array = tensor_util.make_ndarray(events[-1].tensor_proto)
        plugin = acc.SummaryMetadata(tag).plugin_data.plugin_name
        print("  tensor %s (plugin %r): %d steps, last %s %s = %s" % (
            tag, plugin, len(events), array.dtype, list(array.shape),
            np.array2string(array.reshape(-1)[:6], separator=", ")))
    for tag in tags[ea.RUN_METADATA]:
        print("  run metadata %s: %d bytes" % (tag, acc.RunMetadata(tag).ByteSize()))
    if not tags[ea.RUN_METADATA]:
        print("  run metadata: none")
    print("  legacy values checked against ours: %d scalar series, %d histograms, %d images" % (
        len(tags[ea.SCALARS]), histograms, images))
    return acc


def check_graph(run, graph, show_nodes):
    """TensorBoard's GraphDef as its graphs plugin hands it to the Graphs tab."""
    names = {node.name for node in graph.node}
    ops = collections.Counter(node.op for node in graph.node)
    print("  graph: %d nodes (%s)" % (len(graph.node), ", ".join(
        "%s %d" % (op, n) for op, n in sorted(ops.items(), key=lambda x: (-x[1], x[0])))))
    scopes = sorted({node.name.rsplit("/", 1)[0] for node in graph.node if "/" in node.name})
    print("  graph scopes (boxes in the Graphs tab): %s" % ", ".join(scopes[:12]) +
          (" ..." if len(scopes) > 12 else ""))
    if len(names) != len(graph.node):
        problem("run %s graph: node names are not unique" % run)
    for node in graph.node:
        for inp in node.input:
            source = inp.lstrip("^").split(":")[0]
            if source not in names:
                problem("run %s graph: node %s reads %s, which is no node" % (run, node.name, inp))
        if "_output_shapes" not in node.attr:
            problem("run %s graph: node %s has no _output_shapes" % (run, node.name))
    for node in list(graph.node)[:show_nodes]:
        shapes = ["[%s]" % ",".join(str(d.size) for d in s.dim) if not s.unknown_rank else "?"
                  for s in node.attr["_output_shapes"].list.shape]
        attrs = sorted(k for k in node.attr if k != "_output_shapes")
        print("    %-32s %-12s in=%s out=%s attrs=%s" % (node.name, node.op, list(node.input),
                                                          " ".join(shapes), attrs))


def check_plugins(logdir, ours, show_nodes):
    """The plugin path the TensorBoard server uses, down to the plugins' route handlers."""
    from google.protobuf import text_format
    from tensorboard import context as tb_context
    from tensorboard.backend.event_processing import data_provider as tb_data_provider
    from tensorboard.backend.event_processing import plugin_event_accumulator as pea
    from tensorboard.backend.event_processing import plugin_event_multiplexer as pem
    from tensorboard.compat.proto import graph_pb2
    from tensorboard.data import provider as tb_provider
    from tensorboard.plugins import base_plugin
    from tensorboard.plugins.distribution import distributions_plugin
    from tensorboard.plugins.graph import graphs_plugin
    from tensorboard.plugins.histogram import histograms_plugin
    from tensorboard.plugins.image import images_plugin
    from tensorboard.plugins.scalar import scalars_plugin
    from tensorboard.plugins.text import text_plugin

    multiplexer = pem.EventMultiplexer(size_guidance=pea.STORE_EVERYTHING_SIZE_GUIDANCE)
    multiplexer.AddRunsFromDirectory(logdir)
    multiplexer.Reload()
    provider = tb_data_provider.MultiplexerDataProvider(multiplexer, logdir)
    ctx = tb_context.RequestContext()
    # Every step of every plugin (the server downsamples; 0 would mean none).
    hints = {name: 10**9 for name in ["scalars", "histograms", "images", "text", "distributions"]}
    context = base_plugin.TBContext(data_provider=provider, logdir=logdir, multiplexer=multiplexer,
                                    sampling_hints=hints)
    runs = sorted(r.run_name for r in provider.list_runs(ctx, experiment_id=""))
    print("\nPlugin path (MultiplexerDataProvider): runs %s; active plugins %s" % (
        runs, sorted(provider.list_plugins(ctx, experiment_id=""))))
    if runs != sorted(ours):
        problem("runs: TensorBoard %s, ours %s" % (runs, sorted(ours)))

    def our_tags(run, kind=None, plugin=None):
        return {t["tag"]: t for t in ours.get(run, {"tags": []})["tags"]
                if (kind is None or t["kind"] == kind) and (plugin is None or t["plugin"] == plugin)}

    scalars = scalars_plugin.ScalarsPlugin(context)
    index = scalars.index_impl(ctx, experiment="")
    for run in runs:
        mine = our_tags(run, "scalar")
        if set(index.get(run, {})) != set(mine):
            problem("run %s: scalars plugin tags %s, ours %s" % (run, sorted(index.get(run, {})),
                                                                  sorted(mine)))
        for tag in index.get(run, {}):
            body, _ = scalars.scalars_impl(ctx, tag, run, "", scalars_plugin.OutputFormat.JSON)
            values = [(step, value) for _, step, value in body]
            expected = [(v["step"], v["value"]) for v in mine[tag]["values"]]
            if len(values) != len(expected) or not all(
                    s == t and same_float(a, b) for (s, a), (t, b) in zip(values, expected)):
                problem("run %s scalar %s: plugin %s, ours %s" % (run, tag, values[:5],
                                                                   expected[:5]))
    print("  scalars plugin: %s" % {run: len(tags) for run, tags in index.items()})

    histograms = histograms_plugin.HistogramsPlugin(context)
    distributions = distributions_plugin.DistributionsPlugin(context)
    index = histograms.index_impl(ctx, experiment="")
    shown = 0
    for run in runs:
        mine = our_tags(run, "histogram")
        if set(index.get(run, {})) != set(mine):
            problem("run %s: histograms plugin tags %s, ours %s" % (
                run, sorted(index.get(run, {})), sorted(mine)))
        for tag in index.get(run, {}):
            body, _ = histograms.histograms_impl(ctx, tag, run, "", downsample_to=10**6)
            ours_by_step = [v["histogram"] for v in mine[tag]["values"]]
            if [step for _, step, _ in body] != [v["step"] for v in mine[tag]["values"]]:
                problem("run %s histogram %s: plugin steps differ from ours" % (run, tag))
            for (_, step, buckets), o in zip(body, ours_by_step):
                counts = sum(b[2] for b in buckets)
                if counts != o["num"]:
                    problem("run %s histogram %s step %d: plugin counts %r, num %r" % (
                        run, tag, step, counts, o["num"]))
                if buckets and (buckets[0][0] != f32(o["min"]) or buckets[-1][1] != f32(o["max"])):
                    problem("run %s histogram %s step %d: plugin range [%r, %r], ours [%r, %r]" % (
                        run, tag, step, buckets[0][0], buckets[-1][1], o["min"], o["max"]))
                if any(left > right for left, right, _ in buckets):
                    problem("run %s histogram %s step %d: a bucket runs backwards" % (run, tag,
                                                                                      step))
                if shown < 3 and step == body[0][1]:  # the first step of three tags
                    shown += 1
                    print("  run %s histogram %s step %d as the plugin serves it: %d buckets "
                          "[left, right, count], first %s, last %s; ours: num %g min %g max %g, "
                          "%d limits" % (run, tag, step, len(buckets), buckets[:2],
                                         buckets[-1:], o["num"], o["min"], o["max"],
                                         len(o["bucket_limit"])))
            compressed, _ = distributions.distributions_impl(ctx, tag, run, "")
            if len(compressed) != len(body):
                problem("run %s distribution %s: %d steps, histograms %d" % (
                    run, tag, len(compressed), len(body)))
    print("  histograms plugin: %s; distributions plugin: same tags, every step compressed" %
          {run: len(tags) for run, tags in index.items()})

    images = images_plugin.ImagesPlugin(context)
    index = images._index_impl(ctx, experiment="")
    sizes = collections.Counter()
    for run in runs:
        mine = our_tags(run, "image")
        if set(index.get(run, {})) != set(mine):
            problem("run %s: images plugin tags %s, ours %s" % (run, sorted(index.get(run, {})),
                                                                 sorted(mine)))
        for tag, info in index.get(run, {}).items():
            if info["samples"] != 1:
                problem("run %s image %s: %d samples per step, expected 1" % (run, tag,
                                                                               info["samples"]))
            sequences = provider.read_blob_sequences(
                ctx, experiment_id="", plugin_name="images", downsample=10**6,
                run_tag_filter=tb_provider.RunTagFilter(runs=[run], tags=[tag]))[run][tag]
            for datum, o in zip(sequences, [v["image"] for v in mine[tag]["values"]]):
                width, height, png = [provider.read_blob(ctx, blob_key=b.blob_key)
                                      for b in datum.values]
                image = describe_png(png)
                if (int(width), int(height)) != image.size or image.size != (o["width"],
                                                                              o["height"]):
                    problem("run %s image %s step %d: plugin %sx%s, PNG %dx%d, ours %dx%d" % (
                        run, tag, datum.step, width, height, *image.size, o["width"],
                        o["height"]))
                sizes["%dx%d %s" % (image.size[0], image.size[1], image.mode)] += 1
    print("  images plugin: %s; decoded PNGs (width x height mode): %s" % (
        {run: len(tags) for run, tags in index.items()}, dict(sizes)))

    text = text_plugin.TextPlugin(context)
    index = text.index_impl(ctx, experiment="")
    for run in runs:
        mine = our_tags(run, plugin="text")
        if set(index.get(run, [])) != set(mine):
            problem("run %s: text plugin tags %s, ours %s" % (run, index.get(run, []),
                                                               sorted(mine)))
        for tag in index.get(run, []):
            events = text.text_impl(ctx, run, tag, "", enable_markdown=True)
            print("  run %s text %s: %d steps, last as HTML: %r" % (run, tag, len(events),
                                                                 events[-1]["text"][:120]))

    graphs = graphs_plugin.GraphsPlugin(context)
    info = graphs.info_impl(ctx, experiment="")
    for run in runs:
        has_graph = info.get(run, {}).get("run_graph", False)
        if has_graph != ours[run]["graph"]:
            problem("run %s: graphs plugin run_graph %s, ours %s" % (run, has_graph,
                                                                      ours[run]["graph"]))
        if has_graph:
            body, _ = graphs.graph_impl(ctx, run, None, False, experiment="")
            graph = text_format.Parse(body, graph_pb2.GraphDef())
            print("  graphs plugin, run %s: the GraphDef as served to the Graphs tab (pbtxt, "
                  "%d bytes):" % (run, len(body)))
            check_graph(run, graph, show_nodes)
        for tag in info.get(run, {}).get("tags", {}):
            print("  graphs plugin, run %s tag %s: %s" % (run, tag, info[run]["tags"][tag]))
    return context


def check_projector(context, logdir):
    configs = []
    for folder, _, files in os.walk(logdir):
        if "projector_config.pbtxt" in files:
            configs.append(os.path.relpath(folder, logdir))
    if not configs:
        print("\nProjector: no projector_config.pbtxt under %s; skipped" % logdir)
        return
    from werkzeug import test as wtest
    from werkzeug import wrappers
    from tensorboard.plugins.projector import projector_plugin

    plugin = projector_plugin.ProjectorPlugin(context)
    apps = plugin.get_plugin_apps()

    def get(route, **args):
        client = wtest.Client(apps[route], wrappers.Response)
        response = client.get(route, query_string=args)
        return response.status_code, response.get_data()

    status, body = get("/runs")
    runs = json.loads(body) if status == 200 else []
    print("\nProjector plugin: /runs -> %s %s (config folders %s)" % (status, runs, configs))
    if sorted(runs) != sorted(configs):
        problem("projector runs %s, config folders %s" % (runs, configs))
    for run in runs:
        status, body = get("/info", run=run)
        if status != 200:
            problem("projector /info?run=%s: %s %s" % (run, status, body[:200]))
            continue
        config = json.loads(body)
        for embedding in config.get("embeddings", []):
            name = embedding["tensorName"]
            shape = embedding.get("tensorShape")
            status, tensor = get("/tensor", run=run, name=name, num_rows="100000")
            floats = np.frombuffer(tensor, dtype="<f4") if status == 200 else np.zeros(0)
            line = "  run %s embedding %s: /tensor %s, %d floats (config shape %s)" % (
                run, name, status, floats.size, shape)
            if status != 200 or (shape and floats.size != int(np.prod(shape))):
                problem("projector %s/%s tensor: status %s, %d floats, shape %s" % (
                    run, name, status, floats.size, shape))
            # The file read here with numpy, independently of TensorBoard's parser.
            tensor_file = os.path.join(logdir, run, embedding.get("tensorPath", ""))
            if os.path.isfile(tensor_file) and floats.size:
                raw = (np.loadtxt(tensor_file, dtype=np.float32, delimiter="\t", ndmin=2)
                       if tensor_file.endswith(".tsv") else np.fromfile(tensor_file, "<f4"))
                if raw.size != floats.size or not np.array_equal(raw.reshape(-1), floats):
                    problem("projector %s/%s: /tensor differs from %s read by numpy" % (
                        run, name, tensor_file))
                line += " equal to numpy's reading of %s" % os.path.basename(tensor_file)
            if embedding.get("metadataPath"):
                status, metadata = get("/metadata", run=run, name=name, num_rows="100000")
                rows = metadata.decode("utf-8").splitlines()
                line += "; /metadata %s, %d lines, header %r" % (status, len(rows),
                                                                   rows[0] if rows else "")
                if status != 200:
                    problem("projector %s/%s metadata: status %s" % (run, name, status))
            sprite = embedding.get("sprite")
            if sprite:
                status, png = get("/sprite_image", run=run, name=name)
                image = describe_png(png) if status == 200 else None
                line += "; /sprite_image %s %s, single image %s" % (
                    status, "%dx%d %s" % (*image.size, image.mode) if image else "-",
                    sprite.get("singleImageDim"))
                # The projector cuts thumbnails of single_image_dim, row by row, from the sheet.
                rows = int(shape[0]) if shape else 0
                dim = [int(d) for d in sprite.get("singleImageDim") or [0, 0]]
                if image and rows and min(dim) > 0 and \
                        (image.size[0] // dim[0]) * (image.size[1] // dim[1]) < rows:
                    problem("projector %s/%s sprite %dx%d holds fewer than %d thumbnails of %s" % (
                        run, name, *image.size, rows, dim))
            print(line)


def check_records(layerscope, logdir, ours, truncation):
    """TensorBoard's TFRecord reader on each event file, whole and cut inside a record."""
    print("\nTFRecord framing (TensorBoard's stub PyRecordReader_New, both CRCs checked):")
    for run, report in sorted(ours.items()):
        folder = logdir if run == "." else os.path.join(logdir, run)
        for f in report["files"]:
            path = os.path.join(folder, f["file"])
            count, how = tb_record_count(path)
            print("  %s/%s: %d records (%s); ours %d%s" % (
                run, f["file"], count, how, f["records"], ", truncated" if f["truncated"] else ""))
            if count != f["records"]:
                problem("%s: TensorBoard read %d records, ours %d (%s)" % (path, count,
                                                                           f["records"], how))
    if not ours:
        print("  no event files (a Projector-only folder, as `embed` writes)")
        return
    if not truncation:
        return
    run, report = sorted(ours.items())[0]
    folder = logdir if run == "." else os.path.join(logdir, run)
    source = os.path.join(folder, report["files"][0]["file"])
    offsets, size = record_offsets(source)
    if len(offsets) < 3:
        print("  (too few records in %s to cut)" % source)
        return
    with open(source, "rb") as fh:
        data = fh.read()
    # A record in the middle of the file; cut inside each of its four parts.
    index = len(offsets) // 2
    start, length = offsets[index]
    cuts = {"length": start + 3, "length CRC": start + 10, "data": start + 12 + length // 2,
            "data CRC": start + 12 + length + 2}
    # And one arbitrary byte (0.618 of the file), wherever it falls.
    arbitrary = int(size * 0.618)
    whole = sum(1 for at, n in offsets if at + 16 + n <= arbitrary)
    expected = {part: index for part in cuts}
    if arbitrary not in [at + 16 + n for at, n in offsets]:
        cuts["arbitrary byte"] = arbitrary
        expected["arbitrary byte"] = whole
    from tensorboard.backend.event_processing import event_accumulator as ea
    with tempfile.TemporaryDirectory() as tmp:
        for part, cut in cuts.items():
            cut_dir = os.path.join(tmp, part.replace(" ", "_"))
            os.makedirs(cut_dir)
            path = os.path.join(cut_dir, os.path.basename(source))
            with open(path, "wb") as fh:
                fh.write(data[:cut])
            count, how = tb_record_count(path)
            theirs_events = sum(1 for _ in ea.EventAccumulator(path)._generator.Load())
            mine = our_events(layerscope, cut_dir)["."]["files"][0]
            where = part if part == "arbitrary byte" else "inside record %d's %s" % (index, part)
            print("  cut at byte %d of %d (%s): TensorBoard %d records (%s), its EventFileLoader "
                  "%d events; ours %d whole records, tail %d bytes" % (
                      cut, size, where, count, how.replace(path, "the file"), theirs_events,
                      mine["records"], mine["tail_bytes"]))
            if not (count == theirs_events == mine["records"] == expected[part]) or \
                    not mine["truncated"]:
                problem("cut %s: TensorBoard %d/%d, ours %d (truncated %s), expected %d" % (
                    where, count, theirs_events, mine["records"], mine["truncated"],
                    expected[part]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("tensorboard_src", help="checkout of github.com/tensorflow/tensorboard")
    parser.add_argument("logdir", help="log folder written by layerscope")
    parser.add_argument("--layerscope", default=None,
                        help="layerscope binary (default: build/layerscope under the repository)")
    parser.add_argument("--no-truncation", action="store_true",
                        help="skip the copies cut inside a record")
    parser.add_argument("--nodes", type=int, default=12, help="graph nodes to print (default 12)")
    args = parser.parse_args()
    layerscope = args.layerscope or os.path.join(ROOT, "build", "layerscope")
    if not os.path.isdir(args.logdir):
        sys.exit("error: log folder %s does not exist" % args.logdir)

    import logging
    logging.getLogger("tensorboard").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as workdir:
        prepare_tensorboard(args.tensorboard_src, workdir)
        ours = our_events(layerscope, args.logdir)
        from tensorboard.backend.event_processing import event_multiplexer
        legacy = event_multiplexer.EventMultiplexer()
        legacy.AddRunsFromDirectory(args.logdir)
        run_paths = legacy.RunPaths()
        print("Log folder %s: TensorBoard finds runs %s; ours %s" % (
            args.logdir, sorted(run_paths), sorted(ours)))
        if sorted(run_paths) != sorted(ours):
            problem("runs differ")
        for run in sorted(run_paths):
            print("\nRun %s (legacy EventAccumulator):" % run)
            if run in ours:
                check_run_legacy(run, run_paths[run], ours[run], args.nodes)
        context = check_plugins(args.logdir, ours, args.nodes)
        check_projector(context, args.logdir)
        check_records(layerscope, args.logdir, ours, not args.no_truncation)

    if problems:
        print("\n%d inconsistencies between TensorBoard and layerscope events" % len(problems))
        return 1
    print("\nOK: TensorBoard reads everything `layerscope events` reports, with the same values")
    return 0


if __name__ == "__main__":
    sys.exit(main())
