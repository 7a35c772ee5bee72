"""Checkers for the book's exercises: each says what is right, or what is wrong and a hint.

Every checker returns a :class:`Feedback` (``ok``, ``message``, ``hint``), which prints
as one friendly paragraph in a notebook and is truthy only when the answer is right, so a
test can ``assert check_...(answer)``. Checkers are written to accept every correct
answer (a student's own block class with other attribute names, an int or a float that is
an integer) and to recognise the typical wrong ones.
"""

from .feedback import Feedback

__all__ = ["Feedback"]
