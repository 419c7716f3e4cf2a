# Keras's recurrent layers where TensorFlow.js cannot be the reference: a GRU with reset_after=true
# (TensorFlow 2's default, which TensorFlow.js refuses) and hard_sigmoid gates in a Keras 3 file
# (Keras 3's hard_sigmoid is relu6(x + 3) / 6, TensorFlow.js's and Keras 2's clip(0.2 x + 0.5)).
# The reference is a numpy transcription of Keras's cell equations (keras/layers/rnn/*.py), itself
# checked against PyTorch's RNN, LSTM and GRU, which compute the same functions with their
# weights laid out differently.
#
#   cd tests/keras && LAYERSCOPE=build/layerscope LAYERSCOPE_SOURCE_DIR=. /usr/bin/python3 -m unittest -v test_keras_recurrent
#
# Needs numpy, h5py and torch (python3-torch).
import json
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import keras_files  # noqa: E402
import model_zoo  # noqa: E402
from model_zoo import Graph, Weights, layer, rnn  # noqa: E402

BINARY = os.environ.get("LAYERSCOPE", "layerscope")
TOLERANCE = 1e-5


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def activation(name, keras3):
    return {"tanh": np.tanh, "sigmoid": sigmoid, "relu": lambda x: np.maximum(x, 0),
            "linear": lambda x: x,
            "hard_sigmoid": (lambda x: np.clip(x / 6 + 0.5, 0, 1)) if keras3 else
                            (lambda x: np.clip(0.2 * x + 0.5, 0, 1))}[name]


def keras_rnn(cls, x, weights, activation_name="tanh", recurrent_activation="sigmoid",
              reset_after=False, go_backwards=False, return_sequences=False, keras3=False,
              h0=None, c0=None, mask=None):
    """Keras's SimpleRNN/LSTM/GRU in float64: (output, h, c). Gate blocks of the kernels: LSTM
    i, f, c, o; GRU z, r, h. reset_after: bias (2, 3u), rows for x W and for h U."""
    kernel, recurrent, bias = (np.asarray(w, np.float64) for w in weights)
    act, ract = activation(activation_name, keras3), activation(recurrent_activation, keras3)
    x = np.asarray(x, np.float64)
    units = recurrent.shape[0]
    h = np.zeros((x.shape[0], units)) if h0 is None else np.asarray(h0, np.float64)
    c = np.zeros_like(h) if c0 is None else np.asarray(c0, np.float64)
    outputs = []
    output = np.zeros_like(h)
    for t in (range(x.shape[1] - 1, -1, -1) if go_backwards else range(x.shape[1])):
        xt = x[:, t]
        h_before, c_before = h, c
        if cls == "SimpleRNN":
            h = act(xt @ kernel + bias + h @ recurrent)
        elif cls == "LSTM":
            i, f, cc, o = np.split(xt @ kernel + bias + h @ recurrent, 4, axis=1)
            c = ract(f) * c + ract(i) * act(cc)
            h = ract(o) * act(c)
        elif reset_after:
            xz, xr, xh = np.split(xt @ kernel + bias[0], 3, axis=1)
            hz, hr, hh = np.split(h @ recurrent + bias[1], 3, axis=1)
            z, r = ract(xz + hz), ract(xr + hr)
            h = z * h + (1 - z) * act(xh + r * hh)
        else:
            xz, xr, xh = np.split(xt @ kernel + bias, 3, axis=1)
            uz, ur, uh = np.split(recurrent, 3, axis=1)
            z, r = ract(xz + h @ uz), ract(xr + h @ ur)
            h = z * h + (1 - z) * act(xh + (r * h) @ uh)
        if mask is None:
            output = h
        else:  # Keras: a masked step keeps the states and repeats the previous output
            keep = mask[:, t][:, None]
            output = np.where(keep, h, output)
            h, c = np.where(keep, h, h_before), np.where(keep, c, c_before)
        outputs.append(output)
    return (np.stack(outputs, 1) if return_sequences else output), h, c


def layerscope(*args):
    proc = subprocess.run([BINARY, *map(str, args)], capture_output=True, text=True, timeout=300)
    return proc.returncode, proc.stdout, proc.stderr


def run_dump(test, path, inputs, work):
    """Every dumped layer output of `path` run on `inputs`: {layer: array}."""
    dump = work / f"{path.name}_dump"
    args = ["run", path, "--dump", dump]
    for i, x in enumerate(inputs):
        np.save(work / f"{path.name}_in{i}.npy", x)
        args += ["--input", work / f"{path.name}_in{i}.npy"]
    status, _, stderr = layerscope(*args)
    test.assertEqual(status, 0, stderr)
    index = json.loads((dump / "index.json").read_text())
    return {e["layer"]: np.load(dump / e["file"]) for e in index}


def write_both(work, name, config, weights):
    h5, k3 = work / f"{name}.h5", work / f"{name}.keras"
    keras_files.write_keras2_h5(h5, config, weights)
    keras_files.write_keras3(k3, config, weights)
    return [h5, k3]


class NumpyReferenceTest(unittest.TestCase):
    """The numpy transcription computes what PyTorch's layers do with the same weights."""

    def setUp(self):
        import torch
        self.torch = torch
        self.rng = np.random.default_rng(5)
        self.x = self.rng.standard_normal((3, 6, 4))

    def torch_run(self, module, weights):
        torch = self.torch
        module = module.double()  # before the weights go in, or they are rounded to float32
        with torch.no_grad():
            for name, value in weights.items():
                getattr(module, name).copy_(torch.from_numpy(np.ascontiguousarray(value)))
            out, state = module(torch.from_numpy(self.x))
        return out.numpy(), state

    def test_gru_reset_after_is_torch_gru(self):
        # PyTorch's GRU is the reset_after form with the gate blocks in order r, z, n.
        units = 5
        kernel = self.rng.standard_normal((4, 3 * units))
        recurrent = self.rng.standard_normal((units, 3 * units)) * 0.5
        bias = self.rng.standard_normal((2, 3 * units))
        rz_n = lambda m: np.concatenate([m[..., units:2 * units], m[..., :units], m[..., 2 * units:]], -1)
        gru = self.torch.nn.GRU(4, units, batch_first=True)
        got, _ = self.torch_run(gru, {"weight_ih_l0": rz_n(kernel).T, "weight_hh_l0": rz_n(recurrent).T,
                                      "bias_ih_l0": rz_n(bias[0]), "bias_hh_l0": rz_n(bias[1])})
        want, _, _ = keras_rnn("GRU", self.x, (kernel, recurrent, bias), reset_after=True,
                               return_sequences=True)
        np.testing.assert_allclose(want, got, atol=1e-10)
        # The bias rows are not interchangeable: the recurrent one sits inside r * (...).
        swapped, _, _ = keras_rnn("GRU", self.x, (kernel, recurrent, bias[::-1]), reset_after=True,
                                  return_sequences=True)
        self.assertGreater(np.abs(swapped - got).max(), 1e-2)

    def test_lstm_is_torch_lstm(self):
        units = 3  # PyTorch's gate order i, f, g, o is Keras's i, f, c, o
        kernel = self.rng.standard_normal((4, 4 * units))
        recurrent = self.rng.standard_normal((units, 4 * units)) * 0.5
        bias = self.rng.standard_normal(4 * units)
        lstm = self.torch.nn.LSTM(4, units, batch_first=True)
        got, (h, c) = self.torch_run(lstm, {"weight_ih_l0": kernel.T, "weight_hh_l0": recurrent.T,
                                            "bias_ih_l0": bias, "bias_hh_l0": np.zeros(4 * units)})
        want, want_h, want_c = keras_rnn("LSTM", self.x, (kernel, recurrent, bias),
                                         return_sequences=True)
        np.testing.assert_allclose(want, got, atol=1e-10)
        np.testing.assert_allclose(want_h, h[0].numpy(), atol=1e-10)
        np.testing.assert_allclose(want_c, c[0].numpy(), atol=1e-10)

    def test_simple_rnn_is_torch_rnn(self):
        units = 4
        for act in ("tanh", "relu"):
            kernel = self.rng.standard_normal((4, units))
            recurrent = self.rng.standard_normal((units, units)) * 0.5
            bias = self.rng.standard_normal(units)
            module = self.torch.nn.RNN(4, units, nonlinearity=act, batch_first=True)
            got, _ = self.torch_run(module, {"weight_ih_l0": kernel.T, "weight_hh_l0": recurrent.T,
                                             "bias_ih_l0": bias, "bias_hh_l0": np.zeros(units)})
            want, _, _ = keras_rnn("SimpleRNN", self.x, (kernel, recurrent, bias), act,
                                   return_sequences=True)
            np.testing.assert_allclose(want, got, atol=1e-10, err_msg=act)


class RecurrentBeyondTfjsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="layerscope-keras-rnn-")
        cls.work = Path(cls.tmp.name)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def assert_close(self, got, want, what):
        self.assertEqual(got.shape, want.shape, what)
        error = np.abs(got - want).max() / max(1.0, np.abs(want).max())
        self.assertLessEqual(error, TOLERANCE, f"{what}: relative error {error:.3g}")

    def test_gru_reset_after_zoo_model(self):
        model = model_zoo.gru_reset_after()
        (x,) = model.inputs
        want, _, _ = keras_rnn("GRU", x, [v for _, v in model.weights["gru"]], reset_after=True)
        for path in write_both(self.work, model.name, model.config, model.weights):
            with self.subTest(file=path.name):
                self.assert_close(run_dump(self, path, [x], self.work)["gru"], want, "gru")

    def test_gru_reset_after_sequences_states_backwards_bidirectional(self):
        w = Weights(21)
        g = Graph("gru_reset_after_more")
        x_ref = g.input("x", [None, 6, 3])
        seq, h = g(rnn("GRU", "gru", 4, return_sequences=True, return_state=True), x_ref, outputs=2)
        back = g(rnn("GRU", "gru_back", 3, go_backwards=True, return_sequences=True,
                     activation="relu"), seq)
        bi = g(layer("Bidirectional", "bidirectional", merge_mode="sum",
                     layer=rnn("GRU", "gru_bi", 2, return_sequences=True)), x_ref)
        w.add("gru", *w.rnn("gru", "GRU", 3, 4, reset_after=True))
        w.add("gru_back", *w.rnn("gru_back", "GRU", 4, 3, reset_after=True))
        fwd, bwd = w.rnn("f", "GRU", 3, 2, reset_after=True), w.rnn("b", "GRU", 3, 2, reset_after=True)
        w.add("bidirectional", *fwd, *bwd)
        x = w.rng.standard_normal((2, 6, 3)).astype(np.float32)
        values = lambda pairs: [v for _, v in pairs]

        seq_want, h_want, _ = keras_rnn("GRU", x, values(w.w["gru"]), reset_after=True,
                                        return_sequences=True)
        back_want, _, _ = keras_rnn("GRU", seq_want, values(w.w["gru_back"]), "relu",
                                    reset_after=True, go_backwards=True, return_sequences=True)
        f_want, _, _ = keras_rnn("GRU", x, values(fwd), reset_after=True, return_sequences=True)
        b_want, _, _ = keras_rnn("GRU", x, values(bwd), reset_after=True, return_sequences=True,
                                 go_backwards=True)
        want = {"gru": seq_want, "gru:1": h_want, "gru_back": back_want,
                "bidirectional": f_want + b_want[:, ::-1]}
        config = g.config([seq, h, back, bi])
        for path in write_both(self.work, "gru_reset_after_more", config, w.w):
            with self.subTest(file=path.name):
                got = run_dump(self, path, [x], self.work)
                for name, value in want.items():
                    self.assert_close(got[name], value, name)

    def test_decoder_starts_from_the_encoders_states(self):
        # A seq2seq model: the decoder LSTM is called with initial_state=[h, c] of the encoder
        # (TensorFlow.js cannot load that call).
        w = Weights(23)
        g = Graph("seq2seq")
        enc_in = g.input("encoder_in", [None, 5, 3])
        dec_in = g.input("decoder_in", [None, 4, 2])
        _, h, c = g(rnn("LSTM", "encoder", 6, return_state=True), enc_in, outputs=3)
        dec = g(rnn("LSTM", "decoder", 6, return_sequences=True), [dec_in, h, c])
        gru_h = g(rnn("GRU", "gru_from_h", 6, reset_after=True), [dec_in, h])
        w.add("encoder", *w.rnn("encoder", "LSTM", 3, 6))
        w.add("decoder", *w.rnn("decoder", "LSTM", 2, 6))
        w.add("gru_from_h", *w.rnn("gru_from_h", "GRU", 2, 6, reset_after=True))
        xe = w.rng.standard_normal((2, 5, 3)).astype(np.float32)
        xd = w.rng.standard_normal((2, 4, 2)).astype(np.float32)
        values = lambda pairs: [v for _, v in pairs]
        _, h_want, c_want = keras_rnn("LSTM", xe, values(w.w["encoder"]))
        dec_want, _, _ = keras_rnn("LSTM", xd, values(w.w["decoder"]), return_sequences=True,
                                   h0=h_want, c0=c_want)
        gru_want, _, _ = keras_rnn("GRU", xd, values(w.w["gru_from_h"]), reset_after=True,
                                   h0=h_want)
        for path in write_both(self.work, "seq2seq", g.config([dec, gru_h]), w.w):
            with self.subTest(file=path.name):
                got = run_dump(self, path, [xe, xd], self.work)
                self.assert_close(got["encoder:1"], h_want, "encoder:1")
                self.assert_close(got["decoder"], dec_want, "decoder")
                self.assert_close(got["gru_from_h"], gru_want, "gru_from_h")

    def test_embedding_mask_zero_skips_padded_steps(self):
        # Embedding(mask_zero=True) -> LSTM (sequences) -> GRU, and a backwards SimpleRNN on the
        # embedding: padded steps (id 0) keep the states and repeat the previous output.
        w = Weights(29)
        g = Graph("masked")
        tokens = g.input("tokens", [None, 6])
        e = g(layer("Embedding", "embedding", input_dim=9, output_dim=3, mask_zero=True), tokens)
        d = g(layer("Dropout", "dropout", rate=0.5), e)
        seq = g(rnn("LSTM", "lstm", 4, return_sequences=True), d)
        last, state = g(rnn("GRU", "gru", 3, return_state=True, reset_after=True), seq, outputs=2)
        back = g(rnn("SimpleRNN", "back", 2, go_backwards=True), e)
        w.add("embedding", ("embeddings", w.normal(9, 3)))
        w.add("lstm", *w.rnn("lstm", "LSTM", 3, 4))
        w.add("gru", *w.rnn("gru", "GRU", 4, 3, reset_after=True))
        w.add("back", *w.rnn("back", "SimpleRNN", 3, 2))
        ids = np.array([[0, 3, 5, 0, 2, 0], [4, 1, 8, 2, 0, 0]], np.float32)
        mask = ids != 0
        values = lambda pairs: [v for _, v in pairs]
        emb = values(w.w["embedding"])[0][ids.astype(int)]
        seq_want, _, _ = keras_rnn("LSTM", emb, values(w.w["lstm"]), return_sequences=True,
                                   mask=mask)
        last_want, state_want, _ = keras_rnn("GRU", seq_want, values(w.w["gru"]),
                                             reset_after=True, mask=mask)
        back_want, _, _ = keras_rnn("SimpleRNN", emb, values(w.w["back"]), go_backwards=True,
                                    mask=mask)
        unmasked, _, _ = keras_rnn("LSTM", emb, values(w.w["lstm"]), return_sequences=True)
        self.assertGreater(np.abs(unmasked - seq_want).max(), 0.01)  # the mask matters here
        for path in write_both(self.work, "masked", g.config([last, state, back]), w.w):
            with self.subTest(file=path.name):
                got = run_dump(self, path, [ids], self.work)
                self.assert_close(got["lstm"], seq_want, "lstm")
                self.assert_close(got["gru"], last_want, "gru")
                self.assert_close(got["gru:1"], state_want, "gru:1")
                self.assert_close(got["back"], back_want, "back")

    def test_hard_sigmoid_gates_follow_the_files_keras(self):
        model = model_zoo.lstm_hard_sigmoid()
        (x,) = model.inputs
        lstm_w = [v for _, v in model.weights["lstm"]]
        gru_w = [v for _, v in model.weights["gru"]]
        want = {}
        for suffix, keras3 in ((".h5", False), (".keras", True)):
            seq, _, _ = keras_rnn("LSTM", x, lstm_w, recurrent_activation="hard_sigmoid",
                                  return_sequences=True, keras3=keras3)
            last, _, _ = keras_rnn("GRU", seq, gru_w, recurrent_activation="hard_sigmoid",
                                   keras3=keras3)
            want[suffix] = {"lstm": seq, "gru": last}
        # The model reaches the ends where the two hard_sigmoids differ, or this proves nothing.
        self.assertGreater(np.abs(want[".h5"]["gru"] - want[".keras"]["gru"]).max(), 0.05)
        for path in write_both(self.work, model.name, model.config, model.weights):
            with self.subTest(file=path.name):
                got = run_dump(self, path, [x], self.work)
                for name, value in want[path.suffix].items():
                    self.assert_close(got[name], value, name)

    def test_refusals_name_the_layer(self):
        cases = [
            (rnn("LSTM", "lstm_tm", 3, time_major=True), "time_major"),
            (layer("TimeDistributed", "td", layer=layer("Conv9D", "conv9d")), "Conv9D"),
        ]
        for entry, expected in cases:
            with self.subTest(expected=expected):
                config = model_zoo.sequential("refused", [None, 4, 2], [entry])
                path = self.work / f"refused_{expected}.h5"
                keras_files.write_keras2_h5(path, config, {})
                status, _, stderr = layerscope("summary", path)
                self.assertEqual(status, 1, stderr)
                self.assertIn(entry["config"]["name"], stderr)
                self.assertIn(expected, stderr)


if __name__ == "__main__":
    unittest.main()
