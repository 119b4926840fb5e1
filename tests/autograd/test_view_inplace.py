"""In-place ops on views and on the bases of views, against torch: the gradients (a view's write
reaches its base's graph through CopySlices; a view of a base written since reads the base's new
node), float64 gradchecks of both, the nodes' names, ``_base``, and torch's errors for the views
that must not be written (of a leaf, made in no_grad mode, one of several views, expanded)."""
import numpy as np
import pytest

import autograd_gpu as ag
from helpers import assert_torch_wording, check_grad, check_parity, random_array, torch_or_skip

# fn(lib, x, w): x (4, 3) and w (3,) are leaves that require grad; the result depends on both
# through a write into a view (or into the base of a view that is used afterwards)
CASES = {
    "slice_mul_tensor": lambda lib, x, w: _slice_mul(x, w),
    "select_add_": lambda lib, x, w: _select_add(x, w),
    "transposed_mul_": lambda lib, x, w: _transposed_mul(x, w),
    "view_exp_saves_output": lambda lib, x, w: _view_exp(x, w),
    "slice_of_slice": lambda lib, x, w: _slice_of_slice(x, w),
    "setitem_through_view": lambda lib, x, w: _setitem_view(x, w),
    "copy_into_plain_base": lambda lib, x, w: _copy_into_plain(x, w),
    "base_written_view_used": lambda lib, x, w: _base_written(x, w),
    "two_rows_written": lambda lib, x, w: _two_rows(x, w),
    "view_written_twice": lambda lib, x, w: _view_twice(x, w),
    "expanded_view_after_base_write": lambda lib, x, w: _expanded_after(x, w),
    "permute_unsqueeze_chain": lambda lib, x, w: _permute_chain(x, w),
    "narrow_addcmul_": lambda lib, x, w: _narrow_addcmul(x, w),
}


def _slice_mul(x, w):
    y = x * 1
    y[1:3].mul_(w)
    return y


def _select_add(x, w):
    y = x + 1
    y.select(1, 2).add_(w.sum() * 2)
    return y * x


def _transposed_mul(x, w):
    y = x * 2
    t = y.t()
    t[1].mul_(w.exp()[0])
    return y


def _view_exp(x, w):
    y = x + w
    y.view(12)[2:7].exp_()
    return y * y


def _slice_of_slice(x, w):
    y = x * w
    y[1:][:, 1:].mul_(w[1:].exp())
    return y


def _setitem_view(x, w):
    y = x * 1
    v = y[2]
    v[1:] = w[:2] * 3
    return y


def _copy_into_plain(x, w):
    base = x.new_zeros((4, 3))
    base[1].copy_(w * w)
    return base * x


def _base_written(x, w):
    y = x * 1
    v = y[1:3]
    y.mul_(w)
    return v * 2


def _two_rows(x, w):
    y = x * 1
    y[0].mul_(w)
    y[3].add_(w * w)
    return y


def _view_twice(x, w):
    y = x * 1
    v = y[:, 1]
    v.mul_(w.sum())
    v.tanh_()
    return y + v.sum()


def _expanded_after(x, w):
    y = w * 1
    e = y.expand(4, 3)
    y.mul_(x[0])
    return e * x


def _permute_chain(x, w):
    y = x.unsqueeze(0) * 1
    p = y.permute(2, 0, 1)
    p[1].mul_(w.sum())
    return y.squeeze(0)


def _narrow_addcmul(x, w):
    y = x * 1
    y.narrow(0, 1, 2).addcmul_(x[:2], w, value=0.5)
    return y


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradients_match_torch(name, device, rng):
    fn = CASES[name]
    check_parity(fn, random_array(rng, (4, 3)), random_array(rng, (3,), positive=True),
                 device=device, rng=rng)


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradcheck(name, device, rng):
    fn = CASES[name]
    check_grad(fn, random_array(rng, (4, 3), low=-1, high=1),
               random_array(rng, (3,), positive=True, high=1.5), device=device)


def test_nodes_and_base(device):
    x = ag.tensor([1., 2., 3., 4.], device=device, requires_grad=True)
    y = x * 1
    v = y[1:3]
    assert v._base is y and y._base is None and v[0:1]._base is y
    assert v.grad_fn.name() == "SliceBackward0"
    v.mul_(2)
    assert y.grad_fn.name() == "torch::autograd::CopySlices"  # torch qualifies its C++ nodes
    assert v.grad_fn.name() == "AsStridedBackward0"
    assert v.grad_fn.next_functions[0][0] is y.grad_fn
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.cpu().numpy(), [1, 2, 2, 1])


def test_integer_view_writes_base(device):
    x = ag.tensor([1, 2, 3], device=device)
    v = x[:2]
    v.add_(1)
    assert x.tolist() == [2, 3, 3] and v._base is x and v.grad_fn is None


def test_no_grad_write_through_view_is_not_recorded(device):
    x = ag.tensor([1., 2., 3.], device=device, requires_grad=True)
    y = x * 1
    v = y[:2]
    with ag.no_grad():
        v.mul_(2)
    assert y.tolist() == [2., 4., 3.]
    y.sum().backward()
    assert x.grad.tolist() == [1., 1., 1.]
    assert v.grad_fn.name() == "AsStridedBackward0"


def _leaf_view(lib):
    lib.tensor([1., 2., 3.], requires_grad=True)[:2].mul_(2)


def _no_grad_view(lib):
    y = lib.tensor([1., 2., 3.], requires_grad=True) * 1
    with lib.no_grad():
        v = y[:2]
    v.mul_(2)


def _no_grad_view_of_plain_base(lib):
    with lib.no_grad():
        v = lib.zeros(3)[:2]
    v.mul_(lib.tensor(2., requires_grad=True))


def _no_grad_view_base_written(lib):
    y = lib.tensor([1., 2., 3.], requires_grad=True) * 1
    with lib.no_grad():
        v = y[:2]
    y.mul_(2)
    return v.grad_fn


def _split_written(lib):
    a, _ = (lib.tensor([1., 2., 3., 4.], requires_grad=True) * 1).split(2)
    a.mul_(2)


def _unbind_written(lib):
    (lib.tensor([[1., 2.], [3., 4.]], requires_grad=True) * 1).unbind(0)[1].add_(1)


def _split_base_written(lib):
    y = lib.tensor([1., 2., 3., 4.], requires_grad=True) * 1
    a, _ = y.split(2)
    with lib.no_grad():
        y.mul_(2)
    return a * 2


def _split_of_plain_tensor_written(lib):
    a, _ = lib.tensor([1., 2., 3., 4.]).split(2)
    a.mul_(lib.tensor(2., requires_grad=True))


def _expanded_written(lib):
    lib.ones(3).expand(2, 3).mul_(2)


def _detach_view_in_place(lib):
    (lib.tensor([1., 2.], requires_grad=True) * 1)[:1].detach_()


ERRORS = {f.__name__[1:]: f for f in (
    _leaf_view, _no_grad_view, _no_grad_view_of_plain_base,
    _no_grad_view_base_written, _split_written, _unbind_written, _split_base_written,
    _split_of_plain_tensor_written, _expanded_written, _detach_view_in_place)}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_match_torch(name):
    torch = torch_or_skip()
    with pytest.raises(RuntimeError) as theirs:
        ERRORS[name](torch)
    with pytest.raises(RuntimeError) as ours:
        ERRORS[name](ag)
    assert_torch_wording(str(ours.value), str(theirs.value))


def test_refused_write_leaves_tensors_as_they_were():
    y = ag.tensor([1., 2., 3., 4.], requires_grad=True) * 1
    node = y.grad_fn
    a, _ = y.split(2)
    with pytest.raises(RuntimeError, match="returns multiple views"):
        a.mul_(5)
    assert y.tolist() == [1., 2., 3., 4.] and y.grad_fn is node and y._version_value == 0


def test_view_of_no_grad_view_refused():
    """torch words this one "Output 0 of Slice is a view of a view which was created in no_grad
    mode": its no_grad view reports its base's requires_grad, so the view of it has a node. Ours
    reports requires_grad=False (as a view made in no_grad mode of a tensor that does not require
    grad does in torch), so the message is the one for a view without a node."""
    y = ag.tensor([1., 2., 3.], requires_grad=True) * 1
    with ag.no_grad():
        v = y[:3]
    with pytest.raises(RuntimeError, match="created in no_grad mode and is being modified inplace"):
        v[:2].mul_(2)
    assert y.tolist() == [1., 2., 3.]
