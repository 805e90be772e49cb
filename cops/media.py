"""Public uploads (photos, logos, news images) served by the site itself.

Their names are random and a replaced file gets a new name, so browsers may keep them a long time.
Private files (reports, conventions, documents) are not under MEDIA_ROOT: permission-checked views
serve them (cops.uploads.stored_file_response).
"""

from django.views.decorators.http import require_GET
from django.views.static import serve

MEDIA_MAX_AGE = 30 * 24 * 3600


@require_GET
def public_media(request, path: str, document_root: str):
    response = serve(request, path, document_root=document_root)
    response["Cache-Control"] = f"public, max-age={MEDIA_MAX_AGE}"
    response["X-Content-Type-Options"] = "nosniff"
    return response
