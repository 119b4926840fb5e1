"""Every public op and layer meets the bad-input tests (issue 5), or is exempt here, with the reason.

The public surface: ``autograd_gpu.__all__``'s callables, ``Tensor``'s public methods and its
operator methods, ``nn.functional.__all__``, the ``nn`` Module classes and the ``optim`` and
``optim.lr_scheduler`` classes. A name is exercised when the bad-input modules (BAD_INPUT_MODULES)
call it: an attribute read inside a call that takes the library as ``t`` (``t.cosh(x)``,
``x.cosh_()``, ``t.nn.GRU(...)``), an operator written there (``a + b`` runs ``__add__``, or
``__radd__`` when a drawn Python number comes first), or a name in a table that a family passes
to ``getattr`` (``UNARY``, ``layer(t, "Linear")``). A Tensor method and the function of the same
name count as one op.

Run as a script (``PYTHONPATH=tests python3 tests/reliability/test_bad_input_coverage.py``) to
list the names that are neither exercised nor exempt.
"""
import ast
import inspect
from pathlib import Path

import autograd_gpu as ag
from autograd_gpu import nn, optim
from autograd_gpu.optim import lr_scheduler

BAD_INPUT_MODULES = ("bad_input_cases.py", "test_bad_input.py", "test_bad_input_properties.py",
                     "test_bad_input_layers.py", "test_bad_input_new_ops.py")

# The in-place index writes (scatter_, index_add_...), which test_index_writes calls as
# ``getattr(a, name + "_")`` for each name of INDEX_WRITES.
BUILT_AT_RUN_TIME = ("scatter_", "scatter_add_", "index_add_", "index_fill_", "index_copy_")

OPERATORS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "truediv",
             ast.FloorDiv: "floordiv", ast.Mod: "mod", ast.Pow: "pow", ast.MatMult: "matmul",
             ast.BitAnd: "and", ast.BitOr: "or", ast.BitXor: "xor"}
COMPARISONS = {ast.Lt: "__lt__", ast.LtE: "__le__", ast.Gt: "__gt__", ast.GtE: "__ge__",
               ast.Eq: "__eq__", ast.NotEq: "__ne__"}
UNARY_OPERATORS = {ast.USub: "__neg__", ast.UAdd: "__pos__", ast.Invert: "__invert__"}

# Tensor's operator and conversion methods that are ops (the rest of its dunders are Python's
# object protocol: __repr__, __deepcopy__, __reduce_ex__, ...).
TENSOR_DUNDERS = tuple(
    [f"__{n}__" for n in OPERATORS.values()] + [f"__r{n}__" for n in OPERATORS.values()]
    + [f"__i{n}__" for n in ("add", "sub", "mul", "truediv", "and", "or", "xor")]
    + list(COMPARISONS.values()) + list(UNARY_OPERATORS.values())
    + ["__abs__", "__getitem__", "__setitem__", "__bool__", "__float__", "__int__", "__index__",
       "__len__", "__iter__"])

EXEMPT = {
    # pure factories and state with no tensor input: their bad sizes, dtypes and objects are
    # drawn by the creation families through the names listed there
    "Generator": "a random-state object; seeds are tested in tests/test_seeds.py",
    "seed": "takes no argument: reseeds from the OS's entropy; tests/test_random_parity.py",
    "initial_seed": "takes no argument: reads the seed", "get_rng_state": "takes no argument",
    "get_default_dtype": "reads a setting", "set_default_dtype": "a setting; tests/test_creation.py",
    "promote_types": "dtype objects in, a dtype out: no tensor",
    "get_printoptions": "printing settings", "set_printoptions": "printing settings",
    "printoptions": "a context manager for printing settings",
    "Size": "a tuple subclass",
    "device": "the device class, and Tensor's device attribute",
    "Tensor": "the class; its methods are listed one by one",
    "OutOfMemoryError": "an exception class",
    # autograd modes: context managers and switches, no tensor input
    "no_grad": "a context manager", "enable_grad": "a context manager",
    "inference_mode": "a context manager", "set_grad_enabled": "a context manager",
    "is_grad_enabled": "reads a mode", "is_inference_mode_enabled": "reads a mode",
    "is_anomaly_enabled": "reads a mode", "is_anomaly_check_nan_enabled": "reads a mode",
    "set_anomaly_enabled": "a mode switch; tests/reliability/test_anomaly.py",
    # files, not tensors: corrupt and hostile checkpoints are tests/reliability/test_checkpoints.py
    "save": "serialization; test_checkpoints.py", "load": "serialization; test_checkpoints.py",
    "fuse": "a decorator that compiles elementwise functions; tests/fusion",
    # Tensor attributes that are state, not ops
    "backend": "the array module", "data": "a view of the values", "data_ptr": "an address",
    "grad": "state", "grad_fn": "state", "is_leaf": "state", "is_cuda": "state",
    "requires_grad": "state", "retains_grad": "state", "output_nr": "state", "shape": "state",
    "ndim": "state",
    "dtype": "the dtype class, and Tensor's dtype attribute", "element_size": "a property of the dtype",
    "register_hook": "autograd hooks; tests/autograd",
    "register_post_accumulate_grad_hook": "autograd hooks; tests/autograd",
    "retain_grad": "autograd state; tests/autograd",
    # containers and bases: no computation of their own
    "Module": "the base class", "Sequential": "a container", "ModuleList": "a container",
    "ModuleDict": "a container", "ParameterList": "a container", "ParameterDict": "a container",
    "Identity": "returns its input", "RNNBase": "a base class", "RNNCellBase": "a base class",
    "Optimizer": "the base class", "LRScheduler": "the base class",
}


def public_surface():
    """{qualified name: the op's name} of every public callable."""
    surface = {}
    for name in ag.__all__:
        obj = getattr(ag, name)
        if callable(obj) and not inspect.ismodule(obj) and not isinstance(obj, ag.dtype):
            surface[f"autograd_gpu.{name}"] = name
    for name in [n for n in dir(ag.Tensor) if not n.startswith("_")] + list(TENSOR_DUNDERS):
        surface[f"Tensor.{name}"] = name
    for name in nn.functional.__all__:
        surface[f"nn.functional.{name}"] = name
    for name in nn.__all__:
        obj = getattr(nn, name)
        if inspect.isclass(obj) and issubclass(obj, nn.Module):
            surface[f"nn.{name}"] = name
    for namespace, prefix in ((optim, "optim"), (lr_scheduler, "optim.lr_scheduler")):
        for name, obj in vars(namespace).items():
            if inspect.isclass(obj) and obj.__module__.startswith("autograd_gpu.optim"):
                surface[f"{prefix}.{name}"] = name
    return surface


def _takes_the_library(node):
    args = node.args.args
    return bool(args) and args[0].arg == "t"


def _names_in_calls(tree):
    """Attribute names and operators inside every function or lambda whose first argument is
    the library (``t``)."""
    names = set()
    for fn in ast.walk(tree):
        if not (isinstance(fn, (ast.Lambda, ast.FunctionDef)) and _takes_the_library(fn)):
            continue
        for node in ast.walk(fn):
            if isinstance(node, ast.Attribute):
                names.add(node.attr)
            elif isinstance(node, ast.BinOp) and type(node.op) in OPERATORS:
                op = OPERATORS[type(node.op)]
                names.update((f"__{op}__", f"__r{op}__"))
            elif isinstance(node, ast.Compare):
                names.update(COMPARISONS[type(o)] for o in node.ops if type(o) in COMPARISONS)
            elif isinstance(node, ast.UnaryOp) and type(node.op) in UNARY_OPERATORS:
                names.add(UNARY_OPERATORS[type(node.op)])
            elif isinstance(node, ast.Subscript):
                names.add("__getitem__")
    return names


def _table_names(tree):
    """String constants that are identifiers: the op names in the families' tables and the
    layer names handed to ``layer(t, name)``."""
    return {node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and node.value.isidentifier()}


def exercised_names():
    here = Path(__file__).parent
    names = set()
    for module in BAD_INPUT_MODULES:
        tree = ast.parse((here / module).read_text())
        names |= _names_in_calls(tree) | _table_names(tree)
    return names | set(BUILT_AT_RUN_TIME)


def uncovered():
    """Qualified names of public callables neither exercised nor exempt."""
    exercised = exercised_names()
    return sorted(q for q, name in public_surface().items()
                  if name not in exercised and name not in EXEMPT)


def test_every_public_op_and_layer_meets_bad_input():
    missing = uncovered()
    assert not missing, (f"{len(missing)} public names have no bad-input test (add them to "
                         f"bad_input_cases.py or test_bad_input_properties.py, or exempt them "
                         f"here with the reason): {missing}")


def test_exemptions_are_public():
    """An exemption of a name that is no longer public is stale. (An exempt name may still appear
    in the bad-input tests as a helper: ``manual_seed``, ``no_grad``, ``Sequential``.)"""
    public = set(public_surface().values())
    assert sorted(n for n in EXEMPT if n not in public) == []


def test_the_scan_sees_calls_operators_and_tables():
    tree = ast.parse('F = lambda t, x: t.cosh(x) + x[0] < -x\nN = ["GRU"]\n'
                     'G = lambda lib, x: lib.sinh(x)')
    assert {"cosh", "__add__", "__radd__", "__getitem__", "__lt__", "__neg__"} \
        <= _names_in_calls(tree)
    assert "sinh" not in _names_in_calls(tree)
    assert "GRU" in _table_names(tree)


if __name__ == "__main__":
    surface = public_surface()
    missing = uncovered()
    print(f"{len(surface)} public names, {len(missing)} neither exercised nor exempt:")
    print("\n".join(missing))
