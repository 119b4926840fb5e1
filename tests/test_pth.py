"""The torch .pth reader: the committed fixtures (tests/fixtures/make_fixtures.py) load as
torch.load loads them, and a pickle naming any other global is refused before it can run."""
import os
import pickle
import zipfile

import numpy as np
import pytest

import autograd_gpu as ag
from autograd_gpu import pth, serialization
from helpers import torch_or_skip, zip_checkpoint

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")
STATE_DICT = os.path.join(FIXTURES, "tiny_state_dict.pth")
LEGACY = os.path.join(FIXTURES, "tiny_state_dict_legacy.pth")
CHECKPOINT = os.path.join(FIXTURES, "tiny_checkpoint.pth")


def assert_same_tensor(ours, theirs, name, device="cpu"):
    assert isinstance(ours, ag.Tensor), name
    assert str(ours.dtype) == str(theirs.dtype), name
    assert tuple(ours.shape) == tuple(theirs.shape), name
    assert ours.device.type == device.split(":")[0], name
    assert ours.requires_grad == theirs.requires_grad, name
    np.testing.assert_array_equal(ours.cpu().numpy(), theirs.numpy(), err_msg=name)


@pytest.mark.parametrize("path", [STATE_DICT, LEGACY], ids=["zip", "legacy"])
def test_state_dict_equals_torch_load(path, device):
    torch = torch_or_skip()
    theirs = torch.load(path, weights_only=True)
    ours = pth.load_pth(path, map_location=device)
    assert type(ours) is type(theirs)
    assert list(ours) == list(theirs)
    for name in theirs:
        assert_same_tensor(ours[name], theirs[name], name, device)
    assert ours["1.num_batches_tracked"].dtype is ag.int64 and ours["1.num_batches_tracked"].item() == 7
    if device == "cpu":  # views keep torch's geometry, and tensors of one storage share memory
        for name in ("extra.transposed", "extra.offset", "extra.offset_strided"):
            assert ours[name].stride() == theirs[name].stride(), name
        assert not ours["extra.transposed"].is_contiguous()
        assert np.shares_memory(ours["extra.offset"].numpy(), ours["extra.offset_strided"].numpy())
    assert getattr(ours, "_metadata", None) == getattr(theirs, "_metadata", None)


def test_checkpoint_with_optimizer_state_equals_torch_load():
    torch = torch_or_skip()
    theirs = torch.load(CHECKPOINT, weights_only=True)
    ours = pth.load_pth(CHECKPOINT)
    assert ours["epoch"] == 3
    assert ours["optimizer"]["param_groups"] == theirs["optimizer"]["param_groups"]
    assert list(ours["optimizer"]["state"]) == [0, 1]
    for i, state in theirs["optimizer"]["state"].items():
        assert_same_tensor(ours["optimizer"]["state"][i]["momentum_buffer"],
                           state["momentum_buffer"], f"state {i}")
    for name in theirs["model"]:
        assert_same_tensor(ours["model"][name], theirs["model"][name], name)


def test_serialization_load_dispatches_to_the_pth_reader():
    ours = serialization.load(STATE_DICT)
    assert list(ours) == list(pth.load_pth(STATE_DICT))
    with open(STATE_DICT, "rb") as f:  # a file object works too
        assert list(serialization.load(f)) == list(ours)


def test_loaded_tensors_are_writable_and_usable():
    sd = pth.load_pth(STATE_DICT)
    w = sd["3.weight"]
    w.add_(1.0)
    assert (w @ ag.ones(4)).shape == (2,)


def test_parameters_keep_requires_grad(tmp_path):
    torch = torch_or_skip()
    path = tmp_path / "params.pth"
    torch.save({"p": torch.nn.Parameter(torch.randn(3)), "t": torch.randn(2)}, path)
    ours = pth.load_pth(path)
    assert ours["p"].requires_grad and ours["p"].is_leaf and not ours["t"].requires_grad


def test_unsupported_dtype_is_named(tmp_path):
    torch = torch_or_skip()
    path = tmp_path / "bf16.pth"
    torch.save({"w": torch.randn(2, dtype=torch.bfloat16)}, path)
    with pytest.raises(pth.UnsupportedStorageError, match="BFloat16Storage"):
        pth.load_pth(path)


# -- refused pickles: built by hand, never executed ------------------------------------------------

MARKER = "/tmp/autograd_gpu_pth_test_pwned"

SYSTEM_REDUCE = f"cposix\nsystem\n(S'touch {MARKER}'\ntR.".encode()          # protocol 0
OS_SYSTEM_REDUCE = (b"\x80\x02cos\nsystem\nq\x00X" + len(f"touch {MARKER}").to_bytes(4, "little")
                    + f"touch {MARKER}".encode() + b"\x85R.")                 # protocol 2
EVAL_IN_STATE_DICT = (b"\x80\x02ccollections\nOrderedDict\n)R(X\x01\x00\x00\x00wcbuiltins\neval\n"
                      b"X\x04\x00\x00\x001+1\x85Ru.")


@pytest.mark.parametrize("payload, refused", [
    (SYSTEM_REDUCE, "posix.system"),
    (OS_SYSTEM_REDUCE, "os.system"),
    (EVAL_IN_STATE_DICT, "builtins.eval"),
], ids=["posix.system", "os.system", "eval_inside_a_state_dict"])
def test_malicious_pickle_in_a_pth_is_refused(tmp_path, payload, refused):
    if os.path.exists(MARKER):
        os.unlink(MARKER)
    path = tmp_path / "evil.pth"
    path.write_bytes(zip_checkpoint(payload))
    with pytest.raises(pickle.UnpicklingError, match=f"refusing to load the global '{refused}'") as err:
        pth.load_pth(path)
    assert isinstance(err.value, pth.UnsafePickleError)
    assert str(path) in str(err.value)
    with pytest.raises(pth.UnsafePickleError):
        serialization.load(path)
    assert not os.path.exists(MARKER)


def test_malicious_pickle_in_a_legacy_file_is_refused(tmp_path):
    header = pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2) + pickle.dumps(1001, protocol=2) + \
        pickle.dumps({"protocol_version": 1001, "little_endian": True}, protocol=2)
    path = tmp_path / "evil_legacy.pth"
    path.write_bytes(header + OS_SYSTEM_REDUCE)
    with pytest.raises(pth.UnsafePickleError, match="'os.system'"):
        pth.load_pth(path)
    assert not os.path.exists(MARKER)


def test_legacy_file_with_a_bad_magic_number_is_corrupt(tmp_path):
    path = tmp_path / "evil_header.pth"
    path.write_bytes(b"\x80\x02\x8a\x0a" + b"\x00" * 10 + b"." + SYSTEM_REDUCE)
    with pytest.raises(RuntimeError, match="evil_header.pth"):  # bad magic: corrupt, nothing run
        pth.load_pth(path)
    assert not os.path.exists(MARKER)


# -- damaged files ---------------------------------------------------------------------------------

def test_truncated_pth_raises_naming_the_file(tmp_path):
    data = open(STATE_DICT, "rb").read()
    path = tmp_path / "cut.pth"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(RuntimeError, match="cut.pth is truncated or corrupted"):
        pth.load_pth(path)


def test_storage_of_the_wrong_size_is_reported(tmp_path):
    with zipfile.ZipFile(STATE_DICT) as src:
        entries = {n: src.read(n) for n in src.namelist()}
    prefix = next(n for n in entries if n.endswith("data.pkl"))[: -len("data.pkl")]
    entries[prefix + "data/0"] = entries[prefix + "data/0"][:-4]
    path = tmp_path / "short_storage.pth"
    with zipfile.ZipFile(path, "w") as dst:
        for n, d in entries.items():
            dst.writestr(n, d)
    with pytest.raises(RuntimeError, match="short_storage.pth is truncated or corrupted.*storage 0"):
        pth.load_pth(path)


def test_flipped_byte_fails_the_zip_crc(tmp_path):
    data = bytearray(open(STATE_DICT, "rb").read())
    with zipfile.ZipFile(STATE_DICT) as zf:
        info = next(i for i in zf.infolist() if i.filename.endswith("data/0"))
    local = info.header_offset  # the local header's name and extra lengths (torch pads the extra)
    start = local + 30 + int.from_bytes(data[local + 26:local + 28], "little") + \
        int.from_bytes(data[local + 28:local + 30], "little")
    data[start + 5] ^= 0xFF
    path = tmp_path / "flipped.pth"
    path.write_bytes(bytes(data))
    with pytest.raises(RuntimeError, match="flipped.pth is truncated or corrupted"):
        pth.load_pth(path)


def test_tensor_geometry_is_bounds_checked():
    storage = np.arange(6, dtype=np.float32)
    np.testing.assert_array_equal(pth._rebuild_tensor(storage, 1, (2, 2), (1, 2)), [[1, 3], [2, 4]])
    with pytest.raises(pickle.UnpicklingError, match="reaches element 6 of a storage of 6"):
        pth._rebuild_tensor(storage, 2, (2, 2), (1, 3))
    with pytest.raises(pickle.UnpicklingError, match="invalid tensor geometry"):
        pth._rebuild_tensor(storage, 0, (2,), (-1,))


def test_load_pth_refuses_other_formats(tmp_path):
    path = tmp_path / "t.safetensors"
    pytest.importorskip("safetensors")
    serialization.save({"a": ag.ones(2)}, path)
    with pytest.raises(RuntimeError, match="is not a pth file"):
        pth.load_pth(path)
