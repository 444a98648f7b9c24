FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md constraints.txt ./
COPY participatie ./participatie
COPY web ./web
COPY workers ./workers
RUN pip install --no-cache-dir -c constraints.txt .
USER nobody
