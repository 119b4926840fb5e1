"""Shape ops against torch: values and gradients (float32), float64 gradcheck + gradgradcheck,
grad_fn names, views sharing memory and version counter, and torch's errors."""
import numpy as np
import pytest

import autograd_gpu as ag
from helpers import check_grad, check_parity, random_array, torch_or_skip

torch = torch_or_skip()




def _outs(y):
    return tuple(y) if isinstance(y, (tuple, list)) else (y,)


# (id, fn(lib, *tensors), input shapes): each runs forward + backward against torch, and the float64
# gradcheck + gradgradcheck. Shapes stay small: the gradchecks are O(numel^2).
CASES = [
    ("view", lambda t, x: x.view(6, 4), [(2, 3, 4)]),
    ("view_infer", lambda t, x: x.view(-1, 3), [(2, 3, 4)]),
    ("view_tuple", lambda t, x: x.view((4, -1)), [(2, 3, 4)]),
    ("view_0d", lambda t, x: x.view(1, 1), [()]),
    ("view_as", lambda t, x, y: x.view_as(y), [(2, 6), (3, 4)]),
    ("reshape", lambda t, x: x.reshape(3, 8), [(2, 3, 4)]),
    ("reshape_fn", lambda t, x: t.reshape(x, (-1,)), [(2, 3, 4)]),
    ("reshape_noncontig_copy", lambda t, x: x.transpose(0, 1).reshape(3, 8), [(2, 3, 4)]),
    ("reshape_noncontig_alias", lambda t, x: x.transpose(0, 1).reshape(3, 2, 2, 2), [(2, 3, 4)]),
    ("reshape_as", lambda t, x, y: x.reshape_as(y), [(2, 6), (4, 3)]),
    ("flatten", lambda t, x: x.flatten(), [(2, 3, 4)]),
    ("flatten_start", lambda t, x: x.flatten(1), [(2, 3, 4)]),
    ("flatten_range", lambda t, x: t.flatten(x, 0, 1), [(2, 3, 4)]),
    ("flatten_neg", lambda t, x: x.flatten(-2, -1), [(2, 3, 4)]),
    ("flatten_0d", lambda t, x: x.flatten(), [()]),
    ("unflatten", lambda t, x: x.unflatten(1, (2, 2)), [(3, 4)]),
    ("unflatten_infer", lambda t, x: t.unflatten(x, -1, (2, -1)), [(3, 4)]),
    ("squeeze_all", lambda t, x: x.squeeze(), [(1, 3, 1, 2)]),
    ("squeeze_dim", lambda t, x: x.squeeze(2), [(1, 3, 1, 2)]),
    ("squeeze_dim_noop", lambda t, x: x.squeeze(1), [(1, 3, 1, 2)]),
    ("squeeze_neg", lambda t, x: t.squeeze(x, -2), [(1, 3, 1, 2)]),
    ("squeeze_dims", lambda t, x: x.squeeze((0, -2)), [(1, 3, 1, 2)]),
    ("squeeze_dims_mixed", lambda t, x: x.squeeze((0, 1)), [(1, 3, 1, 2)]),
    ("unsqueeze", lambda t, x: x.unsqueeze(0), [(3, 2)]),
    ("unsqueeze_end", lambda t, x: x.unsqueeze(2), [(3, 2)]),
    ("unsqueeze_neg", lambda t, x: x.unsqueeze(-1), [(3, 2)]),
    ("unsqueeze_neg3", lambda t, x: t.unsqueeze(x, -3), [(3, 2)]),
    ("transpose", lambda t, x: x.transpose(0, 2), [(2, 3, 4)]),
    ("transpose_neg", lambda t, x: t.transpose(x, -1, 1), [(2, 3, 4)]),
    ("swapaxes", lambda t, x: x.swapaxes(0, 1), [(2, 3)]),
    ("permute", lambda t, x: x.permute(2, 0, 1), [(2, 3, 4)]),
    ("permute_tuple_neg", lambda t, x: t.permute(x, (-1, 0, -2)), [(2, 3, 4)]),
    ("t", lambda t, x: x.t(), [(2, 3)]),
    ("t_fn", lambda t, x: t.t(x), [(3, 2)]),
    ("t_1d", lambda t, x: x.t(), [(3,)]),
    ("T", lambda t, x: x.T, [(2, 3)]),
    ("mT", lambda t, x: x.mT, [(2, 3, 4)]),
    ("expand", lambda t, x: x.expand(3, 4), [(3, 1)]),
    ("expand_minus1", lambda t, x: x.expand(-1, 4), [(3, 1)]),
    ("expand_lead", lambda t, x: x.expand(2, 3, 4), [(3, 1)]),
    ("expand_lead_minus1", lambda t, x: x.expand(2, -1, -1), [(1, 4)]),
    ("expand_tuple", lambda t, x: x.expand((2, 2, 3)), [(3,)]),
    ("expand_0d", lambda t, x: x.expand(2, 3), [()]),
    ("expand_same", lambda t, x: x.expand(2, 3), [(2, 3)]),
    ("expand_as", lambda t, x, y: x.expand_as(y), [(1, 3), (2, 2, 3)]),
    ("broadcast_to", lambda t, x: t.broadcast_to(x, (2, 3)), [(3,)]),
    ("cat", lambda t, x, y: t.cat([x, y]), [(2, 3), (1, 3)]),
    ("cat_dim1", lambda t, x, y, z: t.cat((x, y, z), dim=1), [(2, 1), (2, 3), (2, 2)]),
    ("cat_neg", lambda t, x, y: t.cat([x, y], -1), [(2, 2, 1), (2, 2, 2)]),
    ("cat_single", lambda t, x: t.cat([x]), [(2, 3)]),
    ("cat_legacy_empty", lambda t, x, y, z: t.cat([x, y, z]), [(2, 3), (0,), (1, 3)]),
    ("cat_empty_2d", lambda t, x, y: t.cat([x, y], 1), [(2, 3), (2, 0)]),
    ("concat", lambda t, x, y: t.concat([x, y]), [(2,), (3,)]),
    ("concatenate", lambda t, x, y: t.concatenate([x, y], 1), [(1, 2), (1, 3)]),
    ("stack", lambda t, x, y: t.stack([x, y]), [(2, 3), (2, 3)]),
    ("stack_mid", lambda t, x, y, z: t.stack((x, y, z), 1), [(2, 3), (2, 3), (2, 3)]),
    ("stack_neg", lambda t, x, y: t.stack([x, y], -1), [(2, 3), (2, 3)]),
    ("stack_end", lambda t, x, y: t.stack([x, y], 2), [(2, 3), (2, 3)]),
    ("stack_0d", lambda t, x, y: t.stack([x, y]), [(), ()]),
    ("split_int", lambda t, x: x.split(2, 1), [(2, 5)]),
    ("split_int_even", lambda t, x: t.split(x, 2), [(4, 2)]),
    ("split_big", lambda t, x: x.split(7), [(3, 2)]),
    ("split_sections", lambda t, x: x.split([1, 3, 1], 1), [(2, 5)]),
    ("split_sections_zero", lambda t, x: t.split(x, [2, 0, 1], -1), [(2, 3)]),
    ("split_some_used", lambda t, x: x.split(1)[1], [(3, 2)]),
    ("chunk", lambda t, x: x.chunk(3, 1), [(2, 5)]),
    ("chunk_fewer", lambda t, x: t.chunk(x, 4), [(3, 2)]),
    ("chunk_neg", lambda t, x: x.chunk(2, -1), [(2, 4)]),
    ("unbind", lambda t, x: x.unbind(), [(3, 2)]),
    ("unbind_dim", lambda t, x: t.unbind(x, 1), [(2, 3)]),
    ("unbind_one_used", lambda t, x: x.unbind(-1)[2], [(2, 3)]),
    ("narrow", lambda t, x: x.narrow(1, 1, 2), [(2, 4)]),
    ("narrow_neg", lambda t, x: t.narrow(x, -1, -3, 2), [(2, 4)]),
    ("narrow_empty", lambda t, x: x.narrow(0, 2, 0), [(2, 4)]),
    ("select", lambda t, x: x.select(1, 2), [(2, 3, 2)]),
    ("select_neg", lambda t, x: t.select(x, -1, -1), [(2, 3, 2)]),
    ("contiguous", lambda t, x: x.contiguous(), [(2, 3)]),
    ("contiguous_copy", lambda t, x: x.t().contiguous(), [(2, 3)]),
    ("movedim", lambda t, x: x.movedim(0, -1), [(2, 3, 4)]),
    ("movedim_fn", lambda t, x: t.movedim(x, 2, 0), [(2, 3, 4)]),
    ("movedim_tuple", lambda t, x: x.movedim((0, 1), (2, 0)), [(2, 3, 4)]),
    ("flip", lambda t, x: x.flip(0), [(2, 3, 4)]),
    ("flip_dims_neg", lambda t, x: t.flip(x, (-1, 0)), [(2, 3, 4)]),
    ("flip_none", lambda t, x: x.flip(()), [(2, 3)]),
    ("flip_0d", lambda t, x: x.flip(0), [()]),
    ("flip_empty", lambda t, x: x.flip(1), [(2, 0)]),
    ("roll", lambda t, x: x.roll(1, 0), [(3, 4)]),
    ("roll_flat", lambda t, x: t.roll(x, -5), [(3, 4)]),
    ("roll_dims", lambda t, x: x.roll((2, -1), (-1, 0)), [(2, 3, 4)]),
    ("roll_big", lambda t, x: x.roll(7, 1), [(3, 4)]),
    ("roll_0d", lambda t, x: x.roll(3), [()]),
    ("roll_empty", lambda t, x: x.roll(1, 0), [(0, 3)]),
    ("tril", lambda t, x: x.tril(), [(3, 4)]),
    ("tril_neg", lambda t, x: t.tril(x, -1), [(4, 3)]),
    ("tril_batched", lambda t, x: x.tril(1), [(2, 3, 4)]),
    ("triu", lambda t, x: x.triu(), [(3, 4)]),
    ("triu_pos", lambda t, x: t.triu(x, 2), [(4, 3)]),
    ("triu_batched", lambda t, x: x.triu(-1), [(2, 3, 4)]),
    ("tril_inplace", lambda t, x: (x * 1).tril_(-1), [(3, 4)]),
    ("triu_inplace", lambda t, x: (x * 1).triu_(1), [(2, 3, 4)]),
    ("repeat", lambda t, x: x.repeat(2, 3), [(3, 2)]),
    ("repeat_lead", lambda t, x: x.repeat(2, 1, 3), [(3, 2)]),
    ("repeat_tuple", lambda t, x: x.repeat((1, 2)), [(3,)]),
    ("repeat_0d", lambda t, x: x.repeat(2, 3), [()]),
    ("repeat_zero", lambda t, x: x.repeat(0, 2), [(3, 2)]),
    ("tile", lambda t, x: x.tile((2,)), [(3, 2)]),
    ("tile_more", lambda t, x: t.tile(x, (2, 1, 2)), [(3, 2)]),
    ("tile_empty_dims", lambda t, x: x.tile(()), [(3, 2)]),
    ("repeat_interleave", lambda t, x: x.repeat_interleave(2), [(2, 3)]),
    ("repeat_interleave_dim", lambda t, x: t.repeat_interleave(x, 3, dim=0), [(2, 3)]),
    ("repeat_interleave_neg", lambda t, x: x.repeat_interleave(2, -1), [(2, 3)]),
    ("repeat_interleave_zero", lambda t, x: x.repeat_interleave(0, 1), [(2, 3)]),
    ("repeat_interleave_0d", lambda t, x: x.repeat_interleave(3), [()]),
    ("repeat_interleave_tensor",
     lambda t, x: x.repeat_interleave(t.tensor([2, 0, 1], device=x.device), dim=1), [(2, 3)]),
    ("repeat_interleave_tensor_flat",
     lambda t, x: t.repeat_interleave(x, t.tensor([1, 3, 0, 2], device=x.device)), [(2, 2)]),
    ("repeat_interleave_tensor_0d",
     lambda t, x: x.repeat_interleave(t.tensor(2, device=x.device), dim=0), [(2, 3)]),
    ("diagonal", lambda t, x: x.diagonal(), [(3, 4)]),
    ("diagonal_offset", lambda t, x: x.diagonal(1), [(3, 4)]),
    ("diagonal_neg_offset", lambda t, x: t.diagonal(x, -2), [(3, 4)]),
    ("diagonal_past_end", lambda t, x: x.diagonal(5), [(3, 4)]),
    ("diagonal_dims", lambda t, x: x.diagonal(0, -1, 0), [(2, 3, 4)]),
    ("diagonal_dims_offset", lambda t, x: t.diagonal(x, -1, 2, 1), [(2, 3, 4)]),
    ("diagonal_noncontig", lambda t, x: x.t().diagonal(1), [(3, 4)]),
    ("diagonal_inplace", lambda t, x: (x * 1).diagonal().mul_(3.0), [(3, 4)]),
    ("diag_matrix", lambda t, x: x.diag(), [(3, 4)]),
    ("diag_matrix_offset", lambda t, x: t.diag(x, -1), [(3, 4)]),
    ("diag_vector", lambda t, x: x.diag(), [(3,)]),
    ("diag_vector_offset", lambda t, x: t.diag(x, 2), [(3,)]),
    ("diag_vector_neg", lambda t, x: x.diag(-1), [(2,)]),
    ("trace", lambda t, x: x.trace(), [(3, 3)]),
    ("trace_wide", lambda t, x: t.trace(x), [(2, 4)]),
    ("trace_tall", lambda t, x: x.trace(), [(4, 2)]),
    ("trace_empty", lambda t, x: x.trace(), [(0, 3)]),
    ("chain", lambda t, x: x.t().unsqueeze(0).expand(2, 3, 2).flatten(1).narrow(1, 1, 4) * 2,
     [(2, 3)]),
]


def _params(cases):
    return [pytest.param(fn, shapes, id=name) for name, fn, shapes in cases]


@pytest.mark.parametrize("fn,shapes", _params(CASES))
def test_parity(device, rng, fn, shapes):
    check_parity(fn, *[random_array(rng, s) for s in shapes], device=device, rng=rng)


@pytest.mark.parametrize("fn,shapes", _params(CASES))
def test_gradcheck(device, rng, fn, shapes):
    check_grad(fn, *[random_array(rng, s, "float64") for s in shapes], device=device)


class _WrongDoubleBackward(ag.autograd.Function):
    """x.expand(2, 3) whose backward is right but not differentiable (detached)."""

    @staticmethod
    def forward(ctx, x):
        return x.expand(2, 3) * 1

    @staticmethod
    def backward(ctx, g):
        return g.detach().sum(0, keepdim=True)


def test_check_grad_catches_wrong_double_backward(device):
    with pytest.raises(RuntimeError, match="Jacobian mismatch"):
        check_grad(lambda t, x: _WrongDoubleBackward.apply(x) * x.sum(),
                    np.array([[0.5, -1.0, 2.0]]), device=device)


def test_gradgradcheck_catches_wrong_double_backward(device):
    x = ag.tensor([[0.5, -1.0, 2.0]], dtype=ag.float64, device=device, requires_grad=True)
    with pytest.raises(RuntimeError):
        ag.autograd.gradgradcheck(lambda x: _WrongDoubleBackward.apply(x) * x.sum(), (x,))


def test_cat_mixed_dtypes_promote(device, rng):
    a, b, i = random_array(rng, (2, 2)), random_array(rng, (1, 2), "float64"), np.array([[3, -1]])
    out = check_parity(lambda t, x, y, z: t.cat([x, y, z]), a, b, i, device=device, rng=rng)
    assert out[0].dtype is ag.float64
    out = check_parity(lambda t, x, z: t.stack([z[0], x[0]]), a, i, device=device, rng=rng)
    assert out[0].dtype is ag.float32


def test_integer_inputs_follow_torch(device):
    i = np.arange(12).reshape(3, 4)
    check_parity(lambda t, x: (x.t().reshape(-1), x.unsqueeze(0).expand(2, 3, 4), *x.split(1),
                               t.cat([x, x], 1), t.stack([x, x]), x.movedim(0, 1)),
                 i, device=device, grad=False)


# -- grad_fn names -------------------------------------------------------------------------------

def _x(lib, device="cpu", shape=(2, 3, 4)):
    return lib.arange(float(np.prod(shape)), device=device).reshape(shape).requires_grad_()


NAMES = [
    ("view", lambda x: x.view(6, 4), "ViewBackward0"),
    ("reshape", lambda x: x.reshape(-1), "ViewBackward0"),
    ("reshape_copy", lambda x: x.transpose(0, 1).reshape(-1), "UnsafeViewBackward0"),
    ("reshape_alias", lambda x: x.transpose(0, 1).reshape(3, 2, 2, 2), "ReshapeAliasBackward0"),
    ("flatten", lambda x: x.flatten(), "ViewBackward0"),
    ("unflatten", lambda x: x.unflatten(2, (2, 2)), "ViewBackward0"),
    ("squeeze", lambda x: x.unsqueeze(0).squeeze(), "SqueezeBackward0"),
    ("squeeze_dim", lambda x: x.squeeze(0), "SqueezeBackward1"),
    ("squeeze_dims", lambda x: x.squeeze((0, 1)), "SqueezeBackward2"),
    ("unsqueeze", lambda x: x.unsqueeze(-1), "UnsqueezeBackward0"),
    ("transpose", lambda x: x.transpose(0, 1), "TransposeBackward0"),
    ("permute", lambda x: x.permute(1, 2, 0), "PermuteBackward0"),
    ("movedim", lambda x: x.movedim(0, 2), "PermuteBackward0"),
    ("t", lambda x: x[0].t(), "TBackward0"),
    ("t_1d", lambda x: x[0, 0].t(), "TBackward0"),
    ("T_2d", lambda x: x[0].T, "PermuteBackward0"),
    ("mT", lambda x: x.mT, "TransposeBackward0"),
    ("expand", lambda x: x[:, :1].expand(2, 5, 4), "ExpandBackward0"),
    ("expand_same", lambda x: x.expand(2, 3, 4), "ExpandBackward0"),
    ("expand_as", lambda x: x[0].expand_as(x), "ExpandBackward0"),
    ("cat", lambda x: ag_or_torch(x).cat([x, x], 1), "CatBackward0"),
    ("stack", lambda x: ag_or_torch(x).stack([x, x]), "StackBackward0"),
    ("split", lambda x: x.split(2, 1), "SplitBackward0"),
    ("split_sizes", lambda x: x.split([1, 2], 1), "SplitWithSizesBackward0"),
    ("chunk", lambda x: x.chunk(2, 2), "SplitBackward0"),
    ("unbind", lambda x: x.unbind(1), "UnbindBackward0"),
    ("narrow", lambda x: x.narrow(2, 1, 2), "SliceBackward0"),
    ("select", lambda x: x.select(1, -1), "SelectBackward0"),
    ("contiguous", lambda x: x.transpose(0, 2).contiguous(), "CloneBackward0"),
    ("flip", lambda x: x.flip(0, 2), "FlipBackward0"),
    ("roll", lambda x: x.roll(1), "RollBackward0"),
    ("tril", lambda x: x.tril(), "TrilBackward0"),
    ("triu", lambda x: x.triu(1), "TriuBackward0"),
    ("tril_", lambda x: (x * 1).tril_(), "TrilBackward0"),
    ("triu_", lambda x: (x * 1).triu_(), "TriuBackward0"),
    ("repeat", lambda x: x.repeat(1, 2, 1), "RepeatBackward0"),
    ("tile", lambda x: x.tile((2,)), "RepeatBackward0"),
    ("repeat_interleave", lambda x: x.repeat_interleave(2, 1), "ViewBackward0"),
    ("repeat_interleave_tensor",
     lambda x: x.repeat_interleave(ag_or_torch(x).tensor([1, 0, 2], device=x.device), dim=1),
     "IndexSelectBackward0"),
    ("diagonal", lambda x: x.diagonal(0, 1, 2), "DiagonalBackward0"),
    ("diag_matrix", lambda x: x[0].diag(), "DiagonalBackward0_copy"),
    ("diag_vector", lambda x: x[0, 0].diag(1), "DiagEmbedBackward0"),
    ("trace", lambda x: x[1].trace(), "TraceBackward0"),
]


def ag_or_torch(x):
    return ag if isinstance(x, ag.Tensor) else torch


@pytest.mark.parametrize("fn,name", [pytest.param(f, n, id=i) for i, f, n in NAMES])
def test_grad_fn_names(device, fn, name):
    ours = _outs(fn(_x(ag, device)))
    theirs = _outs(fn(_x(torch)))
    assert [o.grad_fn.name() for o in theirs] == [name] * len(theirs)
    assert [o.grad_fn.name() for o in ours] == [name] * len(ours)
    assert repr(ours[0].grad_fn).startswith(f"<{name} object at 0x")


def test_noop_shape_ops_return_input_like_torch(device):
    x = ag.ones(2, 3, device=device, requires_grad=True)
    tx = torch.ones(2, 3, requires_grad=True)
    assert tx.contiguous() is tx and x.contiguous() is x
    assert tx.flatten(1) is tx and x.flatten(1) is x  # start_dim == end_dim: self


def test_T_records_permute_on_any_rank(device):
    for shape in [(3,), (2, 3, 4)]:
        x = ag.ones(*shape, device=device, requires_grad=True)
        y = x.T
        assert y is not x and y.grad_fn.name() == "PermuteBackward0"
        assert tuple(y.shape) == tuple(reversed(shape))


def test_mT_rejects_1d(device):
    x = ag.ones(3, device=device)
    with pytest.raises(RuntimeError, match="tensor.mT is only supported on matrices"):
        x.mT


@pytest.mark.filterwarnings("ignore:.*Tensor.T is deprecated:UserWarning")
@pytest.mark.filterwarnings("ignore:The use of `x.T` on tensors:UserWarning")
def test_T_and_mT_helpers_match_torch(device, rng):
    from autograd_gpu.ops import shape as S

    for shape in [(), (3,), (2, 3), (2, 3, 4)]:
        check_parity(lambda t, x: S.numpy_T(x) if t is ag else x.T, random_array(rng, shape),
                     device=device, rng=rng)
        y = S.numpy_T(ag.ones(shape, device=device, requires_grad=True))
        assert y.grad_fn.name() == "PermuteBackward0"
    with pytest.raises(RuntimeError, match=r"Got 1-D tensor\."):
        S.mT(ag.ones(3, device=device))


# -- views: shared memory and version counter ------------------------------------------------------

# (id, fn, writable): expanded views overlap in memory, so only the base is written there
VIEWS = [
    ("view", lambda x: x.view(6, 4), True),
    ("reshape", lambda x: x.reshape(4, 6), True),
    ("reshape_alias", lambda x: x.transpose(0, 1).reshape(3, 2, 2, 2), True),
    ("view_as", lambda x: x.view_as(ag.zeros(24)), True),
    ("flatten", lambda x: x.flatten(0, 1), True),
    ("unflatten", lambda x: x.unflatten(-1, (2, 2)), True),
    ("squeeze", lambda x: x[:1].squeeze(0), True),
    ("unsqueeze", lambda x: x.unsqueeze(1), True),
    ("transpose", lambda x: x.transpose(0, 2), True),
    ("permute", lambda x: x.permute(1, 2, 0), True),
    ("movedim", lambda x: x.movedim(-1, 0), True),
    ("t", lambda x: x[0].t(), True),
    ("mT", lambda x: x.mT, True),
    ("expand", lambda x: x[:, :1].expand(2, 3, 4), False),
    ("narrow", lambda x: x.narrow(2, 1, 2), True),
    ("select", lambda x: x.select(1, 1), True),
    ("split", lambda x: x.split(2, 2), True),
    ("split_sizes", lambda x: x.split([1, 2], 1), True),
    ("chunk", lambda x: x.chunk(2), True),
    ("unbind", lambda x: x.unbind(1), True),
    ("contiguous", lambda x: x.contiguous(), True),
    ("diagonal", lambda x: x.diagonal(1, 2, 1), True),
    ("diagonal_neg", lambda x: x.diagonal(-1), True),
]


@pytest.mark.parametrize("fn,writable", [pytest.param(f, w, id=i) for i, f, w in VIEWS])
def test_views_share_memory_and_version(device, fn, writable):
    x = ag.arange(24.0, device=device).reshape(2, 3, 4).requires_grad_()
    views = _outs(fn(x))
    before = [v.detach().cpu().numpy().copy() for v in views]
    with ag.no_grad():
        x.mul_(-2.0)  # an in-place write through the base
    for v, b in zip(views, before):
        assert v._version is x._version and v._version_value == x._version_value == 1
        np.testing.assert_array_equal(v.detach().cpu().numpy(), -2.0 * b)
    if not writable:
        return
    with ag.no_grad():
        views[0].fill_(7.0)  # and through the view into the base
    assert x._version_value == 2
    np.testing.assert_array_equal(_outs(fn(x.detach()))[0].cpu().numpy(),
                                  np.full(tuple(views[0].shape), 7.0, "float32"))


COPIES = [
    ("cat", lambda x: ag.cat([x, x])),
    ("stack", lambda x: ag.stack([x])),
    ("reshape_copy", lambda x: x.transpose(0, 1).reshape(-1)),
    ("contiguous_copy", lambda x: x.transpose(0, 1).contiguous()),
    ("flip", lambda x: x.flip(1)),
    ("roll", lambda x: x.roll(1, 0)),
    ("tril", lambda x: x.tril()),
    ("repeat", lambda x: x.repeat(1, 1, 1)),
    ("repeat_interleave", lambda x: x.repeat_interleave(1, 0)),
    ("diag", lambda x: x[0].diag()),
]


@pytest.mark.parametrize("fn", [pytest.param(f, id=i) for i, f in COPIES])
def test_copies_do_not_alias(device, fn):
    x = ag.arange(24.0, device=device).reshape(2, 3, 4)
    y = fn(x)
    before = y.cpu().numpy().copy()
    x.add_(1.0)
    assert y._version is not x._version and y._version_value == 0
    np.testing.assert_array_equal(y.cpu().numpy(), before)


def test_backward_through_view_after_base_write_raises(device):
    """A view saved for backward is checked against the shared counter, as in torch."""
    for lib, dev in ((ag, device), (torch, "cpu")):
        x = lib.ones(2, 3, device=dev, requires_grad=True)
        h = x * 1
        v = h.t()
        y = (v * v).sum()  # saves v
        with lib.no_grad():
            h.add_(1.0)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.backward()


# -- errors ----------------------------------------------------------------------------------------

# (id, fn(lib, x), input shape, exact): torch's exception type always; its message too when exact
ERRORS = [
    ("view_size", lambda t, x: x.view(5, -1), (2, 3, 4), True),
    ("view_size2", lambda t, x: x.view(5, 5), (2, 3, 4), True),
    ("view_two_infer", lambda t, x: x.view(-1, -1), (2, 3, 4), True),
    ("view_negative", lambda t, x: x.view(-2, 12), (2, 3, 4), True),
    ("view_zero_infer", lambda t, x: x.view(0, -1), (0, 3), True),
    ("view_noncontig", lambda t, x: x.transpose(0, 1).view(-1), (2, 3, 4), True),
    ("view_noncontig2", lambda t, x: x.t().view(6), (2, 3), True),
    ("view_float", lambda t, x: x.view(2.0, 12), (2, 3, 4), False),
    ("reshape_size", lambda t, x: x.reshape(7, -1), (2, 3, 4), True),
    ("flatten_order", lambda t, x: x.flatten(2, 1), (2, 3, 4), True),
    ("flatten_dim", lambda t, x: x.flatten(0, 3), (2, 3, 4), True),
    ("unflatten_sizes", lambda t, x: x.unflatten(1, (2, 2)), (2, 3, 4), True),
    ("unflatten_infer", lambda t, x: x.unflatten(-1, (3, -1)), (2, 3, 4), True),
    ("unflatten_empty", lambda t, x: x.unflatten(1, ()), (2, 3, 4), True),
    ("squeeze_dim", lambda t, x: x.squeeze(3), (2, 3, 4), True),
    ("squeeze_repeated", lambda t, x: x.squeeze((0, 0)), (1, 3, 4), True),
    ("unsqueeze_dim", lambda t, x: x.unsqueeze(4), (2, 3, 4), True),
    ("unsqueeze_neg", lambda t, x: x.unsqueeze(-5), (2, 3, 4), True),
    ("transpose_dim", lambda t, x: x.transpose(0, 3), (2, 3, 4), True),
    ("permute_len", lambda t, x: x.permute(2, 0), (2, 3, 4), True),
    ("permute_dup", lambda t, x: x.permute(0, 1, 1), (2, 3, 4), True),
    ("permute_dim", lambda t, x: x.permute(0, 1, 5), (2, 3, 4), True),
    ("t_3d", lambda t, x: x.t(), (2, 3, 4), True),
    ("expand_mismatch", lambda t, x: x.expand(3, 2), (3, 4), True),
    ("expand_mismatch_last", lambda t, x: x.expand(1, 2, 3, 4, -1), (2, 3, 4), True),
    ("expand_too_few", lambda t, x: x.expand(4), (3, 4), True),
    ("expand_lead_minus1", lambda t, x: x.expand(-1, 3, 4), (3, 4), True),
    ("cat_shapes", lambda t, x: t.cat([x, x[:, :2]]), (2, 3, 4), True),
    ("cat_shapes_dim1", lambda t, x: t.cat([x, x[:1, :, :2]], 1), (2, 3, 4), True),
    ("cat_ndim", lambda t, x: t.cat([x, x[0]]), (2, 3, 4), True),
    ("cat_dim", lambda t, x: t.cat([x, x], 3), (2, 3, 4), True),
    ("cat_0d", lambda t, x: t.cat([x, x.sum()]), (2,), True),
    ("cat_0d_first", lambda t, x: t.cat([x.sum(), x]), (2,), True),
    ("cat_empty_list", lambda t, x: t.cat([]), (2,), True),
    ("cat_tensor", lambda t, x: t.cat(x), (2, 3), True),
    ("cat_element", lambda t, x: t.cat([x, [1.0]]), (2,), True),
    ("stack_shapes", lambda t, x: t.stack([x, x[0]]), (2, 3), True),
    ("stack_dim", lambda t, x: t.stack([x, x], 3), (2, 3), True),
    ("stack_empty", lambda t, x: t.stack([]), (2,), True),
    ("split_zero", lambda t, x: x.split(0), (2, 3), True),
    ("split_negative", lambda t, x: x.split(-1), (2, 3), True),
    ("split_sum", lambda t, x: x.split([1, 1], 1), (2, 3), True),
    ("split_negative_sizes", lambda t, x: x.split([2, -1, 2], 1), (2, 3), True),
    ("chunk_zero", lambda t, x: x.chunk(0), (2, 3), True),
    ("unbind_0d", lambda t, x: x.unbind(0), (), True),
    ("unbind_dim", lambda t, x: x.unbind(2), (2, 3), True),
    ("narrow_past_end", lambda t, x: x.narrow(1, 2, 2), (2, 3), True),
    ("narrow_start", lambda t, x: x.narrow(1, -5, 1), (2, 3), True),
    ("narrow_length", lambda t, x: x.narrow(1, 0, -1), (2, 3), True),
    ("select_index", lambda t, x: x.select(1, 3), (2, 3), True),
    ("select_neg_index", lambda t, x: x.select(0, -3), (2, 3), True),
    ("movedim_dim", lambda t, x: x.movedim(0, 2), (2, 3), True),
    ("movedim_repeated", lambda t, x: x.movedim((0, 1), (1, 1)), (2, 3), True),
    ("movedim_lengths", lambda t, x: x.movedim((0, 1), (1,)), (2, 3), True),
    ("flip_dim", lambda t, x: x.flip(2), (2, 3), True),
    ("flip_repeated", lambda t, x: x.flip((0, -2)), (2, 3), True),
    ("roll_dim", lambda t, x: x.roll(1, 2), (2, 3), True),
    ("roll_align", lambda t, x: x.roll((1, 2), 0), (2, 3), True),
    ("roll_align_flat", lambda t, x: x.roll((1, 2)), (2, 3), True),
    ("roll_no_shifts", lambda t, x: x.roll((), ()), (2, 3), True),
    ("roll_0d_dim", lambda t, x: x.roll(1, 0), (), True),
    ("tril_1d", lambda t, x: x.tril(), (3,), True),
    ("triu_0d", lambda t, x: t.triu(x), (), True),
    ("tril_inplace_leaf", lambda t, x: x.tril_(), (2, 3), True),
    ("repeat_few", lambda t, x: x.repeat(2), (2, 3), True),
    ("repeat_negative", lambda t, x: x.repeat(2, -1), (2, 3), True),
    ("repeat_nothing", lambda t, x: x.repeat(), (2, 3), True),
    ("tile_negative", lambda t, x: x.tile((-1,)), (2, 3), True),
    ("repeat_interleave_negative", lambda t, x: x.repeat_interleave(-1), (2, 3), True),
    ("repeat_interleave_dim", lambda t, x: x.repeat_interleave(2, 2), (2, 3), True),
    ("repeat_interleave_0d_dim", lambda t, x: x.repeat_interleave(2, 1), (), True),
    ("repeat_interleave_sizes", lambda t, x: x.repeat_interleave(t.tensor([1, 2]), dim=1), (2, 3),
     True),
    ("repeat_interleave_neg_tensor", lambda t, x: x.repeat_interleave(t.tensor([1, -1]), dim=0),
     (2, 3), True),
    ("repeat_interleave_float", lambda t, x: x.repeat_interleave(t.tensor([1.0, 2.0]), dim=0),
     (2, 3), True),
    ("repeat_interleave_2d", lambda t, x: x.repeat_interleave(t.tensor([[1, 2]]), dim=0), (2, 3),
     True),
    ("diagonal_same_dims", lambda t, x: x.diagonal(0, 1, -1), (2, 3), True),
    ("diagonal_dim", lambda t, x: x.diagonal(0, 0, 2), (2, 3), True),
    ("diagonal_1d", lambda t, x: x.diagonal(), (3,), True),
    ("diag_3d", lambda t, x: x.diag(), (2, 2, 2), True),
    ("diag_0d", lambda t, x: t.diag(x), (), True),
    ("trace_1d", lambda t, x: x.trace(), (3,), True),
    ("trace_3d", lambda t, x: t.trace(x), (2, 2, 2), True),
]


def _raises(fn, lib, arr, device):
    x = lib.tensor(arr, device=device, requires_grad=True)
    before = arr.copy()
    with pytest.raises(Exception) as info:
        fn(lib, x)
    np.testing.assert_array_equal(x.detach().cpu().numpy(), before)  # failed ops change nothing
    assert getattr(x, "_version_value", x._version) == 0 and x.grad is None
    return info.value


@pytest.mark.parametrize("fn,shape,exact", [pytest.param(f, s, e, id=i) for i, f, s, e in ERRORS])
def test_errors_match_torch(device, rng, fn, shape, exact):
    arr = random_array(rng, shape)
    theirs = _raises(fn, torch, arr, "cpu")
    ours = _raises(fn, ag, arr, device)
    assert type(ours) is type(theirs), f"{type(ours).__name__}: {ours} != torch {theirs!r}"
    if exact:  # torch runs on cpu: a cuda tensor's legacy type name says torch.cuda.
        assert str(ours).replace("torch.cuda.", "torch.") == str(theirs)


# -- the new shape ops: integer inputs, in-place writes through diagonal views ----------------------

def test_new_ops_on_integer_and_bool_inputs(device):
    i = np.arange(12).reshape(3, 4).astype("int32")
    check_parity(lambda t, x: (x.flip(0), x.roll(1, 1), x.tril(), x.triu(1), x.repeat(2, 1),
                               x.tile((2,)), x.repeat_interleave(2, 0), x.diagonal(1), x.diag(),
                               x[0].diag(), x.trace()), i, device=device, grad=False)
    b = np.arange(6).reshape(2, 3) % 2 == 0
    check_parity(lambda t, x: (x.flip(1), x.tril(), x.repeat(1, 2), x.diagonal(), x.diag()), b,
                 device=device, grad=False)


def test_trace_dtypes_follow_torch(device):
    for dtype in ("float16", "float64", "int32", "int64", "uint8"):
        check_parity(lambda t, x: x.trace(), np.arange(6).reshape(2, 3).astype(dtype),
                     device=device, grad=False)


@pytest.mark.parametrize("offset,dims", [(0, (0, 1)), (1, (0, 1)), (-1, (1, 0)), (0, (-1, 0))])
def test_inplace_write_through_diagonal_view_reaches_base(device, rng, offset, dims):
    """y = x * 1; y.diagonal().mul_(w): the base takes CopySlices, x and w torch's gradients."""
    shape = (3, 4) if dims[0] >= 0 and dims != (-1, 0) else (2, 3, 4)
    a = random_array(rng, shape, "float64")
    n = tuple(torch.tensor(a).diagonal(offset, *dims).shape)
    w, g = random_array(rng, n, "float64"), random_array(rng, shape, "float64")
    results = []
    for lib, dev in ((ag, device), (torch, "cpu")):
        x = lib.tensor(a, device=dev, requires_grad=True)
        wt = lib.tensor(w, device=dev, requires_grad=True)
        y = x * 1
        d = y.diagonal(offset, *dims)
        d.mul_(wt)
        assert y.grad_fn.name().endswith("CopySlices")
        assert d.grad_fn.name() == "AsStridedBackward0"
        y.backward(lib.tensor(g, device=dev))
        results.append([t.detach().cpu().numpy() for t in (y, x.grad, wt.grad)])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_diagonal_inplace_gradcheck(device, rng):
    check_grad(lambda t, x, w: _diag_mul(x, w), random_array(rng, (3, 4), "float64"),
               random_array(rng, (3,), "float64"), device=device)


def _diag_mul(x, w):
    y = x * 1
    y.diagonal().mul_(w)
    return y


def test_diagonal_view_write_without_grad(device):
    x = ag.zeros(3, 3, device=device)
    x.diagonal(-1).fill_(2.0)
    expected = np.diag([2.0, 2.0], -1).astype("float32")
    np.testing.assert_array_equal(x.cpu().numpy(), expected)
    assert x._version_value == 1


def test_tril_inplace_returns_self_and_bumps_version(device):
    for lib, dev in ((ag, device), (torch, "cpu")):
        x = lib.ones(3, 3, device=dev)
        assert x.tril_(-1) is x and x.triu_(-1) is x
        np.testing.assert_array_equal(x.cpu().numpy(), np.diag([1.0, 1.0], -1))
