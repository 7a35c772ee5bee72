"""``python -m resnet_lib.training``: see :mod:`resnet_lib.training.cli`."""

import sys

from .cli import main

sys.exit(main())
