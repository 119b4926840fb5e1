"""ParameterList and ParameterDict: registration, wrapping of plain tensors, state_dict, printing
and errors as torch's; an optimizer built from a model sees (and updates) their parameters."""
from collections import OrderedDict

import numpy as np
import pytest

import autograd_gpu as ag
from autograd_gpu import nn
from helpers import assert_torch_wording, random_array, torch_or_skip


def _arrays(rng, *shapes):
    return [random_array(rng, s) for s in shapes]


def test_parameter_list_registration_and_state_dict(device, rng):
    torch = torch_or_skip()
    arrays = _arrays(rng, (3, 4), (2,), (5, 1))
    ours = nn.ParameterList([ag.tensor(arrays[0], device=device),
                             nn.Parameter(ag.tensor(arrays[1], device=device))])
    theirs = torch.nn.ParameterList([torch.tensor(arrays[0]), torch.nn.Parameter(torch.tensor(arrays[1]))])
    ours.append(ag.tensor(arrays[2], device=device))
    theirs.append(torch.tensor(arrays[2]))
    assert len(ours) == len(theirs) == 3
    # plain tensors were wrapped into Parameters that require grad
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in ours)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    sd, ref_sd = ours.state_dict(), theirs.state_dict()
    assert list(sd) == list(ref_sd) == ["0", "1", "2"]
    for k in sd:
        np.testing.assert_array_equal(sd[k].cpu().numpy(), ref_sd[k].numpy())
    assert ours[-1] is ours[2] and list(ours) == [ours[0], ours[1], ours[2]]
    with pytest.raises(IndexError, match="index 3 is out of range"):
        ours[3]


def test_parameter_list_mutation_slicing_and_repr():
    torch = torch_or_skip()
    rng = np.random.default_rng(0)
    arrays = _arrays(rng, (3, 4), (2,), (2, 2), (6,))
    ours = nn.ParameterList([ag.tensor(arrays[0])])
    theirs = torch.nn.ParameterList([torch.tensor(arrays[0])])
    ours.extend([ag.tensor(arrays[1]), 7])
    theirs.extend([torch.tensor(arrays[1]), 7])
    ours += [ag.tensor(arrays[2]).double()]
    theirs += [torch.tensor(arrays[2]).double()]
    ours[1] = ag.tensor(arrays[3])
    theirs[1] = torch.tensor(arrays[3])
    assert isinstance(ours[1], nn.Parameter) and tuple(ours[1].shape) == (6,)
    assert ours[2] == 7
    assert_torch_wording(repr(ours), repr(theirs))
    assert repr(ours) == ("ParameterList(\n"
                          "    (0): Parameter containing: [torch.float32 of size 3x4]\n"
                          "    (1): Parameter containing: [torch.float32 of size 6]\n"
                          "    (2): Object of type: int\n"
                          "    (3): Parameter containing: [torch.float64 of size 2x2]\n)")
    assert_torch_wording(repr(ours[1::2]), repr(theirs[1::2]))
    assert type(ours[1::2]) is nn.ParameterList and ours[::2][0] is ours[0]
    assert repr(nn.ParameterList()) == repr(torch.nn.ParameterList()) == "ParameterList()"
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for bad in (ag.tensor(arrays[0]), 3):
        with pytest.raises(TypeError) as ours_err:
            ours.extend(bad)
        with pytest.raises(TypeError) as theirs_err:
            theirs.extend(torch.tensor(arrays[0]) if not isinstance(bad, int) else bad)
        assert str(ours_err.value) == str(theirs_err.value)
    with pytest.raises(RuntimeError, match="ParameterList should not be called."):
        ours(1)


def test_parameter_list_inside_a_module_loads_torch_state_dict(device, rng):
    torch = torch_or_skip()

    def build(lib):
        class Net(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.lin = lib.nn.Linear(3, 2)
                self.scales = lib.nn.ParameterList([lib.ones(2), lib.zeros(2)])
                self.extra = lib.nn.ParameterDict({"b": lib.zeros(3), "a": lib.ones(2, 2)})

            def forward(self, x):
                y = self.lin(x) * self.scales[0] + self.scales[1]
                return y.sum() + (self.extra["a"] * 2).sum() + self.extra["b"].sum() * 3
        return Net()

    ours, theirs = build(ag).to(device), build(torch)
    with torch.no_grad():
        for p in theirs.parameters():
            p.copy_(torch.tensor(random_array(rng, tuple(p.shape))))
    sd = theirs.state_dict()
    assert list(ours.state_dict()) == list(sd) == ["lin.weight", "lin.bias", "scales.0", "scales.1",
                                                  "extra.a", "extra.b"]
    ours.load_state_dict({k: ag.tensor(v.numpy(), device=device) for k, v in sd.items()})
    x = random_array(rng, (4, 3))
    out, ref = ours(ag.tensor(x, device=device)), theirs(torch.tensor(x))
    np.testing.assert_allclose(out.item(), ref.item(), rtol=1e-5)
    out.backward()
    ref.backward()
    ref_params = dict(theirs.named_parameters())
    names = [n for n, _ in ours.named_parameters()]
    assert names == list(ref_params)
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.cpu().numpy(), ref_params[name].grad.numpy(), rtol=1e-5,
                                   atol=1e-6, err_msg=name)


def test_optimizer_sees_container_parameters(device, rng):
    a, b = _arrays(rng, (3,), (2, 2))
    plist = nn.ParameterList([ag.tensor(a, device=device)])
    pdict = nn.ParameterDict({"w": ag.tensor(b, device=device)})
    holder = nn.Module()
    holder.plist, holder.pdict = plist, pdict
    params = list(holder.parameters())
    assert len(params) == 2 and params[0] is plist[0] and params[1] is pdict["w"]
    opt = ag.optim.SGD(holder.parameters(), lr=0.5)
    loss = (plist[0] * plist[0]).sum() + pdict["w"].sum()
    loss.backward()
    opt.step()
    np.testing.assert_allclose(plist[0].detach().cpu().numpy(), a - 0.5 * 2 * a, rtol=1e-6)
    np.testing.assert_allclose(pdict["w"].detach().cpu().numpy(), b - 0.5, rtol=1e-6)


def test_parameter_dict_registration_order_and_methods(device, rng):
    torch = torch_or_skip()
    arrays = _arrays(rng, (3,), (2, 2), (4,), (1,))
    ours = nn.ParameterDict({"b": ag.tensor(arrays[0], device=device),
                             "a": nn.Parameter(ag.tensor(arrays[1], device=device))})
    theirs = torch.nn.ParameterDict({"b": torch.tensor(arrays[0]),
                                     "a": torch.nn.Parameter(torch.tensor(arrays[1]))})
    # a plain dict goes in sorted key order, an OrderedDict or pairs in their own
    assert list(ours.keys()) == list(theirs.keys()) == ["a", "b"]
    ours.update(OrderedDict([("z", ag.tensor(arrays[2], device=device)), ("c", 3)]))
    theirs.update(OrderedDict([("z", torch.tensor(arrays[2])), ("c", 3)]))
    ours.update([("y", ag.tensor(arrays[3], device=device))])
    theirs.update([("y", torch.tensor(arrays[3]))])
    assert list(ours) == list(theirs) == ["a", "b", "z", "c", "y"]
    assert isinstance(ours["z"], nn.Parameter) and ours["c"] == 3
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["a", "b", "z", "y"]
    assert "z" in ours and "q" not in ours and len(ours) == 5
    assert ours.get("q", 1) == 1 and ours.get("a") is ours["a"]
    popped = ours.pop("z")
    theirs.pop("z")
    assert isinstance(popped, nn.Parameter) and "z" not in ours
    assert ours.popitem()[0] == theirs.popitem()[0] == "y"
    assert [k for k, _ in ours.items()] == ["a", "b", "c"]
    assert list(ours.values())[0] is ours["a"]
    del ours["c"]
    del theirs["c"]
    merged = ours | nn.ParameterDict({"w": ag.zeros(1, device=device)})
    assert list(merged) == ["a", "b", "w"] and merged["a"] is ours["a"]
    copy = ours.copy()
    assert list(copy) == ["a", "b"] and copy["b"] is ours["b"]
    assert ours.setdefault("n", None) is None and "n" in ours
    ours.clear()
    assert len(ours) == 0 and list(ours.parameters()) == []
    with pytest.raises(TypeError) as ours_err:
        ours[1]
    with pytest.raises(TypeError) as theirs_err:
        theirs[1]
    assert str(ours_err.value) == str(theirs_err.value)
    for bad in (5, [("a",)]):
        with pytest.raises((TypeError, ValueError)) as ours_err:
            ours.update(bad)
        with pytest.raises((TypeError, ValueError)) as theirs_err:
            theirs.update(bad)
        assert type(ours_err.value) is type(theirs_err.value)
        assert str(ours_err.value) == str(theirs_err.value)


def test_parameter_dict_repr():
    torch = torch_or_skip()
    ours = nn.ParameterDict({"b": ag.zeros(3), "a": ag.zeros(2, 2).double()})
    ours["t"] = "text"
    theirs = torch.nn.ParameterDict({"b": torch.zeros(3), "a": torch.zeros(2, 2).double()})
    theirs["t"] = "text"
    assert_torch_wording(repr(ours), repr(theirs))
    assert repr(ours) == ("ParameterDict(\n"
                          "    (a): Parameter containing: [torch.DoubleTensor of size 2x2]\n"
                          "    (b): Parameter containing: [torch.FloatTensor of size 3]\n"
                          "    (t): Object of type: str\n)")
    assert repr(nn.ParameterDict()) == repr(torch.nn.ParameterDict())


def test_single_entry_repr_and_device_suffix(device):
    torch = torch_or_skip()
    assert_torch_wording(repr(nn.ParameterList([ag.zeros(2)])),
                         repr(torch.nn.ParameterList([torch.zeros(2)])))
    ours = nn.ParameterList([ag.zeros(2, 3, device=device)])
    suffix = f" ({ours[0].device})" if ours[0].device.type == "cuda" else ""
    assert repr(ours) == f"ParameterList(  (0): Parameter containing: [torch.float32 of size 2x3{suffix}])"


def test_pickle_and_deepcopy_keep_entries():
    import copy
    import pickle

    plist = nn.ParameterList([ag.ones(2), 4])
    pdict = nn.ParameterDict({"b": ag.ones(1), "a": ag.zeros(3)})
    for clone in (pickle.loads(pickle.dumps(plist)), copy.deepcopy(plist)):
        assert len(clone) == 2 and clone[1] == 4 and isinstance(clone[0], nn.Parameter)
        assert clone[0] is not plist[0] and repr(clone) == repr(plist)
    for clone in (pickle.loads(pickle.dumps(pdict)), copy.deepcopy(pdict)):
        assert list(clone) == ["a", "b"] and list(clone.state_dict()) == ["a", "b"]
