"""Issue 3's training-step benchmarks (and issue 6's GPU sizes), each a ratio against torch measured
in the same run, both sides starting from the same weights:

- MLP 784-512-256-10 (ReLU) training step: forward, cross-entropy, backward, SGD(momentum) step;
  batch 128 on the CPU (goal: at most 1.3x torch), 4096 on the GPU;
- ResNet-18 frozen-backbone fine-tune step (seed 003): every parameter frozen, the backbone in
  eval mode (BatchNorm uses its running statistics), a new 512 -> 10 fc, cross-entropy, backward,
  SGD step; batch 8 at 64x64 on the CPU (goal: at most 1.5x), 64 at 224x224 on the GPU;
- full ResNet-18 training step: train mode, all parameters, same loss and optimizer; batch 8 at
  64x64 on the CPU (goal: at most 2x), 64 at 224x224 on the GPU.

GPU goals (issue 6, TF32 off on both sides): MLP at most 1.2x, frozen fine-tune at most 1.2x, full
training step at most 1.5x.

torch's ResNet is torchvision's, built from tests/models/torch_resnet.py (torchvision itself is not
installable next to the torch used here).

    python benchmarks/bench_nn.py [--device cpu|cuda] [--threads N] [--json results.json]

``--threads N`` gives both libraries N CPU threads (BLAS and OpenMP): on a machine shared with
other work, torch's default OpenMP threads spin against the other processes and its times swing
by 10x, so a fixed small count gives the ratio that can be compared from run to run.
"""
import sys

from _timing import interleaved, parse_args, report, test_module, torch_for

CPU_GOALS = {"mlp": 1.3, "finetune": 1.5, "train": 2.0}
GPU_GOALS = {"mlp": 1.2, "finetune": 1.2, "train": 1.5}


def sizes(device):
    """(MLP batch, ResNet batch, image side) for a device."""
    return (4096, 64, 224) if device.startswith("cuda") else (128, 8, 64)


def copy_weights(ours, theirs, device):
    import autograd_gpu as ag

    ours.load_state_dict({k: ag.tensor(v.detach().cpu().numpy(), device=device)
                          for k, v in theirs.state_dict().items()})


def training_step(lib, model, optimizer, x, target):
    optimizer.zero_grad()
    loss = lib.nn.functional.cross_entropy(model(x), target)
    loss.backward()
    optimizer.step()


def mlp(lib):
    nn = lib.nn
    return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(),
                         nn.Linear(256, 10))


def frozen_resnet18(lib, build):
    model = build()
    for param in model.parameters():
        param.requires_grad = False
    model.fc = lib.nn.Linear(512, 10)
    return model.eval()


def cases(device):
    """(goal key, label, model builder taking the library, input shape, number of classes)."""
    import torch

    import autograd_gpu.models

    torch_resnet = test_module("models/torch_resnet.py")
    mlp_batch, batch, side = sizes(device)
    image = (batch, 3, side, side)
    return [
        ("mlp", f"MLP 784-512-256-10 train step, batch {mlp_batch}",
         mlp, (mlp_batch, 784), 10),
        ("finetune", f"ResNet-18 frozen fine-tune step, {batch}x3x{side}x{side}",
         lambda lib: frozen_resnet18(lib, torch_resnet.resnet18 if lib is torch
                                     else autograd_gpu.models.resnet18), image, 10),
        ("train", f"ResNet-18 full train step, {batch}x3x{side}x{side}",
         lambda lib: (torch_resnet.resnet18() if lib is torch
                      else autograd_gpu.models.resnet18()).train(), image, 1000),
    ]


def prepared(device):
    """For each case: (goal key, label, our training_step arguments, torch's), the same weights
    and the same random batch on both sides."""
    import numpy as np

    import autograd_gpu as ag
    from autograd_gpu import optim

    torch = torch_for(device)
    rng = np.random.default_rng(0)
    for key, label, build, shape, classes in cases(device):
        torch.manual_seed(0)
        theirs = build(torch).to(device)
        ours = build(ag).to(device)
        copy_weights(ours, theirs, device)
        x = rng.standard_normal(shape).astype("float32")
        target = rng.integers(0, classes, shape[0])
        ours_args = (ag, ours, optim.SGD(ours.parameters(), lr=1e-2, momentum=0.9),
                     ag.tensor(x, device=device), ag.tensor(target, device=device))
        theirs_args = (torch, theirs, torch.optim.SGD(theirs.parameters(), lr=1e-2, momentum=0.9),
                       torch.tensor(x, device=device), torch.tensor(target, device=device))
        yield key, label, ours_args, theirs_args


def run(device, rounds=5, repeat=3):
    rows = []
    for key, label, ours_args, theirs_args in prepared(device):
        ours_s, torch_s = interleaved(lambda: training_step(*ours_args),
                                      lambda: training_step(*theirs_args), device, rounds, repeat)
        goals = GPU_GOALS if device.startswith("cuda") else CPU_GOALS
        row = {"name": f"{label} ({device})", "ours": ours_s, "torch": torch_s, "goal": goals[key]}
        rows.append(row)
    return rows


def main(argv=None):
    args = parse_args(__doc__, argv)
    report(run(args.device), args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
