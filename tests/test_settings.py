"""The one settings object: environment conversion, errors that name the variable."""

import msgspec
import pytest

from bridge.settings import Settings


def test_environment_values_are_converted_to_field_types() -> None:
    settings = Settings.from_env(
        {"BRIDGE_API_PORT": "9001", "BRIDGE_METRICS_ENABLED": "false", "BRIDGE_DISPATCHER_INTERVAL_SECONDS": "0.5"}
    )
    assert settings.api_port == 9001
    assert settings.metrics_enabled is False
    assert settings.dispatcher_interval_seconds == 0.5


def test_variables_without_the_prefix_are_ignored() -> None:
    assert Settings.from_env({"API_PORT": "1"}).api_port == Settings().api_port


def test_an_unconvertible_value_is_refused_with_the_prefix_named() -> None:
    with pytest.raises(msgspec.ValidationError, match="BRIDGE_"):
        Settings.from_env({"BRIDGE_API_PORT": "eighty"})


def test_overrides_win_over_the_environment() -> None:
    settings = Settings.from_env({"BRIDGE_API_PORT": "9001"}, api_port=9002)
    assert settings.api_port == 9002
