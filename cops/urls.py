import re

from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path, re_path
from django.views.i18n import JavaScriptCatalog

from cops import views
from cops.media import public_media
from cops.sitemaps import all_sitemaps, robots_txt

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # Every app's sitemaps.py, collected once (cops/apps.py imported them before the URLs load).
    path("sitemap.xml", sitemap, {"sitemaps": all_sitemaps()}, name="sitemap"),
    path("robots.txt", robots_txt, name="robots_txt"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("", include("cops.urls_platform")),
    path("compte/", include("actors.urls")),
    path("", include("actors.charter_urls")),
    path("", include("directory.urls")),
    path("barometre/", include("barometer.urls")),
    path("auto-evaluation/", include("selfassess.urls")),
    path("accompagnements/", include("accompaniment.urls")),
    path("agenda/", include("actors.events.urls")),
    path("", include("actors.newsletter.urls")),
    path("", include("actors.newsletter.issue_urls")),
    path("admin/", admin.site.urls),
]

if settings.SERVE_MEDIA:
    # Only the public uploads: private files (reports, conventions, documents) live elsewhere and
    # are served by permission-checked views.
    urlpatterns += [
        re_path(
            rf"^{re.escape(settings.MEDIA_URL.lstrip('/'))}(?P<path>.*)$",
            public_media,
            {"document_root": settings.MEDIA_ROOT},
            name="media",
        )
    ]
