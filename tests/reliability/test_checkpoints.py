"""Checkpoints under failure: a save killed at any point (SIGKILL in a child process, at each step
of the write and at random moments) leaves the previous checkpoint whole and loadable, and the next
save cleans up after the killed writer; every truncation and every flipped byte of a checkpoint
is refused with a RuntimeError (or loads exactly what was saved); a wrong model's state dict
changes no parameter; a ``.pth`` whose pickle would call anything but the tensor rebuild is refused
before anything runs. tests/test_serialization.py and tests/test_pth.py hold the basic cases."""
import collections
import io
import multiprocessing
import os
import pickle
import signal
import stat
import subprocess
import sys
import zipfile

import numpy as np
import pytest

import autograd_gpu as ag
from autograd_gpu import pth, serialization
from helpers import torch_or_skip, zip_checkpoint

pytest.importorskip("safetensors", reason="the default save format is safetensors")

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(__file__)), "fixtures")
FORK = multiprocessing.get_context("fork") if sys.platform.startswith("linux") else None
needs_fork = pytest.mark.skipif(FORK is None, reason="the kill tests fork the test process")


def big_state(seed, megabytes=1):
    """A state dict of about ``megabytes`` MiB whose values say which save wrote it."""
    rng = np.random.default_rng(seed)
    n = megabytes * 2**20 // 4 // 4
    sd = collections.OrderedDict()
    for i in range(4):
        sd[f"layer{i}.weight"] = ag.tensor(rng.standard_normal(n).astype("float32"))
    sd["step"] = ag.tensor(seed)
    return sd


def same(a, b):
    if isinstance(a, ag.Tensor):
        return (isinstance(b, ag.Tensor) and a.dtype is b.dtype and a.shape == b.shape
                and a.requires_grad == b.requires_grad
                and np.array_equal(a.detach().cpu().numpy(), b.detach().cpu().numpy()))
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def temporaries(folder):
    return sorted(name for name in os.listdir(folder) if name.endswith(".tmp"))


# -- saves killed mid-write ------------------------------------------------------------------------

def paced_save(conn, path, obj, chunk):
    """Child process: ``save(obj, path)`` with the writer stopping after each step of the write
    (the temporary file created, each ``chunk`` bytes written, each fsync, the rename): it tells
    the parent which step it reached and waits for a go, so the parent can kill it right there."""
    real_fdopen, real_fsync, real_replace = os.fdopen, os.fsync, os.replace

    def reached(step):
        conn.send(step)
        conn.recv()

    class PacedFile:
        def __init__(self, f):
            self.f = f

        def write(self, data):
            view = memoryview(data)
            for start in range(0, len(view), chunk):
                self.f.write(view[start:start + chunk])
                self.f.flush()  # on disk (in the page cache) before the pause
                reached(f"wrote {min(start + chunk, len(view))}")

        def __getattr__(self, name):
            return getattr(self.f, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return self.f.__exit__(*exc)

    def fdopen(*args, **kwargs):
        reached("created")
        return PacedFile(real_fdopen(*args, **kwargs))

    def fsync(fd):
        real_fsync(fd)
        reached("fsynced folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "fsynced file")

    def replace(src, dst):
        reached("renaming")
        real_replace(src, dst)
        reached("renamed")

    os.fdopen, os.fsync, os.replace = fdopen, fsync, replace
    serialization.save(obj, path)
    reached("returned")


def save_killed_at(path, obj, step_number, chunk):
    """Runs ``paced_save`` in a child and SIGKILLs it once it reaches step ``step_number`` (1-based;
    None: lets it finish). Returns the steps it reached."""
    parent, child = FORK.Pipe()
    process = FORK.Process(target=paced_save, args=(child, path, obj, chunk))
    process.start()
    steps = []
    try:
        while True:
            assert parent.poll(60), f"the writer stopped answering after {steps}"
            steps.append(parent.recv())
            if len(steps) == step_number:
                os.kill(process.pid, signal.SIGKILL)
                break
            parent.send("go")
            if steps[-1] == "returned":
                break
    finally:
        process.join(60)
    assert process.exitcode is not None
    return steps


@needs_fork
@pytest.mark.parametrize("filename", ["ckpt.safetensors", "ckpt.npz"])
def test_save_killed_at_every_step_leaves_the_previous_checkpoint(tmp_path, filename):
    path = str(tmp_path / filename)
    old, new = big_state(1), big_state(2)
    serialization.save(old, path)
    chunk = 2**16
    all_steps = save_killed_at(path + ".dry", new, None, chunk)  # the steps of a whole save
    assert all_steps[0] == "created" and all_steps[-1] == "returned"
    assert len(all_steps) >= 20
    serialization.save(old, path + ".dry")
    kill_points = 0
    for k in range(1, len(all_steps) + 1):
        steps = save_killed_at(path, new, k, chunk)
        kill_points += 1
        expected = new if "renamed" in steps else old
        assert same(serialization.load(path), expected), f"killed after {steps[-1]}"
        # the killed writer's temporary file stays (each writer removes those of the dead before)
        written_not_renamed = "created" in steps and "renamed" not in steps
        assert len(temporaries(tmp_path)) == (1 if written_not_renamed else 0)
        if "renamed" in steps:
            serialization.save(old, path)  # back to the old checkpoint for the next kill
    assert kill_points == len(all_steps) >= 20
    serialization.save(new, path)  # the next save works, and removes the dead writers' files
    assert temporaries(tmp_path) == []
    assert same(serialization.load(path), new)


@needs_fork
def test_save_killed_at_random_moments_leaves_a_whole_checkpoint(tmp_path):
    """A child saves two checkpoints in turn, as fast as it can, and is killed at a random moment:
    the file is always one of them (or the one before), whole."""
    path = str(tmp_path / "ckpt.safetensors")
    versions = [big_state(seed, megabytes=2) for seed in (10, 11, 12)]
    serialization.save(versions[0], path)
    rng = np.random.default_rng(0)

    def keep_saving(conn):
        conn.send("ready")
        while True:
            for obj in versions[1:]:
                serialization.save(obj, path)

    for _ in range(12):
        parent, child = FORK.Pipe()
        process = FORK.Process(target=keep_saving, args=(child,))
        process.start()
        assert parent.poll(60) and parent.recv() == "ready"
        process.join(rng.uniform(0, 0.3))
        os.kill(process.pid, signal.SIGKILL)
        process.join(60)
        loaded = serialization.load(path)
        assert any(same(loaded, v) for v in versions)
    serialization.save(versions[0], path)
    assert temporaries(tmp_path) == []


def dead_pid():
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_only_dead_writers_temporaries_are_removed(tmp_path):
    host = serialization._HOST
    names = {
        "dead": f".ckpt.st.{host}-{dead_pid()}.abcdefgh.tmp",
        "alive": f".ckpt.st.{host}-{os.getpid()}.abcdefgh.tmp",    # a save in progress
        "other host": f".ckpt.st.elsewhere-{dead_pid()}.abcdefgh.tmp",
        "other file": f".ckpt.st.1.{host}-{dead_pid()}.abcdefgh.tmp",  # belongs to "ckpt.st.1"
        "unrelated": "notes.tmp",
    }
    for name in names.values():
        (tmp_path / name).write_bytes(b"partial")
    serialization.save({"a": ag.ones(2)}, tmp_path / "ckpt.st")
    assert temporaries(tmp_path) == sorted(v for k, v in names.items() if k != "dead")


# -- damaged files ---------------------------------------------------------------------------------

def checkpoint_object():
    sd = collections.OrderedDict()
    sd["fc.weight"] = ag.tensor(np.arange(6, dtype=np.float32).reshape(2, 3))
    sd["fc.bias"] = ag.tensor(np.array([0.5, -1], dtype=np.float32), requires_grad=True)
    sd["bn.num_batches_tracked"] = ag.tensor(3)
    sd["mask"] = ag.tensor(np.array([True, False]))
    sd["half"] = ag.tensor(np.array([1.5, 2], dtype=np.float16))
    return {"model": sd, "epoch": 3, "betas": (0.9, 0.999), "name": "run-1"}


def positions_to_flip(data, stride=5):
    """Every byte of the file's structure (the safetensors header; the zip's local headers,
    central directory and end record) and every ``stride``-th byte of the rest (tensor bytes and
    zipped members, which checksums cover uniformly)."""
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            structure = set(range(zf.start_dir, len(data)))
            for info in zf.infolist():
                at = info.header_offset
                lengths = int.from_bytes(data[at + 26:at + 28], "little") + \
                    int.from_bytes(data[at + 28:at + 30], "little")
                structure.update(range(at, at + 30 + lengths))
    else:
        structure = set(range(8 + int.from_bytes(data[:8], "little")))
    return sorted(structure | set(range(0, len(data), stride)))


def flips(data, positions, masks=(0x01, 0x80, 0xFF)):
    for i in positions:
        for mask in masks:
            damaged = bytearray(data)
            damaged[i] ^= mask
            yield i, mask, bytes(damaged)


def load_or_error(data):
    try:
        return serialization.load(io.BytesIO(data)), None
    except RuntimeError as err:
        return None, err


@pytest.mark.parametrize("filename", ["ckpt.safetensors", "ckpt.npz"])
def test_every_flipped_byte_is_refused_or_harmless(tmp_path, filename):
    """Bytes of the file (header, skeleton, zip directory; tensor bytes sampled) flipped three
    ways: the load raises a RuntimeError, or, where the byte carries nothing (a zip timestamp),
    returns exactly what was saved. Never a different object."""
    path = tmp_path / filename
    saved = checkpoint_object()
    serialization.save(saved, path)
    data = path.read_bytes()
    refused = 0
    positions = positions_to_flip(data)
    masks = (0x01, 0x80, 0xFF) if filename.endswith(".safetensors") else (0x01, 0xFF)
    for i, mask, damaged in flips(data, positions, masks):
        loaded, err = load_or_error(damaged)
        if err is None:
            assert same(loaded, saved), f"byte {i} ^ {mask:#x} loaded a different object"
        else:
            assert "is truncated or corrupted" in str(err) or "is not a" in str(err)
            refused += 1
    assert refused > len(masks) * len(positions) * 0.6  # most flips are caught


@pytest.mark.parametrize("filename", ["ckpt.safetensors", "ckpt.npz"])
def test_every_truncation_is_refused(tmp_path, filename):
    path = tmp_path / filename
    serialization.save(checkpoint_object(), path)
    data = path.read_bytes()
    for n in range(len(data)):
        _, err = load_or_error(data[:n])
        assert err is not None, f"the first {n} of {len(data)} bytes loaded"


@pytest.mark.parametrize("fixture, offset", [("tiny_state_dict.pth", 0),
                                             ("tiny_checkpoint.pth", 3)])
def test_flipped_bytes_of_a_torch_zip_checkpoint_are_refused_or_harmless(fixture, offset):
    """torch's zips pad their headers heavily: every 6th structure byte (from two offsets)."""
    with open(os.path.join(FIXTURES, fixture), "rb") as f:
        data = f.read()
    saved = serialization.load(io.BytesIO(data))
    positions = positions_to_flip(data, stride=9)[offset::6]
    for i, mask, damaged in flips(data, positions, masks=(0x01, 0xFF)):
        try:
            loaded = serialization.load(io.BytesIO(damaged))
        except (RuntimeError, pickle.UnpicklingError):
            continue  # refused (a damaged global name is refused as unsafe)
        assert same(loaded, saved), f"byte {i} ^ {mask:#x} loaded a different object"


# -- a wrong model's state dict --------------------------------------------------------------------

def mlp(lib):
    return lib.nn.Sequential(lib.nn.Linear(8, 16), lib.nn.ReLU(), lib.nn.Linear(16, 4),
                             lib.nn.BatchNorm1d(4))


def cnn(lib):
    return lib.nn.Sequential(lib.nn.Conv2d(1, 4, 3), lib.nn.ReLU(), lib.nn.Flatten(),
                             lib.nn.Linear(144, 4))


def wrong_state_dicts():
    """(name, make(lib) -> a state dict for the mlp that must be refused)."""
    def resized(lib):
        sd = mlp(lib).state_dict()
        sd["2.weight"] = lib.zeros(3, 16)  # a later layer's size: earlier ones would load first
        return sd

    def not_a_tensor(lib):
        sd = mlp(lib).state_dict()
        sd["3.running_var"] = "ones"
        return sd

    def missing(lib):
        sd = mlp(lib).state_dict()
        del sd["3.bias"]
        return sd

    def unexpected(lib):
        sd = mlp(lib).state_dict()
        sd["4.weight"] = lib.ones(4)
        return sd

    return [("other_model", lambda lib: cnn(lib).state_dict()), ("resized", resized),
            ("not_a_tensor", not_a_tensor), ("missing", missing), ("unexpected", unexpected)]


@pytest.mark.parametrize("name, make", wrong_state_dicts(), ids=[n for n, _ in wrong_state_dicts()])
@pytest.mark.parametrize("strict", [True, False])
def test_wrong_state_dict_changes_no_parameter_and_says_what_torch_says(name, make, strict):
    """The same error or result as torch's, and, where the load is refused, no parameter or
    buffer changed (torch itself copies the matching entries before raising: ours checks them
    all first)."""
    torch = torch_or_skip()
    outcome = {}
    for lib in (ag, torch):
        model = mlp(lib)
        before = {k: v.detach().clone().numpy() for k, v in model.state_dict().items()}
        sd = make(lib)
        with lib.no_grad():
            for v in sd.values():
                if isinstance(v, (ag.Tensor, torch.Tensor)) and v.is_floating_point():
                    v.fill_(7.0)  # any value copied in would show
        try:
            result = model.load_state_dict(sd, strict=strict)
        except RuntimeError as err:
            if lib is ag:
                changed = [k for k, v in model.state_dict().items()
                           if not np.array_equal(before[k], v.numpy())]
                assert changed == [], f"a refused load changed {changed}"
            outcome[lib] = str(err)
        else:
            outcome[lib] = (result.missing_keys, result.unexpected_keys)
    assert outcome[ag] == outcome[torch]
    assert isinstance(outcome[ag], str) or not strict


@pytest.mark.parametrize("damage", ["truncated", "flipped"])
def test_a_damaged_checkpoint_changes_no_parameter(tmp_path, damage):
    model = mlp(ag)
    path = tmp_path / "model.safetensors"
    serialization.save(model.state_dict(), path)
    data = path.read_bytes()
    path.write_bytes(data[:-100] if damage == "truncated" else
                     data[:-100] + bytes([data[-100] ^ 0x10]) + data[-99:])
    before = {k: v.clone().numpy() for k, v in model.state_dict().items()}
    with pytest.raises(RuntimeError, match="model.safetensors is truncated or corrupted"):
        model.load_state_dict(serialization.load(path))
    assert all(np.array_equal(before[k], v.numpy()) for k, v in model.state_dict().items())


# -- pickles that would run code -------------------------------------------------------------------

MARKER = "/tmp/autograd_gpu_reliability_pwned"
COMMAND = f"touch {MARKER}"


def unicode_arg(text):
    raw = text.encode()
    return b"X" + len(raw).to_bytes(4, "little") + raw


def global_op(module, name):
    return f"c{module}\n{name}\n".encode()


def call(module, name, *args):
    """GLOBAL module.name, its arguments as a tuple, REDUCE (protocol 2)."""
    return global_op(module, name) + b"(" + b"".join(unicode_arg(a) for a in args) + b"tR"


class Evil:
    """What an attacker pickles: unpickling it calls os.system."""

    def __reduce__(self):
        return os.system, (COMMAND,)


def stack_global(module, name):
    return unicode_arg(module) + unicode_arg(name) + b"\x93"


PAYLOADS = {
    # (pickle, the global named in the refusal, or None where it fails before naming one)
    "subprocess.Popen": (b"\x80\x02" + call("subprocess", "Popen", "touch", MARKER) + b".",
                         "subprocess.Popen"),
    "builtins.exec": (b"\x80\x02" + call("builtins", "exec", f"import os; os.system('{COMMAND}')")
                      + b".", "builtins.exec"),
    "builtins.getattr": (b"\x80\x02" + global_op("builtins", "getattr") + b"(" +
                         call("builtins", "__import__", "os") + unicode_arg("system") + b"tR(" +
                         unicode_arg(COMMAND) + b"tR.", "builtins.getattr"),
    "builtins.__import__": (b"\x80\x02" + call("builtins", "__import__", "os") + b".",
                            "builtins.__import__"),
    "py2 __builtin__.eval": (b"\x80\x02" + call("__builtin__", "eval", "1") + b".",
                             "__builtin__.eval"),
    "stack_global (protocol 4)": (b"\x80\x04" + stack_global("os", "system") + b"(" +
                                  unicode_arg(COMMAND) + b"tR.", "os.system"),
    "inst opcode": (f"(S'{COMMAND}'\nios\nsystem\n.".encode(), "os.system"),
    "obj opcode": (b"(" + global_op("os", "system") + f"S'{COMMAND}'\no.".encode(), "os.system"),
    "__reduce__ of an object": (pickle.dumps(Evil(), protocol=2), os.system.__module__ + ".system"),
    "__reduce__ at protocol 5": (pickle.dumps(Evil(), protocol=5),
                                 os.system.__module__ + ".system"),
    "inside a state dict's tensor rebuild": (
        b"\x80\x02" + global_op("collections", "OrderedDict") + b")R" + unicode_arg("w") +
        call("os", "system", COMMAND) + b"s.", "os.system"),
    "a pickled nn.Module": (b"\x80\x02" + global_op("torch.nn.modules.linear", "Linear") + b")R.",
                            "torch.nn.modules.linear.Linear"),
    "a pickled numpy array": (b"\x80\x02" + global_op("numpy.core.multiarray", "_reconstruct") +
                              b")R.", "numpy.core.multiarray._reconstruct"),
    "copyreg._reconstructor": (b"\x80\x02" + global_op("copyreg", "_reconstructor") + b")R.",
                               "copyreg._reconstructor"),
    "functools.partial": (b"\x80\x02" + call("functools", "partial", "x") + b".",
                          "functools.partial"),
    "storage class called": (b"\x80\x02" + global_op("torch", "FloatStorage") + b"(" +
                             unicode_arg("x") + b"tR.", None),
    "tensor rebuild from a list": (b"\x80\x02" + global_op("torch._utils", "_rebuild_tensor_v2") +
                                   b"(]K\x00K\x01\x85K\x01\x85\x89tR.", None),
    "parameter rebuild of a string": (b"\x80\x02" + global_op("torch._utils", "_rebuild_parameter")
                                      + b"(" + unicode_arg("x") + b"\x88}tR.", None),
    "malformed persistent id": (b"\x80\x02" + unicode_arg("storage") + b"Q.", None),
}


@pytest.fixture
def no_marker():
    if os.path.exists(MARKER):
        os.unlink(MARKER)
    yield
    assert not os.path.exists(MARKER), "the pickle ran code"


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_pickle_reaching_past_the_tensor_rebuild_is_refused(tmp_path, name, no_marker):
    payload, refused_global = PAYLOADS[name]
    path = tmp_path / "evil.pth"
    path.write_bytes(zip_checkpoint(payload))
    with pytest.raises((pickle.UnpicklingError, RuntimeError)) as err:
        serialization.load(path)
    if refused_global is not None:
        assert isinstance(err.value, pth.UnsafePickleError)
        assert f"refusing to load the global '{refused_global}'" in str(err.value)
    assert "evil.pth" in str(err.value)


def test_extension_registry_opcode_is_refused(tmp_path, no_marker):
    """EXT1 looks a global up in copyreg's extension registry: still through the allowlist."""
    import copyreg

    copyreg.add_extension("os", "system", 0xF0)
    try:
        path = tmp_path / "ext.pth"
        path.write_bytes(zip_checkpoint(b"\x80\x02\x82\xf0(" + unicode_arg(COMMAND) + b"tR."))
        with pytest.raises(pth.UnsafePickleError, match="'os.system'"):
            serialization.load(path)
    finally:
        copyreg.remove_extension("os", "system", 0xF0)


def test_torch_saved_checkpoint_with_a_malicious_object_is_refused_as_torch_refuses_it(
        tmp_path, no_marker):
    """The real-world shape: torch.save of a state dict with an object whose __reduce__ calls
    os.system. torch.load(weights_only=True) refuses it too."""
    torch = torch_or_skip()
    path = tmp_path / "trojan.pth"
    torch.save({"w": torch.ones(2), "config": Evil()}, path)
    with pytest.raises(pth.UnsafePickleError, match=r"trojan.pth: refusing to load the global "
                                                     r"'(posix|os|nt)\.system'"):
        serialization.load(path)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path, weights_only=True)
