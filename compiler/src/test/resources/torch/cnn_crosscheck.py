"""PyTorch's numbers for the netc CNN cross-check (TorchCrossCheckTest).

Builds the network of cross.net with nn.Conv2d / nn.MaxPool2d / nn.AvgPool2d / nn.Flatten /
nn.Linear in float64, sets every parameter from a formula of its index in the flat layout
(state_dict order, which is netc's), and writes the outputs, the loss and the gradient of every
parameter for a fixed batch, the init fans of the conv layers, plus the input gradient of max pooling on tied values (PyTorch's tie
rule), to cnn_crosscheck.json. Run with /usr/bin/python3 (torch 1.13):

    /usr/bin/python3 compiler/src/test/resources/torch/cnn_crosscheck.py
"""
import json
import math
import os

import torch
from torch import nn

torch.set_default_dtype(torch.float64)

model = nn.Sequential()
model.add_module("c1", nn.Conv2d(2, 3, (3, 2), stride=2, padding=1))
model.add_module("t1", nn.Tanh())
model.add_module("c2", nn.Conv2d(3, 4, 3, padding=1))
model.add_module("t2", nn.LeakyReLU(0.1))
model.add_module("mp", nn.MaxPool2d(2, stride=1))
model.add_module("ap", nn.AvgPool2d(2))
model.add_module("fl", nn.Flatten())
model.add_module("d1", nn.Linear(4, 5))
model.add_module("t3", nn.ELU(1.0))
model.add_module("out", nn.Linear(5, 3))

offset = 0
with torch.no_grad():
    for name, p in model.named_parameters():
        n = p.numel()
        values = [0.5 * math.sin(0.37 * (offset + i) + 0.1) for i in range(n)]
        p.copy_(torch.tensor(values).reshape(p.shape))
        offset += n

batch = 3
inputs = [math.cos(0.11 * k * k + 0.3) for k in range(batch * 2 * 7 * 6)]
x = torch.tensor(inputs).reshape(batch, 2, 7, 6)
targets = [0, 2, 1]
logits = model(x)
loss = nn.functional.cross_entropy(logits, torch.tensor(targets))
loss.backward()
grads = torch.cat([p.grad.reshape(-1) for p in model.parameters()])

# Max pooling on ties: 3x3 windows, stride 1 (overlapping), on a 1x4x5 image of few values.
tie_input = [float((3 * k) % 4 // 2) for k in range(20)]
t = torch.tensor(tie_input).reshape(1, 1, 4, 5).requires_grad_(True)
pooled = nn.functional.max_pool2d(t, 3, stride=1)
upstream = torch.arange(1.0, pooled.numel() + 1).reshape(pooled.shape)
pooled.backward(upstream)

fans = []
for conv in (model.c1, model.c2):
    fans.extend(nn.init._calculate_fan_in_and_fan_out(conv.weight))

result = {
    "parameterCount": offset,
    "convFans": fans,
    "inputs": inputs,
    "targets": targets,
    "outputs": torch.softmax(logits, dim=1).reshape(-1).tolist(),
    "loss": loss.item(),
    "gradient": grads.tolist(),
    "tieInput": tie_input,
    "tiePooled": pooled.reshape(-1).tolist(),
    "tieUpstream": upstream.reshape(-1).tolist(),
    "tieInputGradient": t.grad.reshape(-1).tolist(),
}
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cnn_crosscheck.json")
with open(out, "w") as f:
    json.dump(result, f, indent=1)
    f.write("\n")
print("wrote", out, "loss", result["loss"])
