"""``python -m resnet_lib.mark FOLDER --reference CHAPTER.ipynb``: see :mod:`resnet_lib.classroom`."""

from .classroom.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
