"""Written once with resnet_lib 0.2 (blocks with ordering slots): state_dicts and outputs."""

import torch
from resnet_lib.nn.blocks import BasicBlock, Bottleneck, ORDERINGS
import resnet_lib

print(resnet_lib.__version__)
torch.manual_seed(0)
out = {}
for kind, cls, (cin, planes) in (
    ("basic", BasicBlock, (4, 8)),
    ("bottleneck", Bottleneck, (8, 4)),
):
    for ordering in ORDERINGS:
        for stride in (1, 2):
            block = cls(cin, planes, stride, "B", ordering=ordering)
            with torch.no_grad():
                for m in block.modules():
                    if isinstance(m, torch.nn.BatchNorm2d):
                        m.weight.uniform_(0.5, 1.5)
                        m.bias.uniform_(-0.5, 0.5)
                        m.running_mean.uniform_(-0.2, 0.2)
                        m.running_var.uniform_(0.5, 1.5)
            block.eval()
            x = torch.randn(2, cin, 6, 6)
            with torch.no_grad():
                y = block(x)
            out[f"{kind}-{ordering}-stride{stride}"] = {
                "class": type(block).__name__,
                "args": (cin, planes, stride, "B"),
                "ordering": ordering,
                "state_dict": block.state_dict(),
                "x": x,
                "y": y,
            }
            print(
                kind,
                ordering,
                stride,
                type(block).__name__,
                sorted({k.split(".")[0] for k in block.state_dict()}),
            )
torch.save(out, "tests/data/blocks-0.2.pt")
