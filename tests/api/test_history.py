"""How `messages` become a question and `paperlens chat` history: earlier replies are read back
from their reference lines (no server-side state, no re-answering)."""

from __future__ import annotations

import pytest

from paperlens.interfaces.api.errors import ApiError
from paperlens.interfaces.api.openai_compat import ChatMessage, conversation, split_reply
from paperlens.types import Paper

# FAKE papers, hand-written for these tests.
PAPERS = {
    "aaaa00000001": Paper(paper_id="aaaa00000001", title="Pruning (Attention) Heads", abstract="x"),
    "bbbb00000002": Paper(paper_id="bbbb00000002", title="Distilling Students", abstract="y"),
}
REPLY = (
    "Heads can be pruned [1], and students distilled [2].\n\n"
    "References\n[1] Pruning (Attention) Heads (aaaa00000001)\n[2] Distilling Students (bbbb00000002)\n"
    "[3] A paper this index does not have (cccc00000003)"
)

SECOND = "[1] Distilling Students (bbbb00000002)"


def messages(*pairs: tuple[str, str | list[dict[str, str]]]) -> list[ChatMessage]:
    return [ChatMessage.model_validate({"role": role, "content": content}) for role, content in pairs]


def test_split_reply_reads_the_numbered_references() -> None:
    body, references = split_reply(REPLY)
    assert body == "Heads can be pruned [1], and students distilled [2]."
    assert references == [(1, "aaaa00000001"), (2, "bbbb00000002"), (3, "cccc00000003")]
    assert split_reply("No references here.") == ("No references here.", [])


def test_earlier_replies_become_turns_with_their_citations() -> None:
    talk = conversation(
        messages(
            ("system", "Be brief."),
            ("user", "What prunes heads?"),
            ("assistant", REPLY),
            ("user", "A question whose request failed"),
            ("user", [{"type": "text", "text": "Compare "}, {"type": "text", "text": "them."}]),
        ),
        PAPERS,
        "extractive",
        "extractive",
    )
    assert talk.question == "Compare them."
    assert len(talk.history) == 1, "a question without a reply is not history"
    turn = talk.history[0]
    assert turn.question == "What prunes heads?" and turn.answer.standalone_question == "What prunes heads?"
    assert [(c.n, c.paper_id) for c in turn.answer.citations] == [(1, "aaaa00000001"), (2, "bbbb00000002")]
    assert turn.answer.answer.startswith("Heads can be pruned [1]")


def test_a_second_follow_up_condenses_on_the_first_like_chat() -> None:
    talk = conversation(
        messages(
            ("user", "What prunes heads?"),
            ("assistant", REPLY),
            ("user", "And the second one?"),
            (
                "assistant",
                "Students are distilled [1].\n\nReferences\n[1] Distilling Students (bbbb00000002)",
            ),
            ("user", "How fast is it?"),
        ),
        PAPERS,
        "extractive",
        "extractive",
    )
    second = talk.history[1].answer
    assert second.standalone_question == "What prunes heads? And the second one?"
    assert [c.paper_id for c in second.citations] == ["bbbb00000002"]


def test_the_last_message_must_be_a_user_question() -> None:
    with pytest.raises(ApiError) as error:
        conversation(messages(("user", "q"), ("assistant", "a")), PAPERS, "extractive", "extractive")
    assert error.value.status == 400
