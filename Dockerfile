# One image for both roles: `jasette web` and `jasette worker` (see docker-compose.yml).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY collector ./collector
COPY emulators ./emulators
COPY inbox ./inbox
COPY jasette ./jasette
COPY nlp ./nlp
COPY web ./web
RUN pip install --no-cache-dir . && useradd --system --home /app jasette
USER jasette
EXPOSE 8000
CMD ["jasette", "web"]
