pytest_plugins = ["pytester"]

import os

from hypothesis import HealthCheck, settings

# CI is deterministic (derandomize) so a red run can be reproduced; locally hypothesis
# explores new examples every run.
settings.register_profile("ci", derandomize=True, deadline=None, database=None,
                          print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("dev", deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))
