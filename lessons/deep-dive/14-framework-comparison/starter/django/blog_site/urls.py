"""The URLs of the Django blog.

TODO (d14): route the spec's URLs here:
- the admin at /admin/ (`path("admin/", admin.site.urls)`, from django.contrib.admin);
- the API under /api/v1/ and the post page /posts/<id>, from blog/urls.py
  (`path("", include("blog.urls"))`);
- `handler404 = "blog.views.not_found"`, so an unknown URL under /api/ answers the spec's
  JSON error instead of Django's HTML page.
"""

urlpatterns = []
