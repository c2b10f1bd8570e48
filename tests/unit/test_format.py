"""The widgets' number formats: any number a journal holds has a way to be drawn."""

from __future__ import annotations

import math

import pytest

from widgets.format import BLOCKS, duration, sparkline


@pytest.mark.parametrize("top", [math.nan, math.inf, -math.inf, 0.0, -1.0])
def test_a_scale_that_is_no_number_draws_every_value_full(top) -> None:
    drawn = sparkline((1.0, math.inf, -3.0, None, math.nan), 5, top).plain
    assert drawn == BLOCKS[-1] * 3 + "  "


def test_values_are_scaled_and_held_within_the_blocks() -> None:
    assert sparkline((0.0, 5.0, 10.0, 50.0, -5.0), 5, 10.0).plain == "▁▅██▁"


@pytest.mark.parametrize("seconds", [math.nan, math.inf, -math.inf])
def test_a_duration_that_is_no_number(seconds) -> None:
    assert duration(seconds) == "—"
