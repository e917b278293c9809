"""Writes the torch.save fixtures of tests/io/test_torch_files.py and the numbers they hold
(values.npz). Needs torch, which the tests do not: run it by hand (pip install torch), from
this folder, when a fixture has to change."""

import numpy as np
import torch

g = torch.Generator().manual_seed(7)
n, k = 200, 4
z = torch.randn(n, k, generator=g, dtype=torch.float64) * 2
y = torch.randint(0, k, (n,), generator=g)
probs = torch.softmax(z, dim=1)

torch.save({"logits": z, "labels": y}, "dict_logits.pt")
torch.save({"probs": probs.float(), "labels": y.int(), "epoch": 3, "model": "m"}, "dict_probs.pt")
torch.save({"logits": z.bfloat16(), "labels": y}, "bfloat16.pt")
torch.save(probs, "single.pt")
torch.save(y, "single_labels.pt")
torch.save({"logits": torch.nn.Parameter(z), "labels": y}, "parameter.pt")
torch.save({"logits": z[10:], "labels": y[10:]}, "offset.pt")
torch.save({"prob": torch.sigmoid(z[:, 0]), "label": y == 1}, "binary.pt")
torch.save({"logits": z.T.contiguous().T, "labels": y}, "not_contiguous.pt")
torch.save({"logits": z.numpy(), "labels": y}, "numpy_inside.pt")
torch.save([z, y], "a_list.pt")
torch.save({"logits": z, "labels": y}, "legacy.pt", _use_new_zipfile_serialization=False)
np.savez(
    "values.npz",
    logits=z.numpy(),
    labels=y.numpy(),
    probs_f32=probs.float().numpy().astype(np.float64),
    logits_bf16=z.bfloat16().float().numpy().astype(np.float64),
    torch_ce=np.array(torch.nn.functional.cross_entropy(z, y).item()),
    torch_ce_bf16=np.array(torch.nn.functional.cross_entropy(z.bfloat16().double(), y).item()),
)
