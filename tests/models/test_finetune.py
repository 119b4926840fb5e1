"""Seed 003's fine-tuning pattern end to end: freeze every parameter of a ResNet-18, replace
``model.fc`` by a fresh ``nn.Linear(512, 10)``, SGD with momentum on ``model.parameters()``.

Only the head may get gradients; the backbone's backward nodes must not exist at all (its output
does not require grad, so no graph is recorded through it); a step moves only the head; and three
steps follow torchvision's net doing the same, number for number."""
import pytest

import autograd_gpu as ag
from autograd_gpu import nn, optim
from autograd_gpu.autograd.function import AccumulateGrad, Node
from helpers import torch_or_skip

HEAD = {"fc.weight", "fc.bias"}
# what the backbone's ops record (names shared with torch): none may be in the loss's graph
BACKBONE_NODES = {"ConvolutionBackward0", "NativeBatchNormBackward0", "ReluBackward0",
                  "MaxPool2DWithIndicesBackward0", "MeanBackward1", "ViewBackward0"}


def freeze_and_replace_head(model, linear):
    for param in model.parameters():
        param.requires_grad = False
    model.fc = linear(512, 10)
    return model


def graph_nodes(root):
    """Every backward node reachable from ``root`` (a grad_fn), AccumulateGrad leaves included."""
    seen, stack = {}, [root]
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen[id(node)] = node
        stack.extend(child for child, _ in node.next_functions)
    return list(seen.values())


@pytest.fixture
def frozen_pair(nets, device, copy_from_torch):
    """(ours, torchvision's) frozen ResNet-18s in train mode with the same new 512 -> 10 head."""
    torch = torch_or_skip()
    ours, ref = nets("resnet18", device)
    freeze_and_replace_head(ref, torch.nn.Linear)
    freeze_and_replace_head(ours, nn.Linear).to(device)  # the new head is made on the cpu
    copy_from_torch(ours.fc, ref.fc, device)
    return ours, ref


def test_only_the_head_gets_gradients_and_no_backbone_node_runs(frozen_pair, device, rng,
                                                                monkeypatch):
    torch = torch_or_skip()
    model, ref = frozen_pair
    head_inputs = []
    model.fc.register_forward_pre_hook(lambda module, args: head_inputs.append(args[0]))
    x = ag.tensor(rng.uniform(0, 1, (2, 3, 64, 64)).astype("float32"), device=device)
    labels = ag.tensor(rng.uniform(0, 1, (2, 10)).astype("float32"), device=device)
    prediction = model(x)
    loss = (prediction - labels).sum()
    assert head_inputs[0].requires_grad is False and head_inputs[0].grad_fn is None

    # the recorded graph is the head's only: every leaf it reaches is fc.weight or fc.bias, and
    # no backbone op is in it (torchvision's graph, the same way)
    nodes = graph_nodes(loss.grad_fn)
    leaves = {id(n.variable) for n in nodes if type(n) is AccumulateGrad}
    assert leaves == {id(model.fc.weight), id(model.fc.bias)}
    assert not {n.name() for n in nodes} & BACKBONE_NODES
    ref_loss = (ref(torch.tensor(x.cpu().numpy())) - torch.tensor(labels.cpu().numpy())).sum()
    ref_nodes = graph_nodes(ref_loss.grad_fn)
    assert sum(type(n).__name__ == "AccumulateGrad" for n in ref_nodes) == 2
    assert not {n.name() for n in ref_nodes} & BACKBONE_NODES

    ran = []
    original = Node._backward_inputs

    def counting(node, grad_outputs):
        ran.append(node.name())
        return original(node, grad_outputs)

    monkeypatch.setattr(Node, "_backward_inputs", counting)
    loss.backward()
    monkeypatch.undo()
    assert sorted(ran) == sorted(n.name() for n in nodes if type(n) is not AccumulateGrad)
    assert not set(ran) & BACKBONE_NODES
    with_grad = {name for name, p in model.named_parameters() if p.grad is not None}
    assert with_grad == HEAD

    optimizer = optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    optimizer.step()
    for name, p in model.named_parameters():
        changed = not bool((p.detach() == before[name]).all())
        assert changed == (name in HEAD), f"{name}: changed={changed}"


def test_three_sgd_steps_follow_torchvision(frozen_pair, device, rng, assert_close):
    torch = torch_or_skip()
    model, ref = frozen_pair
    optimizer = optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
    ref_optimizer = torch.optim.SGD(ref.parameters(), lr=1e-2, momentum=0.9)
    for step in range(3):
        x = rng.uniform(0, 1, (2, 3, 64, 64)).astype("float32")
        target = rng.integers(0, 10, 2)
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(ag.tensor(x, device=device)),
                                           ag.tensor(target, device=device))
        loss.backward()
        optimizer.step()
        ref_optimizer.zero_grad()
        ref_loss = torch.nn.functional.cross_entropy(ref(torch.tensor(x)), torch.tensor(target))
        ref_loss.backward()
        ref_optimizer.step()
        assert_close(loss, ref_loss, err_msg=f"loss of step {step}")
        assert_close(model.fc.weight, ref.fc.weight, err_msg=f"fc.weight after step {step}")
        assert_close(model.fc.bias, ref.fc.bias, err_msg=f"fc.bias after step {step}")
    # train mode: the frozen BatchNorms still track the batches' statistics, as torch's do
    assert_close(model.layer4[1].bn2.running_var, ref.layer4[1].bn2.running_var,
                 err_msg="running_var")
    assert int(model.bn1.num_batches_tracked) == 3
    assert len(optimizer.state) == 2  # momentum buffers for the head only
