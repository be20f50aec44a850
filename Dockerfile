FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    BOT_DATA_DIR=/data

WORKDIR /app

RUN useradd --create-home --uid 10001 bot \
    && mkdir -p /data \
    && chown bot:bot /data

COPY pyproject.toml README.md ./
COPY bot ./bot
COPY lessons ./lessons
RUN pip install --no-cache-dir .

USER 10001:10001
VOLUME ["/data"]
ENTRYPOINT ["python", "-m", "bot", "run"]
