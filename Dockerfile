# COPS Occitanie — production image (web, worker and beat run from it; see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# GDAL for django-leaflet's admin import, Pango + HarfBuzz subsetting for WeasyPrint (fast PDFs),
# a local font for PDFs, gettext for the translation catalogues (xgettext, msgen, msgfmt).
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libgdal32 libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, so that a code change does not reinstall them: the locked versions, each
# checked against its hash (requirements.lock, refreshed by `make lock`).
COPY requirements.lock ./
RUN pip install --require-hashes --no-deps -r requirements.lock

COPY . .
# The translation catalogues, by the same recipe as `make` and CI (French generated from the code).
RUN python manage.py build_catalogues \
    && useradd --create-home --uid 1000 cops \
    && mkdir -p /app/staticfiles /data/media /data/private \
    && chown -R cops:cops /app/staticfiles /data

USER cops
ENV MEDIA_ROOT=/data/media \
    PRIVATE_MEDIA_ROOT=/data/private
EXPOSE 8000
CMD ["gunicorn", "cops.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
