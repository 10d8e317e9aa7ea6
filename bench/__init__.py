"""The benchmark (`make bench`): its apps run as development servers on local addresses."""

import os

# A production app refuses to start without PUBLIC_BASE_URL; the benchmark serves nobody.
os.environ.setdefault("CSO_ENV", "development")
