"""Property-based bad input for the nn layers, their functional forms and the optimizers (issue 5):
hypothesis throws tensors of any rank, size (empty and 0-d included), dtype, layout and NaN/Inf
content, Python numbers and objects that are not numbers, and torch judges each call
(bad_input_oracle). Layers with parameters get the same fixed values in both libraries
(``synced_layer``), so their results compare value for value. The deliberate divergences from
torch are listed at the top of test_bad_input_properties.py."""
import numpy as np
import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from reliability.bad_input_cases import layer
from reliability.bad_input_strategies import NOT_NUMBERS, SETTINGS, arrays, check, operands

# No shrinking: most of this file's time went to shrinking the open bugs' (xfail) examples; a
# failure still reports the example it met.
SETTINGS = settings(SETTINGS, phases=(Phase.explicit, Phase.reuse, Phase.generate))

# Open bugs these families found that are not fixed yet: each parametrization a strict xfail, so
# that its fix fails the run until the entry goes.
OPEN = {
    "gelu": "a result differs from torch's",
    "binary_cross_entropy_with_logits": "a float32 input with a float64 target: torch's float32 "
                                        "log_sigmoid is an ulp off numpy's",
}


# Open bugs whose failing input is a rare draw: at SETTINGS' budget the derandomized run may
# not meet it (and hypothesis draws other examples in a full-suite run than in this file's own),
# so their xfail is not strict. The others fail within the first few examples.
RARE = {"gelu", "binary_cross_entropy_with_logits"}


def params(table):
    """``table``'s names, the open bugs (OPEN) as xfails, strict unless RARE."""
    return [pytest.param(n, marks=pytest.mark.xfail(strict=n not in RARE, reason=OPEN[n]))
            if n in OPEN else n for n in table]


layer_shapes = st.lists(st.integers(0, 4), min_size=0, max_size=4).map(tuple)
small_ints = st.integers(-3, 3)


def synced_layer(t, name, *args, **kwargs):
    """``layer`` with every parameter set to fixed values seeded by its name and shape, so both
    libraries' layers compute the same function whatever their initialisation."""
    module = layer(t, name, *args, **kwargs)
    with t.no_grad():
        for pname, p in module.named_parameters():
            rng = np.random.default_rng(len(pname) + p.numel())
            values = rng.uniform(-0.5, 0.5, tuple(p.shape)).astype(str(p.dtype).split(".")[-1])
            p.copy_(t.tensor(values))
    return module


@st.composite
def layer_inputs(draw):
    """Mostly tensors of up to 4 dims (sizes 0 to 4: channel counts of 2 and 4 match the layers
    below often), then Python numbers and objects."""
    if draw(st.integers(0, 7)) == 0:
        return draw(operands())
    return draw(arrays(shape=draw(layer_shapes)))


# -- activations ---------------------------------------------------------------------------------

ACTIVATIONS = {
    "elu": lambda t, x, d: t.nn.functional.elu(x), "gelu": lambda t, x, d: t.nn.functional.gelu(x),
    "hardtanh": lambda t, x, d: t.nn.functional.hardtanh(x),
    "leaky_relu": lambda t, x, d: t.nn.functional.leaky_relu(x, 0.1),
    "mish": lambda t, x, d: t.nn.functional.mish(x),
    "relu6": lambda t, x, d: t.nn.functional.relu6(x),
    "silu": lambda t, x, d: t.nn.functional.silu(x),
    "softplus": lambda t, x, d: t.nn.functional.softplus(x, beta=2, threshold=1),
    "sigmoid": lambda t, x, d: t.nn.functional.sigmoid(x),
    "tanh": lambda t, x, d: t.nn.functional.tanh(x), "relu": lambda t, x, d: t.nn.functional.relu(x),
    "softmax": lambda t, x, d: t.nn.functional.softmax(x, d),
    "log_softmax": lambda t, x, d: t.nn.functional.log_softmax(x, d),
    "normalize": lambda t, x, d: t.nn.functional.normalize(x, dim=d),
    "prelu": lambda t, x, d: t.nn.functional.prelu(x, t.full((1,), 0.25)),
    "dropout2d": lambda t, x, d: t.nn.functional.dropout2d(x, 0.5, training=False),
    "ELU": lambda t, x, d: layer(t, "ELU", alpha=0.5)(x),
    "GELU": lambda t, x, d: layer(t, "GELU", approximate="tanh")(x),
    "Hardtanh": lambda t, x, d: layer(t, "Hardtanh", -0.5, 0.5)(x),
    "LeakyReLU": lambda t, x, d: layer(t, "LeakyReLU")(x),
    "Mish": lambda t, x, d: layer(t, "Mish")(x), "ReLU6": lambda t, x, d: layer(t, "ReLU6")(x),
    "SiLU": lambda t, x, d: layer(t, "SiLU")(x), "Softplus": lambda t, x, d: layer(t, "Softplus")(x),
    "Sigmoid": lambda t, x, d: layer(t, "Sigmoid")(x), "Tanh": lambda t, x, d: layer(t, "Tanh")(x),
    "Softmax": lambda t, x, d: layer(t, "Softmax", d)(x),
    "LogSoftmax": lambda t, x, d: layer(t, "LogSoftmax", d)(x),
    "PReLU": lambda t, x, d: synced_layer(t, "PReLU", 2)(x),
    "Dropout2d": lambda t, x, d: layer(t, "Dropout2d").eval()(x),
    "Unflatten": lambda t, x, d: layer(t, "Unflatten", d, (2, 2))(x),
}


@pytest.mark.parametrize("name", params(ACTIVATIONS))
@SETTINGS
@given(x=layer_inputs(), dim=small_ints)
def test_activation(name, x, dim):
    check(lambda t, a: ACTIVATIONS[name](t, a, dim), [x], (name.lower(), name))


# -- losses --------------------------------------------------------------------------------------

LOSSES = {
    "smooth_l1_loss": lambda t, a, b: t.nn.functional.smooth_l1_loss(a, b, beta=0.5),
    "huber_loss": lambda t, a, b: t.nn.functional.huber_loss(a, b, reduction="sum"),
    "kl_div": lambda t, a, b: t.nn.functional.kl_div(a, b, reduction="batchmean"),
    "kl_div_log_target": lambda t, a, b: t.nn.functional.kl_div(a, b, reduction="none",
                                                                log_target=True),
    "binary_cross_entropy_with_logits":
        lambda t, a, b: t.nn.functional.binary_cross_entropy_with_logits(a, b),
    "cosine_similarity": lambda t, a, b: t.nn.functional.cosine_similarity(a, b, dim=-1),
    "L1Loss": lambda t, a, b: layer(t, "L1Loss")(a, b),
    "SmoothL1Loss": lambda t, a, b: layer(t, "SmoothL1Loss", reduction="none")(a, b),
    "HuberLoss": lambda t, a, b: layer(t, "HuberLoss", delta=0.5)(a, b),
    "KLDivLoss": lambda t, a, b: layer(t, "KLDivLoss", reduction="sum")(a, b),
    "BCEWithLogitsLoss": lambda t, a, b: layer(t, "BCEWithLogitsLoss")(a, b),
    "NLLLoss": lambda t, a, b: layer(t, "NLLLoss")(a, b),
    "CosineSimilarity": lambda t, a, b: layer(t, "CosineSimilarity", dim=0)(a, b),
}


@pytest.mark.parametrize("name", params(LOSSES))
@SETTINGS
@given(data=st.data())
def test_loss(name, data):
    a = data.draw(layer_inputs())
    b = data.draw(operands(like=a))
    op = name.replace("_log_target", "")
    check(LOSSES[name], [a, b], (op, op.lower().replace("loss", "_loss")))


# -- convolution, pooling, resampling, normalization ---------------------------------------------

SPATIAL = {
    "conv1d": lambda t, x: t.nn.functional.conv1d(x, t.full((3, 2, 2), 0.5), stride=2),
    "conv_transpose1d": lambda t, x: t.nn.functional.conv_transpose1d(x, t.full((2, 3, 2), 0.5)),
    "conv_transpose2d": lambda t, x: t.nn.functional.conv_transpose2d(
        x, t.full((2, 1, 2, 2), 0.5), stride=2, padding=1),
    "avg_pool1d": lambda t, x: t.nn.functional.avg_pool1d(x, 2),
    "max_pool1d": lambda t, x: t.nn.functional.max_pool1d(x, 2, padding=1),
    "adaptive_avg_pool1d": lambda t, x: t.nn.functional.adaptive_avg_pool1d(x, 3),
    "adaptive_max_pool1d": lambda t, x: t.nn.functional.adaptive_max_pool1d(x, 2),
    "adaptive_max_pool2d": lambda t, x: t.nn.functional.adaptive_max_pool2d(x, (2, 3)),
    "unfold": lambda t, x: t.nn.functional.unfold(x, 2),
    "fold": lambda t, x: t.nn.functional.fold(x, (3, 3), 2),
    "interpolate": lambda t, x: t.nn.functional.interpolate(x, scale_factor=2),
    "interpolate_linear": lambda t, x: t.nn.functional.interpolate(x, size=3, mode="linear"),
    "group_norm": lambda t, x: t.nn.functional.group_norm(x, 2),
    "Conv1d": lambda t, x: synced_layer(t, "Conv1d", 2, 3, 2)(x),
    "ConvTranspose1d": lambda t, x: synced_layer(t, "ConvTranspose1d", 2, 3, 2)(x),
    "ConvTranspose2d": lambda t, x: synced_layer(t, "ConvTranspose2d", 2, 1, 2)(x),
    "AvgPool1d": lambda t, x: layer(t, "AvgPool1d", 2)(x),
    "MaxPool1d": lambda t, x: layer(t, "MaxPool1d", 2)(x),
    "AdaptiveAvgPool1d": lambda t, x: layer(t, "AdaptiveAvgPool1d", 2)(x),
    "AdaptiveMaxPool1d": lambda t, x: layer(t, "AdaptiveMaxPool1d", 3)(x),
    "AdaptiveMaxPool2d": lambda t, x: layer(t, "AdaptiveMaxPool2d", 2)(x),
    "Unfold": lambda t, x: layer(t, "Unfold", 2)(x),
    "Fold": lambda t, x: layer(t, "Fold", (3, 3), 2)(x),
    "Upsample": lambda t, x: layer(t, "Upsample", scale_factor=2)(x),
    "UpsamplingNearest2d": lambda t, x: layer(t, "UpsamplingNearest2d", scale_factor=2)(x),
    "UpsamplingBilinear2d": lambda t, x: layer(t, "UpsamplingBilinear2d", size=3)(x),
    "GroupNorm": lambda t, x: synced_layer(t, "GroupNorm", 2, 4)(x),
}


@pytest.mark.parametrize("name", params(SPATIAL))
@SETTINGS
@given(x=layer_inputs())
def test_spatial(name, x):
    op = name.split("_linear")[0]
    check(SPATIAL[name], [x], (op, op.lower()))


# -- recurrent layers ----------------------------------------------------------------------------

RECURRENT = {
    "RNN": lambda t, x: synced_layer(t, "RNN", 2, 3)(x),
    "LSTM": lambda t, x: synced_layer(t, "LSTM", 2, 3, batch_first=True)(x),
    "GRU": lambda t, x: synced_layer(t, "GRU", 2, 3, num_layers=2)(x),
    "RNNCell": lambda t, x: synced_layer(t, "RNNCell", 2, 3)(x),
    "LSTMCell": lambda t, x: synced_layer(t, "LSTMCell", 2, 3)(x),
    "GRUCell": lambda t, x: synced_layer(t, "GRUCell", 2, 3)(x),
}


@pytest.mark.parametrize("name", params(RECURRENT))
@SETTINGS
@given(x=layer_inputs())
def test_recurrent(name, x):
    check(RECURRENT[name], [x], (name, name.lower()))


# -- optimizers and schedulers -------------------------------------------------------------------

hyperparameters = st.sampled_from((-1.0, 0.0, 0.1, 2, float("nan"), float("inf"), True) + NOT_NUMBERS)

OPTIMIZERS = {
    "SGD": lambda t, ps, h: t.optim.SGD(ps, lr=0.1, momentum=h),
    "AdamW": lambda t, ps, h: t.optim.AdamW(ps, lr=h, weight_decay=0.1),
    "RMSprop": lambda t, ps, h: t.optim.RMSprop(ps, lr=0.1, alpha=h),
    "Adagrad": lambda t, ps, h: t.optim.Adagrad(ps, lr=h),
}


def _stepped(t, name, hyperparameter, param, grad):
    """The parameter after one step of ``name`` with ``grad``."""
    p = param.detach().clone().requires_grad_(True)
    p.grad = grad.clone()
    OPTIMIZERS[name](t, [p], hyperparameter).step()
    return p.detach()


@pytest.mark.parametrize("name", params(OPTIMIZERS))
@SETTINGS
@given(data=st.data())
def test_optimizer(name, data):
    param = data.draw(arrays(shape=(3,), dtypes=("float32", "float64")))
    grad = data.draw(arrays())
    h = data.draw(hyperparameters)
    check(lambda t, p, g: _stepped(t, name, h, p, g), [param, grad], (name, name.lower()))


SCHEDULERS = {
    "StepLR": lambda t, o, h: t.optim.lr_scheduler.StepLR(o, step_size=h),
    "ExponentialLR": lambda t, o, h: t.optim.lr_scheduler.ExponentialLR(o, gamma=h),
    "MultiStepLR": lambda t, o, h: t.optim.lr_scheduler.MultiStepLR(o, milestones=[h, 2]),
    "CosineAnnealingLR": lambda t, o, h: t.optim.lr_scheduler.CosineAnnealingLR(o, T_max=h),
    "LinearLR": lambda t, o, h: t.optim.lr_scheduler.LinearLR(o, start_factor=h, total_iters=2),
    "LambdaLR": lambda t, o, h: t.optim.lr_scheduler.LambdaLR(o, lr_lambda=lambda e: h),
    "OneCycleLR": lambda t, o, h: t.optim.lr_scheduler.OneCycleLR(o, max_lr=h, total_steps=4),
    "ReduceLROnPlateau": lambda t, o, h: t.optim.lr_scheduler.ReduceLROnPlateau(o, factor=h,
                                                                                patience=0),
}


def _learning_rates(t, name, hyperparameter, optimizer_or_object):
    """The learning rates over three epochs of ``name`` (a plateau sees a loss that grows)."""
    p = t.zeros(2, requires_grad=True)
    opt = t.optim.SGD([p], lr=0.5) if optimizer_or_object is None else optimizer_or_object
    scheduler = SCHEDULERS[name](t, opt, hyperparameter)
    rates = []
    for epoch in range(3):
        opt.step()
        scheduler.step(float(epoch)) if name == "ReduceLROnPlateau" else scheduler.step()
        rates.append(opt.param_groups[0]["lr"])
    return rates


@pytest.mark.parametrize("name", params(SCHEDULERS))
@SETTINGS
@given(h=hyperparameters, optimizer=st.sampled_from((None,) * 4 + NOT_NUMBERS))
def test_scheduler(name, h, optimizer):
    check(lambda t: _learning_rates(t, name, h, optimizer), [], (name, name.lower()))
