"""``python -m etl_framework`` is the ``etl`` command."""

import sys

from .cli import main

sys.exit(main())
