"""TODO (d14): the blog's URLs (the API's views in blog/api.py, the page in blog/views.py)."""

urlpatterns = []
