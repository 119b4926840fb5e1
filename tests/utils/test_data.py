"""Datasets, samplers, collation and the DataLoader, compared with torch.utils.data."""
import collections

import numpy as np
import pytest

import autograd_gpu as ag
from autograd_gpu.utils import data
from helpers import random_array, torch_or_skip

Point = collections.namedtuple("Point", ["x", "label"])


def assert_same_batch(ours, theirs, path="batch"):
    """Same structure, container types, dtypes, shapes and values as torch's batch."""
    torch = torch_or_skip()
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, ag.Tensor), f"{path}: {type(ours).__name__} is not a Tensor"
        assert str(ours.dtype) == str(theirs.dtype), f"{path}: {ours.dtype} != {theirs.dtype}"
        assert tuple(ours.shape) == tuple(theirs.shape), path
        np.testing.assert_array_equal(ours.cpu().numpy(), theirs.numpy(), err_msg=path)
        return
    assert type(ours) is type(theirs), f"{path}: {type(ours).__name__} != {type(theirs).__name__}"
    if isinstance(theirs, dict):
        assert list(ours) == list(theirs), path
        for key in theirs:
            assert_same_batch(ours[key], theirs[key], f"{path}[{key!r}]")
    elif isinstance(theirs, (list, tuple)):
        assert len(ours) == len(theirs), path
        for i, (o, t) in enumerate(zip(ours, theirs)):
            assert_same_batch(o, t, f"{path}[{i}]")
    else:
        assert ours == theirs, path


class Records(data.Dataset):
    """Samples of every kind default_collate handles."""

    def __init__(self, rng, n):
        self.items = [{"image": random_array(rng, (2, 3)), "id": i, "weight": float(rng.random()),
                       "name": f"item{i}", "pair": (np.int32(i), rng.random() > 0.5),
                       "point": Point(np.float64(rng.random()), [i, 2 * i])} for i in range(n)]

    def __getitem__(self, i):
        return self.items[i]

    def __len__(self):
        return len(self.items)


def torch_dataset(ours):
    """The same samples seen through torch (tensors converted)."""
    torch = torch_or_skip()

    def convert(x):
        return torch.tensor(x.cpu().numpy()) if isinstance(x, ag.Tensor) else x

    return [tuple(convert(x) for x in ours[i]) if isinstance(ours[i], tuple) else ours[i]
            for i in range(len(ours))]


@pytest.mark.parametrize("batch_size, drop_last", [(1, False), (3, False), (3, True), (10, False),
                                                   (4, True)])
def test_sequential_batches_equal_torchs(rng, batch_size, drop_last):
    torch = torch_or_skip()
    ds = data.TensorDataset(ag.tensor(random_array(rng, (10, 3))), ag.arange(10),
                            ag.tensor(random_array(rng, (10,), "float64")))
    ours = data.DataLoader(ds, batch_size=batch_size, drop_last=drop_last)
    theirs = torch.utils.data.DataLoader(torch_dataset(ds), batch_size=batch_size,
                                         drop_last=drop_last)
    assert len(ours) == len(theirs)
    batches = list(ours)
    assert len(batches) == len(theirs)
    for o, t in zip(batches, theirs):
        assert_same_batch(o, t)


def test_default_collate_equals_torchs(rng):
    torch = torch_or_skip()
    ds = Records(rng, 7)
    ours = list(data.DataLoader(ds, batch_size=3))
    theirs = list(torch.utils.data.DataLoader(ds, batch_size=3))
    assert len(ours) == 3
    for o, t in zip(ours, theirs):
        assert_same_batch(o, t)


@pytest.mark.parametrize("batch", [
    [1.5, 2.0], [1, 2, 3], [True, False], [np.float32(1.5), np.float32(2)], [np.int16(3)],
    [np.arange(4, dtype=np.uint8), np.arange(4, dtype=np.uint8)], ["a", "b"], [b"x"],
    [[1, 2.5], [3, 4.5]], [(np.ones(2), 1)], [{"k": 1.0}, {"k": 2.0}],
])
def test_default_collate_numbers_and_containers(batch):
    torch = torch_or_skip()
    assert_same_batch(data.default_collate(batch), torch.utils.data.default_collate(batch))


def test_collate_errors():
    with pytest.raises(TypeError, match="default_collate: batch must contain tensors, numpy arrays, "
                                        "numbers, dicts or lists; found <class 'object'>"):
        data.default_collate([object()])
    with pytest.raises(TypeError, match="found <U1"):
        data.default_collate([np.array(["a"])])
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        data.default_collate([[1, 2], [3]])


def test_collate_stacks_on_the_tensors_device(device, rng):
    ds = data.TensorDataset(ag.tensor(random_array(rng, (6, 2)), device=device),
                            ag.arange(6, device=device))
    x, y = next(iter(data.DataLoader(ds, batch_size=4, shuffle=True)))
    assert x.device.type == device.split(":")[0] and tuple(x.shape) == (4, 2)
    assert y.dtype is ag.int64 and len(set(y.tolist())) == 4


def test_shuffle_is_a_permutation_reproducible_with_a_generator():
    ds = data.TensorDataset(ag.arange(20))

    def epochs(loader):
        return [[int(v) for (batch,) in loader for v in batch.tolist()] for _ in range(2)]

    first = epochs(data.DataLoader(ds, batch_size=6, shuffle=True,
                                   generator=ag.Generator().manual_seed(7)))
    again = epochs(data.DataLoader(ds, batch_size=6, shuffle=True,
                                   generator=ag.Generator().manual_seed(7)))
    other = epochs(data.DataLoader(ds, batch_size=6, shuffle=True,
                                   generator=ag.Generator().manual_seed(8)))
    assert first == again
    assert first != other
    assert first[0] != first[1]  # each epoch draws a new permutation
    assert all(sorted(epoch) == list(range(20)) for epoch in first + other)
    assert first[0] != list(range(20))


def test_shuffle_follows_manual_seed():
    ds = data.TensorDataset(ag.arange(30))

    def order():
        return [int(v) for (batch,) in data.DataLoader(ds, batch_size=8, shuffle=True)
                for v in batch.tolist()]

    ag.manual_seed(3)
    a = order()
    ag.manual_seed(3)
    assert order() == a and sorted(a) == list(range(30))


def test_generator_semantics():
    g = ag.Generator()
    assert g.initial_seed() == 67280421310721  # torch's default
    assert g.manual_seed(5) is g and g.initial_seed() == 5
    assert g.device == ag.device("cpu")


def test_random_sampler_with_replacement_and_num_samples():
    ds = list(range(5))
    sampler = data.RandomSampler(ds, replacement=True, num_samples=12,
                                 generator=ag.Generator().manual_seed(0))
    draws = list(sampler)
    assert len(sampler) == 12 and len(draws) == 12 and set(draws) <= set(ds)
    longer = list(data.RandomSampler(ds, num_samples=7, generator=ag.Generator().manual_seed(0)))
    assert len(longer) == 7 and sorted(longer[:5]) == ds
    with pytest.raises(ValueError, match="num_samples should be a positive integer value"):
        data.RandomSampler([])


def test_batch_size_none_yields_converted_samples(rng):
    ds = Records(rng, 3)
    samples = list(data.DataLoader(ds, batch_size=None))
    assert len(samples) == 3
    assert isinstance(samples[0]["image"], ag.Tensor) and samples[0]["id"] == 0
    assert isinstance(samples[0]["pair"], list)
    np.testing.assert_array_equal(samples[1]["image"].numpy(), ds[1]["image"])


def test_custom_collate_fn_and_batch_sampler():
    ds = list(range(7))
    loader = data.DataLoader(ds, batch_sampler=data.BatchSampler(data.SequentialSampler(ds), 3,
                                                                 drop_last=False),
                             collate_fn=lambda batch: sum(batch))
    assert list(loader) == [3, 12, 6] and len(loader) == 3


@pytest.mark.parametrize("kwargs, message", [
    ({"num_workers": -1}, "num_workers option should be non-negative"),
    ({"sampler": [0, 1], "shuffle": True}, "sampler option is mutually exclusive with shuffle"),
    ({"batch_sampler": [[0]], "batch_size": 2}, "batch_sampler option is mutually exclusive"),
    ({"batch_size": None, "drop_last": True}, "batch_size=None option disables auto-batching"),
    ({"batch_size": 0}, "batch_size should be a positive integer value, but got batch_size=0"),
])
def test_dataloader_argument_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        data.DataLoader(list(range(4)), **kwargs)


def test_num_workers_loads_the_same_batches(rng):
    ds = data.TensorDataset(ag.tensor(random_array(rng, (9, 2))))
    plain = [b[0].numpy() for b in data.DataLoader(ds, batch_size=4)]
    workers = [b[0].numpy() for b in data.DataLoader(ds, batch_size=4, num_workers=2,
                                                      pin_memory=True)]
    for a, b in zip(plain, workers, strict=True):
        np.testing.assert_array_equal(a, b)


def test_tensor_dataset(rng):
    x = ag.tensor(random_array(rng, (4, 3)))
    ds = data.TensorDataset(x, ag.arange(4))
    assert len(ds) == 4
    sample_x, sample_y = ds[2]
    assert sample_x.tolist() == x[2].tolist() and sample_y.item() == 2
    with pytest.raises(AssertionError, match=r"Size mismatch between tensors.*\[4, 3\]"):
        data.TensorDataset(x, ag.arange(3))


def test_dataset_base_requires_getitem():
    with pytest.raises(NotImplementedError, match="Subclasses of Dataset should implement"):
        data.Dataset()[0]


def test_random_split_lengths_and_fractions():
    ds = list(range(10))
    a, b = data.random_split(ds, [7, 3], generator=ag.Generator().manual_seed(1))
    assert (len(a), len(b)) == (7, 3)
    assert sorted(list(a) + list(b)) == ds
    again = data.random_split(ds, [7, 3], generator=ag.Generator().manual_seed(1))
    assert list(again[0]) == list(a)
    parts = data.random_split(ds, [0.5, 0.3, 0.2], generator=ag.Generator().manual_seed(2))
    assert [len(p) for p in parts] == [5, 3, 2]
    parts = data.random_split(list(range(11)), [0.5, 0.5])  # the remainder goes to the first split
    assert [len(p) for p in parts] == [6, 5]
    with pytest.raises(ValueError, match="Sum of input lengths does not equal the length"):
        data.random_split(ds, [5, 4])
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        data.random_split([1, 2], [1.0, 0.0])


def test_subset_indexes_through(rng):
    ds = data.TensorDataset(ag.tensor(random_array(rng, (6, 2))))
    sub = data.Subset(ds, [4, 0, 5])
    assert len(sub) == 3
    assert sub[0][0].tolist() == ds[4][0].tolist()
    (batch,) = next(iter(data.DataLoader(sub, batch_size=3)))
    np.testing.assert_array_equal(batch.numpy(), ds.tensors[0].numpy()[[4, 0, 5]])
