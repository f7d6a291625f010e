"""PyTorch: eager steps, a ``torch.compile``d K-step loop, and the tutorial's own loops."""

from descent_bench.backends.torch.backend import TorchBackend, TorchCudaBackend

__all__ = ["TorchBackend", "TorchCudaBackend"]
