"""veRL's multi-turn SFT dataset for `autoforge rl sft` files, whose tool lists are JSON text.

data.custom_cls.path=pkg://autoforge.rl.sft_dataset data.custom_cls.name=SFTDataset
"""

from __future__ import annotations

import json

from verl.utils.dataset.multiturn_sft_dataset import MultiTurnSFTDataset

__all__ = ["SFTDataset"]


class SFTDataset(MultiTurnSFTDataset):
    """MultiTurnSFTDataset whose `tools` column holds JSON text (parquet cannot hold differently shaped schemas)."""

    def _read_files_and_process(self) -> None:
        super()._read_files_and_process()  # type: ignore[no-untyped-call]
        if self.tools is not None:
            self.tools = [json.loads(t) if isinstance(t, str) else t for t in self.tools]
