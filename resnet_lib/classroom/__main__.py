"""``python -m resnet_lib.classroom`` (also ``resnet-mark`` and ``python -m resnet_lib.mark``)."""

from .cli import main

raise SystemExit(main())
