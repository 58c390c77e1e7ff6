"""Hypothesis profiles of the property-based tests (test_properties.py), chosen by HYPOTHESIS_PROFILE.

"ci" (the default, in `make test`): a fixed budget on a fixed seed, so every run tries the same requests and takes
the same time. "long" (`make test-properties`): 5,000 examples per property on a random seed; a failure prints the
blob that replays it (`@reproduce_failure`).
"""

import os

from hypothesis import HealthCheck, settings

_COMMON = {
    "deadline": None,  # a walk over pages of one-interval pages takes what it takes
    "database": None,  # no .hypothesis/ folder in the clone
    # The data and the client are shared by every example on purpose: they are read, never written.
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}
settings.register_profile("ci", max_examples=200, derandomize=True, **_COMMON)
settings.register_profile("long", max_examples=5_000, print_blob=True, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
