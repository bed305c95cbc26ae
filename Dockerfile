# One image for web, worker, beat and the simulator; docker-compose.yml picks the command.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
# The production half of the lock: exact versions, checked against their hashes.
COPY requirements/base.txt requirements/base.txt
RUN pip install --require-hashes --no-deps -r requirements/base.txt
COPY . .
# collectstatic connects to nothing; the URLs only satisfy the settings' required variables.
RUN DJANGO_SETTINGS_MODULE=bankint.settings.base DATABASE_URL=postgres://build@localhost/unused \
    CELERY_BROKER_URL=redis://localhost:6379/0 REDIS_URL=redis://localhost:6379/1 \
    python manage.py collectstatic --noinput --verbosity 0
RUN useradd --create-home bankint && mkdir -p /app/var && chown -R bankint /app/var
USER bankint
EXPOSE 8000 8001
CMD ["gunicorn", "bankint.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3"]
