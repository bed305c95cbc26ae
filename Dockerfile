# One image for web, worker, beat and the simulator; docker-compose.yml picks the command.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
# The production half of the lock: exact versions, checked against their hashes.
COPY requirements/base.txt requirements/base.txt
RUN pip install --require-hashes --no-deps -r requirements/base.txt
COPY . .
RUN DJANGO_SETTINGS_MODULE=bankint.settings.base python manage.py collectstatic --noinput --verbosity 0
RUN useradd --create-home bankint && mkdir -p /app/var && chown -R bankint /app/var
USER bankint
EXPOSE 8000 8001
CMD ["gunicorn", "bankint.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3"]
