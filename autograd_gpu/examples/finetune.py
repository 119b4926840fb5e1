"""Fine-tune a ResNet's classifier head on real data: the tutorials' transfer-learning pattern.

    python -m autograd_gpu.examples.finetune            (or: autograd-gpu-finetune)

Data (``data.py``): scikit-learn's 1797 handwritten 8x8 digits, split by class into a pretrain task
(digits 0-4) and a transfer task (digits 5-9, relabelled 0-4), each with a held-out test split.

Stage 1 trains a small ResNet on the pretrain task. The backbone is torchvision's ResNet with
BasicBlocks and one block per stage (``layers=[1, 1, 1, 1]``, a "ResNet-10": ResNet-18's widths and
stem with half its blocks), on 3x32x32 inputs (the digits upsampled 4x): after the stem's stride-4
downsampling the 8x8 digit is again 8x8, so nothing is lost, and the default run takes well under
a minute on a 2-core CPU.

Stage 2 is what tutorials do with an ImageNet ResNet-18: freeze every parameter
(``requires_grad = False``), keep the backbone in eval mode (BatchNorm uses its running
statistics), replace ``model.fc`` by a fresh ``nn.Linear`` for the new classes, and train it with
``optim.SGD(model.parameters(), lr, momentum=0.9)``: the frozen parameters get no gradient, so only
the head moves. The transfer test accuracy is printed before (a random head: chance, about 20%)
and after. The fine-tuned model's state_dict is saved to ``--out``.

``--weights PATH`` starts stage 2 from a torchvision ResNet-18 checkpoint instead of stage 1: the
digits are then upsampled to 3x64x64 and normalised with ImageNet's statistics, as it was trained.
"""
import argparse
import os
import pickle
import sys
import time
from dataclasses import dataclass

import autograd_gpu as ag
from autograd_gpu import nn, optim
from autograd_gpu.models import BasicBlock, ResNet, resnet18
from autograd_gpu.utils.data import DataLoader

from . import MissingDependencyError, import_optional
from .data import prepare_tasks

BACKBONE_LAYERS = (1, 1, 1, 1)
SIDE = 32            # input side for the backbone pretrained here
WEIGHTS_SIDE = 64    # input side for a torchvision ResNet-18 checkpoint (the tutorials' 64x64)
PRETRAIN_LR = 0.01
PRETRAIN_WEIGHT_DECAY = 5e-4
MOMENTUM = 0.9


@dataclass
class Result:
    """What a run produced: the fine-tuned model, the test accuracies (fractions;
    ``pretrain_accuracy`` is None when stage 1 was skipped) and the checkpoint's absolute path."""
    model: nn.Module
    pretrain_accuracy: float
    transfer_accuracy_before: float
    transfer_accuracy_after: float
    checkpoint: str


# -- devices ---------------------------------------------------------------------------------------

def resolve_device(name):
    """``"auto"`` is cuda when a GPU is usable, else cpu; ``"cuda"`` without one raises
    RuntimeError with autograd_gpu.cuda's reason."""
    if name == "auto":
        return "cuda" if ag.cuda.is_available() else "cpu"
    if name == "cuda" and not ag.cuda.is_available():
        raise RuntimeError(f"--device cuda: no usable GPU: {ag.cuda.unavailable_reason()}")
    return name


def describe_device(device):
    if device == "cuda":
        return f"cuda ({ag.cuda.get_device_name()})"
    return device


# -- the model -------------------------------------------------------------------------------------

def build_backbone(num_classes):
    """The ResNet trained in stage 1 (module docstring)."""
    return ResNet(BasicBlock, list(BACKBONE_LAYERS), num_classes=num_classes)


class WeightsError(ValueError):
    """``--weights`` names a file that is not a ResNet-18 checkpoint."""


def load_resnet18(path):
    """torchvision's ResNet-18 with the checkpoint at ``path`` (a torch .pth or a safetensors
    file); WeightsError saying why when it cannot be read into that architecture."""
    try:
        return resnet18(weights=path)
    except (OSError, RuntimeError, KeyError, ValueError, pickle.UnpicklingError) as err:
        raise WeightsError(f"--weights {path}: not a ResNet-18 checkpoint: {err}") from err


def replace_head(model, num_classes):
    """Freezes every parameter and puts in a fresh ``fc`` for ``num_classes`` (trainable, as a
    new module's parameters are). The head is initialised on the cpu and then moved, so that the
    same seed gives the same head on every device."""
    for param in model.parameters():
        param.requires_grad = False
    device = model.fc.weight.device
    model.fc = nn.Linear(model.fc.in_features, num_classes).to(device)
    return model


# -- training and evaluation -----------------------------------------------------------------------

def train_epoch(model, loader, optimizer, device, progress):
    """One pass over ``loader``: cross-entropy, backward, step. Returns the mean loss."""
    total, count = 0.0, 0
    for images, labels in progress(loader):
        images, labels = images.to(device), labels.to(device)
        loss = nn.functional.cross_entropy(model(images), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * len(labels)
        count += len(labels)
        progress.show_loss(total / count)
    return total / count


def accuracy(model, dataset, device, batch_size):
    """The fraction of ``dataset`` that ``model`` classifies correctly, in eval mode, without
    recording a graph."""
    model.eval()
    correct = 0
    with ag.no_grad():
        for images, labels in DataLoader(dataset, batch_size=batch_size):
            predicted = model(images.to(device)).argmax(1)
            correct += int((predicted == labels.to(device)).sum().item())
    return correct / len(dataset)


class Progress:
    """tqdm bars over one epoch's batches: left on screen only in a terminal, absent when quiet or
    when stderr is not a terminal (tqdm's ``disable=None``)."""

    def __init__(self, tqdm, desc, quiet):
        self._tqdm, self._desc, self._quiet = tqdm, desc, quiet
        self._bar = None

    def __call__(self, loader):
        self._bar = self._tqdm(loader, desc=self._desc, unit="batch", leave=False,
                               disable=True if self._quiet else None, dynamic_ncols=True)
        return self._bar

    def show_loss(self, loss):
        self._bar.set_postfix(loss=f"{loss:.4f}", refresh=False)


def fit(model, dataset, optimizer, epochs, config, stage, log, train_mode=True):
    """``epochs`` epochs of ``train_epoch``, one line per epoch (mean loss, seconds), ``model`` in
    train mode or, with ``train_mode=False`` (a frozen backbone), in eval mode."""
    tqdm = import_optional("tqdm", "the fine-tuning example's progress bars").tqdm
    loader = DataLoader(dataset, batch_size=config.batch_size, shuffle=True)
    for epoch in range(1, epochs + 1):
        model.train(train_mode)
        progress = Progress(tqdm, f"{stage} epoch {epoch}/{epochs}", config.quiet)
        start = time.perf_counter()
        loss = train_epoch(model, loader, optimizer, config.device, progress)
        if not config.quiet:
            log(f"{stage} epoch {epoch}/{epochs}: loss {loss:.4f}, "
                f"{time.perf_counter() - start:.1f} s")


def pretrain(model, task, config, log):
    """Stage 1: the whole network trained on ``task``; returns its test accuracy."""
    optimizer = optim.SGD(model.parameters(), lr=config.pretrain_lr, momentum=MOMENTUM,
                          weight_decay=PRETRAIN_WEIGHT_DECAY)
    fit(model, task.train_set, optimizer, config.pretrain_epochs, config, "pretrain", log)
    return accuracy(model, task.test_set, config.device, config.batch_size)


def finetune_head(model, task, config, log):
    """Stage 2: ``model``'s head (already replaced, the rest frozen) trained on ``task``. The
    optimizer gets all of ``model.parameters()``, as in the tutorials: frozen ones receive no
    gradient and SGD leaves them alone. Returns the test accuracy."""
    optimizer = optim.SGD(model.parameters(), lr=config.lr, momentum=MOMENTUM)
    # eval mode: BatchNorm normalises with its pretrained running statistics and leaves them be
    fit(model, task.train_set, optimizer, config.epochs, config, "head", log, train_mode=False)
    return accuracy(model, task.test_set, config.device, config.batch_size)


# -- the run ---------------------------------------------------------------------------------------

def run(config, log=print):
    """Both stages as the module docstring describes; returns a Result. ``config`` holds the
    parsed command-line options (``parse_args``), ``device`` resolved to "cpu" or "cuda"."""
    ag.manual_seed(config.seed)
    log(f"device: {describe_device(config.device)}")
    if config.weights:
        model = load_resnet18(config.weights).to(config.device)  # first: a bad file fails fast
        _, transfer_task = prepare_tasks(WEIGHTS_SIDE, "imagenet", seed=config.seed,
                                         per_class=config.samples_per_class)
        log(f"pretrain: skipped, starting from the ResNet-18 weights in {config.weights}")
        pretrain_accuracy = None
    else:
        pretrain_task, transfer_task = prepare_tasks(SIDE, "digits", seed=config.seed,
                                                     per_class=config.samples_per_class)
        log(f"stage 1: ResNet (BasicBlock, layers={list(BACKBONE_LAYERS)}) trained from scratch "
            f"on the {pretrain_task.describe()}")
        model = build_backbone(pretrain_task.num_classes).to(config.device)
        pretrain_accuracy = pretrain(model, pretrain_task, config, log)
        log(f"pretrain test accuracy (digits 0-4): {pretrain_accuracy:.2%}")

    log(f"stage 2: backbone frozen, new head trained on the {transfer_task.describe()}")
    replace_head(model, transfer_task.num_classes)
    before = accuracy(model, transfer_task.test_set, config.device, config.batch_size)
    log(f"transfer test accuracy before fine-tuning (random head): {before:.2%}")
    after = finetune_head(model, transfer_task, config, log)
    log(f"transfer test accuracy after fine-tuning the head: {after:.2%}")

    ag.save(model.state_dict(), config.out)
    path = os.path.abspath(config.out)
    log(f"saved the fine-tuned model's state_dict to {path}")
    return Result(model, pretrain_accuracy, before, after, path)


# -- the command line ------------------------------------------------------------------------------

def _number(text, kind):
    try:
        return kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None


def _positive_int(text):
    value = _number(text, int)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _count(text):
    value = _number(text, int)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def _learning_rate(text):
    value = _number(text, float)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value


def build_parser():
    parser = argparse.ArgumentParser(
        prog="python -m autograd_gpu.examples.finetune",
        description="Pretrain a small ResNet on the digits 0-4, then freeze it and fine-tune a new "
                    "classifier head on the digits 5-9 (scikit-learn's digits dataset).")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto",
                        help="where to compute; auto picks cuda when a GPU is usable (default)")
    parser.add_argument("--weights", metavar="PATH",
                        help="a torchvision ResNet-18 checkpoint to fine-tune instead of "
                             "pretraining a backbone here (inputs become 3x64x64, "
                             "ImageNet-normalised)")
    parser.add_argument("--epochs", type=_count, default=4, metavar="N",
                        help="head epochs (default 4)")
    parser.add_argument("--pretrain-epochs", type=_count, default=3, metavar="N",
                        help="backbone epochs in stage 1 (default 3)")
    parser.add_argument("--batch-size", type=_positive_int, default=64, metavar="N",
                        help="images per batch, in both stages (default 64)")
    parser.add_argument("--lr", type=_learning_rate, default=0.04, metavar="LR",
                        help="the head's SGD learning rate (default 0.04)")
    parser.add_argument("--pretrain-lr", type=_learning_rate, default=PRETRAIN_LR, metavar="LR",
                        help=f"the backbone's SGD learning rate in stage 1 (default {PRETRAIN_LR})")
    parser.add_argument("--seed", type=int, default=0, metavar="N",
                        help="seeds the split, the initialisation and the shuffling (default 0)")
    parser.add_argument("--samples-per-class", type=int, metavar="N",
                        help="use at most N images of each digit (quick runs; default all)")
    parser.add_argument("--out", default="finetuned_resnet.safetensors", metavar="PATH",
                        help="where to save the fine-tuned state_dict (default "
                             "finetuned_resnet.safetensors; a .npz path saves numpy's format)")
    parser.add_argument("--quiet", action="store_true",
                        help="no progress bars and no per-epoch lines, only the results")
    return parser


def parse_args(argv=None):
    """The options, checked: a bad one exits through ``parser.error`` (usage and reason on stderr,
    exit status 2), as argparse does for malformed ones."""
    parser = build_parser()
    config = parser.parse_args(argv)
    if config.samples_per_class is not None and config.samples_per_class < 2:
        parser.error("--samples-per-class: must be at least 2 (one train and one test image per "
                     f"digit), got {config.samples_per_class}")
    if config.weights and not os.path.isfile(config.weights):
        parser.error(f"--weights: no such file: {config.weights}")
    out_dir = os.path.dirname(os.path.abspath(config.out))
    if not os.path.isdir(out_dir):
        parser.error(f"--out: the folder {out_dir} does not exist")
    try:
        config.device = resolve_device(config.device)
    except RuntimeError as err:
        parser.error(str(err))
    return config


def check_dependencies(config):
    """Raises MissingDependencyError before any work when a package the run needs is missing."""
    import_optional("sklearn.datasets", "the digits data of the fine-tuning example")
    import_optional("tqdm", "the fine-tuning example's progress bars")
    if not config.out.endswith(".npz"):
        import_optional("safetensors", "saving the model as safetensors")


def main(argv=None):
    """The command line: 0 on success; 1 with a message when a package is missing, 2 when an
    argument is bad (argparse's convention)."""
    config = parse_args(argv)
    try:
        check_dependencies(config)
        run(config)
    except MissingDependencyError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except WeightsError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
