"""The fine-tuning example's data: scikit-learn's handwritten digits as two classification tasks.

``load_digits`` ships 1797 grayscale 8x8 images of the digits 0-9 inside scikit-learn (no download).
``prepare_tasks`` splits them by class into a PRETRAIN task (digits 0-4) and a TRANSFER task (digits
5-9, relabelled 0-4), each with a held-out test split drawn per class with a fixed seed, and turns
the images into what a ResNet's stem takes: 3 channels (the gray one repeated), upsampled to a side
that is a multiple of 8 (nearest neighbour: each pixel becomes a block), normalised.

Two normalisations: ``"digits"`` standardises with the mean and standard deviation of the pretrain
task's training pixels (one scalar each, fixed at pretraining and reused for the transfer task, as
ImageNet's statistics are reused by models pretrained on it); ``"imagenet"`` scales pixels to [0, 1]
and applies ImageNet's per-channel mean and std, what a torchvision checkpoint was trained with.
"""
import random
from dataclasses import dataclass

import autograd_gpu as ag
from autograd_gpu.utils.data import TensorDataset

from . import import_optional

DIGITS_SIDE = 8
PIXEL_MAX = 16.0  # load_digits' pixels are ink counts from 0 to 16
PRETRAIN_DIGITS = (0, 1, 2, 3, 4)
TRANSFER_DIGITS = (5, 6, 7, 8, 9)
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
NORMALIZATIONS = ("digits", "imagenet")


@dataclass(frozen=True)
class Task:
    """A classification task over some digits: label ``i`` stands for the digit ``digits[i]``.
    Images are (N, 3, side, side) float32, labels (N,) int64, all on the cpu."""
    name: str
    digits: tuple
    train_images: ag.Tensor
    train_labels: ag.Tensor
    test_images: ag.Tensor
    test_labels: ag.Tensor

    @property
    def num_classes(self):
        return len(self.digits)

    @property
    def train_set(self):
        return TensorDataset(self.train_images, self.train_labels)

    @property
    def test_set(self):
        return TensorDataset(self.test_images, self.test_labels)

    def describe(self):
        first, last = self.digits[0], self.digits[-1]
        return (f"{self.name} task: digits {first}-{last} as labels 0-{self.num_classes - 1}, "
                f"{len(self.train_labels)} train / {len(self.test_labels)} test images "
                f"of {tuple(self.train_images.shape[1:])}")


def load_digits():
    """All of scikit-learn's digits: images (1797, 8, 8) float32 in [0, 1], labels (1797,) int64."""
    datasets = import_optional("sklearn.datasets", "the digits data of the fine-tuning example")
    digits = datasets.load_digits()
    images = ag.as_tensor(digits.images, dtype=ag.float32) / PIXEL_MAX
    return images, ag.as_tensor(digits.target).long()


def to_rgb(images, side):
    """(N, 8, 8) -> (N, 3, side, side): each pixel repeated into a (side/8)-wide square, the gray
    channel repeated three times."""
    if side % DIGITS_SIDE or side <= 0:
        raise ValueError(f"to_rgb: the image side must be a positive multiple of {DIGITS_SIDE}, "
                         f"got {side}")
    n, scale = images.shape[0], side // DIGITS_SIDE
    blocks = images.reshape(n, 1, DIGITS_SIDE, 1, DIGITS_SIDE, 1)
    return blocks.expand(n, 3, DIGITS_SIDE, scale, DIGITS_SIDE, scale).reshape(n, 3, side, side)


def split_indices(labels, digits, test_fraction, seed, per_class=None):
    """Train and test indices of the samples of ``digits``, drawn per class (stratified) with a
    ``random.Random(seed)``; ``per_class`` caps the samples kept of each digit (for quick runs)."""
    rng = random.Random(seed)
    by_digit = {d: [] for d in digits}
    for index, label in enumerate(labels.tolist()):
        if label in by_digit:
            by_digit[label].append(index)
    train, test = [], []
    for digit in digits:
        indices = by_digit[digit]
        rng.shuffle(indices)
        indices = indices[:per_class]
        n_test = max(1, round(len(indices) * test_fraction))
        test += indices[:n_test]
        train += indices[n_test:]
    return train, test


def prepare_tasks(side=32, normalization="digits", test_fraction=0.25, seed=0, per_class=None):
    """The (pretrain, transfer) Tasks, images ``side`` x ``side`` normalised as ``normalization``
    says (module docstring)."""
    if normalization not in NORMALIZATIONS:
        raise ValueError(f"prepare_tasks: normalization must be one of {NORMALIZATIONS}, "
                         f"got {normalization!r}")
    if per_class is not None and per_class < 2:
        raise ValueError(f"prepare_tasks: per_class must be at least 2 (one train and one test "
                         f"image per digit), got {per_class}")
    images, labels = load_digits()
    splits = {name: split_indices(labels, digits, test_fraction, seed, per_class)
              for name, digits in (("pretrain", PRETRAIN_DIGITS), ("transfer", TRANSFER_DIGITS))}
    normalize = _normalizer(normalization, images[ag.tensor(splits["pretrain"][0])])

    def task(name, digits):
        relabel = {digit: i for i, digit in enumerate(digits)}

        def part(indices):
            x = normalize(to_rgb(images[ag.tensor(indices)], side))
            y = ag.tensor([relabel[d] for d in labels[ag.tensor(indices)].tolist()])
            return x, y

        train, test = splits[name]
        return Task(name, digits, *part(train), *part(test))

    return task("pretrain", PRETRAIN_DIGITS), task("transfer", TRANSFER_DIGITS)


def _normalizer(normalization, pretrain_train_images):
    """The function normalising (N, 3, side, side) images in [0, 1]."""
    if normalization == "imagenet":
        mean = ag.tensor(IMAGENET_MEAN).reshape(1, 3, 1, 1)
        std = ag.tensor(IMAGENET_STD).reshape(1, 3, 1, 1)
    else:
        mean, std = pretrain_train_images.mean(), pretrain_train_images.std()
    return lambda x: (x - mean) / std
