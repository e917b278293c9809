"""Writes the .safetensors fixtures of tests/io/test_safetensors.py with Hugging Face's own
library, and the numbers they hold (values.npz). Needs torch and safetensors, which the tests
do not: run it by hand, from this folder, when a fixture has to change."""

import numpy as np
import torch
from safetensors.numpy import save_file as save_numpy
from safetensors.torch import save_file

g = torch.Generator().manual_seed(11)
n, k = 300, 5
z = torch.randn(n, k, generator=g, dtype=torch.float32) * 2
y = torch.randint(0, k, (n,), generator=g)

save_file({"logits": z, "labels": y}, "logits.safetensors", metadata={"model": "m"})
save_file({"logits": z.bfloat16(), "labels": y.int()}, "bfloat16.safetensors")
save_numpy(
    {"probs": torch.softmax(z.double(), dim=1).numpy(), "label": y.numpy()}, "probs.safetensors"
)
np.savez(
    "values.npz",
    logits=z.double().numpy(),
    logits_bf16=z.bfloat16().float().double().numpy(),
    labels=y.numpy(),
    torch_ce=np.array(torch.nn.functional.cross_entropy(z.double(), y).item()),
    torch_ce_bf16=np.array(torch.nn.functional.cross_entropy(z.bfloat16().double(), y).item()),
)
