"""Persian wording of the activation lab: names, formulas, picture labels and caption."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.fa.errors import with_example
from bot.fa.html import code
from bot.fa.numbers import ascii_number, fa_int, fa_number
from bot.fa.picture import ltr
from bot.render.act import ActLabels

if TYPE_CHECKING:
    from bot.labdata.act import ActSummary

TITLES = {
    "sigmoid": "سیگموید (sigmoid)",
    "tanh": "تانژانت هذلولوی (tanh)",
    "relu": "ReLU",
    "leaky_relu": "Leaky ReLU",
    "elu": "ELU",
    "softplus": "Softplus",
    "gelu": "GELU",
    "linear": "خطی (linear)",
}

#: The symbol a formula uses for each activation.
SYMBOLS = {
    "sigmoid": "σ", "tanh": "tanh", "relu": "ReLU", "leaky_relu": "LeakyReLU", "elu": "ELU",
    "softplus": "softplus", "gelu": "GELU", "linear": "f",
}

#: (function, derivative), as PyTorch defines them.
FORMULAS = {
    "sigmoid": ("σ(z) = 1/(1 + e^(−z))", "σ'(z) = σ(z)·(1 − σ(z))"),
    "tanh": ("tanh(z) = (e^z − e^(−z))/(e^z + e^(−z))", "tanh'(z) = 1 − tanh²(z)"),
    "relu": ("ReLU(z) = max(0, z)", "ReLU'(z) = 1 if z > 0, else 0"),
    "leaky_relu": ("LeakyReLU(z) = z if z > 0, else 0.01·z",
                   "LeakyReLU'(z) = 1 if z > 0, else 0.01"),
    "elu": ("ELU(z) = z if z > 0, else e^z − 1   (α = 1)", "ELU'(z) = 1 if z > 0, else e^z"),
    "softplus": ("softplus(z) = ln(1 + e^z)   (β = 1)", "softplus'(z) = σ(z)"),
    "gelu": ("GELU(z) = z·Φ(z) = z·(1 + erf(z/√2))/2", "GELU'(z) = Φ(z) + z·φ(z)"),
    "linear": ("f(z) = z", "f'(z) = 1"),
}

#: Why the peak is what it is.
PEAK_REASONS = {
    "sigmoid": f"چون {code('σ(0) = 0.5')}، داریم {code('σ(0)·(1 − σ(0)) = 0.5·0.5 = 0.25')}.",
    "tanh": f"چون {code('tanh(0) = 0')}، داریم {code('1 − 0² = 1')}.",
    "relu": f"برای {code('z ≤ 0')} مشتق صفر است: نورون خاموش هیچ گرادیانی عبور نمی‌دهد.",
    "leaky_relu": f"برای {code('z ≤ 0')} شیب {code('0.01')} است، پس گرادیان هیچ‌وقت کاملاً صفر نمی‌شود.",
    "elu": f"برای {code('z < 0')} مشتق {code('e^z')} است که کمتر از ۱ است.",
    "softplus": "مشتقش همان سیگموید است و همیشه کمتر از ۱ می‌ماند.",
    "gelu": f"مشتقش در {code('z = √2')} کمی از ۱ بیشتر می‌شود؛ برای z خیلی منفی به صفر می‌رسد.",
    "linear": "ولی پشته‌ای از لایه‌های خطی خودش فقط یک تابع خطی است.",
}

REGIMES = {
    "vanishing": (
        "📉 <b>محوشدگی گرادیان (vanishing gradient)</b>: در گذر واقعی ضریب لایه‌ها به‌طور "
        "میانگین کمتر از ۱ است، پس گرادیانی که به لایه‌های اول می‌رسد به‌صورت نمایی کوچک می‌شود."
    ),
    "steady": (
        "⚖️ در گذر واقعی ضریب هر لایه ۱ است: گرادیان در این مسیر نه کوچک می‌شود نه بزرگ."
    ),
    "exploding": (
        "💥 <b>انفجار گرادیان (exploding gradient)</b>: در گذر واقعی ضریب لایه‌ها به‌طور "
        "میانگین بیشتر از ۱ است، پس حاصل‌ضرب به‌صورت نمایی بزرگ می‌شود."
    ),
}

HIDDEN_NAMES = {"positive": "z > 0", "nonnegative": "z ≥ 0"}


def _derivative(summary: ActSummary, at: str) -> str:
    return f"{SYMBOLS[summary.name]}'({at})"


def _argmax(summary: ActSummary) -> str:
    return "√2" if summary.name == "gelu" else ascii_number(summary.argmax)


def _peak_formula(summary: ActSummary) -> str:
    """``σ'(0) = 0.25`` or ``ReLU'(z) = 1`` (ASCII, for code spans and the picture)."""
    top = ascii_number(summary.max_derivative)
    if summary.where == "point":
        return f"{_derivative(summary, _argmax(summary))} = {top}"
    if summary.where == "infinity":
        return f"{_derivative(summary, 'z')} → {top}"
    return f"{_derivative(summary, 'z')} = {top}"


def _peak_place(summary: ActSummary) -> str:
    """Where the peak is, in a Persian phrase."""
    if summary.where == "point":
        return f"در {code(f'z = {_argmax(summary)}')}" + (
            f" ({code('√2 ≈ 1.414')})" if summary.name == "gelu" else "")
    if summary.where == "everywhere":
        return "برای همهٔ zها"
    if summary.where == "infinity":
        return "که هرگز به آن نمی‌رسد؛ فقط وقتی z به بی‌نهایت می‌رود به ۱ نزدیک می‌شود"
    return f"برای همهٔ {code(HIDDEN_NAMES[summary.where])}"


def _power(factor: float, depth: int) -> str:
    base = ascii_number(factor)
    return f"{base}^{depth}" if factor >= 0 and "e" not in base else f"({base})^{depth}"


def _factor(summary: ActSummary, derivative: float, at: str, relation: str = "=") -> str:
    """``w·σ'(0) = 1.5·0.25 = 0.375`` (just ``σ'(0) = 0.25`` when w = 1)."""
    name = _derivative(summary, at)
    value = ascii_number(summary.w * derivative)
    if summary.w == 1:
        return f"{name} {relation} {value}"
    return f"w·{name} {relation} {ascii_number(summary.w)}·{ascii_number(derivative)} = {value}"


def _best_factor(summary: ActSummary) -> str:
    """The per-layer factor at the derivative's peak."""
    if summary.where == "point":
        return _factor(summary, summary.max_derivative, _argmax(summary))
    relation = "→" if summary.where == "infinity" else "="
    return _factor(summary, summary.max_derivative, "z", relation)


def picture_labels(summary: ActSummary) -> ActLabels:
    symbol = SYMBOLS[summary.name]
    w = "" if summary.w == 1 else f" (w = {ascii_number(summary.w)})"
    peak = "سقف مشتق" if summary.where == "infinity" else "بیشینهٔ مشتق"
    side_factor = ascii_number(summary.w * summary.side_derivative)
    return ActLabels(
        title=f"تابع فعال‌سازی {TITLES[summary.name]} و مشتقش",
        function=ltr(f"{symbol}(z)"),
        derivative="مشتق " + ltr(f"{symbol}'(z)"),
        peak=f"{peak}: {ltr(_peak_formula(summary))}",
        chain_title=f"حاصل‌ضرب مشتق‌ها در مسیری با {fa_int(summary.depth)} لایه{w}",
        depth_axis="تعداد لایه‌ها (N)",
        product_axis="قدرمطلق حاصل‌ضرب (لگاریتمی)",
        best=f"{'حد بالا' if summary.where == 'infinity' else 'بیشترین ضریب'}: {ltr(f'({ascii_number(summary.factor)})^N')}",
        side=f"در {ltr(f'z = {ascii_number(summary.side_z)}')}: {ltr(f'({side_factor})^N')}",
        forward=f"گذر واقعی از {ltr(f'a0 = {ascii_number(summary.a0)}')}",
        best_end=ltr(f"N = {summary.depth}: {ascii_number(summary.products[-1])}"),
        side_end=ltr(f"{ascii_number(summary.side_products[-1])}"),
    )


def caption(summary: ActSummary) -> str:
    """The photo caption (Telegram HTML, under the 1024-character limit)."""
    function, derivative = FORMULAS[summary.name]
    depth = summary.depth
    best = summary.products[-1]
    side = summary.side_products[-1]
    side_z = ascii_number(summary.side_z)
    peak_word = "سقف" if summary.where == "infinity" else "بیشینهٔ"
    chain = (f"🔗 <b>مسیری با {fa_int(depth)} لایه</b> "
             f"(وزن هر پیوند {code(f'w = {ascii_number(summary.w)}')}): "
             "گرادیان لایهٔ اول حاصل‌ضرب ضریب همهٔ لایه‌هاست.")
    best_name = "حد بالا (دست‌نیافتنی)" if summary.where == "infinity" else "بیشترین ضریب"
    best_line = (f"• {best_name}، ضریب هر لایه {code(_best_factor(summary))}: "
                 f"{code(f'{_power(summary.factor, depth)} ≈ {ascii_number(best)}')}، "
                 f"یعنی حدود {fa_number(best)}.")
    side_factor = summary.w * summary.side_derivative
    side_line = (f"• نورونی در {code(f'z = {side_z}')}: "
                 f"{code(_factor(summary, summary.side_derivative, side_z))} و "
                 f"{code(f'{_power(side_factor, depth)} ≈ {ascii_number(side)}')}.")
    forward_line = (f"• گذر واقعی رو به جلو از {code(f'a0 = {ascii_number(summary.a0)}')} "
                    f"(هر لایه {code('z = w·a')} و مشتق در همان z): "
                    f"حاصل‌ضرب {code(f'≈ {ascii_number(summary.forward_products[-1])}')}.")
    lines = [
        f"〰️ <b>تابع فعال‌سازی {TITLES[summary.name]} و مشتقش</b>",
        code(function),
        code(derivative),
        (f"{peak_word} مشتق: {code(_peak_formula(summary))} {_peak_place(summary)}. "
         f"{PEAK_REASONS[summary.name]}"),
        "",
        chain,
        best_line,
        side_line,
        forward_line,
        "",
        REGIMES[summary.forward_regime],
    ]
    if summary.regime == "exploding" and summary.forward_regime != "exploding":
        lines.append(_saturation(summary))
    hint, _ = next_step(summary)
    if hint:
        lines.append(hint)
    return "\n".join(lines)


def _saturation(summary: ActSummary) -> str:
    """Why the best case explodes and the real pass does not."""
    return (f"بیشترین ضریب از ۱ بیشتر است، ولی فقط وقتی ورودی خالص (pre-activation) همهٔ لایه‌ها "
            f"در اوج مشتق بماند. در گذر واقعی {TITLES[summary.name]} اشباع می‌شود، z از اوج دور "
            f"می‌شود و مشتقش کوچک؛ با {code(f'a0 = {ascii_number(summary.a0)}')} این اشباع "
            "از انفجار قوی‌تر است.")


#: Where a hint points at the lab worth trying next (a button under the picture).
BUTTON_BELOW = "(دکمهٔ ▶️ زیر تصویر)"


def next_step(summary: ActSummary) -> tuple[str, str]:
    """What to try next: (the caption's hint, the command its button runs, or "")."""
    depth = summary.depth
    if summary.forward_regime == "exploding":
        return ("درمان: مقداردهی اولیهٔ درست (He یا Xavier)، وزن‌های کوچک‌تر و برش گرادیان "
                "(gradient clipping)."), ""
    if summary.name == "tanh" and summary.regime == "steady":
        return (f"مشتق tanh هرگز از ۱ بیشتر نیست؛ هر انفجاری از وزن‌ها می‌آید: ReLU با "
                f"{code('w = 1.5')} را ببینید {BUTTON_BELOW}."), f"/act relu depth={depth} w=1.5"
    if summary.forward_regime == "vanishing" and summary.name in ("sigmoid", "tanh", "softplus"):
        return f"همین را با ReLU ببینید {BUTTON_BELOW}.", f"/act relu depth={depth}"
    if summary.regime == "steady" and summary.w == 1:
        return (f"با وزن بزرگ‌تر ({code('w = 1.5')}) انفجار را ببینید {BUTTON_BELOW}.",
                f"/act {summary.name} depth={depth} w=1.5")
    return "", ""


def unknown_name(name: str, names: tuple[str, ...], example: str) -> str:
    allowed = "، ".join(code(n) for n in names)
    return with_example(f"تابع فعال‌سازی {code(name)} را نمی‌شناسم. یکی از این‌ها را بنویسید: "
                        f"{allowed}.", example)


def several_names(text: str, example: str) -> str:
    return with_example(f"هر بار فقط یک تابع فعال‌سازی را بررسی می‌کنم، نه {code(text)}.", example)
