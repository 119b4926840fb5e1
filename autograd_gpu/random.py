"""Random number generators, as torch's: ``Generator`` objects, each device's default generator,
and the functions of ``torch.random`` (``manual_seed``, ``seed``, ``initial_seed``,
``get_rng_state``, ``set_rng_state``, ``fork_rng``).

On the cpu a generator is torch's mt19937 with torch's transforms (``backend.cpu_random``): after
``manual_seed(s)`` the cpu draws are torch's numbers, and ``get_rng_state`` is torch's byte layout.
On a GPU it is CuPy's cuRAND generator: the same distributions, other numbers. The cpu default
generator starts from an unpredictable seed and a GPU's from 67280421310721, as torch's."""
import contextlib
import secrets

from .backend import get_backend
from .backend.cuda_probe import device_count
from .backend.device import device as _device

_DEFAULT_SEED = 67280421310721  # a new Generator's seed, as torch's


def _seed_value(seed):
    """torch's reading of a seed: ``int(seed)`` in [-2^63, 2^64), a negative one modulo 2^64."""
    seed = int(seed)
    if not -(1 << 63) <= seed < 1 << 64:
        raise ValueError("Overflow when unpacking long long")
    return seed % (1 << 64)


class Generator:
    """A random number generator of one device (``Generator("cuda")``): seeded, it draws the
    same numbers again; ``generator=`` of the random functions takes it. A GPU generator is made
    on first use, so that one can be created (and refused by a cpu op) where there is no GPU."""

    def __init__(self, device="cpu"):
        self.device = _device(device)
        self._seed = _DEFAULT_SEED
        self._made = None

    @property
    def _engine(self):
        if self._made is None:
            backend = get_backend(self.device)
            self.device = backend.device
            self._made = backend.new_random_engine(self._seed)
        return self._made

    @_engine.setter
    def _engine(self, engine):
        self._made = engine

    def manual_seed(self, seed):
        self._seed = _seed_value(seed)
        if self._made is not None:
            self._made.manual_seed(self._seed)
        return self

    def seed(self):
        """Re-seeds from the operating system's entropy; returns the new seed."""
        seed = secrets.randbits(64)
        self.manual_seed(seed)
        return seed

    def initial_seed(self):
        return self._seed

    def get_state(self):
        """The state as a uint8 cpu tensor (on the cpu, torch's 5056 bytes)."""
        from .creation import tensor  # noqa: PLC0415 - creation imports this module
        from .dtypes import uint8  # noqa: PLC0415

        return tensor(list(self._engine.get_state()), dtype=uint8)

    def set_state(self, new_state):
        from .tensor import Tensor  # noqa: PLC0415

        if not isinstance(new_state, Tensor):
            raise TypeError(f"expected a torch.ByteTensor, but got {type(new_state).__name__}")
        if new_state.dtype.name != "uint8":
            raise TypeError("RNG state must be a torch.ByteTensor")
        self._engine.set_state(bytes(new_state.cpu().numpy().tobytes()))
        self._seed = self._engine.initial_seed
        return self


default_generator = Generator("cpu")
default_generator.seed()
_cuda_generators = {}  # GPU index -> its default Generator, made on first use
_cuda_seed = [_DEFAULT_SEED]  # what a GPU's default generator starts from


def default_generator_for(dev):
    """The default generator of a device (a GPU's is made, not yet run, on first use)."""
    dev = get_backend(dev).device
    if dev.type == "cpu":
        return default_generator
    generator = _cuda_generators.get(dev.index)
    if generator is None:
        generator = _cuda_generators[dev.index] = Generator(dev).manual_seed(_cuda_seed[0])
    return generator


def engine_for(generator, dev):
    """What draws for an op on ``dev``: ``generator``'s engine, or the device default's."""
    if generator is None:
        return default_generator_for(dev)._engine
    if not isinstance(generator, Generator):
        raise TypeError(f"generator must be a Generator, not {type(generator).__name__}")
    if generator.device.type != dev.type:
        raise RuntimeError(f"Expected a '{dev.type}' device type for generator but found "
                           f"'{generator.device.type}'")
    return generator._engine


def seed_cuda(seed, index=None):
    """Seeds one GPU's default generator, or (``index`` None) every GPU's, now and later."""
    seed = _seed_value(seed)
    if index is None:
        _cuda_seed[0] = seed
        for generator in _cuda_generators.values():
            generator.manual_seed(seed)
    else:
        default_generator_for(_device("cuda", index)).manual_seed(seed)


def _noted(exc, text):
    from .tensor import with_note  # noqa: PLC0415 - tensor imports this module's users

    return with_note(exc, text)


def manual_seed(seed):
    """Seeds the cpu's and every GPU's default generator; returns the cpu's."""
    try:
        seed = _seed_value(seed)
    except (TypeError, ValueError) as exc:
        raise _noted(exc, f"in manual_seed(seed={seed!r})") from None
    seed_cuda(seed)
    return default_generator.manual_seed(seed)


def seed():
    """Seeds every default generator from the operating system's entropy; returns the seed."""
    new_seed = default_generator.seed()
    seed_cuda(new_seed)
    return new_seed


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(new_state):
    try:
        default_generator.set_state(new_state)
    except (TypeError, RuntimeError) as exc:
        raise _noted(exc, "in set_rng_state()") from None


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True):
    """Draws inside the block leave the default generators as they were before it: the cpu's
    state is restored; a GPU's generator (whose cuRAND state cannot be read back) is set aside
    and the block draws from a fresh one with the same initial seed."""
    if not enabled:
        yield
        return
    indices = range(device_count()) if devices is None else \
        [get_backend(_device(d) if not isinstance(d, int) else _device("cuda", d)).device.index
         for d in devices]
    cpu_state = default_generator._engine.get_state()
    set_aside = {}
    for index in indices:
        generator = default_generator_for(_device("cuda", index))
        set_aside[generator] = generator._engine
        generator._engine = get_backend(generator.device).new_random_engine(
            generator.initial_seed())
    try:
        yield
    finally:
        default_generator._engine.set_state(cpu_state)
        for generator, engine in set_aside.items():
            generator._engine = engine
