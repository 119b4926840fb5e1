"""autograd_gpu.models' ResNets against torchvision's (tests/models/torch_resnet.py): state_dict
keys both ways, logits and gradients in eval and train mode, running statistics, printed form,
initialisation, and ``weights=`` checkpoints in the .npz, .safetensors and .pth formats."""
import importlib.util
import pathlib
import warnings

import numpy as np
import pytest

import autograd_gpu as ag
from autograd_gpu import nn, serialization
from autograd_gpu.models import BasicBlock, Bottleneck, ResNet, resnet18
from helpers import assert_torch_wording, torch_or_skip


def as_torch_state(model):
    torch = torch_or_skip()
    return {k: torch.tensor(v.detach().cpu().numpy()) for k, v in model.state_dict().items()}


# -- architecture and state_dict keys --------------------------------------------------------------

def test_resnet18_state_dict_keys_and_shapes_are_torchvisions(torch_resnet, nets, copy_from_torch):
    ours, ref = nets("resnet18")
    theirs_state, ours_state = ref.state_dict(), ours.state_dict()
    assert list(ours_state) == list(theirs_state)
    assert [tuple(v.shape) for v in ours_state.values()] == \
           [tuple(v.shape) for v in theirs_state.values()]
    assert [str(v.dtype) for v in ours_state.values()] == \
           [str(v.dtype) for v in theirs_state.values()]
    ours.fc.reset_parameters()
    assert repr(copy_from_torch(ours, ref)) == "<All keys matched successfully>"
    np.testing.assert_array_equal(ours.fc.weight.detach().numpy(), ref.fc.weight.detach().numpy())
    # and the other way: torchvision's net loads ours strictly, value for value
    fresh = torch_resnet.resnet18()
    result = fresh.load_state_dict(as_torch_state(ours))
    assert not result.missing_keys and not result.unexpected_keys
    for k, v in fresh.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), theirs_state[k].numpy(), err_msg=k)


def test_named_parameters_and_buffers_follow_torchvision(nets):
    ours, ref = nets("resnet18")
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in ref.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in ref.named_buffers()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in ref.named_modules()]
    assert sum(p.numel() for p in ours.parameters()) == 11689512


@pytest.mark.parametrize("mode", ["eval", "train"])
def test_resnet18_logits_and_gradients_match_torch(mode, device, rng, nets, assert_close):
    torch = torch_or_skip()
    ours, ref = nets("resnet18", device)
    getattr(ref, mode)()
    getattr(ours, mode)()
    x = rng.standard_normal((2, 3, 64, 64)).astype("float32")
    x_ours = ag.tensor(x, device=device, requires_grad=True)
    x_ref = torch.tensor(x, requires_grad=True)
    logits, logits_ref = ours(x_ours), ref(x_ref)
    assert tuple(logits.shape) == (2, 1000)
    assert_close(logits, logits_ref, err_msg="logits")

    r = rng.standard_normal((2, 1000)).astype("float32")
    (logits * ag.tensor(r, device=device)).sum().backward()
    (logits_ref * torch.tensor(r)).sum().backward()
    params, params_ref = dict(ours.named_parameters()), dict(ref.named_parameters())
    for name in ("conv1.weight", "layer1.0.conv1.weight", "fc.weight"):
        assert_close(params[name].grad, params_ref[name].grad, err_msg=f"grad of {name}")
    assert_close(x_ours.grad, x_ref.grad, err_msg="grad of the input")

    buffers_ref = dict(ref.named_buffers())
    for name, buf in ours.named_buffers():
        if name.endswith("num_batches_tracked"):
            assert int(buf) == int(buffers_ref[name]) == (1 if mode == "train" else 0), name
        else:
            assert_close(buf, buffers_ref[name], err_msg=f"buffer {name}")


def test_resnet50_keys_and_eval_logits_match_torch(device, rng, nets, assert_close):
    torch = torch_or_skip()
    ours, ref = nets("resnet50", device)
    assert list(ours.state_dict()) == list(ref.state_dict())
    assert [tuple(v.shape) for v in ours.state_dict().values()] == \
           [tuple(v.shape) for v in ref.state_dict().values()]
    ours.eval()
    ref.eval()
    x = rng.standard_normal((1, 3, 32, 32)).astype("float32")
    with ag.no_grad():
        logits = ours(ag.tensor(x, device=device))
    with torch.no_grad():
        logits_ref = ref(torch.tensor(x))
    assert_close(logits, logits_ref, err_msg="resnet50 logits")


def test_blocks_keep_torchvisions_checks():
    with pytest.raises(ValueError, match="BasicBlock only supports groups=1 and base_width=64"):
        BasicBlock(64, 64, groups=2)
    with pytest.raises(NotImplementedError, match="Dilation > 1 not supported in BasicBlock"):
        BasicBlock(64, 64, dilation=2)
    with pytest.raises(ValueError, match="replace_stride_with_dilation should be None"):
        ResNet(BasicBlock, [1, 1, 1, 1], replace_stride_with_dilation=[False])


# -- printed form ----------------------------------------------------------------------------------

def test_print_resnet18_equals_torchvisions(nets, capsys):
    ours, ref = nets("resnet18")
    print(ref)
    expected = capsys.readouterr().out
    print(ours)
    assert_torch_wording(capsys.readouterr().out, expected)
    assert expected.startswith("ResNet(\n  (conv1): Conv2d(3, 64, kernel_size=(7, 7), "
                               "stride=(2, 2), padding=(3, 3), bias=False)\n")


def test_print_resnet50_and_replaced_head_equal_torchvisions(nets):
    torch = torch_or_skip()
    ours, ref = nets("resnet50")
    assert_torch_wording(repr(ours), repr(ref))
    ref.fc, ours.fc = torch.nn.Linear(2048, 10), nn.Linear(2048, 10)
    assert_torch_wording(repr(ours), repr(ref))


# -- initialisation --------------------------------------------------------------------------------

def test_init_is_kaiming_fan_out_and_unit_batchnorm():
    ag.manual_seed(0)
    model = resnet18(num_classes=10)
    assert model.fc.out_features == 10 and tuple(model.fc.weight.shape) == (10, 512)
    for name, m in model.named_modules():
        if isinstance(m, nn.Conv2d):
            fan_out = m.out_channels * m.kernel_size[0] * m.kernel_size[1]
            std = float(m.weight.std())
            # sample std of >= 4096 normals is within 5% of sqrt(2 / fan_out)
            assert abs(std / np.sqrt(2.0 / fan_out) - 1) < 0.05, name
            assert abs(float(m.weight.mean())) < 0.1 * std, name
        elif isinstance(m, nn.BatchNorm2d):
            assert bool((m.weight == 1).all()) and bool((m.bias == 0).all()), name
    bound = 1 / np.sqrt(512)  # the fc keeps Linear's default U(+-1/sqrt(fan_in))
    assert float(model.fc.weight.abs().max()) <= bound


def test_zero_init_residual_zeroes_the_last_bn_of_each_branch():
    basic = ResNet(BasicBlock, [2, 1, 1, 1], zero_init_residual=True)
    bottleneck = ResNet(Bottleneck, [1, 1, 1, 1], zero_init_residual=True)
    for block in (*basic.layer1, basic.layer4[0]):
        assert not bool(block.bn2.weight.any())
        assert bool((block.bn1.weight == 1).all())
    for block in (bottleneck.layer1[0], bottleneck.layer3[0]):
        assert not bool(block.bn3.weight.any())
        assert bool((block.bn2.weight == 1).all())
    assert bool((basic.layer2[0].downsample[1].weight == 1).all())


# -- weights= checkpoints --------------------------------------------------------------------------

def _save_npz(path, state):
    np.savez(path, **{k: v.numpy() for k, v in state.items()})


def _save_safetensors(path, state):
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    safetensors_numpy.save_file({k: np.ascontiguousarray(v.numpy()) for k, v in state.items()},
                                str(path))


def _save_pth(path, state):
    if importlib.util.find_spec("autograd_gpu.pth") is None:
        pytest.skip("autograd_gpu.pth (the torch checkpoint reader) is not there yet")
    torch_or_skip().save(state, path)


@pytest.mark.parametrize("suffix, save, as_path", [
    (".npz", _save_npz, str),
    (".safetensors", _save_safetensors, pathlib.Path),
    (".pth", _save_pth, pathlib.Path),
])
def test_weights_path_loads_the_checkpoint(suffix, save, as_path, device, tmp_path, rng, nets,
                                           assert_close):
    torch = torch_or_skip()
    _, ref = nets("resnet18")
    ref.fc = torch.nn.Linear(512, 10)
    ref.eval()
    path = tmp_path / f"resnet18{suffix}"
    save(path, ref.state_dict())
    ours = resnet18(weights=as_path(path)).eval()  # num_classes comes from the checkpoint
    assert ours.fc.out_features == 10
    for (name, v), (ref_name, ref_v) in zip(ours.state_dict().items(), ref.state_dict().items()):
        assert name == ref_name
        np.testing.assert_array_equal(v.numpy(), ref_v.numpy(), err_msg=name)
    x = rng.standard_normal((1, 3, 32, 32)).astype("float32")
    with ag.no_grad():
        logits = ours.to(device)(ag.tensor(x, device=device))
    with torch.no_grad():
        assert_close(logits, ref(torch.tensor(x)), err_msg="logits")


def test_weights_with_another_num_classes_names_the_size_mismatch(tmp_path, nets):
    _, ref = nets("resnet18")
    path = tmp_path / "resnet18.npz"
    _save_npz(path, ref.state_dict())
    with pytest.raises(RuntimeError, match="size mismatch for fc.weight"):
        resnet18(weights=path, num_classes=10)


def test_weights_file_without_a_state_dict_is_refused(tmp_path):
    path = tmp_path / "checkpoint.npz"
    serialization.save({"epoch": 3, "model": {"fc.bias": ag.ones(2)}}, path)
    with pytest.raises(ValueError, match="does not hold a state dict"):
        resnet18(weights=path)


@pytest.mark.parametrize("weights", ["DEFAULT", "IMAGENET1K_V1", "ResNet18_Weights.DEFAULT", True])
def test_torchvision_weight_names_explain_that_nothing_is_downloaded(weights):
    with pytest.raises(ValueError, match=r"cannot download.*pass its path"):
        resnet18(weights=weights)


def test_pretrained_keyword_of_old_torchvision():
    with pytest.warns(UserWarning, match="'pretrained' is deprecated since 0.13"):
        model = resnet18(pretrained=False)
    assert isinstance(model, ResNet)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match=r"pretrained=True.*cannot download"):
            resnet18(pretrained=True)


def test_missing_checkpoint_names_the_path(tmp_path):
    missing = pathlib.Path(tmp_path) / "nowhere.pth"
    with pytest.raises(FileNotFoundError, match="nowhere.pth"):
        resnet18(weights=missing)
