"""``python -m dieroll.cli``: the ``dieroll`` command."""
import sys

from . import main

sys.exit(main())
