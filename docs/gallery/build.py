"""Every lab's picture as a phone shows it (390 px wide), for the before/after gallery.

    python docs/gallery/build.py docs/gallery/after

Each command goes through the same pipeline a Telegram message takes; stills are saved
scaled to 390 px wide (what a chat shows), animations as their first and last frames.
"""

from __future__ import annotations

import asyncio
import io
import sys
import tempfile
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # this checkout's bot/

from bot.commands.base import Animation, Context, Photo
from bot.commands.router import handle_text
from bot.config import Settings
from bot.fa.html import plain_text, visible_length
from bot.services import open_services

PHONE = 390

LABS = (
    ("gd-quadratic", "/gd 0.1x^2 lr=0.4 steps=25"),
    ("gd-double-well", "/gd x^4-3x^2+x"),
    ("gd-sine-bowl", "/gd sin(x)+0.1x^2"),
    ("gd-2d", "/gd x^2+10y^2 x0=2,1 lr=0.05"),
    ("gd-diverges", "/gd x^2 lr=1.1 steps=10"),
    ("gd-anim", "/gd x^4-3x^2+x anim"),
    ("opt-rosenbrock", "/opt rosenbrock opt=sgd,momentum,adam"),
    ("opt-bumpy-anim", "/opt bumpy anim"),
    ("opt-1d", "/opt x^4-3x^2+x"),
    ("lr", "/lr 0.1x^2 lrs=1,4,6,11"),
    ("backprop", "/backprop"),
    ("act", "/act sigmoid depth=10"),
    ("batch", "/batch batch=1,16,200"),
    ("scale", "/scale"),
    ("fit", "/fit degree=9"),
)


def phone_sized(image: Image.Image) -> Image.Image:
    image = image.convert("RGB")
    height = round(image.height * PHONE / image.width)
    return image.resize((PHONE, height), Image.Resampling.LANCZOS)


def save(reply: Photo | Animation, stem: Path) -> list[str]:
    image = Image.open(io.BytesIO(reply.media.data))
    size = f"{image.width}×{image.height}, {len(reply.media.data) / 1024:.0f} KB"
    if isinstance(reply, Photo):
        phone_sized(image).save(stem.with_suffix(".png"))
        return [f"{stem.name}.png ({size})"]
    frames = getattr(image, "n_frames", 1)
    names = []
    for index, label in ((0, "first"), (frames - 1, "last")):
        image.seek(index)
        phone_sized(image).save(stem.parent / f"{stem.name}-{label}.png")
        names.append(f"{stem.name}-{label}.png")
    return [f"{' / '.join(names)} (GIF {size}, {frames} frames)"]


async def build(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    lines = ["| lab | command | files | caption (characters / lines) |", "|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(token="0:gallery", data_dir=Path(folder))
        async with open_services(settings) as services:
            ctx = Context(services, user_id=1, chat_id=1)
            for slug, command in LABS:
                response = await handle_text(command, ctx)
                files: list[str] = []
                captions = []
                media = [r for r in response.replies if isinstance(r, (Photo, Animation))]
                for number, reply in enumerate(media):
                    stem = out / (slug if number == 0 else f"{slug}-{number + 1}")
                    files += save(reply, stem)
                    shown = plain_text(reply.caption)
                    captions.append(f"{visible_length(reply.caption)} / {len(shown.splitlines())}")
                lines.append(f"| {slug} | `{command}` | {'<br>'.join(files)} | "
                             f"{'<br>'.join(captions)} |")
    (out / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    asyncio.run(build(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/gallery/after")))
