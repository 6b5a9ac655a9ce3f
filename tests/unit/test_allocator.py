"""The services fix glibc's allocator thresholds at start, unless the operator set them."""

from __future__ import annotations

import sys

import pytest

from services.platform.allocator import fix_allocator_thresholds


@pytest.mark.skipif(sys.platform != "linux", reason="glibc's mallopt")
def test_the_thresholds_are_fixed_on_glibc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    assert fix_allocator_thresholds()


def test_an_operators_own_setting_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "65536")
    assert not fix_allocator_thresholds()
