"""Read by gunicorn from its working directory (the image's /app) whatever its command line."""

# Personal links carry a secret in their path: the access log masks it.
logger_class = "cops.gunicorn_logging.SecretLinkLogger"
