#!/usr/bin/python3
"""Epochs of a Fashion-MNIST network in PyTorch, on the same settings as `netc train`.

--model mlp (default): 784-256-128-10 relu (examples/fashion.net); lenet5: issue 14's LeNet-5
(examples/lenet5.net); small-cnn: issue 14's Small CNN (examples/fashion-cnn.net). Softmax +
cross-entropy (nn.CrossEntropyLoss, mean), SGD lr 0.01 momentum 0.9, float32, batch B, shuffled,
He-uniform init as netc's `init he` (kaiming_uniform_, relu gain, biases 0), NCHW images for the
CNNs. Reads the IDX .gz files with gzip + numpy; images scaled to [0,1]. Prints the epoch's wall time
(training loop only, like netc's "training time"), samples/s and the test accuracy.
torch.set_flush_denormal(True) unless --keep-denormals.

Usage: torch_fashion_epoch.py [--model mlp|lenet5|small-cnn] [--threads T] [--batch B]
       [--epochs E] [--data DIR]
(Debian: apt-get install python3-torch dataset-fashion-mnist; run with /usr/bin/python3.)
"""
import argparse
import gzip
import struct
import time

import numpy as np
import torch
from torch import nn


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    zero, dtype, dims = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load(data_dir, prefix):
    images = read_idx(f"{data_dir}/{prefix}-images-idx3-ubyte.gz")
    labels = read_idx(f"{data_dir}/{prefix}-labels-idx1-ubyte.gz")
    x = torch.from_numpy(images.reshape(len(images), -1).astype(np.float32) / 255.0)
    y = torch.from_numpy(labels.astype(np.int64))
    return x, y


def model_named(name):
    if name == "mlp":
        return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                             nn.Linear(128, 10))
    if name == "lenet5":
        return nn.Sequential(nn.Unflatten(1, (1, 28, 28)),
                             nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                             nn.Linear(256, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                             nn.Linear(84, 10))
    return nn.Sequential(nn.Unflatten(1, (1, 28, 28)),
                         nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(1568, 128), nn.ReLU(), nn.Linear(128, 10))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", choices=["mlp", "lenet5", "small-cnn"], default="mlp")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--keep-denormals", action="store_true",
                    help="leave torch.set_flush_denormal at its default (off)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    # Faster on Intel cores (a microcode assist per subnormal operand); netc flushes its
    # optimizer state's subnormals too.
    if not args.keep_denormals:
        torch.set_flush_denormal(True)
    torch.manual_seed(args.seed)
    x, y = load(args.data, "train")
    tx, ty = load(args.data, "t10k")
    model = model_named(args.model)
    for m in model:
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            nn.init.kaiming_uniform_(m.weight, nonlinearity="relu")
            nn.init.zeros_(m.bias)
    loss_fn = nn.CrossEntropyLoss()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    n = len(x)
    total = 0.0
    for epoch in range(1, args.epochs + 1):
        order = torch.randperm(n)
        start = time.perf_counter()
        running = 0.0
        for i in range(0, n, args.batch):
            idx = order[i:i + args.batch]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
            running += loss.item() * len(idx)
        seconds = time.perf_counter() - start
        total += seconds
        with torch.no_grad():
            acc = (model(tx).argmax(1) == ty).float().mean().item()
        print(f"epoch {epoch}/{args.epochs}  loss {running / n:.6f}  test acc {100 * acc:.2f}%  "
              f"{seconds:.1f} s  {n / seconds:.0f} samples/s")
    print(f"final: torch {torch.__version__}, {args.model}, {args.threads} thread(s), "
          f"batch {args.batch}: "
          f"test accuracy {100 * acc:.2f}%; training time {total:.1f} s, "
          f"{n * args.epochs / total:.0f} samples/s")


if __name__ == "__main__":
    main()
