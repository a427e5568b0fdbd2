"""The URLs: the admin, the API under /api/v1/ and the post page."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("blog.urls")),
]

handler404 = "blog.views.not_found"  # JSON under /api/, a page elsewhere (DEBUG off)
