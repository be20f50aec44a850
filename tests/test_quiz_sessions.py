"""Quiz sessions through the real Application and the fake Bot API, with a clock the
tests move: a ten-question session and its score card, a wrong answer coming back when
FSRS says, a group's shared session, /settings, and /forget leaving nothing behind."""

from __future__ import annotations

from datetime import timedelta

from fsrs import Card, Rating, Scheduler
from sqlalchemy import func, select

from bot.fa.bidi import keep_formulas_ltr
from bot.commands.base import Services
from bot.fa import sessions as words
from bot.fa import settings as settings_words
from bot.fa.numbers import fa_int
from bot.sessions import GROUP_COOLDOWN_SECONDS
from bot.storage.tables import Base
from tests.conftest import Clock
from tests.db import stored
from tests.fake_telegram import Call, FakeTelegram, eventually

LEARNER = 1001
GROUP = -100500


def reference() -> Scheduler:
    """The package's scheduler, configured as bot/engine/memory.py documents, built here."""
    return Scheduler(desired_retention=0.9, learning_steps=[], relearning_steps=[],
                     enable_fuzzing=False)


def buttons(call: Call) -> list[dict]:
    markup = call.params.get("reply_markup") or {"inline_keyboard": []}
    return [button for row in markup["inline_keyboard"] for button in row]


async def answer(fake: FakeTelegram, services: Services, poll: Call, correct: bool,
                 user_id: int = LEARNER, name: str = "Sara", *, after: float = 0,
                 wait: bool = True) -> None:
    """Answer a poll the bot sent, ``after`` seconds on the test clock, once the bot has
    stored it (it does so when Telegram confirms the send: the clock moves only then);
    ``wait``: until the answer is recorded."""
    poll_id = poll.result["poll"]["id"]
    await eventually(lambda: stored(services.storage, lambda db: db.sessions.of_poll(poll_id)))
    if after:
        services.clock.advance(seconds=after)  # type: ignore[attr-defined]
    right = poll.params["correct_option_ids"][0]
    option = right if correct else (right + 1) % len(poll.params["options"])
    before = len(await answers_of(services, user_id))
    fake.push_poll_answer(poll_id, [option], user_id=user_id, name=name)
    if wait:
        await eventually(lambda: _more(services, user_id, before))


async def answers_of(services: Services, user_id: int) -> list:
    return await stored(services.storage, lambda db: db.answers.of_learner(user_id))


async def _more(services: Services, user_id: int, before: int) -> bool:
    return len(await answers_of(services, user_id)) > before


def polls_to(fake: FakeTelegram, chat_id: int) -> list[Call]:
    return [c for c in fake.calls_to("sendPoll") if int(c.params["chat_id"]) == chat_id]


def texts_to(fake: FakeTelegram, chat_id: int) -> list[Call]:
    return [c for c in fake.calls_to("sendMessage") if int(c.params["chat_id"]) == chat_id]


async def test_a_ten_question_session_ends_with_a_score_card(
        fake: FakeTelegram, telegram_app, services: Services, clock: Clock) -> None:
    fake.push_message("/quiz", user_id=LEARNER)
    [intro] = await fake.wait_for("sendMessage")
    assert "۱۰ سؤال" in intro.params["text"]
    wrong_at = {3, 7, 8}
    for number in range(1, 11):
        poll = (await fake.wait_for("sendPoll", number))[number - 1]
        assert poll.params["question"].startswith(f"❓ سؤال {fa_int(number)} از ۱۰: ")
        assert poll.params["is_anonymous"] is False and "open_period" not in poll.params
        await answer(fake, services, poll, correct=number not in wrong_at, after=40)
    card = await eventually_text(fake, LEARNER, "🏁")
    text = card.params["text"]
    assert "✅ درست: ۷ از ۱۰" in text
    assert "⏱ زمان: ۶ دقیقه و ۴۰ ثانیه" in text  # ten answers, 40 seconds apart
    quizzes = [services.course.quiz(q) for q in await session_quizzes(services)]
    missed = {quizzes[n - 1].lesson_id for n in wrong_at}
    reread = [b["callback_data"] for b in buttons(card)][2:]  # the lessons to reread
    for lesson in services.course.lessons:
        assert (f"• درس {fa_int(lesson.order)}: " in text) is (lesson.id in missed)
        assert (f"lesson:show:{lesson.order}" in reread) is (lesson.id in missed)
    assert "<code>/" not in text  # buttons, not commands to copy
    labels = [b["text"] for b in buttons(card)]
    assert labels[:2] == [words.REPEAT_WRONG, words.NEXT_SESSION]
    assert len(fake.calls_to("sendPoll")) == 10  # one poll per question, no more

    offer = await eventually_text(fake, LEARNER, "🔔 می‌خواهید")
    assert [b["callback_data"] for b in buttons(offer)] == ["settings:offer:yes",
                                                            "settings:offer:no"]
    prefs = await stored(services.storage, lambda db: db.prefs.get(LEARNER, None))
    assert prefs.offered and not prefs.reminder  # offered, never switched on silently

    fake.push_button(card.result, buttons(card)[0]["callback_data"], user_id=LEARNER)
    again = (await fake.wait_for("sendPoll", 11))[10]
    assert again.params["question"].startswith("❓ سؤال ۱ از ۳: ")
    assert again.params["question"].endswith(keep_formulas_ltr(quizzes[2].question))


async def eventually_text(fake: FakeTelegram, chat_id: int, start: str) -> Call:
    found: list[Call] = []

    def seen() -> bool:
        found[:] = [c for c in texts_to(fake, chat_id) if c.params["text"].startswith(start)]
        return bool(found)

    await eventually(seen)
    return found[-1]


async def session_quizzes(services: Services, user_id: int = LEARNER) -> tuple[str, ...]:
    async def first(db):  # the learner's first session
        from bot.storage.tables import QuizSession

        row = await db.session.scalar(select(QuizSession).where(QuizSession.user_id == user_id)
                                      .order_by(QuizSession.id).limit(1))
        return (await db.sessions.get(row.id)).quiz_ids
    return await stored(services.storage, first)


async def test_a_wrong_answer_comes_back_when_fsrs_says_and_a_right_one_later(
        fake: FakeTelegram, telegram_app, services: Services, clock: Clock) -> None:
    start = clock()
    fake.push_message("/quiz 1", user_id=LEARNER)
    [poll] = await fake.wait_for("sendPoll")
    target = poll.params["question"].split(": ", 1)[1]
    await answer(fake, services, poll, correct=False, after=30)
    await eventually_text(fake, LEARNER, "🏁")
    expected, _ = reference().review_card(Card(card_id=1, due=start), Rating.Again,
                                          start + timedelta(seconds=30))
    assert expected.due == start + timedelta(days=1, seconds=30)

    clock.set(expected.due - timedelta(minutes=1))
    fake.push_message("/quiz 1", user_id=LEARNER)
    not_yet = (await fake.wait_for("sendPoll", 2))[1]
    assert not not_yet.params["question"].endswith(target)  # a new question instead
    await answer(fake, services, not_yet, correct=True, after=30)

    clock.set(expected.due)
    fake.push_message("/quiz 1", user_id=LEARNER)
    review = (await fake.wait_for("sendPoll", 3))[2]
    assert review.params["question"].endswith(target)
    await eventually(lambda: len(intros(fake)) == 3)
    assert "(همه مرور)" in intros(fake)[-1] and "(همه تازه)" in intros(fake)[1]
    await answer(fake, services, review, correct=True, after=40)  # not a brisk read: Good
    then, _ = reference().review_card(expected, Rating.Good, clock())

    quiz_id = next(q.id for q in services.course.quizzes if q.question == target)
    await eventually(lambda: _due(services, quiz_id, then.due))
    assert (then.due - clock()).days >= 2  # it waits longer after a right answer


def intros(fake: FakeTelegram) -> list[str]:
    return [c.params["text"] for c in texts_to(fake, LEARNER) if c.params["text"].startswith("🧠")]


async def _due(services: Services, quiz_id: str, due) -> bool:
    card = await stored(services.storage, lambda db: db.cards.get(LEARNER, quiz_id))
    return card is not None and card.due == due


async def test_a_quick_right_answer_is_easy_and_waits_longest(
        fake: FakeTelegram, telegram_app, services: Services, clock: Clock) -> None:
    fake.push_message("/quiz 2", user_id=LEARNER)
    first = (await fake.wait_for("sendPoll"))[0]
    await answer(fake, services, first, correct=True, after=3)
    second = (await fake.wait_for("sendPoll", 2))[1]
    await answer(fake, services, second, correct=True, after=300)
    await eventually_text(fake, LEARNER, "🏁")
    ids = await session_quizzes(services)
    quick = await stored(services.storage, lambda db: db.cards.get(LEARNER, ids[0]))
    slow = await stored(services.storage, lambda db: db.cards.get(LEARNER, ids[1]))
    assert round(quick.interval_days) == 8 and round(slow.interval_days) == 2


async def test_the_timer_closes_a_poll_and_the_session_moves_on(
        fake: FakeTelegram, telegram_app, services: Services, clock: Clock) -> None:
    fake.push_message("/settings", user_id=LEARNER)
    [panel] = await fake.wait_for("sendMessage")
    fake.push_button(panel.result, "settings:timer:30", user_id=LEARNER)
    await fake.wait_for("editMessageText")
    fake.push_message("/quiz 2", user_id=LEARNER)
    first = (await fake.wait_for("sendPoll"))[0]
    assert int(first.params["open_period"]) == 30
    await eventually(lambda: stored(services.storage, lambda db: db.sessions.of_poll(
        first.result["poll"]["id"])))
    fake.push_poll_closed(first.result["poll"]["id"])
    second = (await fake.wait_for("sendPoll", 2))[1]
    assert second.params["question"].startswith("❓ سؤال ۲ از ۲: ")
    assert any(c.params["text"].startswith("⌛") for c in texts_to(fake, LEARNER))


async def test_a_group_runs_one_shared_session_one_poll_at_a_time(
        fake: FakeTelegram, telegram_app, services: Services, clock: Clock) -> None:
    fake.push_message("/quiz 2", user_id=1, chat_id=GROUP, chat_type="supergroup", name="Ali")
    first = (await fake.wait_for("sendPoll"))[0]
    assert int(first.params["chat_id"]) == GROUP
    assert first.params["question"].startswith("❓ سؤال ۱ از ۲: ")
    [next_button] = buttons(first)
    await answer(fake, services, first, True, user_id=1, name="Ali")
    await answer(fake, services, first, False, user_id=2, name="Mina")
    await answer(fake, services, first, True, user_id=1, name="Ali", wait=False)  # a repeat

    fake.push_message("/quiz", user_id=2, chat_id=GROUP, chat_type="supergroup", name="Mina")
    running = await eventually_text(fake, GROUP, "یک جلسهٔ کوییز")
    assert running.params["text"] == words.SESSION_RUNNING

    poll_message = first.result
    fake.push_button(poll_message, next_button["callback_data"], user_id=2)
    [early] = await fake.wait_for("answerCallbackQuery")
    assert early.params["text"].startswith("⏳")
    assert len(polls_to(fake, GROUP)) == 1

    clock.advance(seconds=GROUP_COOLDOWN_SECONDS)
    fake.push_button(poll_message, next_button["callback_data"], user_id=2)
    fake.push_button(poll_message, next_button["callback_data"], user_id=1)  # a second press
    second = (await fake.wait_for("sendPoll", 2))[1]
    await fake.wait_for("answerCallbackQuery", 3)
    assert second.params["question"].startswith("❓ سؤال ۲ از ۲: ")
    assert len(polls_to(fake, GROUP)) == 2  # the second press sent nothing
    [result_button] = buttons(second)
    assert result_button["text"] == words.GROUP_RESULT
    await answer(fake, services, second, True, user_id=2, name="Mina")

    clock.advance(seconds=GROUP_COOLDOWN_SECONDS)
    fake.push_button(second.result, result_button["callback_data"], user_id=1)
    card = await eventually_text(fake, GROUP, "🏁")
    lines = card.params["text"].splitlines()
    assert "🥇 Ali: ۱ درست از ۱" in lines and "🥈 Mina: ۱ درست از ۲" in lines
    assert not texts_to(fake, 1) and not texts_to(fake, 2)  # nothing private in a group session


async def test_a_lessons_quiz_button_pressed_again_scores_nothing_twice(
        fake: FakeTelegram, telegram_app, services: Services, clock: Clock) -> None:
    """Once a lesson's questions are all answered, its quiz button serves the same ones
    again: the session still runs to its score card, but /stats counts each question
    once (nothing is due yet), and again only when FSRS says it is due."""
    lesson = services.course.lessons[0]
    count = len(lesson.quizzes)
    fake.push_message("/lesson 1", user_id=LEARNER)
    shown = await eventually_text(fake, LEARNER, "📘")
    for round_ in (1, 2):
        fake.push_button(shown.result, f"quiz:lesson:{lesson.id}", user_id=LEARNER)
        for number in range(1, count + 1):
            poll = (await fake.wait_for("sendPoll", (round_ - 1) * count + number))[-1]
            await answer(fake, services, poll, correct=number % 2 == 1, after=60)
        await eventually(lambda: len(_cards_texts(fake)) == round_)
    answers = await answers_of(services, LEARNER)
    assert len(answers) == 2 * count and sum(a.scored for a in answers) == count
    fake.push_message("/stats", user_id=LEARNER)
    stats_text = (await eventually_text(fake, LEARNER, "📊")).params["text"]
    right = (count + 1) // 2
    assert f"پاسخ‌ها: {fa_int(count)} · درست: {fa_int(right)} ·" in stats_text


def _cards_texts(fake: FakeTelegram) -> list[Call]:
    return [c for c in texts_to(fake, LEARNER) if c.params["text"].startswith("🏁")]


async def test_forget_deletes_everything_about_the_learner_and_nothing_else(
        fake: FakeTelegram, telegram_app, services: Services, clock: Clock) -> None:
    other = 2002
    for user in (LEARNER, other):
        fake.push_message("/quiz 1", user_id=user)
    polls = await fake.wait_for("sendPoll", 2)
    for poll in polls:
        await answer(fake, services, poll, False, user_id=int(poll.params["chat_id"]))
    fake.push_message("/quiz 1", user_id=1, chat_id=GROUP, chat_type="group")
    group_poll = (await fake.wait_for("sendPoll", 3))[2]
    await answer(fake, services, group_poll, True, user_id=LEARNER)
    await answer(fake, services, group_poll, True, user_id=other)
    fake.push_message("/lesson 1", user_id=LEARNER)
    lesson = await eventually_text(fake, LEARNER, "📘")
    fake.push_button(lesson.result, "lesson:read:1", user_id=LEARNER)
    fake.push_message("/settings", user_id=LEARNER)
    panel = await eventually_text(fake, LEARNER, "⚙️")
    fake.push_button(panel.result, "settings:remind:on", user_id=LEARNER)
    await eventually(lambda: _rows_about(services, LEARNER, "lesson_reads"))
    await eventually(lambda: _rows_about(services, LEARNER, "preferences"))
    before = await _rows_about(services, LEARNER)
    assert {"users", "answers", "cards", "polls", "quiz_sessions", "session_answers",
            "session_polls", "lesson_reads", "preferences"} <= before.keys()
    kept = await _rows_about(services, other)

    fake.push_message("/forget", user_id=LEARNER)
    confirm = await eventually_text(fake, LEARNER, "⚠️")
    assert await _rows_about(services, LEARNER) == before  # nothing without the button
    fake.push_button(confirm.result, "forget:yes", user_id=LEARNER)
    await eventually(lambda: any(c.params["text"] == settings_words.FORGOTTEN
                                 for c in fake.calls_to("editMessageText")))
    assert await _rows_about(services, LEARNER) == {}
    assert await _rows_about(services, other) == kept
    fake.push_message("/top", user_id=other, chat_id=GROUP, chat_type="group")
    top = await eventually_text(fake, GROUP, "🏆")
    assert "Sara" in top.params["text"] and top.params["text"].count("۱ درست از ۱") == 2


async def _rows_about(services: Services, user_id: int, only: str | None = None
                      ) -> dict[str, int]:
    """Rows of every table that name this learner: by a user or chat id column, or
    through the sessions they own."""
    from bot.storage.tables import QuizSession, SessionPoll

    async def count(db) -> dict[str, int]:
        counts: dict[str, int] = {}
        own = select(QuizSession.id).where(QuizSession.user_id == user_id)
        for table in Base.metadata.sorted_tables:
            if only and table.name != only:
                continue
            clauses = [table.c[name] == user_id for name in ("user_id", "chat_id")
                       if name in table.c]
            if table.name == "users":
                clauses.append(table.c.id == user_id)
            if table.name == "session_polls":
                clauses.append(SessionPoll.session_id.in_(own))
            if table.name == "quiz_sessions":
                clauses = [table.c.user_id == user_id]
            if not clauses:
                continue
            condition = clauses[0]
            for clause in clauses[1:]:
                condition = condition | clause
            number = await db.session.scalar(select(func.count()).select_from(table)
                                             .where(condition))
            if number:
                counts[table.name] = number
        return counts

    return await stored(services.storage, count)
