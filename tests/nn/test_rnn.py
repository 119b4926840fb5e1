"""RNN, LSTM, GRU and their cells against torch: torch's state_dict is loaded into ours (the keys
must match), then outputs, final states and the gradients of the input, of h0/c0 and of every
parameter (backward of a random weighted sum of all outputs) are compared on fresh random inputs.
Also: float64 gradchecks, reprs, init bounds, dropout between layers, and torch's error texts."""
import math
import warnings

import numpy as np
import pytest

import autograd_gpu as ag
from autograd_gpu import nn
from helpers import assert_torch_wording, check_grad, random_array, torch_or_skip

ATOL, RTOL = 1e-5, 1e-4


def _np(t):
    return np.asarray(t.detach().cpu().numpy())


def _flatten(out):
    """(output, h_n) or (output, (h_n, c_n)) or a cell's h / (h, c) as a flat list."""
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _flatten(o)]
    return [out]


def _load(ours, theirs, device):
    ref_sd = theirs.state_dict()
    assert list(ours.state_dict()) == list(ref_sd)
    ours.load_state_dict({k: ag.tensor(v.detach().numpy(), device=device) for k, v in ref_sd.items()})


def _compare(ours, theirs, x, state, device, rng, atol=ATOL, rtol=RTOL):
    """Runs ``module(x)`` or ``module(x, state)`` on both (state: an array, a tuple of two, or
    None) and compares every output and every gradient."""
    torch = torch_or_skip()
    _load(ours, theirs, device)
    arrays = [x] + ([] if state is None else list(state) if isinstance(state, tuple) else [state])
    ours_in = [ag.tensor(a, device=device, requires_grad=True) for a in arrays]
    theirs_in = [torch.tensor(a, requires_grad=True) for a in arrays]

    def call(module, ins):
        if state is None:
            return module(ins[0])
        return module(ins[0], tuple(ins[1:]) if isinstance(state, tuple) else ins[1])

    out, ref = _flatten(call(ours, ours_in)), _flatten(call(theirs, theirs_in))
    assert len(out) == len(ref)
    for i, (o, r) in enumerate(zip(out, ref)):
        assert tuple(o.shape) == tuple(r.shape), f"output {i}: {tuple(o.shape)} != {tuple(r.shape)}"
        assert str(o.dtype) == str(r.dtype)
        np.testing.assert_allclose(_np(o), _np(r), atol=atol, rtol=rtol, err_msg=f"output {i}")
    weights = [random_array(rng, tuple(r.shape)) for r in ref]
    loss = sum((o * ag.tensor(w, device=device)).sum() for o, w in zip(out, weights))
    ref_loss = sum((r * torch.tensor(w)).sum() for r, w in zip(ref, weights))
    loss.backward()
    ref_loss.backward()
    for i, (a, t) in enumerate(zip(ours_in, theirs_in)):
        assert a.grad is not None, f"input {i}: no gradient"
        np.testing.assert_allclose(_np(a.grad), _np(t.grad), atol=atol, rtol=rtol,
                                   err_msg=f"gradient of input {i}")
    ref_params = dict(theirs.named_parameters())
    names = [n for n, _ in ours.named_parameters()]
    assert names == list(ref_params)
    for name, p in ours.named_parameters():
        assert p.grad is not None, f"parameter {name}: no gradient"
        np.testing.assert_allclose(_np(p.grad), _np(ref_params[name].grad), atol=atol, rtol=rtol,
                                   err_msg=f"gradient of parameter {name}")
    return out


def _build(lib, mode, *args, **kwargs):
    if mode == "RNN_RELU":
        return lib.nn.RNN(*args, nonlinearity="relu", **kwargs)
    if mode == "RNN_TANH":
        return lib.nn.RNN(*args, **kwargs)
    return getattr(lib.nn, mode)(*args, **kwargs)


def _state(rng, mode, layers, batch, hidden, cell_hidden=None):
    shape = (layers, batch, hidden) if batch is not None else (layers, hidden)
    if mode != "LSTM":
        return random_array(rng, shape, low=-1, high=1)
    cshape = shape[:-1] + (cell_hidden or hidden,)
    return (random_array(rng, shape, low=-1, high=1), random_array(rng, cshape, low=-1, high=1))


MODES = ["RNN_TANH", "RNN_RELU", "LSTM", "GRU"]


# -- multi-layer modules ---------------------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("with_state", [False, True])
def test_rnn_matches_torch(device, rng, mode, num_layers, batch_first, bidirectional, with_state):
    torch = torch_or_skip()
    seq, batch, inp, hidden = 5, 3, 4, 6
    kwargs = dict(num_layers=num_layers, batch_first=batch_first, bidirectional=bidirectional)
    ours, theirs = _build(ag, mode, inp, hidden, **kwargs).to(device), _build(torch, mode, inp, hidden, **kwargs)
    x = random_array(rng, (batch, seq, inp) if batch_first else (seq, batch, inp))
    dirs = 2 if bidirectional else 1
    state = _state(rng, mode, num_layers * dirs, batch, hidden) if with_state else None
    out = _compare(ours, theirs, x, state, device, rng)
    assert tuple(out[0].shape) == ((batch, seq, dirs * hidden) if batch_first else (seq, batch, dirs * hidden))
    assert tuple(out[1].shape) == (num_layers * dirs, batch, hidden)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("with_state", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
def test_rnn_unbatched_input(device, rng, mode, with_state, batch_first):
    torch = torch_or_skip()
    kwargs = dict(num_layers=2, bidirectional=True, batch_first=batch_first)
    ours, theirs = _build(ag, mode, 3, 4, **kwargs).to(device), _build(torch, mode, 3, 4, **kwargs)
    state = _state(rng, mode, 4, None, 4) if with_state else None
    out = _compare(ours, theirs, random_array(rng, (6, 3)), state, device, rng)
    assert tuple(out[0].shape) == (6, 8) and tuple(out[1].shape) == (4, 4)


@pytest.mark.parametrize("mode", MODES)
def test_rnn_without_bias(device, rng, mode):
    torch = torch_or_skip()
    kwargs = dict(num_layers=2, bias=False, bidirectional=True)
    ours, theirs = _build(ag, mode, 3, 5, **kwargs).to(device), _build(torch, mode, 3, 5, **kwargs)
    assert [n for n, _ in ours.named_parameters()] == [
        f"weight_{k}_l{layer}{sfx}" for layer in range(2) for sfx in ("", "_reverse") for k in ("ih", "hh")]
    _compare(ours, theirs, random_array(rng, (4, 2, 3)), _state(rng, mode, 4, 2, 5), device, rng)


@pytest.mark.filterwarnings("ignore:LSTM with projections is not supported with oneDNN")
@pytest.mark.parametrize("bidirectional", [False, True])
def test_lstm_proj_size(device, rng, bidirectional):
    torch = torch_or_skip()
    kwargs = dict(num_layers=2, proj_size=3, bidirectional=bidirectional, batch_first=True)
    ours, theirs = nn.LSTM(4, 6, **kwargs).to(device), torch.nn.LSTM(4, 6, **kwargs)
    dirs = 2 if bidirectional else 1
    assert [(n, tuple(p.shape)) for n, p in ours.named_parameters()] == [
        (n, tuple(p.shape)) for n, p in theirs.named_parameters()]
    out = _compare(ours, theirs, random_array(rng, (2, 5, 4)), None, device, rng)
    assert tuple(out[0].shape) == (2, 5, 3 * dirs) and tuple(out[2].shape) == (2 * dirs, 2, 6)
    _compare(ours, theirs, random_array(rng, (2, 5, 4)), _state(rng, "LSTM", 2 * dirs, 2, 3, 6),
             device, rng)


@pytest.mark.parametrize("mode", MODES)
def test_dropout_between_layers(device, rng, mode):
    torch = torch_or_skip()
    kwargs = dict(num_layers=3, dropout=0.5)
    ours, theirs = _build(ag, mode, 4, 8, **kwargs).to(device), _build(torch, mode, 4, 8, **kwargs)
    x = random_array(rng, (6, 5, 4))
    ours.eval()
    theirs.eval()
    evaluated = _compare(ours, theirs, x, None, device, rng)[0]  # deterministic in eval mode
    ours.train()
    ag.manual_seed(0)
    xt = ag.tensor(x, device=device)
    trained = ours(xt)[0]
    assert not np.allclose(_np(trained), _np(evaluated), atol=1e-4)
    # the last layer gets no dropout: 1 layer with dropout is deterministic in training too
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        single = _build(ag, mode, 4, 8, dropout=0.5).to(device)
    np.testing.assert_array_equal(_np(single(xt)[0]), _np(single.eval()(xt)[0]))


def test_dropout_warning_and_repr():
    torch = torch_or_skip()
    with pytest.warns(UserWarning) as ours_w:
        ours = nn.GRU(3, 4, dropout=0.25)
    with pytest.warns(UserWarning) as theirs_w:
        theirs = torch.nn.GRU(3, 4, dropout=0.25)
    assert str(ours_w[0].message) == str(theirs_w[0].message)
    assert repr(ours) == repr(theirs) == "GRU(3, 4, dropout=0.25)"


# -- cells -----------------------------------------------------------------------------------------

CELLS = [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu"}), ("LSTMCell", {}), ("GRUCell", {})]


@pytest.mark.parametrize("name,kwargs", CELLS, ids=["rnn_tanh", "rnn_relu", "lstm", "gru"])
@pytest.mark.parametrize("with_state", [False, True])
@pytest.mark.parametrize("batched", [False, True])
@pytest.mark.parametrize("bias", [True, False])
def test_cell_matches_torch(device, rng, name, kwargs, with_state, batched, bias):
    torch = torch_or_skip()
    ours = getattr(nn, name)(5, 7, bias=bias, **kwargs).to(device)
    theirs = getattr(torch.nn, name)(5, 7, bias=bias, **kwargs)
    batch = 4 if batched else None
    x = random_array(rng, (4, 5) if batched else (5,))
    state = None
    if with_state:
        shape = (4, 7) if batched else (7,)
        state = random_array(rng, shape, low=-1, high=1)
        if name == "LSTMCell":
            state = (state, random_array(rng, shape, low=-1, high=1))
    out = _compare(ours, theirs, x, state, device, rng)
    assert all(tuple(o.shape) == ((batch, 7) if batched else (7,)) for o in out)


def test_cell_unrolled_equals_module(device, rng):
    """An LSTMCell stepped over time gives LSTM's output when both hold the same weights."""
    cell, lstm = nn.LSTMCell(3, 4).to(device), nn.LSTM(3, 4).to(device)
    lstm.load_state_dict({k + "_l0": v for k, v in cell.state_dict().items()})
    x = ag.tensor(random_array(rng, (5, 2, 3)), device=device)
    h = c = ag.zeros(2, 4, device=device)
    outs = []
    for t in range(5):
        h, c = cell(x[t], (h, c))
        outs.append(_np(h))
    out, (h_n, c_n) = lstm(x)
    np.testing.assert_allclose(_np(out), np.stack(outs), atol=1e-6, rtol=1e-5)
    np.testing.assert_allclose(_np(c_n[0]), _np(c), atol=1e-6, rtol=1e-5)


# -- gradchecks ------------------------------------------------------------------------------------

def _functional(module, names):
    """fn(ag, x, h0[, c0], *weights): the module run with the given tensors as its weights (so
    that gradcheck differentiates through them too)."""
    def fn(lib, x, *rest):
        n_state = len(rest) - len(names)
        for name, w in zip(names, rest[n_state:]):
            module._parameters[name] = w  # a graph tensor in place of the Parameter
        state = rest[:n_state]
        out, hidden = module(x, state if len(state) == 2 else state[0])
        return (out,) + (tuple(hidden) if isinstance(hidden, tuple) else (hidden,))
    return fn


@pytest.mark.parametrize("mode", ["LSTM", "GRU"])
def test_gradcheck_float64(device, rng, mode):
    module = _build(ag, mode, 2, 2, num_layers=2, bidirectional=True).double().to(device)
    names = ["weight_ih_l0", "weight_hh_l0", "bias_hh_l0", "weight_hh_l1_reverse"]
    weights = [_np(getattr(module, n)) for n in names]
    state = _state(rng, mode, 4, 2, 2)
    state = list(state) if isinstance(state, tuple) else [state]
    check_grad(_functional(module, names), random_array(rng, (3, 2, 2), "float64"), *state,
               *weights, device=device, second_order=False)  # second order: the cells' test


def test_gradcheck_cells_float64(device, rng):
    lstm = nn.LSTMCell(2, 3).double().to(device)
    gru = nn.GRUCell(2, 3).double().to(device)
    x, h, c = (random_array(rng, s, "float64") for s in ((2, 2), (2, 3), (2, 3)))
    check_grad(lambda lib, x, h, c: lstm(x, (h, c)), x, h, c, device=device)
    check_grad(lambda lib, x, h: gru(x, h), x, h, device=device)


# -- construction: names, shapes, init, repr -------------------------------------------------------

CONFIGS = [
    ("RNN", (10, 20), {}),
    ("RNN", (3, 4, 2, "relu", False, True, 0.5, True), {}),
    ("LSTM", (10, 20), {"num_layers": 2, "batch_first": True}),
    ("LSTM", (3, 5), {"proj_size": 2, "bidirectional": True, "num_layers": 2}),
    ("GRU", (4, 6), {"num_layers": 3, "bias": False, "dropout": 0.1}),
    ("RNNCell", (3, 4, False, "relu"), {}),
    ("LSTMCell", (3, 4), {}),
    ("GRUCell", (3, 4), {"bias": False}),
]


@pytest.mark.parametrize("name,args,kwargs", CONFIGS)
def test_names_shapes_and_repr_match_torch(name, args, kwargs):
    torch = torch_or_skip()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, theirs = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    assert_torch_wording(repr(ours), repr(theirs))
    assert [(n, tuple(p.shape)) for n, p in ours.named_parameters()] == [
        (n, tuple(p.shape)) for n, p in theirs.named_parameters()]
    assert list(ours.state_dict()) == list(theirs.state_dict())


def test_repr_examples():
    assert repr(nn.LSTM(10, 20, num_layers=2, batch_first=True)) == \
        "LSTM(10, 20, num_layers=2, batch_first=True)"
    assert repr(nn.RNNCell(3, 4, nonlinearity="relu")) == "RNNCell(3, 4, nonlinearity=relu)"
    assert [len(w) for w in nn.LSTM(3, 4, 2, bidirectional=True).all_weights] == [4, 4, 4, 4]


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell"])
def test_init_bounds(device, name):
    hidden = 16
    kwargs = {"num_layers": 2, "bidirectional": True} if not name.endswith("Cell") else {}
    module = getattr(nn, name)(5, hidden, **kwargs).to(device)
    bound = 1 / math.sqrt(hidden)
    values = np.concatenate([_np(p).ravel() for p in module.parameters()])
    assert values.min() >= -bound and values.max() <= bound
    # uniform over the whole range, for every parameter (not a constant, not a narrower law)
    assert values.max() > 0.9 * bound and values.min() < -0.9 * bound
    for n, p in module.named_parameters():
        assert np.std(_np(p)) > 0.4 * bound, n


def test_dtype_and_device_follow_the_module(device):
    module = nn.GRU(3, 4, dtype=ag.float64).to(device)
    out, h = module(ag.zeros(2, 1, 3, dtype=ag.float64, device=device))
    assert out.dtype == ag.float64 and h.device == out.device


# -- errors ----------------------------------------------------------------------------------------

def _same_error(make_ours, make_theirs):
    with pytest.raises(Exception) as ours_err:
        make_ours()
    with pytest.raises(Exception) as theirs_err:
        make_theirs()
    assert type(ours_err.value) is type(theirs_err.value)
    assert_torch_wording(str(ours_err.value), str(theirs_err.value))


def _z(lib, *shape, dtype=None):
    return lib.zeros(*shape) if dtype is None else lib.zeros(*shape, dtype=dtype)


MODULE_ERRORS = [
    ("LSTM", (10, 20), {}, lambda lib: ((_z(lib, 5, 3, 7),), {})),
    ("LSTM", (10, 20), {}, lambda lib: ((_z(lib, 5, 3, 10), (_z(lib, 1, 3, 5), _z(lib, 1, 3, 20))), {})),
    ("LSTM", (10, 20), {}, lambda lib: ((_z(lib, 5, 3, 10), (_z(lib, 1, 3, 20), _z(lib, 1, 3, 5))), {})),
    ("LSTM", (10, 20), {}, lambda lib: ((_z(lib, 5, 3, 10), (_z(lib, 3, 20), _z(lib, 1, 3, 5))), {})),
    ("LSTM", (10, 20), {}, lambda lib: ((_z(lib, 5, 10), (_z(lib, 1, 3, 20), _z(lib, 1, 20))), {})),
    ("LSTM", (10, 20), {}, lambda lib: ((_z(lib, 5, 3, 3, 10),), {})),
    ("LSTM", (10, 20), {}, lambda lib: ((_z(lib, 5, 3, 10, dtype=lib.float64),), {})),
    ("GRU", (10, 20), {"num_layers": 2}, lambda lib: ((_z(lib, 5, 3, 10), _z(lib, 1, 3, 20)), {})),
    ("GRU", (10, 20), {}, lambda lib: ((_z(lib, 5, 10), _z(lib, 1, 3, 20)), {})),
    ("GRU", (10, 20), {}, lambda lib: ((_z(lib, 5, 3, 10), _z(lib, 3, 20)), {})),
    ("GRU", (10, 20), {}, lambda lib: ((_z(lib, 5),), {})),
    ("RNN", (10, 20), {"batch_first": True}, lambda lib: ((_z(lib, 3, 5, 10), _z(lib, 1, 5, 20)), {})),
    ("RNN", (10, 20), {}, lambda lib: ((_z(lib, 5, 3, 7),), {})),
    ("RNN", (10, 20), {}, lambda lib: ((_z(lib, 1, 5, 3, 10),), {})),
    ("RNNCell", (10, 20), {}, lambda lib: ((_z(lib, 3, 7),), {})),
    ("RNNCell", (10, 20), {}, lambda lib: ((_z(lib, 3, 10), _z(lib, 3, 5)), {})),
    ("RNNCell", (10, 20), {}, lambda lib: ((_z(lib, 3, 10), _z(lib, 4, 20)), {})),
    ("RNNCell", (10, 20), {}, lambda lib: ((_z(lib, 3, 10), _z(lib, 20)), {})),
    ("RNNCell", (10, 20), {}, lambda lib: ((_z(lib, 3, 3, 10),), {})),
    ("RNNCell", (10, 20), {}, lambda lib: ((_z(lib, 3, 10), _z(lib, 1, 3, 20)), {})),
    ("LSTMCell", (10, 20), {}, lambda lib: ((_z(lib, 3, 7),), {})),
    ("LSTMCell", (10, 20), {}, lambda lib: ((_z(lib, 3, 10), (_z(lib, 3, 20), _z(lib, 3, 5))), {})),
    ("LSTMCell", (10, 20), {}, lambda lib: ((_z(lib, 3, 10), (_z(lib, 4, 20), _z(lib, 3, 20))), {})),
    ("LSTMCell", (10, 20), {}, lambda lib: ((_z(lib, 3, 10), (_z(lib, 3, 20), _z(lib, 1, 3, 20))), {})),
    ("GRUCell", (10, 20), {}, lambda lib: ((_z(lib, 3, 7),), {})),
    ("GRUCell", (10, 20), {}, lambda lib: ((_z(lib, 3, 10), _z(lib, 3, 5)), {})),
    ("GRUCell", (10, 20), {}, lambda lib: ((_z(lib, 2, 3, 10),), {})),
]


@pytest.mark.parametrize("name,args,kwargs,call", MODULE_ERRORS)
def test_forward_errors_match_torch(name, args, kwargs, call):
    torch = torch_or_skip()
    ours, theirs = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    a, kw = call(ag)
    ta, tkw = call(torch)
    _same_error(lambda: ours(*a, **kw), lambda: theirs(*ta, **tkw))


def test_input_size_message():
    # (?m): torch's message is the first line word for word; a note naming LSTM follows it.
    with pytest.raises(RuntimeError, match="(?m)^input.size\\(-1\\) must be equal to input_size. "
                                           "Expected 10, got 7$"):
        nn.LSTM(10, 20)(ag.zeros(5, 3, 7))


CONSTRUCTION_ERRORS = [
    ("RNN", (10, 20), {"nonlinearity": "foo"}),
    ("RNN", (10, 20), {"proj_size": 3}),
    ("GRU", (10, 20), {"proj_size": 3}),
    ("LSTM", (10, 20), {"proj_size": 30}),
    ("LSTM", (10, 20), {"proj_size": -1}),
    ("LSTM", (10, 20), {"dropout": 2}),
    ("LSTM", (10, 20), {"dropout": True}),
    ("LSTM", (10, 20), {"bias": 1}),
    ("LSTM", (10, 20), {"batch_first": None}),
    ("GRU", (10.0, 20), {}),
    ("GRU", (0, 20), {}),
    ("GRU", (10, 0), {}),
    ("GRU", (10, 20, 0), {}),
]


@pytest.mark.parametrize("name,args,kwargs", CONSTRUCTION_ERRORS)
def test_construction_errors_match_torch(name, args, kwargs):
    torch = torch_or_skip()
    _same_error(lambda: getattr(nn, name)(*args, **kwargs),
                lambda: getattr(torch.nn, name)(*args, **kwargs))


def test_cell_unknown_nonlinearity():
    torch = torch_or_skip()
    _same_error(lambda: nn.RNNCell(3, 4, nonlinearity="foo")(ag.zeros(2, 3)),
                lambda: torch.nn.RNNCell(3, 4, nonlinearity="foo")(torch.zeros(2, 3)))


def test_pickle_and_deepcopy_keep_the_weights(device, rng):
    import copy
    import pickle

    module = nn.LSTM(3, 4, num_layers=2, bidirectional=True).to(device)
    x = ag.tensor(random_array(rng, (5, 2, 3)), device=device)
    expected = _np(module(x)[0])
    for clone in (copy.deepcopy(module), pickle.loads(pickle.dumps(module))):
        np.testing.assert_array_equal(_np(clone(x)[0]), expected)
        assert clone.weight_ih_l0 is not module.weight_ih_l0
