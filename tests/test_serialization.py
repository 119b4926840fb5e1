"""save/load: round trips (tensors, state dicts, optimizer state, cpu and cuda), map_location,
the .npz format, atomic writes, and damaged files."""
import collections
import io
import os
import sys

import numpy as np
import pytest

import autograd_gpu as ag
from autograd_gpu import optim, serialization
from helpers import random_array

safetensors = pytest.importorskip("safetensors", reason="the default save format is safetensors")

FORMATS = ["model.safetensors", "model.pt", "model.npz"]


def same_tensor(a, b):
    return (a.dtype is b.dtype and a.device == b.device and tuple(a.shape) == tuple(b.shape)
            and a.requires_grad == b.requires_grad
            and np.array_equal(a.detach().cpu().numpy(), b.detach().cpu().numpy()))


def sample_state_dict(rng, device):
    sd = collections.OrderedDict()
    sd["conv.weight"] = ag.tensor(random_array(rng, (4, 3, 3, 3)), device=device)
    sd["bn.running_mean"] = ag.tensor(random_array(rng, (4,), "float64"), device=device)
    sd["bn.num_batches_tracked"] = ag.tensor(7, device=device)
    sd["mask"] = ag.tensor(random_array(rng, (5,), "bool"), device=device)
    sd["half"] = ag.tensor(random_array(rng, (2, 2), "float16"), device=device)
    sd["codes"] = ag.tensor(random_array(rng, (3,), "uint8", integers=(0, 255)), device=device)
    sd["view"] = ag.tensor(random_array(rng, (3, 4)), device=device).t()  # non-contiguous
    sd._metadata = {"": {"version": 1}, "bn": {"version": 2}}
    return sd


@pytest.mark.parametrize("filename", FORMATS)
def test_state_dict_round_trip(tmp_path, rng, device, filename):
    sd = sample_state_dict(rng, device)
    path = tmp_path / filename
    serialization.save(sd, path)
    loaded = serialization.load(path)
    assert type(loaded) is collections.OrderedDict and list(loaded) == list(sd)
    assert loaded._metadata == sd._metadata
    for name in sd:
        assert same_tensor(loaded[name], sd[name]), name


@pytest.mark.parametrize("filename", ["t.safetensors", "t.npz"])
def test_tensor_round_trip_keeps_device_and_requires_grad(tmp_path, rng, device, filename):
    t = ag.tensor(random_array(rng, (3, 2)), device=device, requires_grad=True)
    serialization.save(t, tmp_path / filename)
    loaded = serialization.load(tmp_path / filename)
    assert same_tensor(loaded, t) and loaded.is_leaf
    zero_d = ag.tensor(2.5, dtype=ag.float64, device=device)
    serialization.save(zero_d, tmp_path / filename)
    assert same_tensor(serialization.load(tmp_path / filename), zero_d)


@pytest.mark.parametrize("filename", ["opt.safetensors", "opt.npz"])
@pytest.mark.parametrize("make", [
    lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True),
    lambda ps: optim.Adam([{"params": ps[:1]}, {"params": ps[1:], "lr": 0.02}], lr=0.01,
                          amsgrad=True, betas=(0.8, 0.99)),
], ids=["sgd", "adam"])
def test_optimizer_state_round_trip_continues_identically(tmp_path, rng, device, filename, make):
    params = [ag.tensor(random_array(rng, s), device=device, requires_grad=True)
              for s in ((4, 3), (3,))]
    opt = make(params)

    def step(optimizer, ps, grads):
        for p, g in zip(ps, grads):
            p.grad = ag.tensor(g, device=device)
        optimizer.step()

    for _ in range(3):
        step(opt, params, [random_array(rng, p.shape) for p in params])
    serialization.save({"optimizer": opt.state_dict(), "epoch": 3}, tmp_path / filename)
    clones = [p.detach().clone().requires_grad_() for p in params]
    resumed = make(clones)
    checkpoint = serialization.load(tmp_path / filename)
    assert checkpoint["epoch"] == 3
    saved = checkpoint["optimizer"]
    assert saved["param_groups"] == opt.state_dict()["param_groups"]  # tuples, None, ints intact
    assert all(isinstance(k, int) for k in saved["state"])
    resumed.load_state_dict(saved)
    for _ in range(3):
        grads = [random_array(rng, p.shape) for p in params]
        step(opt, params, grads)
        step(resumed, clones, grads)
        for a, b in zip(params, clones):
            assert np.array_equal(a.detach().cpu().numpy(), b.detach().cpu().numpy())


def test_nested_values_and_shared_tensors(tmp_path, rng):
    t = ag.tensor(random_array(rng, (3,)))
    obj = {"a": [t, (1, 2.5, None, True, "s")], "b": {0: t, (1, "x"): -3}, "c": []}
    serialization.save(obj, tmp_path / "nested.st")
    loaded = serialization.load(tmp_path / "nested.st")
    assert loaded["a"][1] == (1, 2.5, None, True, "s")
    assert loaded["b"][(1, "x")] == -3 and loaded["c"] == []
    assert loaded["a"][0] is loaded["b"][0] and same_tensor(loaded["a"][0], t)


def test_plain_npz_state_dict_is_readable_by_numpy(tmp_path, rng):
    sd = {"w": ag.tensor(random_array(rng, (2, 3))), "b": ag.arange(3)}
    serialization.save(sd, tmp_path / "sd.npz")
    with np.load(tmp_path / "sd.npz") as npz:
        assert npz.files == ["w", "b"]
        np.testing.assert_array_equal(npz["w"], sd["w"].numpy())
    loaded = serialization.load(tmp_path / "sd.npz")
    assert list(loaded) == ["w", "b"] and same_tensor(loaded["b"], sd["b"])


def test_safetensors_interoperates(tmp_path, rng):
    import safetensors.numpy as stn

    sd = {"w": ag.tensor(random_array(rng, (2, 3))), "n": ag.tensor(3)}
    serialization.save(sd, tmp_path / "ours.safetensors")
    arrays = stn.load_file(str(tmp_path / "ours.safetensors"))
    assert sorted(arrays) == ["n", "w"]
    np.testing.assert_array_equal(arrays["w"], sd["w"].numpy())
    stn.save_file({"x": random_array(rng, (4,)), "y": np.arange(2)}, str(tmp_path / "theirs.st"))
    loaded = serialization.load(tmp_path / "theirs.st")  # no skeleton: a flat state dict
    assert isinstance(loaded, collections.OrderedDict) and sorted(loaded) == ["x", "y"]
    assert loaded["y"].dtype is ag.int64


def test_file_objects(rng):
    t = ag.tensor(random_array(rng, (5,)))
    buffer = io.BytesIO()
    serialization.save({"t": t}, buffer)
    buffer.seek(0)
    assert same_tensor(serialization.load(buffer)["t"], t)


def test_map_location(tmp_path, rng, device):
    t = ag.tensor(random_array(rng, (3,)), device=device)
    path = tmp_path / "t.st"
    serialization.save({"t": t}, path)
    for where in ("cpu", ag.device("cpu"), {str(t.device): "cpu"}):
        assert serialization.load(path, map_location=where)["t"].device.type == "cpu"
    assert serialization.load(path, map_location=device)["t"].device.type == device.split(":")[0]
    with pytest.raises(TypeError, match="map_location must be None, a device"):
        serialization.load(path, map_location=lambda storage, loc: storage)


def test_cuda_location_without_cuda_raises_torchs_error(tmp_path, monkeypatch):
    path = tmp_path / "t.st"
    serialization.save({"t": ag.ones(2)}, path)
    monkeypatch.setattr(serialization.cuda, "is_available", lambda: False)
    with pytest.raises(RuntimeError, match="Attempting to deserialize object on a CUDA device but "
                                           "torch.cuda.is_available\\(\\) is False"):
        serialization.load(path, map_location="cuda")


# -- atomic writes ---------------------------------------------------------------------------------

def leftovers(folder):
    return [name for name in os.listdir(folder) if name.endswith(".tmp")]


@pytest.mark.parametrize("filename", ["ckpt.safetensors", "ckpt.npz"])
@pytest.mark.parametrize("failing", ["os.fsync", "os.replace"])
def test_interrupted_save_keeps_the_previous_file(tmp_path, monkeypatch, rng, filename, failing):
    path = tmp_path / filename
    old = {"w": ag.tensor(random_array(rng, (3, 3)))}
    serialization.save(old, path)

    def interrupt(*args):
        raise KeyboardInterrupt("power cut") if failing == "os.replace" else OSError("disk full")

    monkeypatch.setattr(serialization.os, failing.split(".")[1], interrupt)
    with pytest.raises((OSError, KeyboardInterrupt)):
        serialization.save({"w": ag.zeros(3, 3), "extra": ag.ones(100)}, path)
    monkeypatch.undo()
    assert leftovers(tmp_path) == []
    loaded = serialization.load(path)
    assert list(loaded) == ["w"] and same_tensor(loaded["w"], old["w"])


def test_encoding_error_leaves_no_file(tmp_path):
    path = tmp_path / "bad.st"
    with pytest.raises(TypeError, match="cannot store a value of type set at 'a.b'"):
        serialization.save({"a": {"b": {1, 2}}}, path)
    assert os.listdir(tmp_path) == []


def test_saved_file_has_the_usual_permissions(tmp_path):
    serialization.save({"a": ag.ones(1)}, tmp_path / "a.st")
    (tmp_path / "plain").write_bytes(b"")
    assert os.stat(tmp_path / "a.st").st_mode == os.stat(tmp_path / "plain").st_mode


# -- damaged files ---------------------------------------------------------------------------------

def damaged(tmp_path, filename, rng, damage):
    path = tmp_path / filename
    serialization.save({"w": ag.tensor(random_array(rng, (64,))), "step": ag.tensor(3)}, path)
    data = bytearray(path.read_bytes())
    path.write_bytes(damage(data))
    return path


def flip_last_data_byte(data):
    data[-3] ^= 0x5A
    return bytes(data)


def flip_header_byte(data):
    """In the safetensors JSON header, or in the zip's first member name."""
    data[30 if data[:2] == b"PK" else 12] ^= 0x5A
    return bytes(data)


@pytest.mark.parametrize("filename", ["w.safetensors", "w.npz"])
@pytest.mark.parametrize("damage", [
    lambda d: bytes(d[: len(d) // 2]),
    lambda d: bytes(d[:-1]),
    flip_header_byte,
], ids=["half", "last_byte_missing", "header_flipped"])
def test_truncated_or_corrupted_file_raises_naming_it(tmp_path, rng, filename, damage):
    path = damaged(tmp_path, filename, rng, damage)
    with pytest.raises(RuntimeError, match=f"load: .*{filename} is (truncated or corrupted|not a)"):
        serialization.load(path)


def test_corrupted_tensor_bytes_fail_the_crc(tmp_path, rng):
    path = damaged(tmp_path, "w.safetensors", rng, flip_last_data_byte)
    with pytest.raises(RuntimeError, match="w.safetensors is truncated or corrupted.*CRC32"):
        serialization.load(path)


def test_corrupted_npz_member_fails_the_zip_crc(tmp_path, rng):
    def flip_inside_w(data):
        start = bytes(data).index(b"w.npy") + 200  # inside w's stored bytes
        data[start] ^= 0x5A
        return bytes(data)

    path = damaged(tmp_path, "w.npz", rng, flip_inside_w)
    with pytest.raises(RuntimeError, match="w.npz is truncated or corrupted"):
        serialization.load(path)


@pytest.mark.parametrize("content", [b"", b"not a checkpoint at all", os.urandom(64)],
                         ids=["empty", "text", "random bytes"])
def test_unrecognised_content_raises(tmp_path, content):
    path = tmp_path / "junk.bin"
    path.write_bytes(content)
    with pytest.raises(RuntimeError, match="junk.bin is (not a|truncated or corrupted)"):
        serialization.load(path)


def test_missing_safetensors_package_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "safetensors", None)
    monkeypatch.setitem(sys.modules, "safetensors.numpy", None)
    with pytest.raises(ImportError, match="pip install safetensors"):
        serialization.save({"a": ag.ones(1)}, tmp_path / "a.st")
    serialization.save({"a": ag.ones(1)}, tmp_path / "a.npz")  # .npz needs nothing more
    assert serialization.load(tmp_path / "a.npz")["a"].tolist() == [1.0]
