"""How `messages` become a question and `paperlens chat` history: earlier replies are read back
from their reference lines (no server-side state, no re-answering)."""

from __future__ import annotations

import pytest

from paperlens.interfaces.api.errors import ApiError
from paperlens.interfaces.api.openai_compat import ChatMessage, Reply, conversation, reply_text, split_reply
from paperlens.types import Answer, Citation, Paper

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
    reply = split_reply(REPLY)
    assert reply.body == "Heads can be pruned [1], and students distilled [2]."
    assert reply.references == [(1, "aaaa00000001"), (2, "bbbb00000002"), (3, "cccc00000003")]
    assert reply.understood_as is None
    assert split_reply("No references here.") == Reply("No references here.", None, [])


def test_reply_text_round_trips_the_understood_question() -> None:
    answer = Answer(
        question="And the second one?",
        standalone_question="What prunes heads? And Distilling Students?",
        answer="Students are distilled [1].",
        citations=[Citation(n=1, paper_id="bbbb00000002", title="Distilling Students", passage="")],
        mode="extractive",
        model="extractive",
    )
    text = reply_text(answer)
    assert text == (
        "Students are distilled [1].\n\nUnderstood as: What prunes heads? And Distilling Students?"
        "\n\nReferences\n" + SECOND
    )
    assert split_reply(text) == Reply(answer.answer, answer.standalone_question, [(1, "bbbb00000002")])


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


def test_a_follow_up_keeps_how_it_was_understood() -> None:
    second = "Students are distilled [1].\n\nUnderstood as: Which of Distilling Students?\n\nReferences\n"
    talk = conversation(
        messages(
            ("user", "What prunes heads?"),
            ("assistant", REPLY),
            ("user", "And the second one?"),
            ("assistant", second + SECOND),
            ("user", "How fast is it?"),
        ),
        PAPERS,
        "extractive",
        "extractive",
    )
    previous = talk.history[1].answer
    assert previous.standalone_question == "Which of Distilling Students?"
    assert previous.question == "And the second one?"
    assert [c.paper_id for c in previous.citations] == ["bbbb00000002"]


def test_the_last_message_must_be_a_user_question() -> None:
    with pytest.raises(ApiError) as error:
        conversation(messages(("user", "q"), ("assistant", "a")), PAPERS, "extractive", "extractive")
    assert error.value.status == 400
