#!/usr/bin/python3
"""PyTorch CPU peer for the netc benchmarks: the same networks, data shapes and training step.

Prints one machine-readable line per benchmark, read by benchmarks/table.py:
    RESULT pytorch <benchmark> <samples per second> <spread %>
Lines starting with '#' describe the configuration. Benchmark names are the JMH method names.

Configuration: torch.set_num_threads(1) (intra-op threads); the BLAS behind torch.nn.Linear
(OpenBLAS on Debian when libopenblas0 is installed) keeps its own threads, which on this machine
is PyTorch's fastest setting. Float32 throughout. A training step is zero_grad (set_to_none) +
forward + CrossEntropyLoss (mean) + backward + SGD(lr=0.01, momentum=0.9).step(); inference is a
forward pass of one example under torch.inference_mode(). torch.set_flush_denormal(True) (its
faster setting on Intel cores, where every subnormal operand costs a microcode assist; netc's
optimizer state flushes subnormals too) unless --keep-denormals.

Each benchmark: a fresh model, a pool of 1024 random examples (inputs uniform, random labels,
fixed seed; with --fashion DIR the 784-input ones take Fashion-MNIST test images instead) cycled
batch by batch, one warm-up period, then several timed periods; the reported
figure is the mean of the timed periods, like JMH's score; the spread is half their range, in
percent of the mean.
"""

import argparse
import gzip
import os
import re
import time

import torch
from torch import nn

POOL = 1024
LR = 0.01
MOMENTUM = 0.9


def mlp():
    return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                         nn.Linear(128, 10))


def tiny():
    return nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 3))


def lenet5():
    # Issue 14's LeNet-5 (examples/lenet5.net); Unflatten views the pool's rows as 1x28x28.
    return nn.Sequential(nn.Unflatten(1, (1, 28, 28)), nn.Conv2d(1, 6, 5), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(256, 120), nn.ReLU(), nn.Linear(120, 84),
                         nn.ReLU(), nn.Linear(84, 10))


def small():
    # Issue 14's "Small" CNN (examples/fashion-cnn.net).
    return nn.Sequential(nn.Unflatten(1, (1, 28, 28)), nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(1568, 128), nn.ReLU(),
                         nn.Linear(128, 10))


def fashion_images(directory):
    """The first POOL Fashion-MNIST test images as rows of b / 255 (as netc reads them)."""
    with gzip.open(os.path.join(directory, "t10k-images-idx3-ubyte.gz"), "rb") as f:
        raw = f.read()[16:16 + POOL * 784]
    return torch.frombuffer(bytearray(raw), dtype=torch.uint8).reshape(POOL, 784).float() / 255


def pool(inputs, classes, batch, lo, hi, seed, fashion=None):
    gen = torch.Generator().manual_seed(seed)
    xs = torch.rand(POOL, inputs, generator=gen) * (hi - lo) + lo
    if fashion is not None and inputs == 784:
        xs = fashion_images(fashion)
    ys = torch.randint(0, classes, (POOL,), generator=gen)
    return [(xs[i:i + batch].contiguous(), ys[i:i + batch].contiguous())
            for i in range(0, POOL, batch)]


def train_step(model):
    opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    loss_fn = nn.CrossEntropyLoss()

    def step(x, y):
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
    return step


def predict_step(model):
    def step(x, _y):
        with torch.inference_mode():
            model(x)
    return step


def timed(step, batches, seconds):
    """Runs step over the batches for about `seconds`; returns steps per second."""
    n = 0
    i = 0
    start = time.perf_counter()
    while True:
        for _ in range(16):
            x, y = batches[i]
            step(x, y)
            i = i + 1 if i + 1 < len(batches) else 0
        n += 16
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return n / elapsed


BENCHMARKS = {
    # name: (model factory, step factory, batch, pool arguments)
    "mlpTrainB1": (mlp, train_step, 1, (784, 10, 0.0, 1.0)),
    "mlpTrainB32": (mlp, train_step, 32, (784, 10, 0.0, 1.0)),
    "mlpTrainB128": (mlp, train_step, 128, (784, 10, 0.0, 1.0)),
    "mlpPredictB1": (mlp, predict_step, 1, (784, 10, 0.0, 1.0)),
    "tinyTrainB1": (tiny, train_step, 1, (4, 3, -1.0, 1.0)),
    "tinyPredictB1": (tiny, predict_step, 1, (4, 3, -1.0, 1.0)),
    "lenet5TrainB32": (lenet5, train_step, 32, (784, 10, 0.0, 1.0)),
    "lenet5PredictB1": (lenet5, predict_step, 1, (784, 10, 0.0, 1.0)),
    "smallCnnTrainB32": (small, train_step, 32, (784, 10, 0.0, 1.0)),
    "smallCnnPredictB1": (small, predict_step, 1, (784, 10, 0.0, 1.0)),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warmup", type=float, default=2.0, help="warm-up seconds")
    parser.add_argument("--iterations", type=int, default=3, help="timed periods")
    parser.add_argument("--seconds", type=float, default=2.0, help="seconds per timed period")
    parser.add_argument("--only", default="",
                        help="regular expression: run the benchmarks whose name it matches")
    parser.add_argument("--fashion", metavar="DIR", default=None,
                        help="the 784-input benchmarks' examples are the first 1024 Fashion-MNIST "
                             "test images in DIR instead of random ones")
    parser.add_argument("--keep-denormals", action="store_true",
                        help="leave torch.set_flush_denormal at its default (off)")
    args = parser.parse_args()

    torch.set_num_threads(1)
    flushing = not args.keep_denormals and torch.set_flush_denormal(True)
    print(f"# pytorch {torch.__version__}, intra-op threads {torch.get_num_threads()}, "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}, "
          f"flush denormals {'on' if flushing else 'off'}", flush=True)
    for name, (factory, step_factory, batch, (inputs, classes, lo, hi)) in BENCHMARKS.items():
        if not re.search(args.only, name):
            continue
        torch.manual_seed(42)
        step = step_factory(factory())
        batches = pool(inputs, classes, batch, lo, hi, 1234 + batch, args.fashion)
        timed(step, batches, args.warmup)
        rates = [timed(step, batches, args.seconds) * batch for _ in range(args.iterations)]
        mean = sum(rates) / len(rates)
        print(f"# {name}: " + ", ".join(f"{r:.1f}" for r in rates) + " samples/s", flush=True)
        spread = 50.0 * (max(rates) - min(rates)) / mean
        print(f"RESULT pytorch {name} {mean:.1f} {spread:.1f}", flush=True)


if __name__ == "__main__":
    main()
