"""torch.finfo / torch.iinfo against torch: every attribute, the printed form, the default dtype
and the errors for the wrong kind of dtype."""
import pytest

import autograd_gpu as ag
from helpers import assert_torch_wording, torch_or_skip

torch = torch_or_skip()

FLOATS = ["float16", "float32", "float64"]
INTEGERS = ["uint8", "int8", "int16", "int32", "int64"]


@pytest.mark.parametrize("name", FLOATS)
def test_finfo_matches_torch(name):
    ours, theirs = ag.finfo(getattr(ag, name)), torch.finfo(getattr(torch, name))
    for attr in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        assert getattr(ours, attr) == getattr(theirs, attr), attr
        assert type(getattr(ours, attr)) is type(getattr(theirs, attr)), attr
    assert_torch_wording(repr(ours), repr(theirs))
    assert_torch_wording(str(ours), str(theirs))


def test_finfo_default_dtype_follows_set_default_dtype():
    assert repr(ag.finfo()) == repr(torch.finfo())
    ag.set_default_dtype(ag.float64)
    try:
        assert ag.finfo().dtype == "float64" and ag.finfo().eps == torch.finfo(torch.float64).eps
    finally:
        ag.set_default_dtype(ag.float32)


@pytest.mark.parametrize("name", INTEGERS)
def test_iinfo_matches_torch(name):
    ours, theirs = ag.iinfo(getattr(ag, name)), torch.iinfo(getattr(torch, name))
    for attr in ("bits", "min", "max", "dtype"):
        assert getattr(ours, attr) == getattr(theirs, attr), attr
        assert type(getattr(ours, attr)) is type(getattr(theirs, attr)), attr
    assert_torch_wording(repr(ours), repr(theirs))


ERRORS = {
    "finfo_int": lambda t: t.finfo(t.int32),
    "finfo_bool": lambda t: t.finfo(t.bool),
    "finfo_str": lambda t: t.finfo("float32"),
    "iinfo_float": lambda t: t.iinfo(t.float32),
    "iinfo_bool": lambda t: t.iinfo(t.bool),
    "iinfo_missing": lambda t: t.iinfo(),
    "iinfo_number": lambda t: t.iinfo(3),
}


@pytest.mark.parametrize("name", ERRORS)
def test_errors_match_torch(name):
    caught = []
    for lib in (torch, ag):
        with pytest.raises(Exception) as info:
            ERRORS[name](lib)
        caught.append(info.value)
    assert type(caught[1]) is type(caught[0])
    assert_torch_wording(str(caught[1]), str(caught[0]))
