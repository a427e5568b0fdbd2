"""The post page, and the 404 of the whole site (JSON under /api/)."""

from django.shortcuts import get_object_or_404, render

from blog.api import error
from blog.models import Post


def show_post(request, post_id):
    post = get_object_or_404(Post.objects.select_related("author"), pk=post_id)
    return render(request, "blog/post.html", {"post": post})


def not_found(request, exception):
    if request.path.startswith("/api/"):
        return error(404, "There is no such URL in the API")
    return render(request, "404.html", status=404)
