"""``python -m sandbox``: run the sandbox partners (see :func:`sandbox.server.main`)."""

import sys

from sandbox.server import main

sys.exit(main())
