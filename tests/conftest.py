"""Keep tests away from the user's own startup-config."""

import os
import tempfile

os.environ["IOSFLEX_HOME"] = tempfile.mkdtemp(prefix="iosflex-test-home-")
