# Learning rates per epoch from torch.optim.lr_scheduler (torch 1.13), the expected values of
# LrScheduleTest. Regenerate with: /usr/bin/python3 lr_schedules.py > lr_schedules.txt
# Each line: NAME EPOCHS BASE_LR then the lr of epochs 1..EPOCHS+1 (as repr(float)), i.e. the
# rate before the first scheduler.step() and after each of EPOCHS steps.
import torch

CASES = [
    ("step(every = 5, gamma = 0.5)", 12, 0.1,
     lambda o, e: torch.optim.lr_scheduler.StepLR(o, step_size=5, gamma=0.5)),
    ("step(every = 1)", 6, 0.3,
     lambda o, e: torch.optim.lr_scheduler.StepLR(o, step_size=1)),
    ("exponential(gamma = 0.9)", 10, 0.01,
     lambda o, e: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.9)),
    ("cosine", 10, 0.05,
     lambda o, e: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=e, eta_min=0)),
    ("cosine", 7, 0.001,
     lambda o, e: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=e, eta_min=0)),
    ("cosine", 1, 0.5,
     lambda o, e: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=e, eta_min=0)),
]

for name, epochs, lr, make in CASES:
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr)
    sched = make(opt, epochs)
    rates = [opt.param_groups[0]["lr"]]
    for _ in range(epochs):
        opt.step()
        sched.step()
        rates.append(opt.param_groups[0]["lr"])
    print(name.replace(" ", ""), epochs, repr(lr), " ".join(repr(r) for r in rates))
