#!/usr/bin/python3
"""Generate Lathe's small sample ONNX models from scikit-learn's 8x8 digits.

Run from the repository root with the Debian Python (needs python3-torch and
python3-sklearn; the `onnx` Python package is not needed):

    /usr/bin/python3 sample-models/make_samples.py

Outputs (relative to this script's folder):
    digits-mlp/{model.onnx,test.csv,calibration.csv,expected.csv}
    digits-cnn/{model.onnx,test.csv,calibration.csv,expected.csv}
"""
import io
import os
import random

import numpy as np
import torch
import torch.nn as nn
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 0
OPSET = 13
N_CALIBRATION = 200
N_EXPECTED = 16


def set_seeds(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def load_data():
    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32)  # [n, 64], pixels in [0, 1]
    y = digits.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.3, stratify=y, random_state=0)
    return x_train, x_test, y_train, y_test


class DigitsMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(64, 128), nn.ReLU(),
            nn.Linear(128, 64), nn.ReLU(),
            nn.Linear(64, 10))

    def forward(self, x):
        return self.net(x)


class DigitsCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(64, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
            nn.Linear(64, 10))

    def forward(self, x):
        return self.net(x)


def accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        pred = model(x).argmax(dim=1)
    return (pred == y).float().mean().item()


def train(model, x_train, y_train, x_test, y_test, epochs, lr, batch_size=64):
    gen = torch.Generator().manual_seed(SEED)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    n = x_train.shape[0]
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(n, generator=gen)
        for i in range(0, n, batch_size):
            idx = perm[i:i + batch_size]
            opt.zero_grad()
            loss = loss_fn(model(x_train[idx]), y_train[idx])
            loss.backward()
            opt.step()
    train_acc = accuracy(model, x_train, y_train)
    test_acc = accuracy(model, x_test, y_test)
    return train_acc, test_acc


def write_samples_csv(path, x, y):
    """Header x0..x63,label; each row = flattened sample (row-major) + label."""
    x = x.reshape(x.shape[0], -1)
    with open(path, "w", newline="\n") as f:
        f.write(",".join(["x%d" % i for i in range(x.shape[1])] + ["label"]) + "\n")
        for row, label in zip(x, y):
            f.write(",".join("%.6g" % v for v in row) + ",%d\n" % int(label))


def write_expected_csv(path, logits):
    with open(path, "w", newline="\n") as f:
        f.write(",".join("l%d" % i for i in range(logits.shape[1])) + "\n")
        for row in logits:
            f.write(",".join("%.8g" % v for v in row) + "\n")


# --- minimal protobuf reader, just enough to list ONNX node op types -------
def _varint(buf, pos):
    result = shift = 0
    while True:
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7


def _fields(buf):
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        field, wire = key >> 3, key & 7
        if wire == 0:
            val, pos = _varint(buf, pos)
        elif wire == 1:
            val, pos = buf[pos:pos + 8], pos + 8
        elif wire == 2:
            length, pos = _varint(buf, pos)
            val, pos = buf[pos:pos + length], pos + length
        elif wire == 5:
            val, pos = buf[pos:pos + 4], pos + 4
        else:
            raise ValueError("unsupported wire type %d" % wire)
        yield field, val


def onnx_op_types(model_bytes):
    """ModelProto.graph (7) -> GraphProto.node (1) -> NodeProto.op_type (4)."""
    ops = []
    for f, graph in _fields(model_bytes):
        if f == 7:
            for g, node in _fields(graph):
                if g == 1:
                    for h, val in _fields(node):
                        if h == 4:
                            ops.append(bytes(val).decode())
    return ops


def export(model, example, path, do_constant_folding):
    # The model is in eval mode, so it is exported for inference either way.
    # TrainingMode.EVAL would also run torch's eval peephole pass, which fuses
    # each BatchNorm into the preceding Conv even with do_constant_folding=False;
    # PRESERVE (with model.eval()) skips that pass, so BatchNormalization nodes
    # stay in the graph for Lathe to work on.
    model.eval()
    buf = io.BytesIO()
    torch.onnx.export(
        model, example, buf,
        export_params=True,
        opset_version=OPSET,
        do_constant_folding=do_constant_folding,
        training=(torch.onnx.TrainingMode.EVAL if do_constant_folding
                  else torch.onnx.TrainingMode.PRESERVE),
        input_names=["input"],
        output_names=["logits"],
        dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    data = buf.getvalue()
    with open(path, "wb") as f:
        f.write(data)
    return onnx_op_types(data)


def make_sample(name, model, shape, x_train, x_test, y_train, y_test,
                calib_idx, epochs, lr, do_constant_folding):
    out_dir = os.path.join(HERE, name)
    os.makedirs(out_dir, exist_ok=True)
    xt = torch.from_numpy(x_train).reshape(-1, *shape)
    xe = torch.from_numpy(x_test).reshape(-1, *shape)
    yt = torch.from_numpy(y_train)
    ye = torch.from_numpy(y_test)

    train_acc, test_acc = train(model, xt, yt, xe, ye, epochs, lr)
    print("%s: train accuracy %.4f, test accuracy %.4f (%d test samples)"
          % (name, train_acc, test_acc, len(y_test)))
    if test_acc < 0.95:
        raise SystemExit("%s: test accuracy %.4f below 0.95" % (name, test_acc))

    model.eval()
    with torch.no_grad():
        expected = model(xe[:N_EXPECTED]).numpy()
    ops = export(model, xe[:2], os.path.join(out_dir, "model.onnx"),
                 do_constant_folding)
    print("%s: ONNX ops: %s" % (name, " ".join(ops)))

    write_samples_csv(os.path.join(out_dir, "test.csv"), x_test, y_test)
    write_samples_csv(os.path.join(out_dir, "calibration.csv"),
                      x_train[calib_idx], y_train[calib_idx])
    write_expected_csv(os.path.join(out_dir, "expected.csv"), expected)
    for fn in ("model.onnx", "test.csv", "calibration.csv", "expected.csv"):
        p = os.path.join(out_dir, fn)
        print("  %-40s %8d bytes" % (os.path.relpath(p, HERE), os.path.getsize(p)))


def main():
    torch.set_num_threads(1)
    set_seeds(SEED)
    x_train, x_test, y_train, y_test = load_data()
    print("train %d samples, test %d samples" % (len(y_train), len(y_test)))
    calib_idx = np.sort(np.random.RandomState(SEED).choice(
        len(y_train), N_CALIBRATION, replace=False))

    set_seeds(SEED)
    make_sample("digits-mlp", DigitsMLP(), (64,), x_train, x_test, y_train,
                y_test, calib_idx, epochs=60, lr=1e-3, do_constant_folding=True)
    set_seeds(SEED)
    make_sample("digits-cnn", DigitsCNN(), (1, 8, 8), x_train, x_test, y_train,
                y_test, calib_idx, epochs=25, lr=1e-3, do_constant_folding=False)


if __name__ == "__main__":
    main()
