"""Synthesis backends: offline (the default, no model) and LLM backends on the anthropic and openai clients."""

from .base import Backend, OfflineBackend

__all__ = ["Backend", "OfflineBackend", "make_backend"]


def make_backend(name: str, model: str | None = None, base_url: str | None = None, cache_dir: object = None) -> Backend:
    """The backend `name` ('offline', 'anthropic' or 'openai') with its model and server."""
    if name == "offline":
        return OfflineBackend()
    from pathlib import Path

    from .llm import AnthropicBackend, OpenAIBackend

    folder = Path(cache_dir) if cache_dir is not None else None  # type: ignore[arg-type]
    if name == "anthropic":
        return AnthropicBackend(model=model, base_url=base_url, cache_dir=folder)
    if name == "openai":
        return OpenAIBackend(model=model, base_url=base_url, cache_dir=folder)
    from autoforge.servers import BackendError

    raise BackendError(f"unknown backend {name!r}; choose offline, anthropic or openai")
