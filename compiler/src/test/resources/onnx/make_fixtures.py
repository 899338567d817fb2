"""Makes the ONNX fixtures of dev.netc.onnx's tests with PyTorch 1.13 (Debian python3-torch).

Run from this folder: /usr/bin/python3 make_fixtures.py
Each model M gives M.onnx (torch.onnx.export, opset 13, dynamic batch) and M.json: the inputs
it was run on, their shape, and PyTorch's outputs (eval mode), so that the tests can compare
netc's generated classes with PyTorch without running Python. Unsupported models (residual_add,
lstm, conv) have no expected outputs: the tests check the importer's error message.
Weights come from fixed seeds, so a rerun writes the same files.
"""

import json

import torch
from torch import nn


class Activations(nn.Module):
    """Every activation netc supports, one per layer, and a linear output layer."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(6, 8)
        self.fc2 = nn.Linear(8, 8)
        self.fc3 = nn.Linear(8, 8)
        self.fc4 = nn.Linear(8, 8)
        self.fc5 = nn.Linear(8, 8)
        self.fc6 = nn.Linear(8, 8)
        self.out = nn.Linear(8, 3)
        self.drop = nn.Dropout(0.5)

    def forward(self, x):
        x = torch.relu(self.fc1(x))
        x = nn.functional.leaky_relu(self.fc2(x), 0.2)
        x = nn.functional.elu(self.fc3(x), 0.7)
        x = self.drop(torch.sigmoid(self.fc4(x)))
        x = torch.tanh(self.fc5(x))
        x = nn.functional.softplus(self.fc6(x))
        return self.out(x)


class SoftmaxMlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(5, 16)
        self.logits = nn.Linear(16, 4)

    def forward(self, x):
        return torch.softmax(self.logits(torch.tanh(self.hidden(x))), dim=1)


class LogSoftmaxMlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(5, 12)
        self.logits = nn.Linear(12, 4)

    def forward(self, x):
        return torch.log_softmax(self.logits(torch.relu(self.hidden(x))), dim=-1)


class BatchNormMlp(nn.Module):
    """Linear, BatchNorm1d (non-trivial running statistics), ReLU: the batch norm folds."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(6, 10)
        self.bn1 = nn.BatchNorm1d(10)
        self.fc2 = nn.Linear(10, 2)

    def forward(self, x):
        return torch.sigmoid(self.fc2(torch.relu(self.bn1(self.fc1(x)))))


class ViewFlatten(nn.Module):
    """x.view(x.size(0), -1) on 1x4x4 images: the Shape/Gather/Unsqueeze/Concat/Reshape chain."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(16, 7)
        self.fc2 = nn.Linear(7, 3)

    def forward(self, x):
        x = x.view(x.size(0), -1)
        return self.fc2(torch.relu(self.fc1(x)))


class FlattenModule(nn.Module):
    """nn.Flatten on 2x3x2 inputs: one Flatten node."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(12, 6), nn.ELU(), nn.Linear(6, 2))

    def forward(self, x):
        return self.net(x)


class MatMulAdd(nn.Module):
    """x @ w + b with [in, out] parameters: MatMul and Add instead of Gemm."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.randn(4, 6) * 0.5)
        self.b = nn.Parameter(torch.randn(6) * 0.1)
        self.head = nn.Linear(6, 2)

    def forward(self, x):
        return self.head(torch.tanh(x @ self.w + self.b))


class ResidualAdd(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 4)
        self.fc2 = nn.Linear(4, 4)

    def forward(self, x):
        h = torch.relu(self.fc1(x))
        return self.fc2(h) + h


class Lstm(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(3, 5, batch_first=True)
        self.fc = nn.Linear(5, 2)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out[:, -1, :])


class Conv(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 2, 3)
        self.fc = nn.Linear(2 * 4 * 4, 3)

    def forward(self, x):
        return self.fc(torch.flatten(torch.relu(self.conv1(x)), 1))


def export(name, model, input_shape, expected=True, dtype=torch.float32):
    model = model.to(dtype).eval()
    x = torch.randn(*input_shape, generator=torch.Generator().manual_seed(1)).to(dtype)
    torch.onnx.export(model, (x,), name + ".onnx", input_names=["input"],
                      output_names=["output"], opset_version=13,
                      dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
    if expected:
        with torch.no_grad():
            y = model(x)
        record = {"input_shape": list(x.shape), "input": x.flatten().tolist(),
                  "output_shape": list(y.shape), "output": y.flatten().tolist()}
        with open(name + ".json", "w") as f:
            json.dump(record, f, indent=1)
            f.write("\n")


def main():
    torch.manual_seed(17)
    export("activations", Activations(), (5, 6))
    export("softmax", SoftmaxMlp(), (4, 5))
    export("log_softmax", LogSoftmaxMlp(), (4, 5))
    bn = BatchNormMlp()
    with torch.no_grad():
        bn.bn1.running_mean.copy_(torch.randn(10) * 0.3)
        bn.bn1.running_var.copy_(torch.rand(10) + 0.5)
        bn.bn1.weight.copy_(torch.rand(10) + 0.5)
        bn.bn1.bias.copy_(torch.randn(10) * 0.2)
    export("batchnorm", bn, (6, 6))
    export("view_flatten", ViewFlatten(), (3, 1, 4, 4))
    export("flatten", FlattenModule(), (3, 2, 3, 2))
    export("matmul_add", MatMulAdd(), (4, 4))
    export("mlp_double", SoftmaxMlp(), (3, 5), dtype=torch.float64)
    export("residual_add", ResidualAdd(), (2, 4), expected=False)
    export("lstm", Lstm(), (2, 7, 3), expected=False)
    export("conv", Conv(), (2, 1, 6, 6), expected=False)


if __name__ == "__main__":
    main()
