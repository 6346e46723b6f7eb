"""The suite's warning policy: a warning from the package's own code fails the test."""

import warnings

import pytest


def _warn_from(module: str, category: type[Warning], message: str) -> None:
    warnings.warn_explicit(message, category, f"{module.replace('.', '/')}.py", 1, module=module)


@pytest.mark.parametrize("category", [DeprecationWarning, UserWarning, RuntimeWarning])
def test_a_warning_raised_from_the_package_is_an_error(category):
    with pytest.raises(category, match="from our code"):
        _warn_from("pipecat_interrupts.probe", category, "probe: from our code")


def test_a_pipecat_deprecation_the_package_triggers_is_an_error():
    # Pipecat's warn_deprecated points at its caller: when that is our code, it is ours to fix.
    with pytest.raises(DeprecationWarning):
        _warn_from("pipecat_interrupts.probe", DeprecationWarning, "`X` is deprecated since 1.0")


def test_pipecats_own_deprecations_stay_filtered():
    with warnings.catch_warnings(record=True) as caught:
        _warn_from("pipecat.services.probe", DeprecationWarning, "`X` is deprecated since 1.0")
    assert caught == []


def test_an_unclosed_resource_is_an_error():
    with pytest.raises(ResourceWarning):
        _warn_from("aiohttp.client", ResourceWarning, "Unclosed client session")
