"""``bridge preflight``: the seed's six pre-deployment checks against a live deployment, over HTTP only."""

from bridge.preflight.checks import (
    CHECK_NAMES,
    FAIL,
    PARTIAL,
    PASS,
    CheckResult,
    PreflightConfig,
    PreflightReport,
    run_preflight,
)

__all__ = ["CHECK_NAMES", "FAIL", "PARTIAL", "PASS", "CheckResult", "PreflightConfig", "PreflightReport",
           "run_preflight"]
