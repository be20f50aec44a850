"""/quiz, /stats, /top and poll answers: practice with scores, streaks and reviews."""

from __future__ import annotations

from bot.commands.base import Button, Context, Poll, Response, Services, Text
from bot.curriculum.model import Quiz
from bot.fa import practice as words
from bot.fa.lessons import more_spoiler, quiz_question
from bot.practice import next_quiz, record_answer, stats, streaks, week_start
from bot.storage import PollInfo


def quiz_poll(quiz: Quiz, *, kind: str = "practice", number: int | None = None,
              anonymous: bool = False) -> Poll:
    """A quiz as a Telegram quiz poll (the short explanation rides inside the poll)."""
    return Poll(
        question=quiz_question(quiz, number),
        options=quiz.options,
        correct_option=quiz.correct,
        explanation=quiz.explanation,
        is_anonymous=anonymous,
        quiz_id=quiz.id,
        kind=kind,
        number=number,
    )


async def run_quiz(args: str, ctx: Context) -> Response:
    """The next question for this learner: a due review first, else a new one."""
    services = ctx.services
    now = services.clock()
    async with services.storage.transaction() as db:
        await db.learners.touch(ctx.user_id, ctx.user_name, now)
        pick = await next_quiz(db, services.course, ctx.user_id, now)
    if pick.quiz is None:
        return Response([Text(words.all_done(pick.next_review, services.settings.zone))])
    replies: list = [Text(words.REVIEW_NOTE)] if pick.review else []
    replies.append(quiz_poll(pick.quiz))
    if ctx.chat_type != "private" and pick.quiz.more:
        replies.append(Text(more_spoiler(pick.quiz)))
    return Response(replies, data={"quiz": pick.quiz.id, "review": pick.review})


async def run_stats(args: str, ctx: Context) -> Response:
    services = ctx.services
    async with services.storage.transaction() as db:
        answers = await db.answers.of_learner(ctx.user_id)
    result = stats(answers, services.course, services.settings.zone, services.clock())
    data = {"answered": result.answered, "correct": result.correct,
            "current_streak": result.current_streak, "best_streak": result.best_streak,
            "weakest": [s.topic for s in result.weakest]}
    return Response([Text(words.stats_text(ctx.user_name, result))], data=data)


async def run_top(args: str, ctx: Context) -> Response:
    if ctx.chat_type == "private":
        return Response([Text(words.NO_GROUP_TOP)])
    services = ctx.services
    since = week_start(services.clock(), services.settings.zone)
    async with services.storage.transaction() as db:
        week = await db.answers.leaderboard(ctx.chat_id, since)
        all_time = await db.answers.leaderboard(ctx.chat_id)
    return Response([Text(words.top_text(week, all_time))])


async def on_button(payload: str, ctx: Context) -> Response:
    """``next``: the next question; ``lesson:<id>``: a question of that lesson."""
    action, _, lesson_id = payload.partition(":")
    if action == "lesson":
        lesson = ctx.services.course.by_id(lesson_id)
        if lesson is not None and lesson.quizzes:
            async with ctx.services.storage.transaction() as db:
                answered = {a.quiz_id for a in await db.answers.of_learner(ctx.user_id)}
            quiz = next((q for q in lesson.quizzes if q.id not in answered), lesson.quizzes[0])
            return Response([quiz_poll(quiz)])
    return await run_quiz("", ctx)


async def record_sent_poll(services: Services, poll: Poll, poll_id: str, chat_id: int,
                           message_id: int) -> None:
    """Doors call this after sending a poll, so its answers can be traced to the quiz."""
    if poll.quiz_id:
        async with services.storage.transaction() as db:
            await db.polls.add(PollInfo(poll_id, poll.quiz_id, chat_id, message_id, poll.kind,
                                        poll.number), services.clock())


async def answer_poll(services: Services, poll_id: str, user_id: int, name: str,
                      option_ids: list[int]) -> Response:
    """A learner answered one of our polls: record it; in a private practice chat, reply
    with feedback, the longer explanation, and a button for the next question."""
    if not option_ids:
        return Response()  # a retracted vote
    now = services.clock()
    async with services.storage.transaction() as db:
        poll = await db.polls.find(poll_id)
        quiz = services.course.quiz(poll.quiz_id) if poll is not None else None
        if poll is None or quiz is None:
            return Response()  # not ours, or a question no longer in the course
        correct = option_ids[0] == quiz.correct
        fresh = await record_answer(db, user_id, name, poll, option_ids[0], correct, now)
        answers = await db.answers.of_learner(user_id)
    data = {"quiz": quiz.id, "correct": correct, "recorded": fresh}
    if not fresh or poll.kind != "practice" or poll.chat_id != user_id:
        return Response(data=data)
    days = {a.answered_at.astimezone(services.settings.zone).date() for a in answers}
    current, _ = streaks(days, now.astimezone(services.settings.zone).date())
    text = words.feedback(quiz, correct, current)
    return Response([Text(text, ((Button(words.NEXT_QUIZ, "quiz:next"),),))], data=data)
