"""The fine-tuning example (autograd_gpu.examples.finetune) on small settings: it runs end to end on
each device, prints what it promises, saves a checkpoint that reloads into the same architecture
and reproduces the printed accuracy, trains only the head in stage 2, and transfers well above
chance; bad arguments and a missing dependency end with a message, not a traceback."""
import re
import sys

import numpy as np
import pytest

import autograd_gpu as ag

pytest.importorskip("sklearn", reason="the example's data needs scikit-learn: the examples extra")
pytest.importorskip("tqdm", reason="the example's progress bars need tqdm: the examples extra")
pytest.importorskip("safetensors", reason="the example saves safetensors")

from autograd_gpu.examples import finetune  # noqa: E402 - after the dependency checks
from autograd_gpu.examples.data import (IMAGENET_MEAN, IMAGENET_STD, PRETRAIN_DIGITS,  # noqa: E402
                                        TRANSFER_DIGITS, load_digits, prepare_tasks,
                                        split_indices, to_rgb)

TINY = ["--samples-per-class", "12", "--pretrain-epochs", "1", "--epochs", "1", "--batch-size",
        "16", "--seed", "3"]


def _percent(text, label):
    match = re.search(re.escape(label) + r"[^:]*: (\d+\.\d\d)%", text)
    assert match, f"no '{label}' accuracy in the output:\n{text}"
    return float(match.group(1))


# -- data ------------------------------------------------------------------------------------------

def test_to_rgb_repeats_each_pixel_into_a_block_and_the_gray_channel_three_times(rng):
    gray = rng.uniform(0.1, 1.0, size=(5, 8, 8)).astype("float32")
    rgb = to_rgb(ag.tensor(gray), 32)
    assert rgb.shape == (5, 3, 32, 32)
    expected = np.kron(gray, np.ones((4, 4), dtype="float32"))[:, None].repeat(3, axis=1)
    np.testing.assert_array_equal(rgb.numpy(), expected)
    with pytest.raises(ValueError, match="multiple of 8"):
        to_rgb(ag.tensor(gray), 30)


def test_tasks_split_by_class_relabel_and_normalise():
    images, labels = load_digits()
    assert images.shape == (1797, 8, 8) and float(images.min()) == 0 and float(images.max()) == 1
    train, test = split_indices(labels, TRANSFER_DIGITS, 0.25, seed=0)
    assert not set(train) & set(test)
    assert sorted(set(labels[ag.tensor(test)].tolist())) == list(TRANSFER_DIGITS)
    assert len(train) + len(test) == sum(int((labels == d).sum()) for d in TRANSFER_DIGITS)

    pretrain, transfer = prepare_tasks(seed=0)
    assert (pretrain.digits, transfer.digits) == (PRETRAIN_DIGITS, TRANSFER_DIGITS)
    assert pretrain.train_images.shape[1:] == (3, 32, 32)
    for task in (pretrain, transfer):
        assert sorted(set(task.train_labels.tolist())) == [0, 1, 2, 3, 4]
        assert sorted(set(task.test_labels.tolist())) == [0, 1, 2, 3, 4]
    assert abs(float(pretrain.train_images.mean())) < 1e-5
    assert abs(float(pretrain.train_images.std()) - 1) < 1e-4
    # a transfer image is its source digit upsampled and standardised with the pretrain statistics
    pretrain_train, _ = split_indices(labels, PRETRAIN_DIGITS, 0.25, seed=0)
    source = images[ag.tensor(pretrain_train)]
    expected = (to_rgb(images[ag.tensor(train[:3])], 32) - source.mean()) / source.std()
    assert ag.allclose(transfer.train_images[:3], expected, atol=1e-6)
    assert transfer.train_labels[:3].tolist() == [int(labels[i]) - 5 for i in train[:3]]


def test_imagenet_normalisation_for_a_torchvision_checkpoint():
    images, labels = load_digits()
    train, _ = split_indices(labels, TRANSFER_DIGITS, 0.25, seed=4, per_class=3)
    _, transfer = prepare_tasks(64, "imagenet", seed=4, per_class=3)
    assert transfer.train_images.shape == (len(train), 3, 64, 64)
    mean = ag.tensor(IMAGENET_MEAN).reshape(1, 3, 1, 1)
    std = ag.tensor(IMAGENET_STD).reshape(1, 3, 1, 1)
    expected = (to_rgb(images[ag.tensor(train)], 64) - mean) / std
    assert ag.allclose(transfer.train_images, expected, atol=1e-6)
    with pytest.raises(ValueError, match="normalization must be one of"):
        prepare_tasks(32, "cifar")


# -- end to end ------------------------------------------------------------------------------------

def test_main_runs_prints_and_saves_a_checkpoint_that_reproduces_its_accuracy(device, tmp_path,
                                                                              capsys):
    out = tmp_path / "tiny.safetensors"
    assert finetune.main(TINY + ["--device", device, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    for stage in ("pretrain", "head"):
        assert re.search(stage + r" epoch 1/1: loss \d+\.\d{4}, \d+\.\d s", printed), printed
    if device == "cuda":
        assert f"device: cuda ({ag.cuda.get_device_name()})" in printed
    else:
        assert "device: cpu" in printed
    pretrain_percent = _percent(printed, "pretrain test accuracy")
    before = _percent(printed, "before fine-tuning")
    after = _percent(printed, "after fine-tuning")
    assert 0 <= pretrain_percent <= 100 and 0 <= before <= 100
    assert str(out) in printed and out.is_file()

    model = finetune.build_backbone(num_classes=5)
    model.load_state_dict(ag.load(out, map_location="cpu"))
    _, transfer = prepare_tasks(seed=3, per_class=12)
    reproduced = finetune.accuracy(model.to(device), transfer.test_set, device, batch_size=16)
    assert f"{reproduced:.2%}" == f"{after:.2f}%"


def test_stage_two_trains_only_the_head(device):
    _, transfer = prepare_tasks(seed=1, per_class=10)
    ag.manual_seed(1)
    model = finetune.build_backbone(num_classes=5).to(device)
    finetune.replace_head(model, transfer.num_classes)
    before = {k: v.detach().clone() for k, v in model.state_dict().items()}
    config = finetune.parse_args(["--device", device, "--epochs", "2", "--batch-size", "8",
                                  "--lr", "0.05", "--quiet"])
    finetune.finetune_head(model, transfer, config, log=lambda line: None)

    after = model.state_dict()
    backbone = [k for k in before if not k.startswith("fc.")]
    assert len(backbone) > 50 and any(k.endswith("running_mean") for k in backbone)
    for key in backbone:
        assert ag.equal(after[key], before[key]), f"{key} changed in stage 2"
    for key in ("fc.weight", "fc.bias"):
        assert not ag.allclose(after[key], before[key]), f"{key} did not train"
    assert all(p.grad is None and not p.requires_grad
               for name, p in model.named_parameters() if not name.startswith("fc."))
    assert model.fc.weight.requires_grad and model.fc.weight.grad is not None


def test_transfer_accuracy_is_well_above_chance_after_a_short_run(tmp_path):
    """A faster variant of the default run (fewer images, the same recipe): the frozen features
    learnt on the digits 0-4 let a linear head tell the digits 5-9 apart."""
    config = finetune.parse_args(["--device", "cpu", "--samples-per-class", "60",
                                  "--pretrain-epochs", "2", "--epochs", "3", "--seed", "0",
                                  "--quiet", "--out", str(tmp_path / "short.safetensors")])
    lines = []
    result = finetune.run(config, log=lines.append)
    assert result.pretrain_accuracy > 0.8, lines
    assert result.transfer_accuracy_after > 0.8, lines  # chance is 0.2
    assert result.transfer_accuracy_after > result.transfer_accuracy_before + 0.4, lines


def test_weights_option_fine_tunes_a_resnet18_checkpoint(tmp_path, capsys):
    from autograd_gpu.models import resnet18

    ag.manual_seed(5)
    weights = tmp_path / "resnet18.safetensors"
    ag.save(resnet18().state_dict(), weights)
    out = tmp_path / "ft.safetensors"
    args = ["--weights", str(weights), "--samples-per-class", "4", "--epochs", "1", "--device",
            "cpu", "--out", str(out), "--quiet"]
    assert finetune.main(args) == 0
    printed = capsys.readouterr().out
    assert "pretrain: skipped" in printed and "of (3, 64, 64)" in printed
    _percent(printed, "after fine-tuning")
    model = resnet18(num_classes=5)
    model.load_state_dict(ag.load(out))


# -- errors ----------------------------------------------------------------------------------------

BAD_ARGUMENTS = [
    (["--batch-size", "0"], "--batch-size: must be at least 1"),
    (["--batch-size", "many"], "--batch-size: expected a number, got 'many'"),
    (["--lr", "-0.1"], "--lr: must be positive"),
    (["--epochs", "-1"], "--epochs: must be 0 or more"),
    (["--samples-per-class", "1"], "--samples-per-class: must be at least 2"),
    (["--device", "tpu"], "invalid choice: 'tpu'"),
    (["--weights", "/no/such/resnet18.pth"], "--weights: no such file"),
    (["--out", "/no/such/folder/model.safetensors"], "--out: the folder /no/such/folder"),
]


@pytest.mark.parametrize("args, message", BAD_ARGUMENTS)
def test_bad_arguments_exit_with_a_message(args, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        finetune.main(args)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.skipif(ag.cuda.is_available(), reason="needs a machine without a usable GPU")
def test_cuda_without_a_gpu_says_why(capsys):
    with pytest.raises(SystemExit) as exit_info:
        finetune.main(["--device", "cuda"])
    assert exit_info.value.code == 2
    assert ag.cuda.unavailable_reason() in capsys.readouterr().err


def test_weights_that_are_not_a_checkpoint_end_with_a_message(tmp_path, capsys):
    weights = tmp_path / "garbage.pth"
    weights.write_bytes(b"not a checkpoint at all")
    code = finetune.main(["--weights", str(weights), "--device", "cpu", "--out",
                          str(tmp_path / "x.safetensors"), "--quiet"])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --weights") and str(weights) in err


def test_missing_scikit_learn_says_how_to_install_it(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    code = finetune.main(["--device", "cpu", "--out", str(tmp_path / "x.safetensors")])
    assert code == 1
    err = capsys.readouterr().err
    assert "scikit-learn" in err and "pip install 'autograd_gpu[examples]'" in err
