"""What a chapter shows of its experiments, in the reader's language: one module per
chapter (``resnet_lib.book.pages.degradation`` for ``book/degradation.md``).

The experiments return results; these functions choose the sentences that describe
them, build their tables and label their figures, so that a chapter's visible code shows
the experiment and not the bookkeeping. Every word comes from the library's catalog
(``_``, ``Text``), so a chapter executed with ``RESNET_LANG=zh_CN`` shows Chinese.
"""
