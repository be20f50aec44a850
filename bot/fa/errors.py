"""Persian messages for bad input: what was wrong, and a correct example to copy."""

from __future__ import annotations

from collections.abc import Iterable

from bot.engine.expr import MAX_DEPTH, MAX_EXPONENT, MAX_LENGTH, ExpressionError
from bot.fa.html import code
from bot.fa.numbers import fa_int, fa_number


def with_example(problem: str, example: str) -> str:
    """The shape of every error: a warning line, then an example that works."""
    return f"⚠️ {problem}\nمثال درست: {code(example)}"


def _names(names: Iterable[str]) -> str:
    return "، ".join(code(n) for n in sorted(names))


def unknown_option(name: str, allowed: Iterable[str], example: str) -> str:
    allowed = list(allowed)
    known = f" گزینه‌های این دستور: {_names(allowed)}." if allowed else " این دستور گزینه ندارد."
    return with_example(f"گزینهٔ {code(name)} را نمی‌شناسم.{known}", example)


def repeated_option(name: str, example: str) -> str:
    return with_example(f"گزینهٔ {code(name)} دو بار آمده است؛ هر گزینه را یک بار بنویسید.", example)


def flag_with_value(name: str, example: str) -> str:
    return with_example(f"{code(name)} مقدار نمی‌گیرد؛ فقط خودش را بنویسید، بدون {code('=')}.",
                        example)


def option_without_equals(name: str, example: str) -> str:
    return with_example(f"گزینهٔ {code(name)} را با {code('=')} بنویسید، مثل {code(name + '=0.1')}.",
                        example)


def not_a_number(name: str, value: str, example: str) -> str:
    return with_example(f"مقدار {code(name + '=' + value)} عدد نیست.", example)


def not_finite(name: str, example: str) -> str:
    return with_example(
        f"مقدار {code(name)} باید یک عدد معمولی باشد؛ nan و بی‌نهایت (inf) قابل قبول نیستند.",
        example,
    )


def out_of_range(name: str, low: float | None, high: float | None, example: str, *,
                 low_open: bool = False) -> str:
    if low is not None and high is not None:
        side = "بزرگ‌تر از" if low_open else "دست‌کم"
        bound = f"{side} {fa_number(low)} و حداکثر {fa_number(high)}"
    elif low is not None:
        bound = f"{'بزرگ‌تر از' if low_open else 'دست‌کم'} {fa_number(low)}"
    else:
        bound = f"حداکثر {fa_number(high or 0)}"
    return with_example(f"مقدار {code(name)} باید {bound} باشد.", example)


def not_integer(name: str, value: str, example: str) -> str:
    return with_example(f"{code(name)} باید عدد صحیح مثبت باشد، نه {code(value)}.", example)


def wrong_count(name: str, expected: int, example: str) -> str:
    what = "یک عدد" if expected == 1 else f"{fa_int(expected)} عدد جداشده با ویرگول، مثل {code('2,1')}"
    return with_example(f"برای {code(name)} {what} لازم است.", example)


def empty_choice(name: str, choices: Iterable[str], example: str) -> str:
    return with_example(f"بعد از {code(name + '=')} چیزی ننوشته‌اید. مقدارهای مجاز: {_names(choices)}.",
                        example)


def too_many_choices(name: str, most: int, choices: Iterable[str], example: str) -> str:
    how_many = "فقط یک مقدار" if most == 1 else f"حداکثر {fa_int(most)} مقدار"
    return with_example(f"برای {code(name)} {how_many} بدهید؛ مقدارهای مجاز: {_names(choices)}.",
                        example)


def repeated_choice(name: str, value: str, example: str) -> str:
    return with_example(f"{code(value)} در {code(name)} دو بار آمده است؛ هر کدام را یک بار بنویسید.",
                        example)


def unknown_choice(name: str, value: str, choices: Iterable[str], example: str) -> str:
    return with_example(
        f"{code(value)} برای {code(name)} مجاز نیست. مقدارهای مجاز: {_names(choices)}.", example
    )


_EXPRESSION = {
    "empty": "تابعی ننوشته‌اید.",
    "too_long": f"تابع خیلی طولانی است (حداکثر {fa_int(MAX_LENGTH)} نویسه).",
    "too_deep": f"پرانتزها یا توابع تودرتو بیش از حد عمیق‌اند (حداکثر {fa_int(MAX_DEPTH)} سطح).",
    "incomplete": "تابع ناتمام است؛ بعد از آخرین عملگر چیزی لازم است.",
    "unbalanced": "پرانتزها جفت نیستند.",
    "division_by_zero": "تقسیم بر صفر در تابع هست.",
    "exponent_too_large": f"توان خیلی بزرگ است (قدرمطلق توان حداکثر {fa_int(MAX_EXPONENT)}).",
    "number_too_large": "عددهای تابع خیلی بزرگ‌اند (بزرگ‌تر از 1e100، یا با بیش از ۱۰۰ رقم).",
    "number_too_small": "عددهای تابع خیلی کوچک‌اند (کوچک‌تر از 1e-100).",
    "undefined_constant": "بخشی از تابع تعریف‌نشده است (مثلاً log(0)).",
    "not_real": "بخشی از تابع عدد مختلط (complex) می‌شود، مثل جذر عدد منفی.",
    "no_variable": "تابع باید به x (یا x و y) وابسته باشد.",
    "too_complex": "این تابع برای تحلیل نمادین بیش از حد پیچیده است؛ ساده‌ترش کنید.",
    "not_differentiable": "مشتق این تابع را نمی‌توانم به شکل نمادین حساب کنم.",
}

_FUNCTIONS = "sin، cos، tan، exp، log، sqrt، abs، sign، tanh، sigmoid"


def expression(error: ExpressionError, example: str) -> str:
    """The message for a function text the parser refused."""
    detail = error.detail  # code() escapes it
    if error.code == "bad_character":
        problem = (
            f"نویسهٔ {code(detail)} در تابع مجاز نیست. فقط عدد، x و y، "
            f"عملگرهای {code('+ - * / ^')} (و {code('· − ²')})، پرانتز، قدرمطلق "
            f"{code('|x|')} و توابع {_FUNCTIONS} را می‌فهمم."
        )
    elif error.code == "unknown_name":
        problem = f"نام {code(detail)} را نمی‌شناسم. توابع مجاز: {_FUNCTIONS}؛ ثابت‌ها: e و pi."
    elif error.code == "extra_variable":
        problem = (
            f"متغیر {code(detail)} مجاز نیست: تابع فقط می‌تواند از x، یا x و y، استفاده کند."
        )
    elif error.code == "needs_parentheses":
        problem = f"ورودی تابع {code(detail)} را داخل پرانتز بنویسید، مثل {code(detail + '(x)')}."
    elif error.code == "bad_number":
        problem = (f"عدد {code(detail)} درست نوشته نشده است: هر عدد حداکثر یک ممیز دارد، "
                   f"مثل {code('1.25')}.")
    elif error.code == "unexpected":
        problem = f"تابع را نفهمیدم: {code(detail)} این‌جا بی‌جاست."
    else:
        problem = _EXPRESSION.get(error.code, "تابع را نفهمیدم.")
    return with_example(problem, example)
