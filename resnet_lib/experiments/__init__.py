"""The chapters' experiments, one module per chapter: each runs on the core
(:mod:`resnet_lib.nn`, :mod:`resnet_lib.training`, ...) and returns numbers; figures of
them are drawn by :mod:`resnet_lib.book`.

==========================  ==========================================================
``vanishing_gradients``     products of Jacobians, gradient norms per layer, shattering
``degradation``             plain vs residual networks of growing depth, trained alike
``identity_learning``       how hard it is for a plain block to learn the identity
``training_cifar10``       the training chapter's shrunk ResNet-20 run (cached, shared)
``test_time``               the paper's test-time protocols: ten crops, many scales
``why_residual``            unrolled paths, lesions, effective paths, loss landscapes
``unit_orderings``          the five unit orderings of He et al. 2016b at initialisation
==========================  ==========================================================
"""
