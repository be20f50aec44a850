"""/quiz sessions, @QuizBot style, and what happens when a quiz poll is answered.

A private session asks N questions one poll at a time («سؤال ۳ از ۱۰»): the reviews FSRS
says are due, then new questions (:func:`bot.sessions.plan`). Each answer is recorded
and reviewed by the memory model, the next poll follows at once, and the last answer
brings the score card with «تکرار غلط‌ها» and «جلسهٔ بعدی». A group's session is shared:
one poll at a time, «سؤال بعدی» under it working after a cooldown, then the group's
score card.
"""

from __future__ import annotations

from datetime import datetime

from bot.commands.base import (
    Button,
    Context,
    Keyboard,
    Poll,
    Reply,
    Response,
    Services,
    Text,
    UserError,
)
from bot.commands.options import whole_number
from bot.commands.practice import lesson_rows, tracked
from bot.curriculum.model import Quiz
from bot.fa import practice as practice_words
from bot.fa import sessions as words
from bot.fa import settings as settings_words
from bot.fa.lessons import more_message, more_spoiler
from bot.engine.memory import easy_within, rating
from bot.practice import record_answer, streak_of
from bot.reminders import Preferences
from bot.sessions import DEFAULT_LENGTH, GROUP_COOLDOWN_SECONDS, MAX_LENGTH, Outcome, plan, score
from bot.storage import PollInfo, Recorded, Repos
from bot.storage.learning import SessionInfo

#: A group session whose last poll is older than this is abandoned: /quiz starts anew.
GROUP_IDLE_SECONDS = 3600


def preferences(ctx_or_services: Context | Services) -> Preferences:
    """The preferences of a learner who never changed them."""
    services = ctx_or_services.services if isinstance(ctx_or_services, Context) else ctx_or_services
    return Preferences(zone=services.settings.timezone)


def session_poll(quiz: Quiz, session: SessionInfo, position: int, services: Services, *,
                 kind: str = "practice", timer: int = 0) -> Poll:
    """Question ``position`` of a session; a group's carries the button that moves on."""
    keyboard: Keyboard = ()
    if kind == "group":
        label, action = ((words.group_next(position + 1, session.total), "gnext")
                         if position < session.total else (words.GROUP_RESULT, "gend"))
        keyboard = ((Button(label, f"quiz:{action}:{session.id}:{position}"),),)
    return tracked(services, Poll(
        question=words.numbered(position, session.total, quiz.question), options=quiz.options,
        correct_option=quiz.correct, explanation=quiz.explanation, quiz_id=quiz.id, kind=kind,
        session_id=session.id, position=position, open_period=timer or None, keyboard=keyboard))


def _size(asked: int | None, default: int) -> int:
    """The number of questions: as asked (``/quiz 5``), else the default, within 1–30."""
    return min(max(asked or default, 1), MAX_LENGTH)


async def run_quiz(args: str, ctx: Context) -> Response:
    """``/quiz`` or ``/quiz 5``: a session of the learner's length (or the group's)."""
    if not ctx.services.course.quizzes:
        return Response([Text(practice_words.NO_LESSONS)])
    length = whole_number(args.strip()) if args.strip() else None
    if args.strip() and (length is None or not 1 <= length <= MAX_LENGTH):
        raise UserError(words.bad_length(args.strip(), MAX_LENGTH))
    if ctx.chat_type in ("group", "supergroup"):
        return await _start_group(ctx, _size(length, DEFAULT_LENGTH))
    return await start_session(ctx, length)


async def start_session(ctx: Context, length: int | None = None,
                        only: tuple[str, ...] | None = None) -> Response:
    """A private session; ``only``: exactly these questions (the wrong ones repeated)."""
    services = ctx.services
    now = services.clock()
    async with services.storage.transaction() as db:
        await db.learners.touch(ctx.user_id, ctx.user_name, now)
        prefs = await db.prefs.get(ctx.user_id, preferences(ctx))
        size = _size(length, prefs.length)
        due = await db.cards.due(ctx.user_id, now)
        if only is not None:
            quizzes = [q for q in (services.course.quiz(i) for i in only) if q is not None]
        else:
            answered = {a.quiz_id for a in await db.answers.of_learner(ctx.user_id)}
            read = await db.reads.of_learner(ctx.user_id)
            position = await db.learners.lesson_position(ctx.user_id)
            quizzes = plan(services.course, size, due=due, answered=answered,
                           read=read, position=position)
        if not quizzes:
            next_due = await db.cards.next_due(ctx.user_id)
            return Response([Text(practice_words.all_done(next_due, prefs.tz))])
        session = await db.sessions.start(ctx.chat_id, ctx.user_id, [q.id for q in quizzes], now)
        await db.sessions.advance(session.id, 0, now)
    reviews = sum(q.id in due for q in quizzes)
    intro = Text(words.session_intro(len(quizzes), reviews, repeat=only is not None))
    return Response([intro, session_poll(quizzes[0], session, 1, ctx.services, timer=prefs.timer)],
                    data={"session": session.id, "quizzes": [q.id for q in quizzes],
                          "reviews": reviews})


async def _start_group(ctx: Context, size: int) -> Response:
    """The group's shared session: questions it has not been asked yet (all again once
    it has seen every one), unless a session is running."""
    services = ctx.services
    now = services.clock()
    async with services.storage.transaction() as db:
        running = await db.sessions.current(ctx.chat_id, 0)
        if running is not None and running.last_poll_at is not None and \
                (now - running.last_poll_at).total_seconds() < GROUP_IDLE_SECONDS:
            return Response([Text(words.SESSION_RUNNING)], error=words.SESSION_RUNNING)
        asked = await db.sessions.asked_in(ctx.chat_id)
        quizzes = plan(services.course, size, answered=asked) or plan(services.course, size)
        session = await db.sessions.start(ctx.chat_id, 0, [q.id for q in quizzes], now)
        await db.sessions.advance(session.id, 0, now)
    return Response(_group_question(quizzes[0], session, 1, services),
                    data={"session": session.id, "quizzes": [q.id for q in quizzes]})


def _group_question(quiz: Quiz, session: SessionInfo, position: int,
                    services: Services) -> list[Reply]:
    """A group's poll, and its longer explanation behind a spoiler (no private follow-up
    reaches a group's members)."""
    replies: list[Reply] = [session_poll(quiz, session, position, services, kind="group")]
    if quiz.more:
        replies.append(Text(more_spoiler(quiz)))
    return replies


async def on_button(payload: str, ctx: Context) -> Response:
    """``session``: a new session; ``wrong:S``: session S's wrong answers again;
    ``gnext:S:P`` / ``gend:S:P``: a group's next question or its result; ``lesson:ID``:
    a question of that lesson; ``next``: a button of an older version, a new session."""
    action, _, rest = payload.partition(":")
    if action == "wrong":
        return await _repeat_wrong(whole_number(rest), ctx)
    if action in ("gnext", "gend"):
        session_id, _, position = rest.partition(":")
        return await _group_step(action, whole_number(session_id), whole_number(position), ctx)
    if action == "lesson":
        return await _lesson_quiz(rest, ctx)
    return await start_session(ctx)


async def _lesson_quiz(lesson_id: str, ctx: Context) -> Response:
    lesson = ctx.services.course.by_id(lesson_id)
    if lesson is None or not lesson.quizzes:
        return await start_session(ctx)
    async with ctx.services.storage.transaction() as db:
        answered = {a.quiz_id for a in await db.answers.of_learner(ctx.user_id)}
    fresh = tuple(q.id for q in lesson.quizzes if q.id not in answered)
    return await start_session(ctx, only=fresh or tuple(q.id for q in lesson.quizzes))


async def _repeat_wrong(session_id: int | None, ctx: Context) -> Response:
    async with ctx.services.storage.transaction() as db:
        session = await db.sessions.get(session_id) if session_id is not None else None
        if session is None or session.user_id != ctx.user_id:
            return Response(notice=words.SESSION_OVER, error=words.SESSION_OVER)
        outcomes = await db.sessions.outcomes(session.id, ctx.user_id)
    wrong = tuple(q for q in session.quiz_ids if outcomes.get(q) is not True)
    if not wrong:
        return Response([Text(words.NO_WRONG)])
    return await start_session(ctx, only=wrong)


async def _group_step(action: str, session_id: int | None, position: int | None,
                      ctx: Context) -> Response:
    """One press of a group session's button: the next poll after the cooldown, or the
    score card after the last; of two presses at once, one wins, the other hears so."""
    services = ctx.services
    now = services.clock()
    async with services.storage.transaction() as db:
        session = await db.sessions.get(session_id) if session_id is not None else None
        if session is None or session.finished_at is not None or position != session.asked:
            return Response(notice=words.SESSION_OVER if session is None or
                            session.finished_at is not None else words.ALREADY_ASKED)
        waited = (now - (session.last_poll_at or session.started_at)).total_seconds()
        if waited < GROUP_COOLDOWN_SECONDS:
            return Response(notice=words.cooldown(int(GROUP_COOLDOWN_SECONDS - waited) + 1))
        if action == "gend" or session.asked >= session.total:
            if not await db.sessions.finish(session.id, now):
                return Response(notice=words.SESSION_OVER)
            standings = await db.sessions.standings(session.id)
            return Response([Text(words.group_score_card(session.total, standings))],
                            data={"session": session.id, "finished": True})
        if not await db.sessions.advance(session.id, session.asked, now):
            return Response(notice=words.ALREADY_ASKED)
    quiz = services.course.quiz(session.quiz_ids[session.asked])
    if quiz is None:
        return Response(notice=words.SESSION_OVER)
    return Response(_group_question(quiz, session, session.asked + 1, services),
                    data={"session": session.id, "position": session.asked + 1})


def _seconds(poll: PollInfo, user_id: int, now: datetime) -> float | None:
    """How long the learner took, when the poll was sent to them alone."""
    if poll.kind != "practice" or poll.chat_id != user_id or poll.sent_at is None:
        return None
    return (now - poll.sent_at).total_seconds()


async def answer_poll(services: Services, poll_id: str, user_id: int, name: str,
                      option_ids: list[int]) -> Response:
    """A learner answered one of our polls: record it as a review of their memory of the
    question; in their private session, the next question or the score card follows."""
    if not option_ids:
        return Response()  # a retracted vote
    now = services.clock()
    async with services.storage.transaction() as db:
        poll = await db.polls.find(poll_id)
        quiz = services.course.quiz(poll.quiz_id) if poll is not None else None
        if poll is None or quiz is None or not _one_of(option_ids, len(quiz.options)):
            return Response()  # not ours, a question gone from the course, or forged
        correct = option_ids[0] == quiz.correct
        prefs = await db.prefs.get(user_id, preferences(services))
        limit = easy_within(quiz.question, quiz.options)
        grade = rating(correct, _seconds(poll, user_id, now), limit)
        recorded = await record_answer(db, user_id, name, poll, option_ids[0], correct, now,
                                       zone=services.settings.zone, grade=grade,
                                       retention=prefs.retention)
        fresh = bool(recorded)
        data = {"quiz": quiz.id, "correct": correct, "recorded": fresh,
                "scored": recorded is Recorded.SCORED, "rating": grade.name}
        if not fresh:
            return Response(data=data)
        found = await db.sessions.of_poll(poll_id)
        if found is None:  # the channel's quiz, or a poll from before sessions
            return Response(data=data)
        session, position = found
        await db.sessions.score(session.id, user_id, quiz.id, correct, now)
        if session.user_id != user_id or session.chat_id != user_id:
            return Response(data=data)  # a group's session: its score card says it all
        replies = await _session_next(db, services, session, position, quiz, correct, prefs, now)
    return Response(replies, data={**data, "session": session.id})


async def poll_closed(services: Services, poll_id: str) -> tuple[int, Response] | None:
    """A session's poll closed (its timer ran out) before the learner answered: move on.
    Returns the chat to reply in, or None when there is nothing to do."""
    now = services.clock()
    async with services.storage.transaction() as db:
        found = await db.sessions.of_poll(poll_id)
        if found is None:
            return None
        session, position = found
        if session.user_id == 0 or session.finished_at is not None:
            return None
        outcomes = await db.sessions.outcomes(session.id, session.user_id)
        if session.quiz_ids[position - 1] in outcomes:
            return None  # answered in time
        prefs = await db.prefs.get(session.user_id, preferences(services))
        quiz = services.course.quiz(session.quiz_ids[position - 1])
        if quiz is None:
            return None
        replies = [Text(words.time_up(quiz)),
                   *await _session_next(db, services, session, position, quiz, None, prefs, now)]
    return session.chat_id, Response(replies, data={"session": session.id, "timeout": position})


async def _session_next(db: Repos, services: Services, session: SessionInfo, position: int,
                        quiz: Quiz, correct: bool | None, prefs: Preferences,
                        now: datetime) -> list[Reply]:
    """After question ``position``: the longer explanation of a miss, then the next
    poll, or (after the last) the score card, and once ever the reminder offer."""
    replies: list[Reply] = []
    if correct is False and quiz.more:
        replies.append(Text(more_message(quiz)))
    if position != session.asked:
        return replies  # an older poll of the session, answered late: nothing moves
    if session.asked < session.total:
        if await db.sessions.advance(session.id, session.asked, now):
            following = services.course.quiz(session.quiz_ids[session.asked])
            if following is not None:
                replies.append(session_poll(following, session, session.asked + 1,
                                            services, timer=prefs.timer))
        return replies
    if not await db.sessions.finish(session.id, now):
        return replies
    outcomes = await db.sessions.outcomes(session.id, session.user_id)
    course = services.course
    results = [Outcome(q, outcomes.get(q.id)) for q in
               (course.quiz(i) for i in session.quiz_ids) if q is not None]
    streak = await streak_of(db, session.user_id, prefs.tz, now)
    card = score(course, results, (now - session.started_at).total_seconds(), streak)
    buttons = [Button(words.NEXT_SESSION, "quiz:session")]
    if card.wrong:
        buttons.insert(0, Button(words.REPEAT_WRONG, f"quiz:wrong:{session.id}"))
    replies.append(Text(words.score_card(card), (tuple(buttons), *lesson_rows(card.reread))))
    if not prefs.offered and not prefs.reminder:
        await db.prefs.put(session.user_id, prefs.with_(offered=True))
        replies.append(Text(settings_words.offer(prefs.hour, prefs.zone), ((
            Button(settings_words.OFFER_YES.format(hour=settings_words.hour_label(prefs.hour)),
                   "settings:offer:yes"),
            Button(settings_words.OFFER_NO, "settings:offer:no")),)))
    return replies


def _one_of(option_ids: list[int], count: int) -> bool:
    """A quiz poll's answer is exactly one of its options."""
    return (len(option_ids) == 1 and isinstance(option_ids[0], int)
            and not isinstance(option_ids[0], bool) and 0 <= option_ids[0] < count)
