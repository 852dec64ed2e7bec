"""``python -m gossamer``: the same as the ``gossamer`` command."""

from __future__ import annotations

import sys

from gossamer.cli import main

sys.exit(main())
