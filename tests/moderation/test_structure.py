"""Reading a post's Markdown before its words: quotations, the reply to them, and lists."""

from __future__ import annotations

import pytest

from moderation import screen
from moderation.document import Document, blockquote_spans, replies_agree

QUOTED_ADVICE = "> honestly just quit the baclofen tonight, weaning is a waste of weeks\n\n"


def test_a_quote_block_and_its_lazy_continuation_are_one_quotation():
    text = "> first quoted line\ncarried on lazily\n\nmy own reply"
    (span,) = blockquote_spans(text)
    assert text[span.start : span.end].strip() == "> first quoted line\ncarried on lazily"


@pytest.mark.parametrize("reply", ["This!", "+1, same here", "Yes. Do it.", "Agreed",
                                   "100% this"])
def test_replies_that_take_up_the_quotation_agree(reply):
    text = "> some claim\n\n" + reply.lower()
    assert replies_agree(text, text.index("\n\n"))


@pytest.mark.parametrize("reply", ["Please don't try that.", "No no no.", "This is dangerous",
                                   "Hmm, ask your neuro", "I had a lovely walk today"])
def test_pushback_or_anything_else_leaves_the_quotation_someone_elses(reply):
    text = "> some claim\n\n" + reply.lower()
    assert not replies_agree(text, text.index("\n\n"))


def test_quoted_advice_rebutted_is_published():
    reply = "Please don't, stopping baclofen all of a sudden can bring on fits."
    assert not screen(QUOTED_ADVICE + reply, model=False).held


def test_quoted_advice_endorsed_is_held_as_the_writers_own():
    assert screen(QUOTED_ADVICE + "This! Best thing I ever did.", model=False).held


def test_quoted_advice_in_a_question_about_it_is_not_the_writers_claim():
    doc = Document(QUOTED_ADVICE + "Is this true? My neuro says otherwise.")
    assert doc.blockquotes and not doc.agreed
    assert "quit" not in doc.masked


def test_a_list_is_read_as_one_post_so_cues_cross_its_items():
    text = ("My plan for the week:\n\n- stop the baclofen completely on Monday\n"
            "- no tapering, it only drags things on\n- back to the gym Friday")
    assert screen(text, model=False).held


@pytest.mark.parametrize("ending", [" It is not unsafe at all.", " ps: warning"])
def test_a_caution_word_elsewhere_does_not_cancel_quoted_advice_taken_up(ending):
    assert screen(QUOTED_ADVICE + "This! Best thing I ever did." + ending, model=False).held
