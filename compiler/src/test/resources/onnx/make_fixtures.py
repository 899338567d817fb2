"""Makes the ONNX fixtures of dev.netc.onnx's tests with PyTorch 1.13 (Debian python3-torch).

Run from this folder: /usr/bin/python3 make_fixtures.py
Each model M gives M.onnx (torch.onnx.export, opset 13, dynamic batch) and M.json: the inputs
it was run on, their shape, and PyTorch's outputs (eval mode), so that the tests can compare
netc's generated classes with PyTorch without running Python. Unsupported models (residual_add,
lstm, grouped_conv) have no expected outputs: the tests check the importer's error message.
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


class LeNet5(nn.Module):
    """examples/lenet5.net: two 5x5 convolutions with max pooling, three linear layers."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 4 * 4, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = nn.functional.max_pool2d(torch.relu(self.conv1(x)), 2)
        # Pooling before the activation: max pooling commutes with every monotone activation.
        x = torch.relu(nn.functional.max_pool2d(self.conv2(x), 2))
        x = torch.flatten(x, 1)
        x = torch.relu(self.fc1(x))
        x = torch.relu(self.fc2(x))
        return torch.softmax(self.fc3(x), dim=1)


class StridedCnn(nn.Module):
    """A non-square kernel with stride 2 and padding 1, average pooling (PyTorch adds a zero Pad
    before it), a 'same' non-square convolution, overlapping max pooling and view-flatten."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(2, 4, (3, 5), stride=2, padding=1)
        self.pool1 = nn.AvgPool2d(2)
        self.conv2 = nn.Conv2d(4, 3, (3, 5), padding=(1, 2))
        self.pool2 = nn.MaxPool2d(3, stride=1)
        self.fc = nn.Linear(3 * 2 * 2, 4)

    def forward(self, x):
        x = self.pool1(nn.functional.elu(self.conv1(x), 0.5))
        x = self.pool2(torch.tanh(self.conv2(x)))
        return self.fc(x.view(x.size(0), -1))


class ConvBatchNorm(nn.Module):
    """Conv without bias, BatchNorm2d (non-trivial running statistics), LeakyReLU; the batch norm
    folds into the convolution."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 5, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(5)
        self.conv2 = nn.Conv2d(5, 4, 3)
        self.bn2 = nn.BatchNorm2d(4)
        self.fc = nn.Linear(4 * 2 * 2, 3)

    def forward(self, x):
        x = nn.functional.leaky_relu(self.bn1(self.conv1(x)), 0.1)
        x = nn.functional.max_pool2d(x, 2)
        x = torch.sigmoid(self.bn2(self.conv2(x)))
        return self.fc(torch.flatten(x, 1))


class CnnView(nn.Module):
    """x.view(x.size(0), -1) after a convolution; softplus and a global average pool."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 3, 3)
        self.conv2 = nn.Conv2d(3, 4, 2, stride=2)
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        x = nn.functional.softplus(self.conv1(x))
        x = nn.functional.adaptive_avg_pool2d(torch.relu(self.conv2(x)), 1)
        return self.fc(x.view(x.size(0), -1))


class CnnFlatten(nn.Module):
    """nn.Flatten after pooling in an nn.Sequential: initializer names '0.weight' give default
    layer names."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                 nn.Flatten(), nn.Linear(3 * 3 * 3, 2))

    def forward(self, x):
        return self.net(x)


class GroupedConv(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(4, 4, 3, groups=2)
        self.fc = nn.Linear(4 * 2 * 2, 2)

    def forward(self, x):
        return self.fc(torch.flatten(self.conv1(x), 1))


def export(name, model, input_shape, expected=True, dtype=torch.float32, keep_batch_norm=False):
    model = model.to(dtype).eval()
    x = torch.randn(*input_shape, generator=torch.Generator().manual_seed(1)).to(dtype)
    # In eval mode the exporter folds batch norm into a preceding Conv itself; PRESERVE keeps
    # the BatchNormalization node (still in inference mode, as the model is in eval mode).
    training = torch.onnx.TrainingMode.PRESERVE if keep_batch_norm else torch.onnx.TrainingMode.EVAL
    torch.onnx.export(model, (x,), name + ".onnx", input_names=["input"],
                      output_names=["output"], opset_version=13, training=training,
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
    export("conv", Conv(), (2, 1, 6, 6))
    export("lenet5", LeNet5(), (2, 1, 28, 28))
    export("strided_cnn", StridedCnn(), (2, 2, 15, 19))
    cbn = ConvBatchNorm()
    with torch.no_grad():
        for bn in (cbn.bn1, cbn.bn2):
            n = bn.num_features
            bn.running_mean.copy_(torch.randn(n) * 0.3)
            bn.running_var.copy_(torch.rand(n) + 0.5)
            bn.weight.copy_(torch.rand(n) + 0.5)
            bn.bias.copy_(torch.randn(n) * 0.2)
    export("conv_batchnorm", cbn, (2, 3, 8, 8), keep_batch_norm=True)
    export("cnn_view", CnnView(), (3, 1, 6, 6))
    export("cnn_flatten", CnnFlatten(), (2, 2, 6, 7))
    export("grouped_conv", GroupedConv(), (2, 4, 4, 4), expected=False)


if __name__ == "__main__":
    main()
