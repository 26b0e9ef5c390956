"""``python -m dieroll``: the ``dieroll`` command."""
import sys

from .cli import main

sys.exit(main())
