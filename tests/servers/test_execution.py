"""Tool calls are transactions: bad input and failing tools give clear tool errors and change nothing."""

from __future__ import annotations

from typing import Any

import fastjsonschema
import pytest
from autoforge.servers import EnvServer, ToolError, call_tool
from autoforge.servers.execution import MAX_ARGUMENT_CHARS, ToolCrash
from autoforge.servers.state import state_hash
from mcp import Client


def _hash(server: EnvServer, episode_id: str) -> str:
    return state_hash(server.episodes.get(episode_id).conn, server.environment.spec)


async def _call(server: EnvServer, name: str, arguments: dict[str, Any], episode_id: str) -> tuple[bool, str]:
    async with Client(server) as client:
        result = await call_tool(client, episode_id, name, arguments)
    return result.is_error, result.content[0].text


BAD_CALLS = [
    ("renew_loan", {"loan_id": 17}, "must be string"),
    ("renew_loan", {}, "must contain ['loan_id']"),
    ("renew_loan", {"loan_id": "L-1", "colour": "red"}, "must not contain"),
    ("renew_loan", {"loan_id": "L-1", "days": 0}, "bigger than or equal to 1"),
    ("renew_loan", {"loan_id": "L-1", "days": "many"}, "must be integer"),
    ("renew_lone", {"loan_id": "L-1"}, "Did you mean 'renew_loan'"),
    ("find_member", {"email": "x" * (MAX_ARGUMENT_CHARS + 1)}, "characters long"),
    ("find_member", {"name": "'; DROP TABLE members; --"}, "No member matches"),
    ("get_member", {"member_id": "M-1001' OR '1'='1"}, "No member"),
    ("pay_fine", {"member_id": "M-1001", "amount": -5}, "bigger than 0"),
    ("return_loan", {"loan_id": "L-1", "condition": "soggy"}, "must be one of"),
]


@pytest.mark.parametrize(("tool", "arguments", "fragment"), BAD_CALLS)
async def test_malformed_call_is_a_tool_error_and_changes_nothing(
    library: EnvServer, tool: str, arguments: dict[str, Any], fragment: str
) -> None:
    """Wrong types, missing or extra arguments, unknown tools, huge and SQL-looking strings: an error, no change."""
    episode = library.episodes.reset(episode_id=f"bad-{tool}")
    before = _hash(library, episode.id)
    is_error, text = await _call(library, tool, arguments, episode.id)
    assert is_error
    assert text.startswith("Error: ")
    assert fragment in text
    assert _hash(library, episode.id) == before


async def test_unknown_episode_is_a_clear_tool_error(library: EnvServer) -> None:
    """A tool call naming an episode that does not exist is refused with a hint."""
    is_error, text = await _call(library, "list_branches", {}, "no-such-episode")
    assert is_error
    assert "unknown episode 'no-such-episode'" in text
    assert "autoforge/episode_reset" in text


async def test_failed_write_is_rolled_back(tiny: EnvServer) -> None:
    """A tool that inserts a row and then raises ToolError leaves no trace of the insert."""
    episode = tiny.episodes.reset(episode_id="rollback")
    before = _hash(tiny, episode.id)
    is_error, text = await _call(tiny, "add_item", {"name": "melon", "qty": 500}, episode.id)
    assert is_error and "must not survive" in text
    assert _hash(tiny, episode.id) == before
    is_error, text = await _call(tiny, "add_item", {"name": "melon", "qty": 2}, episode.id)
    assert not is_error and '"count": 3' in text


async def test_runaway_query_is_stopped_by_the_step_budget(tiny: EnvServer) -> None:
    """An endless recursive query is interrupted and reported, and the server keeps working."""
    episode = tiny.episodes.reset(episode_id="spin")
    is_error, text = await _call(tiny, "spin", {}, episode.id)
    assert is_error and "compute budget" in text
    is_error, _ = await _call(tiny, "list_items", {}, episode.id)
    assert not is_error


async def test_read_tool_that_writes_is_refused_and_rolled_back(tiny: EnvServer) -> None:
    """A tool declared read-only cannot change the database, even if its code tries."""
    episode = tiny.episodes.reset(episode_id="sneaky")
    before = _hash(tiny, episode.id)
    is_error, text = await _call(tiny, "sneaky", {}, episode.id)
    assert is_error and "declared read-only" in text
    assert _hash(tiny, episode.id) == before


def test_bug_in_tool_code_is_a_crash_not_an_agent_error(tiny: EnvServer) -> None:
    """An unexpected exception in tool code is reported as an internal error (ToolCrash)."""
    episode = tiny.episodes.reset(episode_id="broken")
    with pytest.raises(ToolCrash, match="internal error in broken"):
        tiny.environment.tools["broken"].run(episode, {})
    with pytest.raises(ToolError):
        tiny.environment.tools["add_item"].run(episode, {"name": "x", "qty": 0})


def test_a_schema_reads_no_reference_outside_itself_and_matches_patterns_in_linear_time() -> None:
    """An environment's schema is untrusted: a `$ref` to a URL or a file is refused (by the spec, and by the
    compiler, which fetches nothing), and a `pattern` such as `^(a+)+$` is matched by RE2, so forty letters and a
    '!' are refused at once instead of backtracking for hours."""
    from autoforge.servers.schemas import compiled_schema
    from autoforge.servers.spec import ToolSpec
    from pydantic import ValidationError

    for outside in ("http://127.0.0.1:9/secret", "file:///etc/hostname", "other.json#/x"):
        schema = {"type": "object", "properties": {"x": {"$ref": outside}}}
        with pytest.raises(ValidationError, match="outside itself"):
            ToolSpec(name="t", description="A tool.", input_schema=schema, writes=False)
        with pytest.raises(fastjsonschema.JsonSchemaDefinitionException, match="points outside the schema"):
            compiled_schema(schema)
    local = {"type": "object", "$defs": {"id": {"type": "string"}}, "properties": {"x": {"$ref": "#/$defs/id"}}}
    assert compiled_schema(local)({"x": "a"}) == {"x": "a"}
    for based in ({"$id": "file:///etc/hostname#", "$ref": "#"}, {"id": "http://127.0.0.1:9/s#", "$ref": "#"}):
        with pytest.raises(ValidationError, match="outside itself"):  # '#' under that base names the file
            ToolSpec(name="t", description="A tool.", input_schema={"type": "object"}, output_schema=based,
                     writes=False)  # fmt: skip
        with pytest.raises(fastjsonschema.JsonSchemaDefinitionException, match="points outside the schema"):
            compiled_schema(based)
    validate = compiled_schema({"type": "object", "properties": {"x": {"type": "string", "pattern": "^(a+)+$"}}})
    assert validate({"x": "aaaa"}) == {"x": "aaaa"}
    with pytest.raises(fastjsonschema.JsonSchemaValueException, match="must match pattern"):
        validate({"x": "a" * 40 + "!"})


def test_a_schema_whose_references_multiply_or_loop_is_refused_and_formats_are_checked_as_written() -> None:
    """Arguments are checked on the server's own event loop, before any limit applies: ten `anyOf`s of one shared
    reference, level after level, would cost ten to the depth (nine levels: half an hour, every episode stalled),
    and a reference to itself has no end. Such a schema is refused when the folder is read; a few shared
    references are fine. A documented format (a date) is checked, in RE2, against the value, not its name."""
    from autoforge.servers.schemas import compiled_schema
    from autoforge.servers.spec import ToolSpec
    from pydantic import ValidationError

    def levels(depth: int) -> dict[str, Any]:
        chain = {f"d{i}": {"anyOf": [{"$ref": f"#/definitions/d{i + 1}"}] * 10} for i in range(depth)}
        return {"type": "object", "definitions": {**chain, f"d{depth}": {"not": {}}},
                "anyOf": [{"$ref": "#/definitions/d0"}, {}]}  # fmt: skip

    with pytest.raises(ValidationError, match="cannot be checked in bounded time: it grows past"):
        ToolSpec(name="t", description="A tool.", input_schema=levels(7), writes=False)
    looping = {
        "type": "object",
        "definitions": {"n": {"anyOf": [{"$ref": "#/definitions/n"}]}},
        "$ref": "#/definitions/n",
    }
    with pytest.raises(ValidationError, match="refers to itself"):
        ToolSpec(name="t", description="A tool.", input_schema=looping, writes=False)
    assert ToolSpec(name="t", description="A tool.", input_schema=levels(2), writes=False)
    dated = compiled_schema({"type": "object", "properties": {"day": {"type": "string", "format": "date"}}})
    assert dated({"day": "2025-01-31"}) == {"day": "2025-01-31"}
    with pytest.raises(fastjsonschema.JsonSchemaValueException, match="must be date"):
        dated({"day": "31/01/2025"})


def test_a_call_whose_worker_ended_after_keeping_it_is_not_reported_undone(library: EnvServer) -> None:
    """A worker can end between keeping a writing call and replying (its CPU or time limit strikes then, or the
    machine's memory runs out). The server reads the mark the call left in the file: the agent is told the changes
    were kept, not that the call was undone, and the episode's id counters are read afresh. A call that ended before
    it was kept is still undone."""
    import dataclasses

    from autoforge.servers.worker import CallJob, Reply, ToolRunner

    class EndsBeforeReplying:
        """A pool whose worker runs the call to its end (`keep`) or not at all, then ends without a reply."""

        def __init__(self, keep: bool) -> None:
            self.keep = keep

        def call(self, program: Any, job: CallJob) -> Reply:
            if self.keep:
                runner = ToolRunner(library.environment.limits)
                assert runner.load(program) == ("loaded",)
                assert runner.run(program.key, job, []).status == "ok"
            return Reply("crash", f"internal error in {job.tool}: the process running it ended (exit code -9); "
                         "the call was undone", ended=True)  # fmt: skip

    renew = library.environment.tools["renew_loan"]
    for keep in (True, False):
        episode = library.episodes.reset(episode_id=f"ended-{keep}")
        episode.counters["loans"] = 99
        before = _hash(library, episode.id)
        ending = dataclasses.replace(renew, pool=EndsBeforeReplying(keep))
        with pytest.raises(ToolCrash) as crash:
            ending.run(episode, {"loan_id": "L-71", "days": 7})
        assert ("its changes were kept" in str(crash.value)) is keep, crash.value
        assert (_hash(library, episode.id) != before) is keep
        assert episode.counters == ({} if keep else {"loans": 99})
    episode = library.episodes.get("ended-True")
    assert renew.run(episode, {"loan_id": "L-71", "days": 1}).value  # the next call's mark follows the kept one
    assert episode.mark == 2


def test_a_verdict_s_reward_is_a_number_from_0_to_1() -> None:
    """A server answering verify with NaN once made the results file unreadable, and one with 1e300 set the mean
    reward of every environment in the run: such a verdict is refused (the episode is an infrastructure failure)."""
    from autoforge.servers.protocol import VerifyResult
    from pydantic import ValidationError

    for reward in (float("nan"), float("inf"), 1e300, -1.0):
        with pytest.raises(ValidationError):
            VerifyResult(reward=reward)
    assert VerifyResult(reward=1.0).reward == 1.0
