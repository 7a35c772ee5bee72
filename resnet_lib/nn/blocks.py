"""Residual blocks: one family, each class a figure of the papers.

A residual block learns the *residual* ``F(x) = H(x) - x`` of the mapping ``H`` it
should represent, and outputs ``F(x) + x`` (He et al., "Deep Residual Learning for Image
Recognition", CVPR 2016, arXiv:1512.03385). If the best ``H`` is close to the identity,
the block only has to push ``F`` towards zero, which is easy for SGD.

Blocks, with torchvision's attribute names so that state_dicts are interchangeable:

* :class:`BasicBlock` -- two 3x3 convolutions, ``expansion = 1`` (ResNet-18/34, CIFAR).
* :class:`Bottleneck` -- 1x1 reduce, 3x3, 1x1 expand, ``expansion = 4`` (ResNet-50+).
* :class:`PlainBasicBlock`, :class:`PlainBottleneck` -- the same layers with no shortcut
  (the paper's "plain" twins).
* the unit orderings of He et al., "Identity Mappings in Deep Residual Networks" (ECCV
  2016, arXiv:1603.05027), Figure 4 -- :data:`ORDERINGS` -- each a class whose
  ``forward`` is the sequence of its figure:

  ========================== ========================= ================================
  ordering                   basic / bottleneck        sequence
  ========================== ========================= ================================
  ``"original"`` (a)         ``BasicBlock``            conv-BN-ReLU-conv-BN, add, ReLU
  ``"bn_after_add"`` (b)     ``BNAfterAddBlock``       conv-BN-ReLU-conv, add, BN-ReLU
  ``"relu_before_add"`` (c)  ``ReLUBeforeAddBlock``    conv-BN-ReLU-conv-BN-ReLU, add
  ``"relu_preact"`` (d)      ``ReLUPreActBlock``       ReLU-conv-BN-ReLU-conv-BN, add
  ``"full_preact"`` (e)      ``PreActBlock``           BN-ReLU-conv-BN-ReLU-conv, add
  ========================== ========================= ================================

  (the bottlenecks: ``Bottleneck``, ``BNAfterAddBottleneck``, ...). Orderings (a)-(d) have
  the layers of (a), so ``bnK`` follows ``convK`` (in (b) the last ``bnK`` normalises the
  sum). Full pre-activation puts every norm *before* its conv (``bn1`` normalises the
  unit's input). resnet_lib 0.2's ``BasicBlock(..., ordering=o)`` still builds the class
  of ``o``, with a ``DeprecationWarning``, until 0.4.

Their options and shortcuts (A, B, C) are built by :mod:`.layers`.
"""

from __future__ import annotations

import inspect
import warnings
from typing import (
    Any,
    ClassVar,
    Optional,
    Protocol,
    Union,
    cast,
    overload,
)

from torch import Tensor, nn
from typing_extensions import Unpack

from .layers import (  # noqa: F401 - 0.2's names, read from here
    ACTIVATIONS,
    NORMS,
    ORDERINGS,
    SHORTCUT_OPTIONS,
    STRIDE_ON,
    ActLayer,
    BlockOptions,
    NormLayer,
    PadShortcut,
    Parts,
    _act,
    _check_options,
    _norm,
    act_factory,
    block_parts,
    bottleneck_width,
    check_ordering,
    check_shortcut_option,
    check_stride_on,
    conv1x1,
    conv3x3,
    make_shortcut,
    norm_factory,
)


class BlockClass(Protocol):
    """What a ResNet stage needs of a block class (for type checkers only).

    An ``nn.Module`` class that declares an integer ``expansion`` and is built as
    ``block(in_channels, planes, stride, shortcut, **options)``: ours, their subclasses, or a
    class of the user's own. :func:`resolve_block` checks it at run time.
    """

    expansion: int

    def __call__(self, *args: Any, **kwargs: Any) -> nn.Module: ...


class _OrderingSpelling(type(nn.Module)):  # type: ignore[misc]
    """Keeps resnet_lib 0.2's ``BasicBlock(..., ordering=o)`` working for one release.

    It warns (naming the class of that ordering) and builds that class. Since 0.3 each
    ordering is a class of its own; 0.4 removes this.
    """

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        if "ordering" not in kwargs:
            return super().__call__(*args, **kwargs)
        ordering = check_ordering(kwargs.pop("ordering"))
        if ordering == class_ordering(cls):
            target = cls
        elif cls in (BasicBlock, Bottleneck):
            target = ORDERED_BLOCKS[(block_kind(cls), ordering)]
        else:
            raise ordering_mismatch(cls, ordering)
        warnings.warn(
            f"{cls.__name__}(..., ordering={ordering!r}) is resnet_lib 0.2's "
            f"spelling, removed in 0.4: build {target.__name__}(...) instead",
            DeprecationWarning,
            stacklevel=2,
        )
        return super(_OrderingSpelling, target).__call__(*args, **kwargs)


def _class_list(kind: str) -> str:
    return ", ".join(
        f"{o!r} {cls.__name__}"
        for (k, o), cls in ORDERED_BLOCKS.items()
        if k == kind
    )


class BasicBlock(nn.Module, metaclass=_OrderingSpelling):
    """Two 3x3 convolutions and a shortcut; a ReLU after the addition (Figure 4(a)).

    ``(N, in_channels, H, W) -> (N, planes, H/stride, W/stride)``: torchvision's
    ``BasicBlock``, with its attribute names (state_dicts load both ways).
    Options: see the module docstring.
    """

    expansion = 1
    residual = True
    ordering = "original"
    #: whether ``relu`` may work in place (not where it is applied to ``x`` itself)
    relu_inplace: ClassVar[bool] = True

    def __init__(
        self,
        in_channels: int,
        planes: int,
        stride: int = 1,
        shortcut: str = "B",
        **options: Unpack[BlockOptions],
    ) -> None:
        super().__init__()
        p = block_parts("basic", in_channels, planes, stride, **options)
        self.conv1 = conv3x3(in_channels, planes, stride, bias=p.bias)
        self.bn1 = p.norm(planes)
        self.relu = p.act(inplace=self.relu_inplace)
        self.conv2 = conv3x3(planes, planes, bias=p.bias)
        self.bn2 = p.norm(planes)
        self.downsample = self.build_shortcut(
            shortcut, in_channels, planes, stride, p.shortcut_norm
        )
        self.stride = stride

    def forward(self, x: Tensor) -> Tensor:
        identity = self.downsample(x)  # (N, planes, H/s, W/s)

        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))  # F(x)

        return self.relu(out + identity)  # H(x) = F(x) + x, then ReLU

    build_shortcut = staticmethod(make_shortcut)

    def last_bn(self) -> Optional[nn.Module]:
        """The norm that closes the residual branch (zeroed by ``zero_init_residual``)."""
        return self.bn2


class Bottleneck(nn.Module, metaclass=_OrderingSpelling):
    """1x1 (reduce) -> 3x3 (grouped) -> 1x1 (expand by 4), a shortcut, a ReLU (Figure 4(a)).

    ``(N, in_channels, H, W) -> (N, 4 * planes, H/stride, W/stride)``. The 3x3 has
    ``int(planes * width_per_group / 64) * groups`` channels (torchvision's rule).

    Departure from the paper, as in torchvision ("ResNet V1.5"): the stride sits on the
    3x3 convolution, not on the first 1x1 (``stride_on="1x1"`` restores the paper's). The
    parameter count is the same; mult-adds are slightly higher, and ImageNet accuracy is
    slightly better.
    """

    expansion = 4
    residual = True
    ordering = "original"
    relu_inplace: ClassVar[bool] = True

    def __init__(
        self,
        in_channels: int,
        planes: int,
        stride: int = 1,
        shortcut: str = "B",
        **options: Unpack[BlockOptions],
    ) -> None:
        super().__init__()
        p = block_parts("bottleneck", in_channels, planes, stride, **options)
        width, out_channels = p.width, planes * self.expansion
        self.conv1 = conv1x1(in_channels, width, p.strides[0], bias=p.bias)
        self.bn1 = p.norm(width)
        self.conv2 = conv3x3(
            width, width, p.strides[1], p.groups, p.dilation, bias=p.bias
        )  # stride here: ResNet V1.5
        self.bn2 = p.norm(width)
        self.conv3 = conv1x1(width, out_channels, bias=p.bias)
        self.bn3 = p.norm(out_channels)
        self.relu = p.act(inplace=self.relu_inplace)
        self.downsample = self.build_shortcut(
            shortcut, in_channels, out_channels, stride, p.shortcut_norm
        )
        self.stride = stride

    def forward(self, x: Tensor) -> Tensor:
        identity = self.downsample(x)  # (N, 4*planes, H/s, W/s)

        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))  # F(x)

        return self.relu(out + identity)

    build_shortcut = staticmethod(make_shortcut)

    def last_bn(self) -> Optional[nn.Module]:
        return self.bn3


# ---------------------------------------------- the orderings (b)-(d), He et al. 2016b
# Same layers as (a), so they inherit its constructor; each forward is its figure.


class _FromVersion02:
    """Loads a state_dict saved by resnet_lib 0.2, whose (b) units named the norm after
    the addition ``bn_out`` (here the last ``bnK``, which 0.2 left empty)."""

    def _load_from_state_dict(
        self, state_dict: dict, prefix: str, *args: Any, **kwargs: Any
    ) -> None:
        last = "bn2" if isinstance(self, BasicBlock) else "bn3"
        for key in [k for k in state_dict if k.startswith(prefix + "bn_out.")]:
            new = prefix + last + key[len(prefix + "bn_out") :]
            state_dict[new] = state_dict.pop(key)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)  # type: ignore[misc]


class BNAfterAddBlock(_FromVersion02, BasicBlock):
    """Figure 4(b), BN after addition: conv-BN-ReLU-conv, add, BN-ReLU.

    ``bn2`` normalises the sum, so the shortcut's signal is normalised too.
    """

    ordering = "bn_after_add"

    def forward(self, x: Tensor) -> Tensor:
        identity = self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.conv2(out)  # F(x), not normalised
        return self.relu(self.bn2(out + identity))

    def last_bn(self) -> Optional[nn.Module]:
        return None  # the branch ends with a conv: nothing to zero


class ReLUBeforeAddBlock(BasicBlock):
    """Figure 4(c), ReLU before addition: conv-BN-ReLU-conv-BN-ReLU, add.

    ``F(x) >= 0``, so a unit can only add to its input.
    """

    ordering = "relu_before_add"

    def forward(self, x: Tensor) -> Tensor:
        identity = self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))  # F(x) >= 0
        return out + identity


class ReLUPreActBlock(BasicBlock):
    """Figure 4(d), ReLU-only pre-activation: ReLU-conv-BN-ReLU-conv-BN, add."""

    ordering = "relu_preact"
    relu_inplace = False  # relu(x): x is also the identity

    def forward(self, x: Tensor) -> Tensor:
        identity = self.downsample(x)
        out = self.relu(self.bn1(self.conv1(self.relu(x))))
        out = self.bn2(self.conv2(out))  # F(x)
        return out + identity


class BNAfterAddBottleneck(_FromVersion02, Bottleneck):
    """Figure 4(b) with a bottleneck: 1x1-BN-ReLU-3x3-BN-ReLU-1x1, add, BN-ReLU."""

    ordering = "bn_after_add"

    def forward(self, x: Tensor) -> Tensor:
        identity = self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.conv3(out)  # F(x), not normalised
        return self.relu(self.bn3(out + identity))

    def last_bn(self) -> Optional[nn.Module]:
        return None


class ReLUBeforeAddBottleneck(Bottleneck):
    """Figure 4(c) with a bottleneck: ... 1x1-BN-ReLU, add."""

    ordering = "relu_before_add"

    def forward(self, x: Tensor) -> Tensor:
        identity = self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.relu(self.bn3(self.conv3(out)))  # F(x) >= 0
        return out + identity


class ReLUPreActBottleneck(Bottleneck):
    """Figure 4(d) with a bottleneck: ReLU-1x1-BN-ReLU-3x3-BN-ReLU-1x1-BN, add."""

    ordering = "relu_preact"
    relu_inplace = False

    def forward(self, x: Tensor) -> Tensor:
        identity = self.downsample(x)
        out = self.relu(self.bn1(self.conv1(self.relu(x))))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))  # F(x)
        return out + identity


# ---------------------------------------------------------------- plain twins


def _no_shortcut(
    option: Optional[str],
    in_channels: int,
    out_channels: int,
    stride: int = 1,
    norm: object = None,
) -> nn.Module:
    # Plain blocks keep a parameter-free ``downsample`` attribute so their module tree
    # mirrors the residual block's; it is never called.
    return nn.Identity()


class _Plain:
    """A block without its shortcut (the ``shortcut`` option is accepted and ignored)."""

    residual = False
    build_shortcut = staticmethod(_no_shortcut)

    def __init__(
        self,
        in_channels: int,
        planes: int,
        stride: int = 1,
        shortcut: Optional[str] = None,
        **options: Unpack[BlockOptions],
    ) -> None:
        super().__init__(in_channels, planes, stride, shortcut, **options)  # type: ignore[call-arg,misc]


class PlainBasicBlock(_Plain, BasicBlock):
    """:class:`BasicBlock` without its shortcut: ``relu(F(x))``, the paper's plain twin."""

    def forward(self, x: Tensor) -> Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.bn2(self.conv2(out)))


class PlainBottleneck(_Plain, Bottleneck):
    """:class:`Bottleneck` without its shortcut."""

    def forward(self, x: Tensor) -> Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        return self.relu(self.bn3(self.conv3(out)))


# ---------------------------------------------- full pre-activation, Figure 4(e)


def _preact_shortcut(
    shortcut: str, in_channels: int, out_channels: int, stride: int
) -> tuple[nn.Module, bool]:
    """A full pre-activation unit's shortcut (no norm, as in the authors' code), and
    whether it reads the pre-activated input: the identity sees the raw input, a
    projection or zero-padding the pre-activated one."""
    downsample = make_shortcut(
        shortcut, in_channels, out_channels, stride, norm=False
    )
    return downsample, not isinstance(downsample, nn.Identity)


class PreActBlock(BasicBlock):
    """Full pre-activation basic unit: ``x + conv(relu(bn(conv(relu(bn(x))))))``.

    The identity path is left untouched and there is no ReLU after the addition
    (He et al., "Identity Mappings in Deep Residual Networks", Fig. 4(e)). When the shape
    changes, the projection (option B/C) or zero-padding (option A) is applied to the
    pre-activated input, as in the authors' code. Here ``bn1`` normalises the unit's input.
    ``(N, in_channels, H, W) -> (N, planes, H/stride, W/stride)``.
    """

    ordering = "full_preact"
    relu_inplace = False

    def __init__(
        self,
        in_channels: int,
        planes: int,
        stride: int = 1,
        shortcut: str = "B",
        **options: Unpack[BlockOptions],
    ) -> None:
        nn.Module.__init__(self)
        p = block_parts("basic", in_channels, planes, stride, **options)
        self.bn1 = p.norm(in_channels)
        self.relu = p.act()  # not in place: x is reused by the identity path
        self.conv1 = conv3x3(in_channels, planes, stride, bias=p.bias)
        self.bn2 = p.norm(planes)
        self.conv2 = conv3x3(planes, planes, bias=p.bias)
        self.downsample, self.shortcut_preactivated = _preact_shortcut(
            shortcut, in_channels, planes, stride
        )
        self.stride = stride

    def forward(self, x: Tensor) -> Tensor:
        pre = self.relu(self.bn1(x))
        identity = self.downsample(pre if self.shortcut_preactivated else x)
        out = self.conv1(pre)
        out = self.conv2(self.relu(self.bn2(out)))
        return out + identity


class PreActBottleneck(Bottleneck):
    """Full pre-activation bottleneck unit (ResNet-164 / ResNet-1001 on CIFAR).

    ``bn1`` normalises the input, ``bn2`` and ``bn3`` precede the 3x3 and the last 1x1.
    The authors' code strides the first 1x1 (``stride_on="1x1"``, used by
    :func:`~resnet_lib.nn.models.cifar_resnet` for 9n+2 nets); the default is torchvision's 3x3.
    """

    ordering = "full_preact"
    relu_inplace = False

    def __init__(
        self,
        in_channels: int,
        planes: int,
        stride: int = 1,
        shortcut: str = "B",
        **options: Unpack[BlockOptions],
    ) -> None:
        nn.Module.__init__(self)
        p = block_parts("bottleneck", in_channels, planes, stride, **options)
        width, out_channels = p.width, planes * self.expansion
        self.bn1 = p.norm(in_channels)
        self.relu = p.act()
        self.conv1 = conv1x1(in_channels, width, p.strides[0], bias=p.bias)
        self.bn2 = p.norm(width)
        self.conv2 = conv3x3(
            width, width, p.strides[1], p.groups, p.dilation, bias=p.bias
        )
        self.bn3 = p.norm(width)
        self.conv3 = conv1x1(width, out_channels, bias=p.bias)
        self.downsample, self.shortcut_preactivated = _preact_shortcut(
            shortcut, in_channels, out_channels, stride
        )
        self.stride = stride

    def forward(self, x: Tensor) -> Tensor:
        pre = self.relu(self.bn1(x))
        identity = self.downsample(pre if self.shortcut_preactivated else x)
        out = self.conv1(pre)
        out = self.conv2(self.relu(self.bn2(out)))
        out = self.conv3(self.relu(self.bn3(out)))
        return out + identity


#: (kind, ordering) -> the unit of that ordering (He et al. 2016b, Figure 4 (a)-(e))
ORDERED_BLOCKS: dict[tuple[str, str], type[Union[BasicBlock, Bottleneck]]] = {
    ("basic", "original"): BasicBlock,
    ("basic", "bn_after_add"): BNAfterAddBlock,
    ("basic", "relu_before_add"): ReLUBeforeAddBlock,
    ("basic", "relu_preact"): ReLUPreActBlock,
    ("basic", "full_preact"): PreActBlock,
    ("bottleneck", "original"): Bottleneck,
    ("bottleneck", "bn_after_add"): BNAfterAddBottleneck,
    ("bottleneck", "relu_before_add"): ReLUBeforeAddBottleneck,
    ("bottleneck", "relu_preact"): ReLUPreActBottleneck,
    ("bottleneck", "full_preact"): PreActBottleneck,
}
_PLAIN: dict[str, type[Union[BasicBlock, Bottleneck]]] = {
    "basic": PlainBasicBlock,
    "bottleneck": PlainBottleneck,
}
#: (name, plain, preact) -> class: resnet_lib 0.2's table, kept for its readers
BLOCKS: dict[tuple[str, bool, bool], type[Union[BasicBlock, Bottleneck]]] = {
    ("basic", False, False): BasicBlock,
    ("bottleneck", False, False): Bottleneck,
    ("basic", True, False): PlainBasicBlock,
    ("bottleneck", True, False): PlainBottleneck,
    ("basic", False, True): PreActBlock,
    ("bottleneck", False, True): PreActBottleneck,
}
#: every class of the family -> (name, plain, ordering)
FAMILY: dict[type, tuple[str, bool, str]] = {
    **{cls: (k, False, o) for (k, o), cls in ORDERED_BLOCKS.items()},
    PlainBasicBlock: ("basic", True, "original"),
    PlainBottleneck: ("bottleneck", True, "original"),
}
BLOCK_NAMES = ("basic", "bottleneck")


def _check_block_signature(block: type[nn.Module]) -> None:
    """Refuse a block class that a stage cannot build as
    ``block(in_channels, planes, stride, shortcut, **options)``.

    torchvision's blocks, for one, take a ``downsample`` module as their fourth argument.
    """
    try:
        sig = inspect.signature(block.__init__)
    except (TypeError, ValueError):  # no signature to read: let it try
        return
    params = list(sig.parameters.values())
    if any(p.kind == inspect.Parameter.VAR_POSITIONAL for p in params):
        return
    positional = [
        p.name
        for p in params
        if p.kind
        in (
            inspect.Parameter.POSITIONAL_ONLY,
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
        )
    ][1:]  # without self
    if len(positional) >= 4 and positional[3] == "shortcut":
        return
    raise ValueError(
        f"{block.__name__} cannot be built by a ResNet stage, which calls "
        "block(in_channels, planes, stride, shortcut, **options); its __init__ "
        f"takes ({', '.join(positional)}). Subclass BasicBlock or Bottleneck and "
        "keep that signature (torchvision's blocks take a downsample module "
        "instead: use resnet_lib's, whose state_dicts load into torchvision's "
        "and back)"
    )


@overload
def resolve_block(
    block: str, plain: bool = ..., ordering: str = ...
) -> type[Union[BasicBlock, Bottleneck]]: ...


@overload
def resolve_block(
    block: type[nn.Module], plain: bool = ..., ordering: str = ...
) -> BlockClass: ...


def resolve_block(
    block: Union[str, type[nn.Module]],
    plain: bool = False,
    ordering: str = "original",
) -> Union[type[Union[BasicBlock, Bottleneck]], BlockClass]:
    """The class that builds ``block`` as a plain twin or with the given ordering.

    Args:
        block: ``"basic"``, ``"bottleneck"``, or any ``nn.Module`` class that declares a
            positive integer ``expansion`` (subclasses of ours included).
        plain: the block without its shortcut (ordering ``"original"`` only).
        ordering: one of :data:`ORDERINGS`; :class:`BasicBlock` and :class:`Bottleneck`
            stand for their kind (``resolve_block(BasicBlock, ordering="full_preact")`` is
            :class:`PreActBlock`), any other class must be of that ordering.

    Raises:
        ValueError: naming what was given and what is allowed.
    """
    check_ordering(ordering)
    if plain and ordering != "original":
        raise ValueError(
            f"plain=True cannot be combined with ordering {ordering!r}: the orderings of He et al. "
            "2016b place BN and ReLU around the addition, which a plain block does not have; "
            "allowed with plain=True: 'original'"
        )
    if isinstance(block, str):
        if block.lower() not in BLOCK_NAMES:
            raise ValueError(
                f"unknown block {block!r}; allowed: 'basic', 'bottleneck', or a block class"
            )
        kind = block.lower()
        return _PLAIN[kind] if plain else ORDERED_BLOCKS[(kind, ordering)]
    expansion = getattr(block, "expansion", None)
    if (
        not (isinstance(block, type) and issubclass(block, nn.Module))
        or isinstance(expansion, bool)
        or not isinstance(expansion, int)
        or expansion < 1
    ):
        raise ValueError(
            "block must be 'basic', 'bottleneck' or an nn.Module class that declares a positive "
            f"integer expansion (e.g. a subclass of Bottleneck); got {block!r}"
        )
    _check_block_signature(block)
    # an nn.Module class with a positive integer expansion, checked above
    block_cls = cast(BlockClass, block)
    if block in (BasicBlock, Bottleneck):
        return resolve_block(block_kind(block), plain, ordering)
    if plain:
        if getattr(block, "residual", True) is False:
            return block_cls
        raise ValueError(
            f"plain=True needs a plain block class (PlainBasicBlock, PlainBottleneck or a subclass); "
            f"got {block.__name__}"
        )
    if ordering != class_ordering(block):
        raise ordering_mismatch(block, ordering)
    return block_cls


def class_ordering(block: type) -> str:
    """The ordering a block class declares (``ordering``); ``"original"`` if none."""
    ordering = getattr(block, "ordering", None)
    return ordering if ordering in ORDERINGS else "original"


def ordering_mismatch(block: type, ordering: str) -> ValueError:
    """The error for a block class asked to build another ordering than its own."""
    return ValueError(
        f"{block.__name__} is the unit of ordering {class_ordering(block)!r}; got "
        f"ordering={ordering!r} (each ordering is a class: "
        f"{_class_list(_kind_or_basic(block))})"
    )


def _kind_or_basic(block: type) -> str:
    try:
        return block_kind(block)
    except ValueError:
        return "basic"


def get_block(
    name: str,
    plain: bool = False,
    preact: bool = False,
    ordering: Optional[str] = None,
) -> type[Union[BasicBlock, Bottleneck]]:
    """Look a block class up by name (``"basic"`` or ``"bottleneck"``) and variant.

    ``preact=True`` is the older spelling of ``ordering="full_preact"``.
    """
    if not isinstance(name, str) or name.lower() not in BLOCK_NAMES:
        raise ValueError(
            f"unknown block {name!r}; allowed: 'basic', 'bottleneck'"
        )
    if plain and preact:
        raise ValueError(
            "plain=True and preact=True cannot be combined: a pre-activation unit is defined "
            "by its identity path, which a plain block does not have"
        )
    return resolve_block(name, plain, resolve_ordering(ordering, preact))


def resolve_ordering(ordering: Optional[str], preact: bool = False) -> str:
    """One ordering from the new option and the old ``preact`` flag (which means ``"full_preact"``)."""
    if preact and ordering not in (None, "full_preact"):
        raise ValueError(
            f"preact=True means ordering='full_preact'; got ordering={ordering!r} as well"
        )
    return check_ordering(
        ordering or ("full_preact" if preact else "original")
    )


def block_kind(block: Union[type[nn.Module], BlockClass]) -> str:
    """``"basic"`` or ``"bottleneck"``: which of the two layouts a class (or a subclass) has."""
    if isinstance(block, type) and issubclass(block, Bottleneck):
        return "bottleneck"
    if isinstance(block, type) and issubclass(block, BasicBlock):
        return "basic"
    raise ValueError(
        f"closed-form counts know BasicBlock, Bottleneck and their subclasses; got {block!r}"
    )


def block_name(block: Union[type[nn.Module], BlockClass]) -> str:
    """``"basic"`` or ``"bottleneck"`` for any of this module's block classes."""
    if block in FAMILY:
        return FAMILY[block][0]
    raise ValueError(
        f"unknown block class {block!r}; allowed: {sorted(c.__name__ for c in FAMILY)}"
    )
